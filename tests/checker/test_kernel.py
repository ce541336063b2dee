"""Tests for checker/engine/zones/kernel.py: the native DBM kernel and its fallback, each held
to the reference checker/engine/zones/dbm.py operation by operation.

Zones are built by random reference operations (constrain, up, reset, free) in dimensions
1..8 with small constants, constants near MAX_CONSTANT, or constants near MAX_ENTRY (which
exercise the range checks); strict and non-strict bounds.  Every reference result that fits
the representation must come back identical from both implementations; one that does not
must raise OverflowError, never come back wrapped.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.engine.zones import dbm, fallback, kernel

NATIVE, WHY_NOT_NATIVE = kernel.load_native(respect_env=False)
needs_native = pytest.mark.skipif(
    NATIVE is None, reason=f"native DBM kernel not available: {WHY_NOT_NATIVE}")
IMPLS = [pytest.param(fallback, id="fallback"),
         pytest.param(NATIVE, id="native", marks=needs_native)]

MAXC = kernel.MAX_CONSTANT
MAXE = kernel.MAX_ENTRY
RAW_MIN, RAW_MAX = -2 * MAXE, 2 * MAXE + 1
PROP = settings(deadline=None, max_examples=150, database=None)


def fits(t) -> bool:
    return t is None or all(v == dbm.INF or RAW_MIN <= v <= RAW_MAX for v in t)


def enc(t, n):
    return fallback.encode(t, n)


def dec(b, n):
    return fallback.decode(b, n)


# ----------------------------------------------------------------------------- strategies

SCALES = {
    "small": st.integers(-4, 4),
    "max": st.one_of(st.integers(-4, 4), st.integers(MAXC - 3, MAXC),
                     st.integers(-MAXC, -MAXC + 3)),
    "entry": st.one_of(st.integers(-4, 4), st.integers(MAXE - 3, MAXE),
                       st.integers(-MAXE, -MAXE + 3), st.integers(MAXE // 2 - 2, MAXE // 2 + 2)),
}


@st.composite
def raws(draw, consts):
    return dbm.bound(draw(consts), draw(st.booleans()))


@st.composite
def constraints(draw, n, consts, diagonal=True):
    if n == 1:
        return (0, 0, draw(raws(consts)))
    if diagonal:
        i = draw(st.integers(0, n - 1))
        j = draw(st.sampled_from([k for k in range(n) if k != i]))
    else:
        x = draw(st.integers(1, n - 1))
        i, j = draw(st.sampled_from([(x, 0), (0, x)]))
    return (i, j, draw(raws(consts)))


@st.composite
def zones(draw, n=None, scale=None, diagonal=None):
    """(n, consts, z): a representable canonical zone built from zero/universe."""
    if n is None:
        n = draw(st.integers(1, 8))
    if scale is None:
        scale = draw(st.sampled_from(["small", "small", "max", "entry"]))
    if diagonal is None:
        diagonal = draw(st.booleans())
    consts = SCALES[scale]
    z = draw(st.sampled_from([dbm.zero(n), dbm.universe(n)]))
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["constrain"] * 4 + ["up", "reset", "free"]))
        if op == "constrain":
            i, j, raw = draw(constraints(n, consts, diagonal))
            nz = dbm.constrain(z, n, i, j, raw)
        elif op == "up":
            nz = dbm.up(z, n)
        elif n == 1:
            continue
        elif op == "reset":
            nz = dbm.reset(z, n, draw(st.integers(1, n - 1)), draw(st.integers(0, 3)))
        else:
            nz = dbm.free(z, n, draw(st.integers(1, n - 1)))
        if nz is not None and fits(nz):
            z = nz
    return n, consts, z


@st.composite
def lu(draw, n, consts):
    def one():
        return draw(st.one_of(st.just(-1), consts.map(abs)))
    return [0] + [one() for _ in range(n - 1)], [0] + [one() for _ in range(n - 1)]


def stepwise(z, n, cs):
    """constrain_all one constraint at a time: (result, whether every step fits)."""
    ok = fits(z)
    for c in cs:
        if z is None:
            break
        z = dbm.constrain(z, n, *c)
        ok = ok and fits(z)
    return z, ok


def expect_zone_steps(call, z, n, cs):
    """call() applies cs to z: the reference result, or OverflowError only if some single
    step leaves the range (the native kernel checks every step; the fallback the result)."""
    ref, ok = stepwise(z, n, cs)
    try:
        got = call()
    except OverflowError:
        assert not ok or not fits(ref)
        return
    assert fits(ref)
    assert (None if got is None else dec(got, n)) == ref


def expect_zone(call, ref, n):
    """call() must give ref (a reference zone or None), or OverflowError if ref does not fit."""
    if not fits(ref):
        with pytest.raises(OverflowError):
            call()
        return
    got = call()
    assert (None if got is None else dec(got, n)) == ref


# ----------------------------------------------------------------------------- conversion


@pytest.mark.parametrize("impl", IMPLS)
def test_encode_decode(impl):
    n = 3
    z = dbm.up(dbm.constrain(dbm.zero(n), n, 1, 0, dbm.bound(5, True)), n)
    b = impl.encode(z, n)
    assert isinstance(b, bytes) and len(b) == 36
    assert impl.decode(b, n) == z
    assert impl.decode(None, n) is None and impl.encode(None, n) is None
    assert list(memoryview(b).cast("i"))[3] == kernel.INF  # x1 - x0 unbounded after up
    for bad in (dbm.bound(MAXE + 1, False), dbm.bound(-MAXE - 1, False), kernel.INF):
        t = list(z)
        t[1] = bad
        with pytest.raises(OverflowError):
            impl.encode(t, n)
    ok = list(z)
    ok[1], ok[3] = dbm.bound(-MAXE, True), dbm.bound(MAXE, False)
    assert impl.decode(impl.encode(ok, n), n) == tuple(ok)
    with pytest.raises(ValueError):
        impl.encode(z, 2)
    with pytest.raises(ValueError):
        impl.decode(b, 2)
    with pytest.raises(TypeError):
        impl.decode(list(z), n)


def test_constants():
    assert kernel.MAX_CONSTANT >= 2**28 - 1
    assert kernel.MAX_ENTRY == 4 * kernel.MAX_CONSTANT
    assert 2 * kernel.MAX_ENTRY + 1 < kernel.INF == 2**31 - 1
    assert kernel.LE_ZERO == dbm.LE_ZERO and kernel.LT_ZERO == dbm.LT_ZERO
    for name in kernel.__all__:
        assert hasattr(kernel, name)
    if NATIVE is not None:
        for name in ("INF", "MAX_CONSTANT", "MAX_ENTRY", "MAX_DIM", "LE_ZERO", "LT_ZERO"):
            assert getattr(NATIVE, name) == getattr(fallback, name)


@pytest.mark.parametrize("impl", IMPLS)
def test_zero_universe(impl):
    for n in range(1, 9):
        assert dec(impl.zero(n), n) == dbm.zero(n)
        assert dec(impl.universe(n), n) == dbm.universe(n)
    with pytest.raises(ValueError):
        impl.zero(0)
    with pytest.raises(ValueError):
        impl.zero(kernel.MAX_DIM + 1)


# ----------------------------------------------------------------------------- operations


@st.composite
def raw_matrices(draw):
    n = draw(st.integers(1, 6))
    consts = SCALES[draw(st.sampled_from(["small", "max", "entry"]))]
    m = [draw(st.one_of(st.just(dbm.INF), raws(consts))) for _ in range(n * n)]
    return n, m


@pytest.mark.parametrize("impl", IMPLS)
@PROP
@given(args=raw_matrices())
def test_canonical(impl, args):
    n, m = args
    expect_zone(lambda: impl.canonical(enc(m, n), n), dbm.canonical(m, n), n)


@pytest.mark.parametrize("impl", IMPLS)
def test_canonical_exact_at_the_edges(impl):
    """Sums beyond the range: an empty zone is None (not OverflowError), a non-empty one
    with an entry beyond the range is OverflowError, one whose sums only pass through the
    range's edge is exact."""
    n = 4
    big = dbm.bound(MAXE, False)
    m = list(dbm.universe(n))
    m[1 * n + 0] = big  # x1 <= E
    m[2 * n + 1] = big  # x2 - x1 <= E: x2 <= 2E does not fit
    with pytest.raises(OverflowError):
        impl.canonical(enc(m, n), n)
    m[0 * n + 2] = dbm.bound(-MAXE, False)  # x2 >= E ...
    m[3 * n + 2] = dbm.bound(-MAXE, False)  # x3 - x2 <= -E ...
    m[0 * n + 3] = dbm.bound(-MAXE, True)  # ... and x3 > E: empty, though x2 - x0 ... overflow
    assert dbm.canonical(m, n) is None
    assert impl.canonical(enc(m, n), n) is None
    # a negative cycle through huge entries
    m = list(dbm.universe(n))
    m[1 * n + 2] = dbm.bound(-MAXE, False)
    m[2 * n + 3] = dbm.bound(-MAXE, False)
    m[3 * n + 1] = dbm.bound(MAXE, False)
    m[0 * n + 1] = dbm.bound(-MAXE, False)
    assert dbm.canonical(m, n) is None and impl.canonical(enc(m, n), n) is None


