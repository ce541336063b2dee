"""Tests for checker.dbm: difference-bound matrices.

Property tests compare each operation with its set-theoretic definition on a
grid of points.  Coordinates are handled as integers in quarter units: grid
points are the half-integers 0, 1/2, .., 6 (enough to tell ``<`` from ``<=``
with integer constants), and existential quantifiers (over a delay or a reset
clock's old value) are decided exactly as intervals of reals.
"""

from __future__ import annotations

import itertools
import re
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.engine.zones import dbm
from checker.engine.zones.dbm import (
    INF,
    LE_ZERO,
    LT_ZERO,
    add,
    alu_included,
    bound,
    bound_constant,
    bound_is_strict,
    canonical,
    constrain,
    constrain_all,
    contains_point,
    down,
    extrapolate_lu,
    extrapolate_m,
    federation_is_empty,
    federation_subtract,
    format_dbm,
    free,
    intersect,
    is_included,
    reset,
    satisfies_some,
    stuck_part,
    subtract,
    universe,
    up,
    zero,
)

Q = 4  # quarter units
GRID = range(0, 6 * Q + 1, Q // 2)  # half-integers 0 .. 6


def le(c: int) -> int:
    return bound(c, False)


def lt(c: int) -> int:
    return bound(c, True)


# ----------------------------------------------------------------------------- oracle


def entries(z, n):
    """The constraints (i, j, raw) stated by a DBM (its semantics is their conjunction)."""
    return [
        (i, j, z[i * n + j])
        for i in range(n)
        for j in range(n)
        if i != j and z[i * n + j] != INF
    ]


def sat(cons, p) -> bool:
    """p: quarter-unit coordinates with p[0] == 0 (the reference clock)."""
    for i, j, raw in cons:
        d, lim = p[i] - p[j], (raw >> 1) * Q
        if d > lim or (d == lim and not raw & 1):
            return False
    return True


def points(n):
    for rest in itertools.product(GRID, repeat=n - 1):
        yield (0, *rest)


def member(z, n, p) -> bool:
    return z is not None and sat(entries(z, n), p)


def exists_t(cons, base, slope) -> bool:
    """Is there a real t >= 0 with p(t) = base + slope * t in the zone given by
    ``cons`` and every clock p_k(t) >= 0?  Slopes are -1, 0 or 1."""
    lo, lo_strict = Fraction(0), False
    hi, hi_strict = None, False
    n = len(base)
    cons = list(cons) + [(0, k, LE_ZERO) for k in range(1, n)]
    for i, j, raw in cons:
        d0, e = base[i] - base[j], slope[i] - slope[j]
        lim, strict = (raw >> 1) * Q, not raw & 1
        if e == 0:
            if d0 > lim or (d0 == lim and strict):
                return False
        elif e > 0:  # e * t ≺ lim - d0
            v = Fraction(lim - d0, e)
            if hi is None or v < hi or (v == hi and strict):
                hi, hi_strict = v, strict
        else:  # t ≻ (lim - d0) / e
            v = Fraction(lim - d0, e)
            if v > lo or (v == lo and strict):
                lo, lo_strict = v, strict
    if hi is None:
        return True
    return lo < hi or (lo == hi and not lo_strict and not hi_strict)


# ----------------------------------------------------------------------------- strategies


@st.composite
def raw_bounds(draw, lo=-4, hi=4):
    return bound(draw(st.integers(lo, hi)), draw(st.booleans()))


@st.composite
def constraints(draw, n):
    i = draw(st.integers(0, n - 1))
    j = draw(st.sampled_from([k for k in range(n) if k != i]))
    return (i, j, draw(raw_bounds()))


@st.composite
def zones(draw, n=None, allow_empty=False):
    """A zone built from zero/universe by random constrain / up / reset steps."""
    if n is None:
        n = draw(st.integers(2, 4))
    z = draw(st.sampled_from([zero(n), universe(n)]))
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["constrain", "constrain", "up", "reset"]))
        if op == "constrain":
            i, j, raw = draw(constraints(n))
            nz = constrain(z, n, i, j, raw)
            if nz is not None or allow_empty:
                z = nz
        elif op == "up":
            z = up(z, n)
        else:
            z = reset(z, n, draw(st.integers(1, n - 1)), draw(st.integers(0, 3)))
        if z is None:
            break
    return n, z


@st.composite
def zone_pairs(draw):
    n, z1 = draw(zones())
    _, z2 = draw(zones(n))
    return n, z1, z2


