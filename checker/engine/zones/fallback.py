"""The pure-Python DBM kernel: the API of the native ``_dbm`` module on top of the reference
checker/engine/zones/dbm.py.

Zones cross the API as ``bytes`` (``n * n`` native int32, the kernel's :data:`INF`), exactly
as with the native module, so the engine's code is the same on both paths; inside, each
operation decodes to the reference tuple form, runs the reference and encodes the result,
raising OverflowError when an entry leaves the kernel's range.  The native module checks
every intermediate zone of a fused operation too, so in a pathological case (an entry out
of range that a later constraint brings back) it raises where this module does not; with
constants up to kernel.max_constant(n) neither ever raises on the engine's zones (_dbm.c).
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Sequence

from . import dbm

INF = 2**31 - 1
LE_ZERO = dbm.LE_ZERO
LT_ZERO = dbm.LT_ZERO
MAX_ENTRY = 2**30 - 4
MAX_CONSTANT = MAX_ENTRY // 4  # max_constant(3) = 2**28 - 1
MAX_DIM = 256
RAW_MIN = -2 * MAX_ENTRY
RAW_MAX = 2 * MAX_ENTRY + 1
_REF_INF = dbm.INF
_RANGE = "(|c| <= 2**30 - 4)"

Zone = bytes
Constraint = tuple[int, int, int]


def _dim(n: int) -> int:
    if not 1 <= n <= MAX_DIM:
        raise ValueError(f"DBM dimension must be in 1..{MAX_DIM}, got {n}")
    return n


def _dec(z: bytes, n: int) -> tuple[int, ...]:
    if not isinstance(z, bytes):
        raise TypeError(f"a zone is a bytes object of n*n int32, got {type(z).__name__}")
    if len(z) != n * n * 4:
        raise ValueError(f"a zone of dimension {n} has {n * n * 4} bytes, got {len(z)}")
    a = array("i")
    a.frombytes(z)
    return tuple(_REF_INF if v == INF else v for v in a)


def _enc(t: Sequence[int]) -> bytes:
    try:
        return array("i", [INF if v == _REF_INF else v for v in t]).tobytes()
    except OverflowError:
        pass
    raise OverflowError(f"a zone entry exceeds the DBM kernel's range {_RANGE}")


def _enc_checked(t: Sequence[int]) -> bytes:
    for v in t:
        if v != _REF_INF and not RAW_MIN <= v <= RAW_MAX:
            raise OverflowError(f"a zone entry exceeds the DBM kernel's range {_RANGE}")
    return _enc(t)


def _zone(b: bytes | None) -> bytes:
    """A result that cannot be empty (a superset of a non-empty zone)."""
    assert b is not None
    return b


def _out(t: tuple[int, ...] | None, z: bytes | None = None, tz: tuple | None = None
         ) -> bytes | None:
    """Encode a result; the argument object itself when the result equals it."""
    if t is None:
        return None
    if tz is not None and t == tz:
        return z
    return _enc_checked(t)


def _raw(raw: int) -> int:
    if raw == INF:
        return _REF_INF
    if not RAW_MIN <= raw <= RAW_MAX:
        raise OverflowError(f"raw bound {raw} is outside the DBM kernel's range {_RANGE}")
    return raw


def _index(v: int, n: int, lo: int = 0) -> int:
    if not lo <= v < n:
        raise ValueError(f"clock index {v} out of range {lo}..{n - 1}")
    return v


def _cons(cs: Iterable[Constraint] | None, n: int) -> list[Constraint]:
    if cs is None:
        return []
    out = []
    for c in cs:
        if not isinstance(c, tuple | list) or len(c) != 3:
            raise TypeError(f"a constraint is a tuple (i, j, raw), got {type(c).__name__}")
        i, j, raw = c
        out.append((_index(i, n), _index(j, n), _raw(raw)))
    return out


def _bounds(values: bytes | Sequence[int], n: int) -> list[int]:
    if isinstance(values, bytes):
        if len(values) != n * 4:
            raise ValueError(f"bounds of dimension {n} have {n * 4} bytes, got {len(values)}")
        a = array("i")
        a.frombytes(values)
        vs = list(a)
    else:
        vs = list(values)
        if len(vs) != n:
            raise ValueError(f"bounds of dimension {n} have {n} entries, got {len(vs)}")
    vs[0] = 0
    for k in range(1, n):
        if vs[k] < 0:
            vs[k] = -1
        elif vs[k] > MAX_ENTRY:
            raise OverflowError(f"bound {vs[k]} is outside the DBM kernel's range (<= 2**30 - 4)")
    return vs


def _kind(kind: int) -> bool:
    if kind not in (0, 1):
        raise ValueError(f"extrapolation kind must be EXTRA_LU (0) or EXTRA_PLUS_LU (1), "
                         f"got {kind}")
    return kind == 1


# ------------------------------------------------------------------------------ conversion


def encode(t: Sequence[int] | None, n: int) -> bytes | None:
    if t is None:
        return None
    _dim(n)
    t = list(t)
    if len(t) != n * n:
        raise ValueError(f"DBM of dimension {n} needs {n * n} entries, got {len(t)}")
    for v in t:
        if v != _REF_INF and not RAW_MIN <= v <= RAW_MAX:
            raise OverflowError(f"zone entry {v} is outside the DBM kernel's range {_RANGE}")
    return _enc(t)


def decode(b: bytes | None, n: int) -> tuple[int, ...] | None:
    if b is None:
        return None
    return _dec(b, _dim(n))


def encode_bounds(values: bytes | Sequence[int], n: int) -> bytes:
    return array("i", _bounds(values, _dim(n))).tobytes()


# ------------------------------------------------------------------------------ operations


def zero(n: int) -> bytes:
    return _enc(dbm.zero(_dim(n)))


def universe(n: int) -> bytes:
    return _enc(dbm.universe(_dim(n)))


def canonical(z: bytes, n: int) -> bytes | None:
    t = _dec(z, _dim(n))
    for v in t:
        if v != _REF_INF and not RAW_MIN <= v <= RAW_MAX:
            raise OverflowError(f"a zone entry exceeds the DBM kernel's range {_RANGE}")
    return _out(dbm.canonical(t, n))


def up(z: bytes, n: int) -> bytes:
    t = _dec(z, _dim(n))
    return _zone(_out(dbm.up(t, n), z, t))


def down(z: bytes, n: int) -> bytes:
    return _zone(_out(dbm.down(_dec(z, _dim(n)), n)))


def constrain(z: bytes | None, n: int, i: int, j: int, raw: int) -> bytes | None:
    if z is None:
        return None
    t = _dec(z, _dim(n))
    return _out(dbm.constrain(t, n, _index(i, n), _index(j, n), _raw(raw)), z, t)


def constrain_all(z: bytes | None, n: int, constraints: Iterable[Constraint] | None
                  ) -> bytes | None:
    if z is None:
        return None
    t = _dec(z, _dim(n))
    return _out(dbm.constrain_all(t, n, _cons(constraints, n)), z, t)


def satisfies(z: bytes | None, n: int, constraints: Iterable[Constraint] | None) -> bool:
    if z is None:
        return False
    return dbm.satisfies_some(_dec(z, _dim(n)), n, _cons(constraints, n))


def reset(z: bytes, n: int, x: int, value: int = 0) -> bytes:
    t = _dec(z, _dim(n))
    if value > MAX_ENTRY:
        raise OverflowError(f"a zone entry exceeds the DBM kernel's range {_RANGE}")
    return _zone(_out(dbm.reset(t, n, _index(x, n, 1), value)))


def free(z: bytes, n: int, x: int) -> bytes:
    return _zone(_out(dbm.free(_dec(z, _dim(n)), n, _index(x, n, 1))))


def intersect(z1: bytes | None, z2: bytes | None, n: int) -> bytes | None:
    if z1 is None or z2 is None:
        return None
    return _out(dbm.intersect(_dec(z1, _dim(n)), _dec(z2, n), n))


def is_included(z1: bytes | None, z2: bytes | None, n: int) -> bool:
    if z1 is None:
        return True
    if z2 is None:
        return False
    _dim(n)
    return dbm.is_included(_dec(z1, n), _dec(z2, n), n)


def alu_included(z: bytes | None, z2: bytes | None, n: int, L: bytes | Sequence[int],
                 U: bytes | Sequence[int]) -> bool:
    if z is None:
        return True
    if z2 is None:
        return False
    _dim(n)
    return dbm.alu_included(_dec(z, n), _dec(z2, n), n, _bounds(L, n), _bounds(U, n))


def extrapolate_lu(z: bytes, n: int, L: bytes | Sequence[int], U: bytes | Sequence[int],
                   kind: int) -> bytes:
    t = _dec(z, _dim(n))
    plus = _kind(kind)
    return _zone(_out(dbm.extrapolate_lu(t, n, _bounds(L, n), _bounds(U, n), plus=plus), z, t))


def close(z: bytes, n: int, inv: Iterable[Constraint] | None, L: bytes | Sequence[int],
          U: bytes | Sequence[int], kind: int) -> bytes | None:
    t = _dec(z, _dim(n))
    lower, upper, plus = _bounds(L, n), _bounds(U, n), _kind(kind)
    closed = dbm.constrain_all(dbm.up(t, n), n, _cons(inv, n))
    if closed is None:
        return None
    return _out(dbm.extrapolate_lu(closed, n, lower, upper, plus=plus))


def successor(z: bytes, n: int, guard: Iterable[Constraint] | None,
              resets: Iterable[int] | None, inv2: Iterable[Constraint] | None
              ) -> tuple[bytes | None, bytes | None]:
    t = _dec(z, _dim(n))
    resets = [_index(x, n, 1) for x in resets or ()]
    inv = _cons(inv2, n)
    z1 = dbm.constrain_all(t, n, _cons(guard, n))
    if z1 is None:
        return None, None
    z2 = z1
    for x in resets:
        z2 = dbm.reset(z2, n, x)
    z3 = dbm.constrain_all(z2, n, inv)
    if z3 is None:
        return None, None
    pre = dbm.constrain_all(z1, n, [c for c in inv if c[0] not in resets])
    succ = dbm.constrain_all(dbm.up(z3, n), n, inv)
    return _out(pre, z, t), _out(succ)


def subtract(z1: bytes | None, z2: bytes | None, n: int) -> list[bytes]:
    if z1 is None:
        return []
    t1 = _dec(z1, _dim(n))
    if z2 is None:
        return [z1]
    return [_enc_checked(p) for p in dbm.subtract(t1, _dec(z2, n), n)]


def stuck_part(z: bytes, pres: Iterable[bytes | None], n: int) -> list[bytes]:
    t = _dec(z, _dim(n))
    ps = [None if p is None else _dec(p, n) for p in pres]
    return [_enc_checked(p) for p in dbm.stuck_part(t, ps, n)]


def is_stuck_free(z: bytes, pres: Iterable[bytes | None], n: int) -> bool:
    return not stuck_part(z, pres, n)


# ------------------------------------------------------------------------------ ZoneStore


class ZoneStore:
    """The passed list of one search (the behaviour of the native ZoneStore, in Python)."""

    __slots__ = ("n", "_zones", "_tuples", "_dids", "_active")

    def __init__(self, n: int):
        self.n = _dim(n)
        self._zones: list[bytes] = []
        self._tuples: list[tuple[int, ...]] = []
        self._dids = array("i")
        self._active: dict[int, list[int]] = {}

    def add(self, did: int, z: bytes, L: bytes | Sequence[int] | None,
            U: bytes | Sequence[int] | None, mode: str) -> int:
        n = self.n
        if not 0 <= did < 2**31 - 1:
            raise ValueError(f"discrete-state id must be in 0..2**31 - 2, got {did}")
        t = _dec(z, n)
        if mode == "inclusion":
            def covers(a: tuple, b: tuple) -> bool:
                return dbm.is_included(a, b, n)
        elif mode == "alu":
            if L is None or U is None:
                raise ValueError("aLU subsumption needs L and U")
            lower, upper = _bounds(L, n), _bounds(U, n)

            def covers(a: tuple, b: tuple) -> bool:
                return dbm.alu_included(a, b, n, lower, upper)
        else:
            raise ValueError(f"mode must be 'inclusion' or 'alu', got {mode!r}")
        bucket = self._active.get(did, [])
        tuples = self._tuples
        for p in bucket:
            if covers(t, tuples[p]):
                return -1 - p
        keep = [p for p in bucket if not covers(tuples[p], t)]
        node = len(self._zones)
        self._zones.append(z)
        self._tuples.append(t)
        self._dids.append(did)
        keep.append(node)
        self._active[did] = keep
        return node

    def zone(self, node: int) -> bytes:
        self._check(node)
        return self._zones[node]

    def did(self, node: int) -> int:
        self._check(node)
        return self._dids[node]

    def active(self, did: int) -> list[int]:
        return list(self._active.get(did, ()))

    def __len__(self) -> int:
        return len(self._zones)

    @property
    def nbytes(self) -> int:
        """Memory held, as sys.getsizeof counts it (zones, their tuples, the lists)."""
        total = sys.getsizeof(self._zones) + sys.getsizeof(self._tuples)
        total += sys.getsizeof(self._dids) + sys.getsizeof(self._active)
        total += sum(sys.getsizeof(z) for z in self._zones)
        total += sum(sys.getsizeof(t) for t in self._tuples)
        total += sum(sys.getsizeof(b) for b in self._active.values())
        return total

    def _check(self, node: int) -> None:
        if not 0 <= node < len(self._zones):
            raise IndexError(f"node {node} out of range (the store holds {len(self._zones)})")