def test_an_intermediate_beyond_the_range():
    """x1 <= E, then x2 - x1 <= E (so x2 <= 2E, beyond the range), then x1 <= 0 (x2 <= E
    again): the native kernel raises at the step that leaves the range; the fallback, which
    checks results only, returns the exact zone. Neither returns a wrong one."""
    n = 3
    E = dbm.bound(MAXE, False)
    cs = [(1, 0, E), (2, 1, E), (1, 0, dbm.LE_ZERO)]
    z = dbm.universe(n)
    assert fits(dbm.constrain_all(z, n, cs)) and not stepwise(z, n, cs)[1]
    assert dec(fallback.constrain_all(enc(z, n), n, cs), n) == dbm.constrain_all(z, n, cs)
    if NATIVE is not None:
        with pytest.raises(OverflowError):
            NATIVE.constrain_all(enc(z, n), n, cs)
        with pytest.raises(OverflowError):
            NATIVE.successor(enc(z, n), n, cs, (), ())


@pytest.mark.parametrize("impl", IMPLS)
@PROP
@given(nz=zones())
def test_up_down(impl, nz):
    n, _, z = nz
    b = enc(z, n)
    expect_zone(lambda: impl.up(b, n), dbm.up(z, n), n)
    expect_zone(lambda: impl.down(b, n), dbm.down(z, n), n)