@st.composite
def lu_bounds(draw, n):
    L = [0] + [draw(st.integers(-1, 4)) for _ in range(n - 1)]
    U = [0] + [draw(st.integers(-1, 4)) for _ in range(n - 1)]
    return L, U


PROP = settings(deadline=None, max_examples=200, database=None)


# ----------------------------------------------------------------------------- bounds


def test_bound_encoding():
    assert bound(0, False) == LE_ZERO == 1
    assert bound(0, True) == LT_ZERO == 0
    assert bound(5, False) == 11 and bound(5, True) == 10
    assert bound_constant(bound(-3, True)) == -3 and bound_is_strict(bound(-3, True))
    assert bound_constant(bound(-3, False)) == -3 and not bound_is_strict(bound(-3, False))
    # integer order is bound order: (c,<) < (c,<=) < (c+1,<)
    assert bound(2, True) < bound(2, False) < bound(3, True) < INF
    assert bound(900_000, False) < INF


def test_add():
    assert add(le(2), le(3)) == le(5)
    assert add(le(2), lt(3)) == lt(5)
    assert add(lt(-2), lt(3)) == lt(1)
    assert add(le(-4), le(1)) == le(-3)
    assert add(INF, le(1)) == INF and add(lt(-7), INF) == INF


@settings(database=None)
@given(st.integers(-50, 50), st.booleans(), st.integers(-50, 50), st.booleans())
def test_add_matches_definition(a, sa, b, sb):
    r = add(bound(a, sa), bound(b, sb))
    assert bound_constant(r) == a + b
    assert bound_is_strict(r) == (sa or sb)


# ----------------------------------------------------------------------------- unit tests


def test_zero_and_universe():
    assert zero(3) == (LE_ZERO,) * 9
    u = universe(3)
    assert u[0:3] == (LE_ZERO,) * 3
    assert u[3] == INF and u[4] == LE_ZERO and u[5] == INF
    assert contains_point(zero(3), 3, [0, 0])
    assert not contains_point(zero(3), 3, [0, Fraction(1, 2)])
    assert contains_point(u, 3, [7, Fraction(1, 3)])
    assert not contains_point(u, 3, [-1, 0])
    assert canonical(zero(3), 3) == zero(3) and canonical(u, 3) == u


def test_canonical_tightens_and_detects_empty():
    n = 3
    m = list(universe(n))
    m[1 * n + 0] = le(5)  # x1 <= 5
    m[2 * n + 1] = le(1)  # x2 - x1 <= 1
    z = canonical(m, n)
    assert z is not None
    assert z[2 * n + 0] == le(6)  # x2 <= 6 is implied
    m[0 * n + 2] = lt(-6)  # x2 > 6
    assert canonical(m, n) is None
    m[0 * n + 2] = le(-6)  # x2 >= 6: only x1 = 5, x2 = 6
    z = canonical(m, n)
    assert z is not None and contains_point(z, n, [5, 6]) and not contains_point(z, n, [4, 5])


def test_contains_point_exact_fractions():
    n = 2
    z = constrain(universe(n), n, 1, 0, lt(3))  # x1 < 3
    assert contains_point(z, n, [Fraction(299, 100)])
    assert not contains_point(z, n, [3])
    assert not contains_point(None, n, [0])
    with pytest.raises(ValueError):
        contains_point(z, n, [1, 2])


def test_up_and_down():
    n = 3
    z = constrain_all(zero(n), n, [])
    zu = up(z, n)
    assert contains_point(zu, n, [7, 7]) and not contains_point(zu, n, [7, 6])
    # 1 <= x1 <= 3, x2 == x1 + 1 ; past: x1 <= 3, x2 - x1 == 1, x >= 0
    box = constrain_all(
        universe(n), n, [(0, 1, le(-1)), (1, 0, le(3)), (2, 1, le(1)), (1, 2, le(-1))]
    )
    d = down(box, n)
    assert contains_point(d, n, [0, 1]) and contains_point(d, n, [3, 4])
    assert not contains_point(d, n, [Fraction(7, 2), Fraction(9, 2)])
    assert not contains_point(d, n, [0, 0])
    assert d == canonical(d, n)


def test_constrain():
    n = 3
    z = up(zero(n), n)  # x1 == x2 >= 0
    z1 = constrain(z, n, 1, 0, le(5))
    assert z1 is not None and z1[2 * n + 0] == le(5)  # x2 <= 5 too
    assert constrain(z1, n, 0, 2, lt(-5)) is None  # x2 > 5
    assert constrain(z1, n, 1, 2, lt(0)) is None  # x1 < x2
    assert constrain(z1, n, 1, 0, le(7)) == z1  # weaker: unchanged
    z2 = constrain(z1, n, 0, 1, le(-5))
    assert z2 is not None and contains_point(z2, n, [5, 5]) and not contains_point(z2, n, [4, 4])
    assert constrain(None, n, 1, 0, le(1)) is None


