"""The DBM kernel's cost per operation: native (checker/engine/zones/_dbm.c) against the
pure-Python reference (checker/engine/zones/dbm.py) on the same zones.

    .venv/bin/python bench/kernel.py            # n = 3, 5, 10; a table on stdout
    .venv/bin/python bench/kernel.py --quick    # fewer repetitions
    .venv/bin/python bench/kernel.py --json     # the figures as JSON

Zones come from a seeded run of the zone engine's own chain (guard, resets, invariant, up,
Extra+_LU) on a diagonal-free model, so they look like the engine's.  Each figure is the
median over --repeat rounds of the CPU time (time.process_time) per call, native and
reference measured alternately in each round so a busy machine slows both alike; the ratio
is the median of the per-round ratios.  "call" is one Python -> C call that does no work
(is_included(None, z, n) returns at once) through the same Python thunk as the other rows:
the floor under every figure (the thunk itself, a lambda picking the next zone, is most of
it; the bare C call costs 60-130 ns).
ZoneStore's memory is nbytes after 20,000 adds of pairwise-incomparable zones, less the
zones' own n*n*4 bytes, per stored zone.

Why a CPython C extension (measured before writing it, at n = 4, on this project's 2-core
machine, each figure the median of 7 timeit runs; prototypes of up(), is_included() and
constrain() in a scratch venv, not kept):

    mechanism              per call (up / incl / constrain)     start-up        install
    C extension, FASTCALL  135 / 70 / 63 ns                     0.2 ms import   none (cc)
    cffi (API mode)        2448 / 1514 / 2546 ns (from_buffer)  0.9 ms import   1.8 MB
                           ~400 ns for is_included on char*     + a compiler
    numba @njit            3478 / 2776 ns (bytes <-> ndarray)   0.7 s import    250 MB
                           494 ns on ndarrays, no conversion    + 1.4 s JIT     (llvmlite)
    pure Python (dbm.py)   691 / 1571 / 142 ns (tuples)         -               -

At n = 3..10 the arithmetic takes tens of nanoseconds, so the call is the cost: cffi's
argument conversion and numba's array boxing cost more than the Python they replace, and
numba adds seconds of JIT per process and a 250 MB dependency.  A C extension with
METH_FASTCALL reads the bytes' buffer directly; it needs only a C compiler at install time
and degrades to the pure-Python kernel without one.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable

from checker.engine.zones import dbm, fallback, kernel

NATIVE, WHY_NOT = kernel.load_native(respect_env=False)


def engine_zones(n: int, count: int, seed: int = 7) -> tuple[list[tuple], list[int], list[int]]:
    """Extrapolated zones of a seeded random run of the engine's chain, and its L, U."""
    rnd = random.Random(seed)
    M = 1000
    L = [0] + [rnd.choice([M, rnd.randint(1, M)]) for _ in range(n - 1)]
    U = [0] + [rnd.choice([M, rnd.randint(1, M)]) for _ in range(n - 1)]
    z = dbm.extrapolate_lu(dbm.up(dbm.zero(n), n), n, L, U)
    out: list[tuple] = []
    while len(out) < count:
        x = rnd.randint(1, n - 1)
        guard = [(0, x, dbm.bound(-rnd.randint(0, M), rnd.random() < 0.5))] if rnd.random() < .5 \
            else [(x, 0, dbm.bound(rnd.randint(0, M), False))]
        z1 = dbm.constrain_all(z, n, guard)
        if z1 is None:
            z = dbm.extrapolate_lu(dbm.up(dbm.zero(n), n), n, L, U)
            continue
        z1 = dbm.reset(z1, n, rnd.randint(1, n - 1))
        inv = [(rnd.randint(1, n - 1), 0, dbm.bound(M, False))]
        z1 = dbm.constrain_all(z1, n, inv)
        if z1 is None:
            continue
        z = dbm.extrapolate_lu(dbm.constrain_all(dbm.up(z1, n), n, inv), n, L, U)
        out.append(z)
    return out, L, U


def per_call(fn: Callable[[], object], number: int) -> float:
    start = time.process_time()
    for _ in range(number):
        fn()
    return (time.process_time() - start) / number