@pytest.mark.parametrize("impl", IMPLS)
@PROP
@given(nz=zones(), data=st.data())
def test_constrain(impl, nz, data):
    n, consts, z = nz
    b = enc(z, n)
    i, j, raw = data.draw(constraints(n, consts))
    expect_zone(lambda: impl.constrain(b, n, i, j, raw), dbm.constrain(z, n, i, j, raw), n)
    cs = [data.draw(constraints(n, consts)) for _ in range(data.draw(st.integers(0, 4)))]
    expect_zone_steps(lambda: impl.constrain_all(b, n, cs), z, n, cs)
    ref, ok = stepwise(z, n, cs)
    if ok:
        assert impl.satisfies(b, n, cs) == (ref is not None)
    assert impl.constrain(None, n, i, j, raw) is None
    assert impl.constrain_all(None, n, cs) is None and not impl.satisfies(None, n, cs)
    assert impl.constrain(b, n, i, j, kernel.INF) == b  # no bound: unchanged


@pytest.mark.parametrize("impl", IMPLS)
@PROP
@given(nz=zones(), data=st.data())
def test_reset_free(impl, nz, data):
    n, _, z = nz
    if n == 1:
        return
    b = enc(z, n)
    x = data.draw(st.integers(1, n - 1))
    v = data.draw(st.one_of(st.just(0), st.integers(0, 5), st.integers(MAXC - 2, MAXC)))
    expect_zone(lambda: impl.reset(b, n, x), dbm.reset(z, n, x), n)
    expect_zone(lambda: impl.reset(b, n, x, v), dbm.reset(z, n, x, v), n)
    expect_zone(lambda: impl.free(b, n, x), dbm.free(z, n, x), n)
    with pytest.raises(ValueError):
        impl.reset(b, n, 0)
    with pytest.raises(ValueError):
        impl.reset(b, n, x, -1)