def test_constrain_all_and_satisfies_some():
    n = 2
    z = universe(n)
    assert constrain_all(z, n, [(1, 0, le(3)), (0, 1, le(-2))]) == canonical(
        [LE_ZERO, le(-2), le(3), LE_ZERO], n
    )
    assert constrain_all(z, n, [(1, 0, le(3)), (0, 1, lt(-3))]) is None
    assert satisfies_some(z, n, [(1, 0, le(3)), (0, 1, le(-3))])
    assert not satisfies_some(z, n, [(1, 0, lt(3)), (0, 1, le(-3))])
    assert not satisfies_some(None, n, [])


def test_reset():
    n = 3
    z = constrain(up(zero(n), n), n, 0, 1, le(-4))  # x1 == x2 >= 4
    r = reset(z, n, 1)
    assert contains_point(r, n, [0, 4]) and contains_point(r, n, [0, 9])
    assert not contains_point(r, n, [0, 3]) and not contains_point(r, n, [1, 4])
    r = reset(z, n, 2, 7)
    assert contains_point(r, n, [4, 7]) and not contains_point(r, n, [4, 6])
    with pytest.raises(ValueError):
        reset(z, n, 0)
    with pytest.raises(ValueError):
        reset(z, n, 1, -1)


def test_intersect_and_inclusion():
    n = 2
    a = constrain(universe(n), n, 1, 0, le(5))
    b = constrain(universe(n), n, 0, 1, lt(-3))
    ab = intersect(a, b, n)
    assert ab is not None and contains_point(ab, n, [4]) and not contains_point(ab, n, [3])
    assert is_included(ab, a, n) and is_included(ab, b, n) and not is_included(a, b, n)
    assert intersect(a, constrain(universe(n), n, 0, 1, lt(-5)), n) is None
    assert is_included(None, a, n) and not is_included(a, None, n)


def test_subtract_simple():
    n = 2
    u = universe(n)
    small = constrain_all(u, n, [(0, 1, le(-2)), (1, 0, lt(5))])  # 2 <= x1 < 5
    pieces = subtract(u, small, n)
    assert len(pieces) == 2
    cases = [(0, True), (Fraction(199, 100), True), (2, False), (4, False), (5, True), (9, True)]
    for v, inside in cases:
        assert sum(contains_point(p, n, [v]) for p in pieces) == int(inside)
    assert subtract(small, u, n) == []
    assert subtract(small, constrain(u, n, 0, 1, le(-7)), n) == [small]
    assert subtract(None, u, n) == [] and subtract(u, None, n) == [u]


def test_federations():
    n = 2
    u = universe(n)
    lo = constrain(u, n, 1, 0, le(3))
    hi = constrain(u, n, 0, 1, lt(-3))
    fed = federation_subtract([u], lo, n)
    assert fed == [hi]
    assert federation_is_empty(federation_subtract(fed, hi, n))
    assert not federation_is_empty(fed)
    assert federation_is_empty([])


def test_deadlock_style_subtraction():
    # Invariant x1 <= 10, guard x1 >= 4.  Without delay the guard fails on [0, 4);
    # every state of the invariant can delay into the guard (its past covers all).
    n = 2
    inv = constrain(universe(n), n, 1, 0, le(10))
    guard = constrain(universe(n), n, 0, 1, le(-4))
    fed = subtract(inv, guard, n)
    assert len(fed) == 1 and contains_point(fed[0], n, [Fraction(39, 10)])
    assert not contains_point(fed[0], n, [4])
    past = down(intersect(inv, guard, n), n)
    assert federation_is_empty(subtract(inv, past, n))


