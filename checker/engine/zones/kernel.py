"""The DBM kernel of the zone engine: the one module the engine imports for zone arithmetic.

The same API on two implementations: the native extension ``_dbm`` (C, built at install
time from ``_dbm.c`` when a C compiler is there) and, when it is missing, stale or switched
off with the environment variable ``TOCK_NATIVE=0``, the pure-Python ``fallback`` on top of
the reference checker/engine/zones/dbm.py.  :data:`NATIVE` says which one is in use and
:data:`WHY_NOT` why not the native one (a one-line notice for the CLI; this module never
prints).

Representation.  A zone of dimension ``n`` (the reference clock 0 and ``n - 1`` clocks) is a
``bytes`` object of ``n * n`` int32 in native byte order, row-major, entry ``[i * n + j]``
bounding ``x_i - x_j``; raw bounds are encoded as in dbm.py (``(c << 1) | 1`` for
``<= c``, ``c << 1`` for ``< c``) except that "no bound" is :data:`INF` (``2**31 - 1``).
The empty zone is ``None``.  :func:`encode` / :func:`decode` convert to and from the
reference tuple form.  An operation may return its argument object when nothing changed.

Ranges.  Every finite entry, constraint, L/U bound and reset value has ``|c| <=``
:data:`MAX_ENTRY` (``2**30 - 4``); a result beyond raises OverflowError, never a wrapped
value, and encode/decode round-trip every zone the kernel can produce.  The zone engine's
own operations (``successor``, ``close`` with either extrapolation, subsumption) provably
stay in range at dimension ``n`` when every constant of the (diagonal-free) model, in units
of the gcd of its time constants, is at most :func:`max_constant` ``(n)`` =
``MAX_ENTRY // (n + 1)`` (the argument is in _dbm.c's header: canonical extrapolated zones
re-derive bounds along chains of clocks, up to ``(n - 1)`` times a constant).
:data:`MAX_CONSTANT` (``2**28 - 1``) is ``max_constant(3)``; a spec with more clocks and
constants above ``max_constant(n)`` is still checked exactly, or stopped by OverflowError.

Operations (``z``: a zone; constraints: tuples ``(i, j, raw)``; ``L``/``U``: per-clock
bounds as bytes of ``n`` int32 or a sequence of ``n`` ints, ``-1`` for ``-∞``, index 0
ignored; ``kind``: :data:`EXTRA_LU` or :data:`EXTRA_PLUS_LU`):

    zero(n), universe(n), canonical(z, n), up(z, n), down(z, n),
    constrain(z, n, i, j, raw), constrain_all(z, n, constraints), satisfies(z, n, cs),
    reset(z, n, x, value=0), free(z, n, x), intersect(z1, z2, n), is_included(z1, z2, n),
    alu_included(z, z2, n, L, U)      z ⊆ aLU(z2) (LU-simulation subsumption)
    extrapolate_lu(z, n, L, U, kind)  Extra_LU / Extra+_LU (Extra+_M: L = U = M)
    successor(z, n, guard, resets, inv2) -> (pre, succ)   one transition, fused
    close(z, n, inv, L, U, kind)      extrapolate_lu(constrain_all(up(z), inv), ...)
    subtract(z1, z2, n), stuck_part(z, pres, n), is_stuck_free(z, pres, n)
    encode(t, n), decode(b, n), encode_bounds(values, n), contains_point(z, n, values)
    max_constant(n)                   the no-overflow limit on a model's constants
    ZoneStore(n)                      the passed list of one search
    SlotMap()                         packed states (<= 64 bits) -> slots; native only

Each is specified by its namesake in checker/engine/zones/dbm.py (``satisfies``: ``satisfies_some``;
``successor``/``close``/``stuck_part``: the compositions in checker/engine/zones/search.py, whose
``explore_zones`` does per transition exactly what ``successor`` does).
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from . import dbm as _reference
from . import fallback

EXTRA_LU = 0
EXTRA_PLUS_LU = 1
INCLUSION = "inclusion"
ALU = "alu"

_ABI_VERSION = 1


def load_native(respect_env: bool = True) -> tuple[Any, str | None]:
    """The native module, or None and the reason (tests and bench/kernel.py pass
    respect_env=False to hold the native module to the reference even under TOCK_NATIVE=0).

    This module is the one owner of the private extension ``_dbm``; it is loaded by name
    because it is optional (a missing build is an expected state, not an error)."""
    if respect_env and os.environ.get("TOCK_NATIVE", "").strip() == "0":
        return None, "TOCK_NATIVE=0 is set: the zone engine uses the pure-Python DBM kernel"
    try:
        _dbm = importlib.import_module(f"{__package__}._dbm")
    except ImportError as exc:
        built = "cannot import name '_dbm'" not in str(exc)
        detail = f" ({exc})" if built else ""  # a build that does not load says why
        return None, (f"the native DBM kernel is {'unusable' if built else 'not built'}{detail}; "
                      "the zone engine uses the pure-Python one (reinstall Tock with a C "
                      "compiler and the Python headers, make setup, for faster zone checks)")
    if getattr(_dbm, "ABI_VERSION", None) != _ABI_VERSION:
        return None, ("the native DBM kernel is from another version of Tock; the zone engine "
                      "uses the pure-Python one: rebuild it (make setup)")
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_dbm.c")
    if os.path.isfile(source):  # a source checkout: is the build as new as the source?
        with open(source, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()[:16]
        if digest != _dbm.SOURCE_HASH:
            return None, ("the native DBM kernel was built from an older _dbm.c; the zone "
                          "engine uses the pure-Python one: rebuild it (make setup)")
    return _dbm, None


_native, WHY_NOT = load_native()
NATIVE: bool = _native is not None
_impl = _native if _native is not None else fallback

INF: int = _impl.INF
LE_ZERO: int = _impl.LE_ZERO
LT_ZERO: int = _impl.LT_ZERO
MAX_CONSTANT: int = _impl.MAX_CONSTANT
MAX_ENTRY: int = _impl.MAX_ENTRY
MAX_DIM: int = _impl.MAX_DIM

zero = _impl.zero
universe = _impl.universe
canonical = _impl.canonical
up = _impl.up
down = _impl.down
constrain = _impl.constrain
constrain_all = _impl.constrain_all
satisfies = _impl.satisfies
reset = _impl.reset
free = _impl.free
intersect = _impl.intersect
is_included = _impl.is_included
alu_included = _impl.alu_included
extrapolate_lu = _impl.extrapolate_lu
close = _impl.close
successor = _impl.successor
subtract = _impl.subtract
stuck_part = _impl.stuck_part
is_stuck_free = _impl.is_stuck_free
encode = _impl.encode
decode = _impl.decode
encode_bounds = _impl.encode_bounds
ZoneStore = _impl.ZoneStore
# packed states of at most 64 bits -> slots (native only: the fallback's is a dict,
# extrapolation.Slots)
SlotMap: Any = getattr(_impl, "SlotMap", None)


def max_constant(n: int) -> int:
    """The largest constant (guards, invariants, L/U, in gcd units) with which the zone
    engine's operations on zones of dimension ``n`` can never raise OverflowError."""
    return MAX_ENTRY // (n + 1)


def contains_point(z: bytes | None, n: int, values: Sequence[Fraction | int]) -> bool:
    """Whether the valuation ``x_k = values[k - 1]`` lies in ``z`` (exact, via the reference;
    for traces and tests, not the search)."""
    return _reference.contains_point(decode(z, n), n, values)


__all__ = [
    "NATIVE", "WHY_NOT", "load_native", "INF", "LE_ZERO", "LT_ZERO", "MAX_CONSTANT",
    "MAX_ENTRY", "MAX_DIM",
    "EXTRA_LU", "EXTRA_PLUS_LU", "INCLUSION", "ALU",
    "zero", "universe", "canonical", "up", "down", "constrain", "constrain_all", "satisfies",
    "reset", "free", "intersect", "is_included", "alu_included", "extrapolate_lu", "close",
    "successor", "subtract", "stuck_part", "is_stuck_free", "encode", "decode",
    "encode_bounds", "contains_point", "max_constant", "ZoneStore", "SlotMap",
]