@pytest.mark.parametrize("impl", IMPLS)
@PROP
@given(nz=zones(), data=st.data())
def test_intersect_inclusion_alu(impl, nz, data):
    n, consts, z1 = nz
    _, _, z2 = data.draw(zones(n))
    b1, b2 = enc(z1, n), enc(z2, n)
    expect_zone(lambda: impl.intersect(b1, b2, n), dbm.intersect(z1, z2, n), n)
    assert impl.is_included(b1, b2, n) == dbm.is_included(z1, z2, n)
    assert impl.is_included(b1, b1, n)
    L, U = data.draw(lu(n, consts))
    assert impl.alu_included(b1, b2, n, L, U) == dbm.alu_included(z1, z2, n, L, U)
    LB, UB = impl.encode_bounds(L, n), impl.encode_bounds(U, n)
    assert impl.alu_included(b1, b2, n, LB, UB) == dbm.alu_included(z1, z2, n, L, U)
    assert impl.alu_included(b1, b1, n, L, U)


@pytest.mark.parametrize("impl", IMPLS)
@PROP
@given(nz=zones(), data=st.data())
def test_extrapolate_lu(impl, nz, data):
    n, consts, z = nz
    b = enc(z, n)
    L, U = data.draw(lu(n, consts))
    for kind, plus in ((kernel.EXTRA_LU, False), (kernel.EXTRA_PLUS_LU, True)):
        ref = dbm.extrapolate_lu(z, n, L, U, plus=plus)
        expect_zone(lambda kind=kind: impl.extrapolate_lu(b, n, L, U, kind), ref, n)
        LB, UB = impl.encode_bounds(L, n), impl.encode_bounds(U, n)
        expect_zone(lambda kind=kind, lb=LB, ub=UB: impl.extrapolate_lu(b, n, lb, ub, kind),
                    ref, n)
    M = [max(a, c) for a, c in zip(L, U)]
    expect_zone(lambda: impl.extrapolate_lu(b, n, M, M, kernel.EXTRA_PLUS_LU),
                dbm.extrapolate_m(z, n, M), n)
    with pytest.raises(ValueError):
        impl.extrapolate_lu(b, n, L, U, 2)


@pytest.mark.parametrize("impl", IMPLS)
@settings(deadline=None, max_examples=100, database=None)
@given(nz=zones(), data=st.data())
def test_subtract_and_stuck(impl, nz, data):
    n, consts, z = nz
    others = [data.draw(zones(n, diagonal=False))[2] for _ in range(data.draw(st.integers(0, 3)))]
    pres = [dbm.intersect(p, z, n) for p in others]
    pres = [p for p in pres if fits(p)]
    b = enc(z, n)
    bs = [None if p is None else enc(p, n) for p in pres]
    for p, q in zip(pres, bs):
        ref = dbm.subtract(z, p, n)
        if all(fits(piece) for piece in ref):
            assert [dec(piece, n) for piece in impl.subtract(b, q, n)] == ref
    ref = dbm.stuck_part(z, pres, n)
    if all(fits(piece) for piece in ref):
        assert [dec(piece, n) for piece in impl.stuck_part(b, bs, n)] == ref
        assert impl.is_stuck_free(b, bs, n) == (not ref)


# ----------------------------------------------------------------------------- fused


def _reference_successor(z, n, guard, resets, inv2):
    """explore_zones's per-transition computation; also whether every step fits."""
    z1, ok = stepwise(z, n, guard)
    if z1 is None:
        return (None, None), ok
    z3 = z1
    for x in resets:
        z3 = dbm.reset(z3, n, x)
    z3, ok3 = stepwise(z3, n, inv2)
    ok = ok and ok3
    if z3 is None:
        return (None, None), ok
    pre, ok_pre = stepwise(z1, n, [c for c in inv2 if c[0] not in resets])
    succ, ok_succ = stepwise(dbm.up(z3, n), n, inv2)
    return (pre, succ), ok and ok_pre and ok_succ


@pytest.mark.parametrize("impl", IMPLS)
@settings(deadline=None, max_examples=250, database=None)
@given(nz=zones(), data=st.data())
def test_successor_is_the_composition(impl, nz, data):
    n, consts, z = nz
    b = enc(z, n)
    diagonal = data.draw(st.booleans())
    guard = [data.draw(constraints(n, consts, diagonal))
             for _ in range(data.draw(st.integers(0, 3)))]
    inv2 = [data.draw(constraints(n, consts, False)) for _ in range(data.draw(st.integers(0, 2)))]
    resets = [] if n == 1 else data.draw(
        st.lists(st.integers(1, n - 1), max_size=min(3, n - 1), unique=True))
    guard_arg = data.draw(st.sampled_from([guard, tuple(guard)])) if guard else \
        data.draw(st.sampled_from([None, (), []]))
    (pre, succ), all_fit = _reference_successor(z, n, guard, resets, inv2)
    try:
        got = impl.successor(b, n, guard_arg, tuple(resets), tuple(inv2))
    except OverflowError:
        assert not all_fit  # only when some stage leaves the range
        return
    if not (fits(pre) and fits(succ)):
        pytest.fail("a result beyond the range came back")
    assert got == (None if pre is None else enc(pre, n), None if succ is None else enc(succ, n))