def test_format_dbm():
    n = 3
    names = ["x", "y"]
    assert format_dbm(None, n, names) == "false"
    assert format_dbm(universe(n), n, names) == "true"
    assert format_dbm(zero(n), n, names) == "x == 0 && y == 0"
    assert format_dbm(up(zero(n), n), n, names) == "y == x"
    z = constrain_all(universe(n), n, [(1, 0, le(5)), (0, 2, lt(-2)), (1, 2, lt(2))])
    assert format_dbm(z, n, names) == "x <= 5 && y > 2 && x - y < 2"
    implied = constrain_all(universe(n), n, [(1, 0, le(5)), (0, 2, lt(-2)), (1, 2, lt(3))])
    assert format_dbm(implied, n, names) == "x <= 5 && y > 2"
    # x >= 1 follows from x - y == 1 and the implicit y >= 0
    fixed_gap = constrain_all(universe(n), n, [(1, 2, le(1)), (2, 1, le(-1))])
    assert format_dbm(fixed_gap, n, names) == "x - y == 1"
    assert format_dbm(z, n, ["0", "x", "y"]) == format_dbm(z, n, names)
    shifted = up(reset(zero(n), n, 2, 0), n)  # after x := 0 at time 0: equal clocks
    assert format_dbm(shifted, n, names) == "y == x"
    two = constrain_all(up(zero(n), n), n, [(1, 0, le(2)), (0, 1, le(-2))])  # x == y == 2
    gap = up(reset(two, n, 2), n)
    assert format_dbm(gap, n, names) == "x - y == 2"  # x >= 2 follows from y >= 0
    assert format_dbm(constrain(gap, n, 0, 1, le(-3)), n, names) == "x >= 3 && x - y == 2"
    assert format_dbm(up(reset(up(zero(n), n), n, 2), n), n, names) == "x - y >= 0"
    reversed_diff = constrain(universe(n), n, 2, 1, lt(-3))  # y - x < -3
    assert format_dbm(reversed_diff, n, names) == "x - y > 3"
    with pytest.raises(ValueError):
        format_dbm(z, n, ["x"])


# ----------------------------------------------------------------------------- properties


@st.composite
def raw_matrices(draw):
    n = draw(st.integers(1, 4))
    cell = st.one_of(st.just(INF), raw_bounds())
    return n, draw(st.lists(cell, min_size=n * n, max_size=n * n))


@PROP
@given(raw_matrices())
def test_canonical_preserves_semantics(args):
    n, m = args
    for i in range(n):
        m[i * n + i] = max(m[i * n + i], LE_ZERO) if m[i * n + i] != INF else LE_ZERO
    z = canonical(m, n)
    cons = entries(m, n)
    for p in points(n):
        assert member(z, n, p) == sat(cons, p)
    if z is not None:
        assert canonical(z, n) == z
        assert all(z[i * n + i] == LE_ZERO for i in range(n))
        # closure: no entry can be tightened by a path through k
        for i, j, k in itertools.product(range(n), repeat=3):
            assert z[i * n + j] <= add(z[i * n + k], z[k * n + j])


@PROP
@given(zones(), st.data())
def test_constrain_is_intersection(nz, data):
    n, z = nz
    i, j, raw = data.draw(constraints(n))
    r = constrain(z, n, i, j, raw)
    assert r is None or canonical(r, n) == r
    assert r == canonical([min(a, raw) if k == i * n + j else a for k, a in enumerate(z)], n)
    for p in points(n):
        assert member(r, n, p) == (member(z, n, p) and sat([(i, j, raw)], p))


@PROP
@given(zones(), st.data())
def test_contains_point_matches_entries(nz, data):
    n, z = nz
    vals = [Fraction(data.draw(st.integers(0, 24)), 4) for _ in range(n - 1)]
    p = (0, *(int(v * Q) for v in vals))
    assert contains_point(z, n, vals) == sat(entries(z, n), p)


@PROP
@given(zones())
def test_up_is_future(nz):
    n, z = nz
    r = up(z, n)
    assert canonical(r, n) == r
    cons = entries(z, n)
    for p in points(n):
        assert member(r, n, p) == exists_t(cons, p, (0,) + (-1,) * (n - 1))


@PROP
@given(zones())
def test_down_is_past(nz):
    n, z = nz
    r = down(z, n)
    assert canonical(r, n) == r
    cons = entries(z, n)
    for p in points(n):
        assert member(r, n, p) == exists_t(cons, p, (0,) + (1,) * (n - 1))


@PROP
@given(zones(), st.data())
def test_reset_is_assignment(nz, data):
    n, z = nz
    x = data.draw(st.integers(1, n - 1))
    value = data.draw(st.integers(0, 4))
    r = reset(z, n, x, value)
    assert canonical(r, n) == r
    cons = entries(z, n)
    slope = tuple(1 if k == x else 0 for k in range(n))
    for p in points(n):
        expected = p[x] == value * Q and exists_t(cons, p[:x] + (0,) + p[x + 1 :], slope)
        assert member(r, n, p) == expected