def cases(n: int) -> list[tuple[str, Callable, Callable]]:
    """(name, native thunk, reference thunk) over rotating engine zones."""
    zs, L, U = engine_zones(n, 64)
    bs = [fallback.encode(z, n) for z in zs]
    LB, UB = NATIVE.encode_bounds(L, n), NATIVE.encode_bounds(U, n)
    N = NATIVE
    k = [0]

    def pick() -> int:
        k[0] = (k[0] + 1) & 63
        return k[0]

    guard = ((1, 0, dbm.bound(700, False)), (0, n - 1, dbm.bound(-100, True)))
    inv = ((1, 0, dbm.bound(1000, False)),)
    resets = (n - 1,)
    ref_pres = [dbm.constrain_all(z, n, guard) for z in zs]
    ref_pres = [[p] if p is not None else [] for p in ref_pres]
    pres = [[fallback.encode(p, n) for p in ps] for ps in ref_pres]
    out = [
        ("call", lambda: N.is_included(None, bs[0], n), lambda: dbm.is_included(None, zs[0], n)),
        ("canonical", lambda: N.canonical(bs[pick()], n),
         lambda: dbm.canonical(zs[pick()], n)),
        ("up", lambda: N.up(N.constrain(bs[pick()], n, 1, 0, dbm.bound(900, False)) or bs[0], n)
         , lambda: dbm.up(dbm.constrain(zs[pick()], n, 1, 0, dbm.bound(900, False)) or zs[0], n)),
        ("down", lambda: N.down(bs[pick()], n), lambda: dbm.down(zs[pick()], n)),
        ("constrain", lambda: N.constrain(bs[pick()], n, 0, 1, dbm.bound(-300, True)),
         lambda: dbm.constrain(zs[pick()], n, 0, 1, dbm.bound(-300, True))),
        ("constrain_all", lambda: N.constrain_all(bs[pick()], n, guard),
         lambda: dbm.constrain_all(zs[pick()], n, guard)),
        ("reset", lambda: N.reset(bs[pick()], n, 1), lambda: dbm.reset(zs[pick()], n, 1)),
        ("intersect", lambda: N.intersect(bs[pick()], bs[k[0] ^ 1], n),
         lambda: dbm.intersect(zs[pick()], zs[k[0] ^ 1], n)),
        ("is_included", lambda: N.is_included(bs[pick()], bs[k[0] ^ 1], n),
         lambda: dbm.is_included(zs[pick()], zs[k[0] ^ 1], n)),
        ("alu_included", lambda: N.alu_included(bs[pick()], bs[k[0] ^ 1], n, LB, UB),
         lambda: dbm.alu_included(zs[pick()], zs[k[0] ^ 1], n, L, U)),
        ("extrapolate_lu", lambda: N.extrapolate_lu(N.up(bs[pick()], n), n, LB, UB, 1),
         lambda: dbm.extrapolate_lu(dbm.up(zs[pick()], n), n, L, U)),
        ("successor", lambda: N.successor(bs[pick()], n, guard, resets, inv),
         lambda: _ref_successor(zs[pick()], n, guard, resets, inv)),
        ("close", lambda: N.close(bs[pick()], n, inv, LB, UB, 1),
         lambda: dbm.extrapolate_lu(dbm.constrain_all(dbm.up(zs[pick()], n), n, inv), n, L, U)),
        ("is_stuck_free", lambda: N.is_stuck_free(bs[pick()], pres[k[0]], n),
         lambda: not dbm.stuck_part(zs[pick()], ref_pres[k[0]], n)),
    ]
    return out


def _ref_successor(z: tuple, n: int, guard: tuple, resets: tuple, inv2: tuple):  # noqa: ANN202
    z1 = dbm.constrain_all(z, n, guard)
    if z1 is None:
        return None, None
    z2 = z1
    for x in resets:
        z2 = dbm.reset(z2, n, x)
    z3 = dbm.constrain_all(z2, n, inv2)
    if z3 is None:
        return None, None
    pre = dbm.constrain_all(z1, n, [c for c in inv2 if c[0] not in resets])
    return pre, dbm.constrain_all(dbm.up(z3, n), n, inv2)


def store_figures(n: int, adds: int = 20_000) -> dict:
    """Bytes per stored zone beyond its n*n*4, and the cost of one add, native and
    fallback (the Python class the engine uses without the native module)."""
    base = dbm.up(dbm.zero(n), n)
    zs = []
    for k in range(adds):
        z = dbm.constrain(base, n, 1, 0, dbm.bound(k, False))
        zs.append(fallback.encode(dbm.constrain(z, n, 0, 1, dbm.bound(-k, False)), n))
    out = {}
    for name, impl in (("native", NATIVE), ("fallback", fallback)):
        store = impl.ZoneStore(n)
        start = time.process_time()
        for k, z in enumerate(zs):
            store.add(k % 1000, z, None, None, "inclusion")
        seconds = time.process_time() - start
        out[name] = {"bytes_per_state": store.nbytes / len(store) - n * n * 4,
                     "add_us": seconds / adds * 1e6}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if NATIVE is None:
        print(f"bench/kernel.py: {WHY_NOT}", file=sys.stderr)
        return 2
    repeat = args.repeat or (3 if args.quick else 9)
    number = 300 if args.quick else 2000
    results: dict = {}
    for n in (3, 5, 10):
        rows = {}
        for name, native, reference in cases(n):
            ns, rs, ratios = [], [], []
            for _ in range(repeat):
                a = per_call(native, number)
                b = per_call(reference, number)
                ns.append(a)
                rs.append(b)
                ratios.append(b / a if a else float("nan"))
            rows[name] = {"native_ns": statistics.median(ns) * 1e9,
                          "reference_ns": statistics.median(rs) * 1e9,
                          "speedup": statistics.median(ratios)}
        results[n] = {"ops": rows, "store": store_figures(n, 5_000 if args.quick else 20_000)}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for n, res in results.items():
        print(f"n = {n}          native ns   reference ns   speedup")
        for name, row in res["ops"].items():
            print(f"  {name:<15}{row['native_ns']:>9.0f}{row['reference_ns']:>15.0f}"
                  f"{row['speedup']:>10.1f}x")
        for name, row in res["store"].items():
            print(f"  ZoneStore {name:<9} add {row['add_us']:.2f} us, "
                  f"{row['bytes_per_state']:.1f} bytes per state beyond the zone's {n * n * 4}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