@pytest.mark.parametrize("impl", IMPLS)
@PROP
@given(nz=zones(), data=st.data())
def test_close_is_the_composition(impl, nz, data):
    n, consts, z = nz
    b = enc(z, n)
    inv = [data.draw(constraints(n, consts, False)) for _ in range(data.draw(st.integers(0, 2)))]
    L, U = data.draw(lu(n, consts))
    for kind, plus in ((kernel.EXTRA_LU, False), (kernel.EXTRA_PLUS_LU, True)):
        t, ok = stepwise(dbm.up(z, n), n, inv)
        ref = None if t is None else dbm.extrapolate_lu(t, n, L, U, plus=plus)
        try:
            got = impl.close(b, n, inv, L, U, kind)
        except OverflowError:
            assert not (ok and fits(ref))
            continue
        assert fits(ref)
        assert (None if got is None else dec(got, n)) == ref


@st.composite
def diagonal_free_runs(draw):
    """A random run of the zone engine's chain on a diagonal-free model whose constants are
    all at most max_constant(n), mostly exactly that."""
    n = draw(st.integers(2, 8))
    M = kernel.max_constant(n)
    const = st.one_of(st.just(M), st.just(M - 1), st.integers(0, 2), st.integers(0, M))
    bounds = st.one_of(st.just(M), st.just(-1), st.integers(0, M))
    L = [0] + [draw(bounds) for _ in range(n - 1)]
    U = [0] + [draw(bounds) for _ in range(n - 1)]
    clock = st.integers(1, n - 1)
    atom = st.one_of(
        st.builds(lambda x, c, s: (x, 0, dbm.bound(c, s)), clock, const, st.booleans()),
        st.builds(lambda x, c, s: (0, x, dbm.bound(-c, s)), clock, const, st.booleans()))
    steps = draw(st.lists(st.tuples(
        st.lists(atom, max_size=3),
        st.lists(st.builds(lambda x, c: (x, 0, dbm.bound(c, False)), clock, const), max_size=2),
        st.lists(clock, max_size=2, unique=True)), min_size=5, max_size=25))
    return n, M, L, U, draw(st.booleans()), steps


@settings(deadline=None, max_examples=120, database=None)
@given(run=diagonal_free_runs())
def test_engine_chain_stays_in_range(run):
    """The argument of _dbm.c's header, tried: with constants <= M = max_constant(n), every
    zone of the chain lies within [-nM, (n+1)M] and every extrapolated one within
    [-(n-1)M, (n-1)M]; so the kernels never raise and agree with the reference."""
    n, M, L, U, plus, steps = run
    kind = kernel.EXTRA_PLUS_LU if plus else kernel.EXTRA_LU
    impls = [fallback] + ([NATIVE] if NATIVE is not None else [])

    def within(t, lo, hi):
        return t is None or all(lo <= dbm.bound_constant(v) <= hi for v in t if v != dbm.INF)

    z = dbm.extrapolate_lu(dbm.up(dbm.zero(n), n), n, L, U, plus=plus)
    for guard, inv, resets in steps:
        (pre, succ), _ = _reference_successor(z, n, guard, resets, inv)
        for impl in impls:
            assert impl.successor(enc(z, n), n, guard, resets, inv) == (
                None if pre is None else enc(pre, n), None if succ is None else enc(succ, n))
        if succ is None:
            continue
        z1 = dbm.constrain_all(z, n, guard)
        assert within(z1, -n * M, (n + 1) * M) and within(pre, -n * M, (n + 1) * M)
        assert within(succ, -n * M, (n + 1) * M)
        nxt = dbm.extrapolate_lu(dbm.constrain_all(dbm.up(succ, n), n, inv), n, L, U, plus=plus)
        assert within(nxt, -(n - 1) * M, (n - 1) * M)
        for impl in impls:
            assert impl.close(enc(succ, n), n, inv, L, U, kind) == enc(nxt, n)
        z = nxt