@PROP
@given(zone_pairs())
def test_intersection_and_inclusion(nzz):
    n, z1, z2 = nzz
    r = intersect(z1, z2, n)
    assert r is None or canonical(r, n) == r
    for p in points(n):
        assert member(r, n, p) == (member(z1, n, p) and member(z2, n, p))
    if is_included(z1, z2, n):
        assert all(member(z2, n, p) for p in points(n) if member(z1, n, p))
        assert subtract(z1, z2, n) == []
    else:
        assert subtract(z1, z2, n) != []
    assert is_included(z1, z1, n)
    assert is_included(r, z1, n) and is_included(r, z2, n)


@PROP
@given(zone_pairs())
def test_subtract_is_set_difference(nzz):
    n, z1, z2 = nzz
    pieces = subtract(z1, z2, n)
    for piece in pieces:
        assert piece is not None and canonical(piece, n) == piece
        assert is_included(piece, z1, n)
        assert intersect(piece, z2, n) is None
    for a, b in itertools.combinations(pieces, 2):
        assert intersect(a, b, n) is None  # pairwise disjoint
    for p in points(n):
        hits = sum(member(piece, n, p) for piece in pieces)
        assert hits == int(member(z1, n, p) and not member(z2, n, p))


@PROP
@given(zone_pairs(), st.data())
def test_federation_subtract(nzz, data):
    n, z1, z2 = nzz
    _, z3 = data.draw(zones(n))
    fed = federation_subtract(subtract(z1, z2, n), z3, n)
    for p in points(n):
        expected = member(z1, n, p) and not member(z2, n, p) and not member(z3, n, p)
        assert any(member(piece, n, p) for piece in fed) == expected
    assert federation_is_empty(fed) == (fed == [])


@PROP
@given(zones(), st.data())
def test_satisfies_some(nz, data):
    n, z = nz
    cons = data.draw(st.lists(constraints(n), max_size=3))
    r = constrain_all(z, n, cons)
    assert satisfies_some(z, n, cons) == (r is not None)
    for p in points(n):
        assert member(r, n, p) == (member(z, n, p) and sat(cons, p))


# ----------------------------------------------------------------------------- extrapolation


@PROP
@given(zones(), st.data(), st.booleans())
def test_extrapolation_is_widening_idempotent_canonical(nz, data, plus):
    n, z = nz
    L, U = data.draw(lu_bounds(n))
    for e in (extrapolate_lu(z, n, L, U, plus=plus), extrapolate_m(z, n, L, plus=plus)):
        assert canonical(e, n) == e
        assert is_included(z, e, n)
    e = extrapolate_lu(z, n, L, U, plus=plus)
    assert extrapolate_lu(e, n, L, U, plus=plus) == e
    em = extrapolate_m(z, n, U, plus=plus)
    assert extrapolate_m(em, n, U, plus=plus) == em


@PROP
@given(zones(), st.data(), st.booleans())
def test_extrapolation_lu_coarser_than_m(nz, data, plus):
    n, z = nz
    M = [0] + [data.draw(st.integers(-1, 4)) for _ in range(n - 1)]
    L = [0] + [data.draw(st.integers(-1, mk)) for mk in M[1:]]
    U = [0] + [data.draw(st.integers(-1, mk)) for mk in M[1:]]
    assert is_included(extrapolate_m(z, n, M, plus=plus), extrapolate_lu(z, n, L, U, plus=plus), n)
    # and Extra+ is coarser than plain Extra
    assert is_included(extrapolate_lu(z, n, L, U, plus=False), extrapolate_lu(z, n, L, U), n)


@PROP
@given(zones(), st.data(), st.booleans())
def test_extrapolation_identity_with_large_constants(nz, data, plus):
    n, z = nz
    biggest = max([abs(bound_constant(raw)) for raw in z if raw != INF] + [0])
    L = [0] + [data.draw(st.integers(biggest, biggest + 3)) for _ in range(n - 1)]
    U = [0] + [data.draw(st.integers(biggest, biggest + 3)) for _ in range(n - 1)]
    assert extrapolate_lu(z, n, L, U, plus=plus) == z
    assert extrapolate_m(z, n, L, plus=plus) == z


@PROP
@given(zones(), st.data())
def test_plain_extrapolation_is_monotone(nz, data):
    n, z2 = nz
    cons = data.draw(st.lists(constraints(n), max_size=3))
    z1 = constrain_all(z2, n, cons)
    if z1 is None:
        return
    L, U = data.draw(lu_bounds(n))
    assert is_included(
        extrapolate_lu(z1, n, L, U, plus=False), extrapolate_lu(z2, n, L, U, plus=False), n
    )
    assert is_included(extrapolate_m(z1, n, U, plus=False), extrapolate_m(z2, n, U, plus=False), n)


def test_extra_plus_is_not_monotone():
    # z1 = {x1 > 5, x2 >= x1} ⊆ z2 = {x2 >= x1}, M = 3: Extra+ forgets x1 <= x2
    # in z1 (both clocks are above M) but keeps it in z2.
    n = 3
    z2 = constrain(universe(n), n, 1, 2, le(0))
    z1 = constrain(z2, n, 0, 1, lt(-5))
    M = [0, 3, 3]
    assert is_included(z1, z2, n)
    e1, e2 = extrapolate_m(z1, n, M), extrapolate_m(z2, n, M)
    assert contains_point(e1, n, [10, 4]) and not contains_point(e2, n, [10, 4])
    # the plain operator keeps the order
    assert is_included(extrapolate_m(z1, n, M, plus=False), extrapolate_m(z2, n, M, plus=False), n)


def test_extrapolation_boundaries():
    n = 2
    u = universe(n)
    three = constrain_all(u, n, [(1, 0, le(3)), (0, 1, le(-3))])  # x == 3
    for plus in (True, False):
        # a bound equal to the constant is kept: x == 3 is not "above 3"
        assert extrapolate_m(three, n, [0, 3], plus=plus) == three
        # above the constant: the upper bound goes, x >= 3 becomes x > 2
        assert extrapolate_m(three, n, [0, 2], plus=plus) == constrain(u, n, 0, 1, lt(-2))
        assert extrapolate_m(constrain(u, n, 1, 0, le(3)), n, [0, 2], plus=plus) == u
        assert extrapolate_m(constrain(u, n, 1, 0, lt(3)), n, [0, 3], plus=plus) == constrain(
            u, n, 1, 0, lt(3)
        )
    # strictly above: x > 3 with M = 3 keeps x > 3 and loses its upper bound (Extra+)
    above = constrain_all(u, n, [(0, 1, lt(-3)), (1, 0, le(5))])
    assert extrapolate_m(above, n, [0, 3]) == constrain(u, n, 0, 1, lt(-3))
    # L-only clock (U = -1): lower bounds are forgotten entirely, upper bounds kept
    assert extrapolate_lu(three, n, [0, 3], [0, -1]) == constrain(u, n, 1, 0, le(3))
    # U-only clock (L = -1): upper bounds forgotten, lower bounds up to U kept
    assert extrapolate_lu(three, n, [0, -1], [0, 3]) == constrain(u, n, 0, 1, le(-3))


def test_extrapolation_examples():
    n = 3
    # x1 >= 7, x2 == x1 - 2 with M = (3, 10): x1's bounds are dropped (x1 > 3),
    # x2 >= 5 stays, x1 - x2 == 2 is forgotten because x1 is above L.
    # z: x - y == 7 and y >= 5 (so x >= 12).
    z = constrain_all(up(zero(n), n), n, [(0, 1, le(-7)), (1, 0, le(7))])
    z = constrain(up(reset(z, n, 2), n), n, 0, 2, le(-5))
    assert format_dbm(z, n, ["x", "y"]) == "x >= 12 && x - y == 7"
    # Extra+_M, M = (x: 3, y: 10): x is above M, so every upper bound on x and on
    # x - y goes, y - x goes (x above U), and x >= 12 becomes x > 3; y >= 5 stays.
    e = extrapolate_m(z, n, [0, 3, 10])
    assert format_dbm(e, n, ["x", "y"]) == "x > 3 && y >= 5"
    # Extra+_LU with L_x = -1 (x never compared from below), U_x = 4: x > 4.
    e = extrapolate_lu(z, n, [0, -1, 10], [0, 4, 10])
    assert format_dbm(e, n, ["x", "y"]) == "x > 4 && y >= 5"
    # A clock with no constants at all (L = U = -1) is completely free.
    e = extrapolate_lu(z, n, [0, -1, 10], [0, -1, 10])
    assert format_dbm(e, n, ["x", "y"]) == "y >= 5"
    # Plain Extra_M: x - y <= 7 goes (7 > M_x), y - x <= -7 becomes y - x < -3 and
    # x >= 12 becomes x > 3; closing with y >= 5 gives x > 8, implied by the rest.
    e = extrapolate_m(z, n, [0, 3, 10], plus=False)
    assert format_dbm(e, n, ["x", "y"]) == "y >= 5 && x - y > 3"
    assert e[0 * n + 1] == lt(-8)