def test_max_constant():
    assert kernel.max_constant(3) == kernel.MAX_CONSTANT == 2**28 - 1
    assert kernel.max_constant(10) == (2**30 - 4) // 11
    assert all(kernel.max_constant(n) * (n + 1) <= kernel.MAX_ENTRY for n in range(1, 300))


# ----------------------------------------------------------------------------- ZoneStore


@st.composite
def add_sequences(draw):
    n = draw(st.integers(1, 5))
    scale = draw(st.sampled_from(["small", "max"]))
    pool = [draw(zones(n, scale))[2] for _ in range(draw(st.integers(1, 6)))]
    dids = draw(st.integers(1, 3))
    bounds = [draw(lu(n, SCALES[scale])) for _ in range(dids)]
    mode = draw(st.sampled_from(["inclusion", "alu"]))
    adds = draw(st.lists(st.tuples(st.integers(0, dids - 1), st.integers(0, len(pool) - 1)),
                         max_size=30))
    return n, pool, bounds, mode, adds


def _model_add(n, active, zones_, did, z, covers):
    """explore_zones's add(), the behaviour ZoneStore must have."""
    bucket = active.setdefault(did, [])
    for i in bucket:
        if covers(z, zones_[i]):
            return -1 - i
    keep = [i for i in bucket if not covers(zones_[i], z)]
    zones_.append(z)
    keep.append(len(zones_) - 1)
    active[did] = keep
    return len(zones_) - 1


@pytest.mark.parametrize("impl", IMPLS)
@settings(deadline=None, max_examples=150, database=None)
@given(seq=add_sequences())
def test_zone_store_is_the_passed_list(impl, seq):
    n, pool, bounds, mode, adds = seq
    store = impl.ZoneStore(n)
    active: dict[int, list[int]] = {}
    zones_: list[tuple] = []
    dids = []
    for did, k in adds:
        L, U = bounds[did]
        if mode == "alu":
            def covers(a, b, L=L, U=U):
                return dbm.alu_included(a, b, n, L, U)
        else:
            def covers(a, b):
                return dbm.is_included(a, b, n)
        expected = _model_add(n, active, zones_, did, pool[k], covers)
        if expected >= 0:
            dids.append(did)
        bl, bu = (impl.encode_bounds(L, n), impl.encode_bounds(U, n)) if k % 2 else (L, U)
        assert store.add(did, enc(pool[k], n), bl, bu, mode) == expected
    assert len(store) == len(zones_)
    for node, z in enumerate(zones_):
        assert dec(store.zone(node), n) == z and store.did(node) == dids[node]
    for did in range(len(bounds)):
        assert store.active(did) == active.get(did, [])
    assert store.nbytes >= len(zones_) * n * n * 4
    with pytest.raises(IndexError):
        store.zone(len(zones_))


@pytest.mark.parametrize("impl", IMPLS)
def test_zone_store_rejects_bad_arguments(impl):
    store = impl.ZoneStore(2)
    z = impl.universe(2)
    with pytest.raises(ValueError):
        store.add(0, z, None, None, "subset")
    with pytest.raises(ValueError):
        store.add(-1, z, None, None, "inclusion")
    with pytest.raises(ValueError):
        store.add(0, impl.universe(3), None, None, "inclusion")
    with pytest.raises(ValueError):
        impl.ZoneStore(0)
    assert store.add(0, z, None, None, "inclusion") == 0
    assert store.add(0, z, None, None, "inclusion") == -1
    assert store.add(5, z, [0, 1], [0, 1], "alu") == 1 and store.active(3) == []


@needs_native
def test_zone_store_memory_per_state():
    """The native store holds a zone in its n*n*4 bytes plus a few bytes of bookkeeping:
    under 200 per symbolic state (measured as nbytes over 20,000 stored zones)."""
    for n in (3, 5, 10):
        store = NATIVE.ZoneStore(n)
        base = dbm.up(dbm.zero(n), n)
        for k in range(20_000):
            z = dbm.constrain(base, n, 1, 0, dbm.bound(k, False))  # pairwise incomparable ...
            z = dbm.constrain(z, n, 0, 1, dbm.bound(-k, False))  # ... points x1 == k
            assert store.add(k % 1000, enc(z, n), None, None, "inclusion") == k
        per_state = store.nbytes / len(store) - n * n * 4
        assert 0 < per_state <= 200, (n, per_state)