@settings(deadline=None, max_examples=60, database=None)
@given(zones(n=3), st.data())
def test_extrapolation_within_lu_simulation(nz, data):
    """Every grid point of Extra+_LU(z) is LU-simulated by a point of z:
    v ≼_LU v' iff for every clock either v'(x) = v(x), or L(x) < v'(x) < v(x), or
    U(x) < v(x) < v'(x) (Behrmann et al., Def. 4); -1 acts as -∞ on v >= 0."""
    n, z = nz
    L, U = data.draw(lu_bounds(n))
    e = extrapolate_lu(z, n, L, U)
    cons = entries(z, n)
    reach = 7 + max([0] + [abs(bound_constant(raw)) for _, _, raw in cons])
    witnesses = [
        p for p in itertools.product(range(0, reach * Q + 1), repeat=n - 1) if sat(cons, (0, *p))
    ]

    def simulated(v, w) -> bool:
        return all(
            w[k] == v[k]
            or L[k + 1] * Q < w[k] < v[k]
            or U[k + 1] * Q < v[k] < w[k]
            for k in range(n - 1)
        )

    for p in points(n):
        if member(e, n, p) and not sat(cons, p):
            assert any(simulated(p[1:], w) for w in witnesses)


# ----------------------------------------------------------------------------- aLU, free, stuck

QGRID = range(0, 10 * Q + 1)  # every quarter 0 .. 10: enough to separate two clocks' regions


def in_alu(v, z2, n, L, U) -> bool:
    """Brute force: is the valuation v (quarter units) LU-simulated by a valuation of z2?
    For each clock the valuations w with w[k] == v[k], L_k < w[k] < v[k] or
    U_k < v[k] < w[k] form an interval; v ∈ aLU(z2) iff z2 meets that box."""
    box = []
    for k in range(1, n):
        if L[k] < 0:
            pass  # any smaller value (w >= 0 is part of every zone)
        elif L[k] * Q < v[k]:
            box.append((0, k, lt(-L[k] * Q)))  # w > L_k
        else:
            box.append((0, k, le(-v[k])))  # w >= v
        if U[k] >= 0 and v[k] <= U[k] * Q:
            box.append((k, 0, le(v[k])))  # w <= v
    return constrain_all(scale(z2, Q), n, box) is not None


@settings(deadline=None, max_examples=150, database=None)
@given(st.integers(2, 3), st.data())
def test_alu_included_is_lu_simulation_inclusion(n, data):
    """alu_included(z, z2) iff every valuation of z is LU-simulated by one of z2, checked on
    every quarter point (integer and half-integer valuations included) up to 10."""
    _, z = data.draw(zones(n))
    _, z2 = data.draw(zones(n))
    L, U = data.draw(lu_bounds(n))
    cons = entries(z, n)
    outside = [
        p for p in itertools.product(QGRID, repeat=n - 1)
        if sat(cons, (0, *p)) and not in_alu((0, *p), z2, n, L, U)
    ]
    assert alu_included(z, z2, n, L, U) == (not outside), outside[:3]


def test_alu_included_examples():
    n = 2
    u = universe(n)
    ge5 = constrain(u, n, 0, 1, le(-5))  # x >= 5
    le3 = constrain(u, n, 1, 0, le(3))  # x <= 3
    # x compared with nothing above 4: every x >= 5 is simulated by x = 5 and vice versa
    assert alu_included(u, ge5, n, [0, 4], [0, 4]) is False  # x = 0 <= U: not simulated
    assert alu_included(ge5, constrain(u, n, 0, 1, le(-7)), n, [0, 4], [0, 4])
    assert not alu_included(ge5, constrain(u, n, 0, 1, le(-7)), n, [0, 4], [0, 6])
    # an upper bound at most L cannot be relaxed; one above L can
    assert not alu_included(u, le3, n, [0, 3], [0, 3])
    assert alu_included(u, le3, n, [0, 2], [0, -1])
    assert alu_included(None, le3, n, [0, 2], [0, 2]) and not alu_included(u, None, n, [0, 2],
                                                                           [0, 2])
    # with no constants at all, every non-empty zone simulates everything
    assert alu_included(u, ge5, n, [0, -1], [0, -1])


@PROP
@given(zones(), st.data())
def test_free_is_projection(nz, data):
    n, z = nz
    x = data.draw(st.integers(1, n - 1))
    f = free(z, n, x)
    assert canonical(f, n) == f
    cons = entries(z, n)
    slope = tuple(1 if k == x else 0 for k in range(n))
    for p in points(n):
        base = tuple(0 if k == x else p[k] for k in range(n))
        assert member(f, n, p) == exists_t(cons, base, slope)


@settings(deadline=None, max_examples=80, database=None)
@given(zones(), st.data())
def test_stuck_part_is_what_cannot_reach_a_pre(nz, data):
    """A point is in stuck_part(z, pres) iff it is in z and no delay takes it into any pre."""
    n, z = nz
    pres = [data.draw(zones(n))[1] for _ in range(data.draw(st.integers(0, 3)))]
    pres = [None if p is None else intersect(p, z, n) for p in pres]
    pieces = stuck_part(z, pres, n)
    ones = tuple(0 if k == 0 else 1 for k in range(n))
    for p in points(n):
        inside = sum(member(piece, n, p) for piece in pieces)
        assert inside <= 1  # disjoint
        stuck = member(z, n, p) and not any(
            q is not None and exists_t(entries(q, n), p, ones) for q in pres)
        assert inside == int(stuck)


# ----------------------------------------------------------------------------- scaling


def scale(z, k):
    return None if z is None else tuple(
        raw if raw == INF else bound(bound_constant(raw) * k, bound_is_strict(raw)) for raw in z
    )


@PROP
@given(zone_pairs(), st.data())
def test_operations_commute_with_scaling(nzz, data):
    """Cost and results do not depend on the magnitude of constants: scaling every
    constant by 1000 (or 900000) scales every result the same way."""
    n, z1, z2 = nzz
    k = data.draw(st.sampled_from([1000, 900_000]))
    s1, s2 = scale(z1, k), scale(z2, k)
    assert canonical(s1, n) == s1
    assert up(s1, n) == scale(up(z1, n), k)
    assert down(s1, n) == scale(down(z1, n), k)
    x = data.draw(st.integers(1, n - 1))
    assert reset(s1, n, x, 3 * k) == scale(reset(z1, n, x, 3), k)
    i, j, raw = data.draw(constraints(n))
    sraw = bound(bound_constant(raw) * k, bound_is_strict(raw))
    assert constrain(s1, n, i, j, sraw) == scale(constrain(z1, n, i, j, raw), k)
    assert intersect(s1, s2, n) == scale(intersect(z1, z2, n), k)
    assert subtract(s1, s2, n) == [scale(p, k) for p in subtract(z1, z2, n)]
    L, U = data.draw(lu_bounds(n))
    sL = [c * k if c >= 0 else c for c in L]
    sU = [c * k if c >= 0 else c for c in U]
    assert extrapolate_lu(s1, n, sL, sU) == scale(extrapolate_lu(z1, n, L, U), k)


# ----------------------------------------------------------------------------- formatting


_ATOM = re.compile(r"^(\w+)(?: - (\w+))? (<=|<|>=|>|==) (-?\d+|\w+)$")


def parse_format(text, n, names):
    """Turn format_dbm's output back into constraints (i, j, raw)."""
    if text == "true":
        return []
    idx = {name: k + 1 for k, name in enumerate(names)}
    out = []
    for atom in text.split(" && "):
        match = _ATOM.match(atom)
        assert match, atom
        a, b, op, rhs = match.groups()
        i = idx[a]
        if rhs in idx:  # "y == x"
            assert op == "==" and b is None
            j, c = idx[rhs], 0
        else:
            j, c = (idx[b] if b else 0), int(rhs)
        if op in ("<=", "=="):
            out.append((i, j, le(c)))
        if op in (">=", "=="):
            out.append((j, i, le(-c)))
        if op == "<":
            out.append((i, j, lt(c)))
        if op == ">":
            out.append((j, i, lt(-c)))
    return out


@PROP
@given(zones())
def test_format_round_trips(nz):
    n, z = nz
    names = ["x", "y", "w"][: n - 1]
    text = format_dbm(z, n, names)
    assert text == format_dbm(tuple(z), n, list(names))  # deterministic
    assert constrain_all(universe(n), n, parse_format(text, n, names)) == z
    # minimal: dropping any atom changes the zone (unless it is an equality, which
    # stands for two constraints)
    atoms = [] if text == "true" else text.split(" && ")
    for k in range(len(atoms)):
        rest = " && ".join(atoms[:k] + atoms[k + 1 :]) or "true"
        assert constrain_all(universe(n), n, parse_format(rest, n, names)) != z


def test_module_exports():
    for name in dbm.__all__:
        assert hasattr(dbm, name)