# ----------------------------------------------------------------------------- selection


def _kernel_in_subprocess(env_value: str | None) -> str:
    env = dict(os.environ)
    env.pop("TOCK_NATIVE", None)
    if env_value is not None:
        env["TOCK_NATIVE"] = env_value
    code = ("from checker.engine.zones import kernel as k; "
            "print(k.NATIVE, k.zero.__module__, k.WHY_NOT, sep='|')")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def test_tock_native_0_uses_the_fallback_and_says_so():
    native, module, why = _kernel_in_subprocess("0").split("|")
    assert native == "False"
    assert module == "checker.engine.zones.fallback"
    assert "TOCK_NATIVE=0" in why and "\n" not in why


@needs_native
def test_native_is_used_by_default():
    native, module, why = _kernel_in_subprocess(None).split("|")
    assert (native, why) == ("True", "None")
    assert module != "checker.engine.zones.fallback"


def test_fallback_engine_code_is_the_same():
    """Same names, same result types on both implementations."""
    for name in kernel.__all__:
        if name in ("NATIVE", "WHY_NOT", "load_native", "EXTRA_LU", "EXTRA_PLUS_LU",
                    "INCLUSION", "ALU",
                    "contains_point", "max_constant",
                    "SlotMap"):  # native only: without it the search keeps a dict (Slots)
            continue
        assert hasattr(fallback, name), name
        if NATIVE is not None:
            assert hasattr(NATIVE, name), name
    n = 3
    z = fallback.up(fallback.zero(n), n)
    pre, succ = fallback.successor(z, n, [(1, 0, dbm.bound(2, False))], (2,), ())
    assert isinstance(pre, bytes) and isinstance(succ, bytes)
    assert kernel.contains_point(succ, n, [2, 0]) and not kernel.contains_point(succ, n, [3, 0])


@needs_native
@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 300), st.integers(0, 2**64 - 1)), max_size=600))
def test_slot_map_numbers_states_as_a_dict_in_insertion_order(keys: list[int]) -> None:
    # kernel.SlotMap (the zone search's discrete state -> slot, extrapolation.new_slots)
    # against a dict that gives each new key the next slot, through the table's growth
    native = kernel.SlotMap()
    model: dict[int, int] = {}
    for k in keys:
        assert native.get(k) == model.get(k)
        assert (k in native) == (k in model)
        assert native.insert(k) == model.setdefault(k, len(model))
        assert native[k] == model[k] and len(native) == len(model)
    assert [native.key(slot) for slot in range(len(model))] == list(model)
    absent = next(k for k in range(len(model) + 1) if k not in model)
    assert native.get(absent) is None and native.get(absent, -1) == -1
    with pytest.raises(KeyError):
        native[absent]
    for bad in (-1, 2**64):  # not a packed state of at most 64 bits
        assert bad not in native
        with pytest.raises(OverflowError):
            native.insert(bad)
    bare = kernel.SlotMap.__new__(kernel.SlotMap)  # never initialised: an error, not a crash
    with pytest.raises(RuntimeError):
        bare.get(1)
    assert 1 not in bare and len(bare) == 0


def test_new_slots_are_native_only_for_states_of_at_most_64_bits() -> None:
    from checker.engine.zones.extrapolation import Slots, new_slots

    assert isinstance(new_slots(65), Slots) and isinstance(new_slots(-1), Slots)
    narrow = new_slots(64)
    assert isinstance(narrow, Slots) == (kernel.SlotMap is None)
    # either kind: a new state's slot is the next one, with its facts not yet known
    for table in (narrow, new_slots(65)):
        assert [table[d] for d in (2**64 - 1, 7, 2**64 - 1, 0)] == [0, 1, 0, 2]
        assert table.get(5) is None and table.get(7) == 1
        assert list(table.inv_of) == list(table.key_of) == [-1, -1, -1]


@needs_native
def test_the_search_counts_the_same_with_either_slot_table(monkeypatch) -> None:
    from checker import check
    from checker.render.json import render_json

    native = render_json(check("bench/fischer_tchecker.tock", constants={"N": 4, "K": 10}))
    monkeypatch.setattr(kernel, "SlotMap", None)
    plain = render_json(check("bench/fischer_tchecker.tock", constants={"N": 4, "K": 10}))
    assert native == plain and '"states": 220' in native
