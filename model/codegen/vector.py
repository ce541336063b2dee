"""The vector target: numpy code that expands a whole chunk of packed states at once.

From the same checked model as the explicit target (explicit.py), one function
`_vexpand(s)` over a uint64 array `s` of packed states (or (n, W) words, wide). Every action
instance (unrolled, its parameters constants) becomes: its guard as a boolean mask over the
chunk, the states where it holds selected, and its body as bit operations on that
selection (clear a field, or in its new value); `if` statements become selects
(`np.where`), `require` narrows a mask, `choose` branches over the values of its domain.
Each place where a successor is emitted (an *outcome*, numbered in the order the per-state
code would emit them for one state) yields the successor array and the chunk position of
each one's parent, so the caller can restore the exact per-state order (position, then
outcome number).

Run-time errors are not raised: each construct that can fail (a value outside its range,
an index out of range, division by zero, a failed assert) adds its condition, under the
mask of the states that reach it (short-circuit `and`/`or`, `if`, `require` included), to
an error mask over the chunk. The caller redoes the states it marks with the per-state
code, which gives the exact error; marking a state that would not fail is harmless (its
successors are recomputed the same), missing one would not be, so every construct that is
not modelled precisely raises `Unsupported` at generation time instead, and the caller
falls back to the per-state engine. Unsupported: queues, clocks, composite set elements,
domains of more than MAX_DOMAIN values, and values (not states) wider than 64 bits: a
state wider than 64 bits is an (n, W) uint64 array, each field read and written in its
word, or across the two it straddles.

Options are their packings (0: none, 1 + the value's); bags are counts in the state, each
read and written at its place (the bag's offset + the element's ordinal * the count's
width, the ordinal of a record or option by a table over its encodings). An action whose
guard starts with `x in S` or `count(B, x) > 0` (generator.member_plan) and that has more
than FAMILY_MIN instances is generated once, as a family over the set bits of S or B
(family_of): so the instance count is no limit there (abd: 3,520 instances, paxos: 6,498).

Values in generated code: bools as numpy bool arrays, ints and enum ordinals as int64
arrays, composite values as their packed uint64 encodings; a value that depends on no
state is a Python scalar (kinds "b", "i", "u").
"""

from __future__ import annotations

import hashlib
import linecache
from collections.abc import Callable
from itertools import count
from typing import TYPE_CHECKING, Any

from .. import ir
from ..irutil import argument_tuples, substitute, walk
from ..layout import Layout
from ..lazy import lazy_module
from ..nodeclass import nodeclass
from ..types import BOOL, ArrayT, BagT, BoolT, EnumT, IntT, OptionT, RecordT, SetT, Type
from .generator import (
    chain_operands,
    component_path,
    container_elem,
    describe_instance,
    has_control,
    member_plan,
    sanitize,
    scoped,
    specialize,
    value_encodings,
    value_reps,
)
from .runtime import rep_of

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")  # loaded on first use: a zone check never needs numpy

__all__ = ["Unsupported", "VectorCode", "compile_vector", "MAX_OUTCOMES"]

MAX_OUTCOMES = 4096  # emission sites over all instances
MAX_NUMBERS = 1 << 26  # outcome numbers: a chunk's keys, position * numbers + k, < 2**40
FAMILY_MIN = 16  # an action with more instances and a member plan is a family (family_of)
MAX_DOMAIN = 64  # values a choose, quantifier or comprehension branches over
MAX_LINES = 120_000  # generated lines
INT_LIMIT = 1 << 62  # ints whose static range goes beyond could overflow int64


class Unsupported(Exception):
    """The model uses something the vector target does not generate (the reason)."""


@nodeclass
class VectorCode:
    """`expand(s) -> (errors, outcomes)`: the error mask over the chunk and, per outcome,
    `(k, successors, parent positions)`; `outcomes` the number of outcome sites (the key
    of a successor is parent position * outcomes + k); `props[k](s) -> (noteworthy, errors)`
    for property k (None where it could not be generated); `inside(s) -> (holds, errors)`
    over the boundaries (None without any, or not generated)."""

    source: str
    expand: Callable[[np.ndarray], tuple[np.ndarray, list[tuple[int, np.ndarray, np.ndarray]]]]
    outcomes: int
    props: list[Callable[[np.ndarray], tuple[Any, Any]] | None]
    inside: Callable[[np.ndarray], tuple[Any, Any]] | None


# ---------------------------------------------------------------------------- helpers


def _U(x: Any) -> Any:
    """x as uint64 bits (arrays), or as a non-negative Python int (scalars)."""
    if isinstance(x, np.ndarray):
        return x if x.dtype == np.uint64 else x.astype(np.uint64)
    return int(x) & 0xFFFFFFFFFFFFFFFF


def _I(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x if x.dtype == np.int64 else x.astype(np.int64)
    return int(x)


def _B(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x if x.dtype == np.bool_ else x != 0
    return bool(x)


def _not(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return ~x
    return not x


def _shr(x: Any, n: Any) -> Any:
    if isinstance(x, np.ndarray) or isinstance(n, np.ndarray):
        return np.right_shift(_U(np.asarray(x)), _U(np.asarray(n)))
    return int(x) >> int(n) if n >= 0 else 0


def _shl(x: Any, n: Any) -> Any:
    if isinstance(x, np.ndarray) or isinstance(n, np.ndarray):
        return np.left_shift(_U(np.asarray(x)), _U(np.asarray(n)))
    return (int(x) << int(n)) & 0xFFFFFFFFFFFFFFFF if 0 <= n < 64 else 0


def _andnot(a: Any, b: Any) -> Any:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.bitwise_and(_U(np.asarray(a)), np.bitwise_not(_U(np.asarray(b))))
    return int(a) & ~int(b)


def _where(c: Any, a: Any, b: Any) -> Any:
    if not isinstance(c, np.ndarray):
        return a if c else b
    return np.where(c, a, b)


def _where_u(c: Any, a: Any, b: Any) -> Any:
    if not isinstance(c, np.ndarray):
        return a if c else b
    return np.where(c, _U(np.asarray(a)), _U(np.asarray(b)))


def _popcount(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return np.bitwise_count(x).astype(np.int64)
    return int(x).bit_count()


def _setmin(x: Any) -> Any:
    """The ordinal of the lowest member of a non-empty set (an empty one: garbage, its
    states are marked)."""
    if isinstance(x, np.ndarray):
        low = x & (~x + np.uint64(1))
        return np.bitwise_count(low - np.uint64(1)).astype(np.int64)
    x = int(x)
    return (x & -x).bit_length() - 1


def _setmax(x: Any) -> Any:
    """The ordinal of the highest member of a non-empty set."""
    if isinstance(x, np.ndarray):
        for shift in (1, 2, 4, 8, 16, 32):
            x = x | (x >> np.uint64(shift))
        return np.bitwise_count(x).astype(np.int64) - 1
    return int(x).bit_length() - 1


def _clip(x: Any, lo: int, hi: int) -> Any:
    if isinstance(x, np.ndarray):
        return np.clip(x, lo, hi)
    return min(max(int(x), lo), hi)


def _safe(b: Any) -> Any:
    """A divisor with its zeros replaced (their states are marked as errors)."""
    if isinstance(b, np.ndarray):
        return np.where(b == 0, 1, b)
    return b if b else 1


def _flag(errors: np.ndarray, rows: np.ndarray, err: Any, mask: Any) -> None:
    """Mark the chunk positions (`rows`) where `err` holds under `mask`."""
    x = err if mask is None else (mask & err)
    if isinstance(x, np.ndarray):
        if x.any():
            errors[rows[x] if x.shape == rows.shape else rows] = True
    elif x:
        errors[rows] = True


def _nonzero(g: Any, n: int) -> np.ndarray:
    if isinstance(g, np.ndarray):
        return np.flatnonzero(g)
    return np.arange(n) if g else np.empty(0, dtype=np.int64)


def _rows(x: Any, mask: Any) -> Any:
    """The part of a per-row array under `mask` (None: every row)."""
    if mask is None:
        return x
    if isinstance(mask, np.ndarray):
        return x[mask]
    return x if mask else x[:0]


def _full(x: Any, n: int, dtype: Any) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    return np.full(n, x, dtype=dtype)


def _wget(sv: np.ndarray, off: Any, w: int) -> np.ndarray:
    """The `w` bits (at most 64) at bit `off` (per row, or one for all) of the wide states
    `sv` ((rows, W) uint64, column 0 the most significant word), a field that may straddle
    two words. The offsets are inside the state (an index outside was clipped)."""
    n, words = sv.shape
    off = np.broadcast_to(np.asarray(off).astype(np.uint64), (n,))
    k = (off >> np.uint64(6)).astype(np.intp)
    b0 = off & np.uint64(63)
    rows = np.arange(n)
    col = words - 1 - k
    value = sv[rows, col] >> b0
    if w > 1:
        spill = (b0 + np.uint64(w)) > np.uint64(64)
        if spill.any():
            r = rows[spill]
            value[spill] |= sv[r, col[spill] - 1] << (np.uint64(64) - b0[spill])
    return value & np.uint64((1 << w) - 1)


def _wset(sv: np.ndarray, off: Any, w: int, enc: Any) -> np.ndarray:
    """A copy of the wide states `sv` with the `w` bits at `off` (per row, or one for all)
    set to `enc` (see _wget)."""
    out = sv.copy()
    n, words = sv.shape
    off = np.broadcast_to(np.asarray(off).astype(np.uint64), (n,))
    enc = np.broadcast_to(np.asarray(_U(enc) if not isinstance(enc, np.ndarray) else enc)
                          .astype(np.uint64), (n,))
    k = (off >> np.uint64(6)).astype(np.intp)
    b0 = off & np.uint64(63)
    rows = np.arange(n)
    col = words - 1 - k
    m = np.uint64((1 << w) - 1)
    out[rows, col] = (out[rows, col] & ~(m << b0)) | (enc << b0)
    spill = (b0 + np.uint64(w)) > np.uint64(64)
    if spill.any():
        r, c = rows[spill], col[spill] - 1
        sh = np.uint64(64) - b0[spill]
        out[r, c] = (out[r, c] & ~(m >> sh)) | (enc[spill] >> sh)
    return out


def _setbits(sv: Any, off: int, nbits: int) -> tuple[np.ndarray, np.ndarray]:
    """The (chunk row, bit number) of every set bit among the `nbits` bits at `off` of the
    states `sv` (uint64s, or (rows, W) words): a set's members, a bag of bound 1's
    elements, each row once per member, in no particular order."""
    rows_out: list[np.ndarray] = []
    bits_out: list[np.ndarray] = []
    if nbits <= 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.int64)
    wide = sv.ndim == 2
    words = sv.shape[1] if wide else 1
    for k in range(off // 64, (off + nbits - 1) // 64 + 1):
        lo, hi = max(off, 64 * k), min(off + nbits, 64 * (k + 1))
        field = (((1 << (hi - lo)) - 1) << (lo - 64 * k)) & 0xFFFFFFFFFFFFFFFF
        word = sv[:, words - 1 - k] if wide else sv
        x = word & np.uint64(field)
        rows = np.flatnonzero(x)
        x = x[rows]
        while rows.size:
            low = x & (~x + np.uint64(1))
            rows_out.append(rows)
            bits_out.append(np.bitwise_count(low - np.uint64(1)).astype(np.int64)
                            + (64 * k - off))
            x = x ^ low
            more = x != 0
            rows, x = rows[more], x[more]
    if not rows_out:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.int64)
    return np.concatenate(rows_out), np.concatenate(bits_out)


def _lookup(table: np.ndarray, code: Any, mask: int) -> Any:
    """`table[code]` of an encoding (its bits past the table's masked off: a garbage value
    of a state already marked must not index outside)."""
    if isinstance(code, np.ndarray):
        return table[(code & np.uint64(mask)).astype(np.intp)]
    return int(table[int(code) & mask])


HELPERS: dict[str, object] = {
    "np": np, "_U": _U, "_I": _I, "_B": _B, "_not": _not, "_shr": _shr, "_shl": _shl,
    "_andnot": _andnot, "_where": _where, "_where_u": _where_u, "_popcount": _popcount,
    "_clip": _clip, "_safe": _safe, "_flag": _flag, "_nonzero": _nonzero, "_rows": _rows,
    "_full": _full, "_setmin": _setmin, "_setmax": _setmax, "_wget": _wget, "_wset": _wset,
    "_setbits": _setbits, "_lookup": _lookup,
}


# ---------------------------------------------------------------------------- values


@nodeclass(frozen=True)
class V:
    """Generated code for a value: its code, kind ("b", "i", "u"), the code of its error
    condition (None: cannot fail) and whether it is a scalar (reads no state)."""

    code: str
    kind: str
    err: str | None = None
    scalar: bool = False


def _kind(typ: Type) -> str:
    if isinstance(typ, BoolT):
        return "b"
    if isinstance(typ, (IntT, EnumT)):
        return "i"
    return "u"


def _int_range(typ: Type) -> tuple[int, int]:
    if not isinstance(typ, IntT) or typ.lo is None or typ.hi is None:
        raise Unsupported(f"an int without static bounds ({typ})")
    if not (-INT_LIMIT < typ.lo and typ.hi < INT_LIMIT):
        raise Unsupported("an int beyond 62 bits")
    return typ.lo, typ.hi


class VectorGenerator:
    """Numpy source for one model (see the module docstring)."""

    def __init__(self, model: ir.Model, layout: Layout):
        if model.clocks:
            raise Unsupported("clocks")
        self.model = model
        self.layout = layout
        # 64-bit words a state takes: one, a uint64 array; more, a (rows, words) one
        self.words = max(1, -(-layout.width // 64))
        self.lines: list[str] = []
        self.done: list[str] = []
        self.indent = 0
        self.names = count()
        self.outcomes = 0
        self.ns: dict[str, object] = dict(HELPERS)
        self.current = "s"  # the state array the expressions being generated read
        self.memo: dict[str, tuple[str, int | None]] = {}  # code -> (variable, block)
        self.block = 0  # the instance block being written (see known)
        self.sites = 0  # emission sites generated (MAX_OUTCOMES)
        # inside a family (see family): (its per-row instance numbers, the name of its
        # sites per instance, its first outcome number) and the sites generated so far
        self.family: tuple[str, str, int] | None = None
        self.family_sites = 0
        self.ordinals: dict[ir.Local, V] = {}  # a family's composite locals: ordinals
        self.tables: dict[tuple, str] = {}  # constant arrays in the namespace, by key

    # -------------------------------------------------------------- emission
    def line(self, text: str) -> None:
        self.lines.append("    " * self.indent + text)
        if len(self.lines) + len(self.done) > MAX_LINES:
            raise Unsupported("the vector code would be too long")

    def fresh(self, prefix: str) -> str:
        return f"_{prefix}{next(self.names)}"

    def tmp(self, code: str, kind: str, err: str | None = None, scalar: bool = False) -> V:
        """`code` in a new variable (or the one that already holds it: every name but
        `_E` and `_O` is assigned once, so equal code is an equal value where visible)."""
        if scalar or code.isidentifier() or _literal(code):
            return V(code, kind, err, scalar)
        name = self.known(code)
        if name is None:
            name = self.fresh("v")
            self.line(f"{name} = {code}")
            self.remember(code, name)
        return V(name, kind, err, scalar)

    def known(self, code: str) -> str | None:
        """The variable holding `code` if one is visible here: assigned at the function's
        top level, or inside the current instance's block."""
        entry = self.memo.get(code)
        if entry is None:
            return None
        name, block = entry
        return name if block is None or block == self.block else None

    def remember(self, code: str, name: str) -> None:
        self.memo[code] = (name, None if self.indent <= 1 else self.block)

    def err_or(self, *errs: str | None) -> str | None:
        parts = [e for e in errs if e is not None and e != "False"]
        if not parts:
            return None
        if "True" in parts:
            return "True"
        if len(parts) == 1:
            return parts[0]
        return self.tmp(" | ".join(f"({p})" for p in parts), "b").code

    def err_and(self, cond: str, err: str | None) -> str | None:
        """`err`, counted only where `cond` holds."""
        if err is None:
            return None
        if cond == "True":
            return err
        return self.tmp(f"({cond}) & ({err})", "b").code

    def mask_and(self, mask: str | None, cond: str) -> str | None:
        if cond == "True":
            return mask
        if mask is None:
            return cond
        return self.tmp(f"({mask}) & ({cond})", "b").code

    def flag(self, err: str | None, mask: str | None, rows: str = "_R") -> None:
        """Mark the chunk positions `rows` (the rows being computed) where `err` holds
        under `mask`."""
        if err is None or err == "False":
            return
        self.line(f"_flag(_E, {rows}, {err}, {mask})")

    # -------------------------------------------------------------- conversions
    def as_u(self, v: V) -> V:
        if v.kind == "u":
            return v
        if v.code.isdigit():
            return V(v.code, "u", v.err, True)
        if v.code in ("True", "False"):
            return V(str(int(v.code == "True")), "u", v.err, True)
        return self.tmp(f"_U({v.code})", "u", v.err, v.scalar)

    def as_i(self, v: V) -> V:
        if v.kind == "i":
            return v
        if v.kind == "b":
            return self.tmp(f"_I({v.code})", "i", v.err, v.scalar)
        raise Unsupported("a composite value as an int")

    def as_b(self, v: V) -> V:
        if v.kind == "b":
            return v
        return self.tmp(f"_B({v.code})", "b", v.err, v.scalar)

    def encode(self, v: V, typ: Type) -> V:
        """A value as the packed bits of `typ` (uint64)."""
        if isinstance(typ, IntT):
            lo, _ = _int_range(typ)
            v = self.as_i(v)
            if lo:
                v = V(f"({v.code} - {lo})", "i", v.err, v.scalar)
            return self.as_u(self.tmp(v.code, "i", v.err, v.scalar))
        if isinstance(typ, BoolT):
            return self.as_u(self.as_b(v))
        if isinstance(typ, EnumT):
            return self.as_u(self.as_i(v))
        return self.as_u(v)

    # -------------------------------------------------------------- locations
    def extract(self, src: V, off: int | V, typ: Type) -> V:
        """The component of type `typ` at `off` in the packed value `src`."""
        w = typ.width
        err = src.err if isinstance(off, int) else self.err_or(src.err, off.err)
        if w == 0:
            if isinstance(typ, IntT):
                return V(str(_int_range(typ)[0]), "i", err, True)
            return V("False" if isinstance(typ, BoolT) else "0", _kind(typ), err, True)
        scalar = src.scalar and (isinstance(off, int) or off.scalar)
        if isinstance(off, int):
            shifted = src.code if off == 0 else f"({src.code} >> {off})"
        else:
            shifted = f"_shr({src.code}, {off.code})"
        raw = f"({shifted} & {hex((1 << w) - 1)})"
        if isinstance(typ, IntT):
            lo, _ = _int_range(typ)
            code = f"_I({raw})"
            return self.tmp(f"({code} + {lo})" if lo else code, "i", err, scalar)
        if isinstance(typ, BoolT):
            if isinstance(off, int) and not src.scalar:  # the bit in place
                return self.tmp(f"(({src.code} & {hex(1 << off)}) != 0)", "b", err, scalar)
            return self.tmp(f"_B({raw})", "b", err, scalar)
        if isinstance(typ, EnumT):
            return self.tmp(f"_I({raw})", "i", err, scalar)
        return self.tmp(raw, "u", err, scalar)

    def column(self, sv: str, k: int) -> V:
        """Word k (from the least significant, 0) of the wide state array `sv`."""
        return self.tmp(f"{sv}[:, {self.words - 1 - k}]", "u")

    def read_state(self, off: int | V, typ: Type) -> V:
        """The component of type `typ` at `off` in the states being read (self.current):
        in a wide state, from the word it is in, or the two it straddles."""
        if self.words == 1 or typ.width == 0:
            return self.extract(V(self.current, "u"), off, typ)
        w = typ.width
        if w > 64:
            raise Unsupported(f"a value of {w} bits (more than 64) in a wide state")
        if isinstance(off, int):
            k, b0 = divmod(off, 64)
            low = self.column(self.current, k)
            if b0 + w <= 64:
                return self.extract(low, b0, typ)
            high = self.column(self.current, k + 1)
            raw = self.tmp(f"(({low.code} >> {b0}) | ({high.code} << {64 - b0}))", "u")
            return self.extract(raw, 0, typ)
        o = self.tmp(f"_U({off.code})", "u", None, off.scalar)
        raw = self.tmp(f"_wget({self.current}, {o.code}, {w})", "u", off.err)
        return self.extract(raw, 0, typ)

    def location(self, e: ir.Expr, env: dict[ir.Local, V]) -> tuple[int | V, Type] | None:
        found = component_path(e)
        if found is None:
            return None
        var, path = found
        static = self.layout.offsets[var.index]
        dynamic: V | None = None
        typ = var.type
        for step in path:
            if isinstance(step, ir.Index):
                assert isinstance(typ, ArrayT)
                w = typ.elem.width
                ordinal = self.index_ordinal(step.index, typ.index, env)
                if isinstance(ordinal, int):
                    static += ordinal * w
                else:
                    term = ordinal if w == 1 else V(f"({ordinal.code} * {w})", "i",
                                                    ordinal.err, ordinal.scalar)
                    if dynamic is None:
                        dynamic = term
                    else:
                        dynamic = self.tmp(f"({dynamic.code} + {term.code})", "i",
                                           self.err_or(dynamic.err, term.err),
                                           dynamic.scalar and term.scalar)
                typ = typ.elem
            else:
                assert isinstance(typ, RecordT)
                static += typ.offsets()[step.position]
                typ = typ.fields[step.position][1]
        if dynamic is None:
            return static, typ
        return self.tmp(f"({dynamic.code} + {static})" if static else dynamic.code, "i",
                        dynamic.err, dynamic.scalar), typ

    def index_ordinal(self, index: ir.Expr, typ: Type, env: dict[ir.Local, V]) -> int | V:
        """The position of an index value in its index type, clipped into it (an index
        outside marks the state)."""
        if isinstance(index, ir.Lit) and typ.contains(index.value):
            return typ.ordinal(index.value)
        v = self.expr(index, env)
        if isinstance(typ, IntT):
            lo, hi = _int_range(typ)
            v = self.as_i(v)
            if self.fits(index, typ):
                return self.tmp(f"({v.code} - {lo})" if lo else v.code, "i", v.err, v.scalar)
            bad = self.tmp(f"(({v.code} < {lo}) | ({v.code} > {hi}))", "b", None, v.scalar)
            return self.tmp(f"_clip({v.code} - {lo}, 0, {hi - lo})", "i",
                            self.err_or(v.err, bad.code), v.scalar)
        if isinstance(typ, (BoolT, EnumT)):
            return self.as_i(v)
        raise Unsupported(f"an index of type {typ}")

    def fits(self, e: ir.Expr, typ: Type) -> bool:
        if not isinstance(typ, IntT):
            return True
        t = e.type
        return (isinstance(t, IntT) and t.lo is not None and t.hi is not None
                and typ.lo is not None and typ.hi is not None
                and typ.lo <= t.lo and t.hi <= typ.hi)

    def checked(self, e: ir.Expr, typ: Type, env: dict[ir.Local, V]) -> V:
        v = self.expr(e, env)
        if isinstance(typ, IntT) and not self.fits(e, typ):
            lo, hi = _int_range(typ)
            v = self.as_i(v)
            bad = self.tmp(f"(({v.code} < {lo}) | ({v.code} > {hi}))", "b", None, v.scalar)
            return V(v.code, "i", self.err_or(v.err, bad.code), v.scalar)
        return v

    # -------------------------------------------------------------- expressions
    def expr(self, e: ir.Expr, env: dict[ir.Local, V]) -> V:  # noqa: C901
        if isinstance(e.type, IntT) and not (isinstance(e, ir.Binary) and e.op in ("/", "%")):
            _int_range(e.type)  # (a quotient or remainder is no larger than its operands)
        match e:
            case ir.Lit(value=value, type=typ):
                rep = rep_of(typ, value)
                if isinstance(typ, BoolT):
                    return V("True" if rep else "False", "b", None, True)
                if _kind(typ) == "u" and not 0 <= rep < 1 << 64:
                    raise Unsupported("a constant beyond 64 bits")
                return V(str(rep), _kind(typ), None, True)
            case ir.LocalRef(local=local):
                return env[local]
            case ir.VarRef() | ir.Index() | ir.Field():
                loc = self.location(e, env)
                if loc is not None:
                    off, typ = loc
                    return self.read_state(off, typ)
                return self._extract_from_value(e, env)
            case ir.Unary(op="not", operand=x):
                v = self.as_b(self.expr(x, env))
                return self.tmp(f"_not({v.code})", "b", v.err, v.scalar)
            case ir.Unary(op="-", operand=x):
                v = self.as_i(self.expr(x, env))
                return self.tmp(f"(-{v.code})", "i", v.err, v.scalar)
            case ir.Binary():
                return self._binary(e, env)
            case ir.Ite(cond=c, then=a, orelse=b):
                cv = self.as_b(self.expr(c, env))
                av = self.expr(a, env)
                bv = self.expr(b, env)
                kind = _kind(e.type)
                av, bv = self._same(av, kind), self._same(bv, kind)
                err = self.err_or(cv.err, self.err_and(cv.code, av.err),
                                  self.err_and(f"_not({cv.code})", bv.err))
                fn = "_where_u" if kind == "u" else "_where"
                return self.tmp(f"{fn}({cv.code}, {av.code}, {bv.code})", kind, err,
                                cv.scalar and av.scalar and bv.scalar)
            case ir.Quant(kind=kind, local=local, domain=domain, body=body):
                return self._quant(kind, local, domain, body, env)
            case ir.SetLit(elems=elems, type=typ):
                assert isinstance(typ, SetT)
                parts = []
                for x in elems:
                    o = self.elem_ordinal(x, typ.elem, env)
                    parts.append(V(f"_shl(1, {o.code})", "u", o.err, o.scalar))
                return self._or_bits(parts)
            case ir.SumE(local=local, domain=domain, pred=body):
                terms: list[V] = []
                dom_err, branches = self.branches(domain, env)
                for m, value in branches:
                    inner = self.as_i(self._bind_expr(body, local, value, env))
                    code = inner.code if m == "True" else f"_where({m}, {inner.code}, 0)"
                    terms.append(V(code, "i", self.err_and(m, inner.err),
                                   inner.scalar and m == "True"))
                total = " + ".join(t.code for t in terms) or "0"
                return self.tmp(f"({total})", "i", self.err_or(dom_err, *(t.err for t in terms)),
                                all(t.scalar for t in terms))
            case ir.SetComp(local=local, domain=domain, pred=pred, type=typ):
                assert isinstance(typ, SetT)
                parts = []
                dom_err, branches = self.branches(domain, env)
                for m, value in branches:
                    p = self.as_b(self._bind_expr(pred, local, value, env))
                    o = typ.elem.ordinal(value.value)  # type: ignore[attr-defined]
                    hold = p.code if m == "True" else f"(({m}) & ({p.code}))"
                    parts.append(V(f"_shl(_U({hold}), {o})", "u", self.err_and(m, p.err),
                                   p.scalar and m == "True"))
                bits = self._or_bits(parts)
                return V(bits.code, "u", self.err_or(dom_err, bits.err), bits.scalar)
            case ir.RecordLit(fields=fields, type=typ):
                assert isinstance(typ, RecordT)
                return self._pack([(self.convert(f, t, env), t) for f, (_, t) in
                                   zip(fields, typ.fields)])
            case ir.MapComp(local=local, body=body, type=typ):
                assert isinstance(typ, ArrayT)
                items = [(self.convert(substitute(body, {local: ir.Lit(k, typ.index)}),
                                       typ.elem, env), typ.elem) for k in typ.index.values()]
                return self._pack(items)
            case ir.Call(fn="some", args=(x,), type=typ):
                assert isinstance(typ, OptionT)
                v = self.encode(self.convert(x, typ.elem, env), typ.elem)
                return self.tmp(f"({v.code} + 1)", "u", v.err, v.scalar)
            case ir.Call(fn="get", args=(x,), type=typ):
                opt = x.type
                assert isinstance(opt, OptionT)
                v = self.as_u(self.expr(x, env))
                absent = self.tmp(f"({v.code} == 0)", "b", None, v.scalar)
                err = self.err_or(v.err, absent.code)
                raw = self.tmp(f"({v.code} - 1)" if v.scalar else f"({v.code} - np.uint64(1))",
                               "u", None, v.scalar)
                return V(self.extract(raw, 0, opt.elem).code, _kind(opt.elem), err, v.scalar)
            case ir.Call(fn="count", args=(b, x)) if isinstance(b.type, BagT):
                off, ctyp, err = self.bag_place(b, x, env)
                got = self.read_state(off, ctyp)
                return V(got.code, "i", self.err_or(err, got.err), got.scalar)
            case ir.Call(fn="len", args=(b,)) if isinstance(b.type, BagT):
                return self.bag_len(b, env)
            case ir.Call(fn=fn, args=args):
                return self._call(fn, args, env)
            case ir.LetE(local=local, value=value, body=body):
                v = self.expr(value, env)
                return self.expr(body, {**env, local: v})
            case ir.Checked(value=value, type=typ):
                return self.convert(value, typ, env)
        raise Unsupported(f"the expression {type(e).__name__}")

    def bag_place(self, b: ir.Expr, x: ir.Expr, env: dict[ir.Local, V]
                  ) -> tuple[int | V, Type, str | None]:
        """Where the count of value `x` lies in the state's bag `b`: (its offset, the type
        of a count, the error of finding it: `x` not an element)."""
        bag = b.type
        assert isinstance(bag, BagT)
        loc = self.location(b, env)
        if loc is None:
            raise Unsupported("a bag that is not a state component")
        off, _ = loc
        o = self.elem_ordinal(x, bag.elem, env)
        cw = bag.count_width
        ctyp = IntT(0, (1 << cw) - 1)
        if o.scalar and _literal(o.code) and isinstance(off, int):
            return off + int(o.code) * cw, ctyp, o.err
        term = o.code if cw == 1 else f"({o.code} * {cw})"
        if isinstance(off, int):
            code = f"({term} + {off})" if off else term
            where = self.tmp(code, "i", None, o.scalar)
        else:
            where = self.tmp(f"({term} + {off.code})", "i", None, o.scalar and off.scalar)
        err = self.err_or(o.err, None if isinstance(off, int) else off.err)
        return where, ctyp, err

    def bag_len(self, b: ir.Expr, env: dict[ir.Local, V]) -> V:
        """The number of elements of a state's bag, counted with multiplicity: of bound 1,
        the bits set in its field (word by word); else the sum of its counts."""
        bag = b.type
        assert isinstance(bag, BagT)
        loc = self.location(b, env)
        if loc is None or not isinstance(loc[0], int):
            raise Unsupported("the length of a bag at a computed place")
        off, cw, n = loc[0], bag.count_width, bag.elem.size() or 0
        if not n:
            return V("0", "i", None, True)
        if cw == 1:
            field = ((1 << n) - 1) << off
            terms = []
            for k in range(self.words):
                part = (field >> (64 * k)) & 0xFFFFFFFFFFFFFFFF
                if part:
                    word = self.current if self.words == 1 else \
                        self.column(self.current, k).code
                    terms.append(f"_popcount({word} & {hex(part)})")
            return self.tmp("(" + " + ".join(terms) + ")", "i")
        if n > MAX_DOMAIN:
            raise Unsupported("the length of a bag of more than 64 values")
        ctyp = IntT(0, (1 << cw) - 1)
        counts = [self.read_state(off + k * cw, ctyp).code for k in range(n)]
        return self.tmp("(" + " + ".join(counts) + ")", "i")

    def ordinal_of(self, v: V, elem: Type) -> V:
        """The ordinal in `elem` (a record or option, at most 20 bits) of a value packed as
        `elem` packs it: a table look-up, an encoding no value has marking the state."""
        w = elem.width
        if w > 20:
            raise Unsupported(f"the ordinals of a type of {w} bits")
        name = self.table(("ordinal", elem), lambda: _ordinal_table(elem))
        u = self.as_u(v)
        o = self.tmp(f"_lookup({name}, {u.code}, {hex((1 << w) - 1)})", "i", None, u.scalar)
        bad = self.tmp(f"({o.code} < 0)", "b", None, u.scalar)
        code = f"max({o.code}, 0)" if u.scalar else f"np.maximum({o.code}, 0)"
        return self.tmp(code, "i", self.err_or(u.err, bad.code), u.scalar)

    def convert(self, value: ir.Expr, typ: Type, env: dict[ir.Local, V]) -> V:
        """`value` as a value of `typ` (a compatible type packed differently), a part
        outside `typ` marking the state; for literals, ints and literal arrays and
        records, part by part."""
        if value.type == typ:
            return self.expr(value, env)
        if isinstance(typ, IntT):
            return self.checked(value, typ, env)
        if isinstance(value, ir.Lit):
            if not typ.contains(value.value):
                return V("0", _kind(typ), "True", True)
            return self.expr(ir.Lit(value.value, typ), env)
        if isinstance(value, ir.MapComp) and isinstance(typ, ArrayT) and \
                isinstance(value.type, ArrayT) and value.type.index == typ.index:
            items = [(self.convert(substitute(value.body, {value.local: ir.Lit(k, typ.index)}),
                                   typ.elem, env), typ.elem) for k in typ.index.values()]
            return self._pack(items)
        if isinstance(value, ir.RecordLit) and isinstance(typ, RecordT) and \
                isinstance(value.type, RecordT) and \
                [n for n, _ in value.type.fields] == [n for n, _ in typ.fields]:
            return self._pack([(self.convert(f, t, env), t) for f, (_, t) in
                               zip(value.fields, typ.fields)])
        src = value.type
        if isinstance(typ, (RecordT, OptionT, ArrayT)) and src.width <= 16 and \
                typ.width <= 64:
            # re-encoded by a table over every encoding of the source type
            name = self.table(("recode", src, typ), lambda: _recode_table(src, typ))
            v = self.as_u(self.expr(value, env))
            r = self.tmp(f"_lookup({name}, {v.code}, {hex((1 << src.width) - 1)})", "i", None,
                         v.scalar)
            bad = self.tmp(f"({r.code} < 0)", "b", None, v.scalar)
            code = f"max({r.code}, 0)" if v.scalar else f"_U(np.maximum({r.code}, 0))"
            return self.tmp(code, "u", self.err_or(v.err, bad.code), v.scalar)
        raise Unsupported(f"a conversion of {value.type} to {typ}")

    def _bind_expr(self, body: ir.Expr, local: ir.Local, value: ir.Lit,
                   env: dict[ir.Local, V]) -> V:
        return self.expr(substitute(body, {local: value}), env)

    def _same(self, v: V, kind: str) -> V:
        if kind == "b":
            return self.as_b(v)
        if kind == "i":
            return self.as_i(v)
        return self.as_u(v)

    def _or_bits(self, parts: list[V]) -> V:
        if not parts:
            return V("0", "u", None, True)
        code = parts[0].code
        for p in parts[1:]:
            code = f"({code} | {p.code})"
        return self.tmp(code, "u", self.err_or(*(p.err for p in parts)),
                        all(p.scalar for p in parts))

    def _pack(self, items: list[tuple[V, Type]]) -> V:
        parts = []
        errs = []
        off = 0
        for v, typ in items:
            errs.append(v.err)
            if typ.width:
                enc = self.encode(v, typ)
                parts.append(V(enc.code if off == 0 else f"_shl({enc.code}, {off})", "u",
                               None, enc.scalar))
            off += typ.width
        bits = self._or_bits(parts)
        return V(bits.code, "u", self.err_or(*errs), bits.scalar)

    def _extract_from_value(self, e: ir.Expr, env: dict[ir.Local, V]) -> V:
        match e:
            case ir.Index(base=base, index=index):
                typ = base.type
                assert isinstance(typ, ArrayT)
                src = self.as_u(self.expr(base, env))
                ordinal = self.index_ordinal(index, typ.index, env)
                w = typ.elem.width
                if isinstance(ordinal, int):
                    return self.extract(src, ordinal * w, typ.elem)
                off = ordinal if w == 1 else self.tmp(f"({ordinal.code} * {w})", "i",
                                                      ordinal.err, ordinal.scalar)
                return self.extract(src, off, typ.elem)
            case ir.Field(base=base, position=pos):
                typ = base.type
                assert isinstance(typ, RecordT)
                return self.extract(self.as_u(self.expr(base, env)), typ.offsets()[pos],
                                    typ.fields[pos][1])
        raise Unsupported(f"reading {type(e).__name__}")

    def elem_ordinal(self, x: ir.Expr, elem: Type, env: dict[ir.Local, V]) -> V:
        """The ordinal of a new set element (a value outside the element type marks)."""
        if isinstance(x, ir.Lit) and elem.contains(x.value):
            return V(str(elem.ordinal(x.value)), "i", None, True)
        if isinstance(elem, IntT):
            o = self.index_ordinal(x, elem, env)
            return V(str(o), "i", None, True) if isinstance(o, int) else o
        if isinstance(elem, (BoolT, EnumT)):
            return self.as_i(self.expr(x, env))
        if isinstance(elem, (RecordT, OptionT, ArrayT)):
            if isinstance(x, ir.LocalRef) and x.local in self.ordinals and x.type == elem:
                return self.ordinals[x.local]
            v = self.expr(x, env) if x.type == elem else self.convert(x, elem, env)
            return self.ordinal_of(v, elem)
        raise Unsupported("a set of composite values")

    def branches(self, domain: ir.Expr, env: dict[ir.Local, V]
                 ) -> tuple[str | None, list[tuple[str, ir.Lit]]]:
        """The values a binder over `domain` takes, in the per-state order: (the error of
        the domain, [(membership mask code, value as a literal)])."""
        typ = domain.type
        assert isinstance(typ, SetT)
        elem = typ.elem
        if isinstance(domain, ir.Lit):
            values = sorted(domain.value, key=elem.ordinal)  # type: ignore[arg-type]
            if len(values) > MAX_DOMAIN:
                raise Unsupported("a domain of more than 64 values")
            return None, [("True", ir.Lit(v, elem)) for v in values]
        if not isinstance(elem, (IntT, BoolT, EnumT)):
            raise Unsupported("a domain of composite values")
        if isinstance(domain, ir.RangeSet):
            lo = self.as_i(self.expr(domain.lo, env))
            hi = self.as_i(self.expr(domain.hi, env))
            llo, _ = _int_range(domain.lo.type)
            _, hhi = _int_range(domain.hi.type)
            if hhi - llo + 1 > MAX_DOMAIN:
                raise Unsupported("a range of more than 64 values")
            out = []
            for v in range(llo, hhi + 1):
                m = self.tmp(f"(({lo.code} <= {v}) & ({v} <= {hi.code}))", "b", None,
                             lo.scalar and hi.scalar)
                out.append((m.code, ir.Lit(v, elem)))
            return self.err_or(lo.err, hi.err), out
        size = elem.size() or 0
        if size > MAX_DOMAIN:
            raise Unsupported("a domain of more than 64 values")
        mask = self.as_u(self.expr(domain, env))
        out = []
        for i in range(size):
            m = self.tmp(f"_B(_shr({mask.code}, {i}) & 1)" if mask.scalar else
                         f"((({mask.code} >> {i}) & 1) != 0)", "b", None, mask.scalar)
            out.append((m.code, ir.Lit(elem.from_ordinal(i), elem)))
        return mask.err, out

    def _quant(self, kind: str, local: ir.Local, domain: ir.Expr, body: ir.Expr,
               env: dict[ir.Local, V]) -> V:
        if isinstance(domain, ir.Call) and domain.fn == "support" and \
                isinstance(domain.args[0].type, BagT):
            return self._bag_quant(kind, local, domain.args[0], body, env)
        dom_err, branches = self.branches(domain, env)
        parts = []
        for m, value in branches:
            if m == "True":
                parts.append(("plain", body, value))
            else:
                parts.append((m, body, value))
        # forall: every member satisfies (not m or body); exists: some (m and body); both
        # stop at the first deciding member, as all()/any() over the members in order
        acc: V | None = None
        err = dom_err
        for m, part_body, value in parts:
            b = self.as_b(self._bind_expr(part_body, local, value, env))
            if m == "plain":
                term = b
            elif kind == "forall":
                term = V(self.tmp(f"(_not({m}) | ({b.code}))", "b").code, "b",
                         self.err_and(m, b.err))
            else:
                term = V(self.tmp(f"(({m}) & ({b.code}))", "b").code, "b",
                         self.err_and(m, b.err))
            if acc is None:
                acc = term
                err = self.err_or(err, term.err)
                continue
            reach = acc.code if kind == "forall" else f"_not({acc.code})"
            err = self.err_or(err, self.err_and(reach, term.err))
            op = "&" if kind == "forall" else "|"
            acc = self.tmp(f"({acc.code} {op} {term.code})", "b", None,
                           acc.scalar and term.scalar)
        if acc is None:
            return V("True" if kind == "forall" else "False", "b", dom_err, True)
        return V(acc.code, "b", err, acc.scalar)

    def _bag_quant(self, kind: str, local: ir.Local, b: ir.Expr, body: ir.Expr,
                   env: dict[ir.Local, V]) -> V:
        """`exists`/`forall` over the elements of a state's bag, the body reading nothing
        but the element: the body over every value of the element type at generation
        time, then one test of the bag's bits against the values where it holds (or
        fails). Any member where the body fails marks the state (more than the per-state
        code, which stops at the first deciding member: harmless)."""
        bag = b.type
        assert isinstance(bag, BagT)
        loc = self.location(b, env)
        if loc is None or not isinstance(loc[0], int):
            raise Unsupported("a quantifier over a bag at a computed place")
        bound = _bound_in(body) | {local}
        if any(isinstance(n, ir.VarRef) or (isinstance(n, ir.LocalRef) and n.local not in bound)
               for n in walk(body)):
            raise Unsupported("a quantifier over a bag whose body reads the state")
        holds, fails = self.over_values(local, body, bag.elem)
        decides = ~holds if kind == "forall" else holds
        cw = bag.count_width
        field = (1 << cw) - 1

        def bits(sel: np.ndarray) -> int:
            out = 0
            for k in np.flatnonzero(sel).tolist():
                out |= field << (k * cw)
            return out

        found = self.any_bits(loc[0], bits(decides))
        err = self.any_bits(loc[0], bits(fails))
        value = found if kind == "exists" else self.tmp(f"_not({found.code})", "b", None,
                                                         found.scalar)
        return V(value.code, "b", None if err.code == "False" else err.code, value.scalar)

    def over_values(self, local: ir.Local, body: ir.Expr, elem: Type
                    ) -> tuple[np.ndarray, np.ndarray]:
        """The boolean `body` of `local` (reading nothing else) and where it fails, over
        every value of `elem` in ordinal order: generated as array code over all of them
        and run now."""
        saved = (self.lines, self.memo, self.indent, self.current)
        self.lines, self.memo, self.indent, self.current = [], {}, 0, "_no_state_"
        try:
            name = self.fresh("c")
            self.line(f"def {name}(x):")
            self.indent = 1
            v = self.as_b(self.expr(body, {local: V("x", _kind(elem))}))
            self.line(f"return {v.code}, {v.err if v.err is not None else 'False'}")
            lines = self.lines
        finally:
            self.lines, self.memo, self.indent, self.current = saved
        fn = _load(self, lines, "vvalues")[name]
        dtype = {"b": np.bool_, "i": np.int64, "u": np.uint64}[_kind(elem)]
        n = elem.size() or 0
        value, err = fn(np.array(value_reps(elem), dtype=dtype))  # type: ignore[operator]
        return (np.broadcast_to(np.asarray(value, dtype=np.bool_), (n,)),
                np.broadcast_to(np.asarray(err, dtype=np.bool_), (n,)))

    def any_bits(self, off: int, mask: int) -> V:
        """Whether any of the bits `mask << off` is set in the states being read."""
        mask <<= off
        if not mask:
            return V("False", "b", None, True)
        if self.words == 1:
            return self.tmp(f"(({self.current} & {hex(mask)}) != 0)", "b")
        terms = []
        for k in range(self.words):
            part = (mask >> (64 * k)) & 0xFFFFFFFFFFFFFFFF
            if part:
                terms.append(f"(({self.column(self.current, k).code} & {hex(part)}) != 0)")
        return self.tmp("(" + " | ".join(terms) + ")", "b")

    def _binary(self, e: ir.Binary, env: dict[ir.Local, V]) -> V:  # noqa: C901
        op = e.op
        if op in ("and", "or"):
            return self.connective(op, chain_operands(e, (op,)), env)
        if op == "implies":
            a = self.as_b(self.expr(e.left, env))
            b = self.as_b(self.expr(e.right, env))
            return self.tmp(f"(_not({a.code}) | {b.code})", "b",
                            self.err_or(a.err, self.err_and(a.code, b.err)),
                            a.scalar and b.scalar)
        if op in ("==", "!=", "<", "<=", ">", ">="):
            masked = self._masked_compare(op, e.left, e.right, env)
            if masked is not None:
                return masked
        a = self.expr(e.left, env)
        if op in ("in", "notin"):
            test = self._membership(e.left, a, e.right, env)
            if op == "in":
                return test
            return self.tmp(f"_not({test.code})", "b", test.err, test.scalar)
        b = self.expr(e.right, env)
        err = self.err_or(a.err, b.err)
        scalar = a.scalar and b.scalar
        if op == "iff":
            a, b = self.as_b(a), self.as_b(b)
            return self.tmp(f"({a.code} == {b.code})", "b", err, scalar)
        if op in ("==", "!="):
            kind = a.kind if a.kind == b.kind else "i"
            a, b = self._same(a, kind), self._same(b, kind)
            return self.tmp(f"({a.code} {op} {b.code})", "b", err, scalar)
        if op in ("<", "<=", ">", ">="):
            a, b = self.as_i(a), self.as_i(b)
            return self.tmp(f"({a.code} {op} {b.code})", "b", err, scalar)
        if op in ("+", "-", "*"):
            a, b = self.as_i(a), self.as_i(b)
            return self.tmp(f"({a.code} {op} {b.code})", "i", err, scalar)
        if op in ("union", "intersect"):
            a, b = self.as_u(a), self.as_u(b)
            symbol = "|" if op == "union" else "&"
            return self.tmp(f"({a.code} {symbol} {b.code})", "u", err, scalar)
        if op == "minus":
            return self.tmp(f"_andnot({a.code}, {b.code})", "u", err, scalar)
        if op == "subset":
            return self.tmp(f"(_andnot({a.code}, {b.code}) == 0)", "b", err, scalar)
        if op in ("/", "%"):
            a, b = self.as_i(a), self.as_i(b)
            rt = e.right.type
            nonzero = isinstance(rt, IntT) and rt.lo is not None and rt.hi is not None and (
                rt.lo > 0 or rt.hi < 0)
            symbol = "//" if op == "/" else "%"
            if nonzero:
                return self.tmp(f"({a.code} {symbol} {b.code})", "i", err, scalar)
            zero = self.tmp(f"({b.code} == 0)", "b", None, b.scalar)
            return self.tmp(f"({a.code} {symbol} _safe({b.code}))", "i",
                            self.err_or(err, zero.code), scalar)
        raise Unsupported(f"the operator {op}")

    def connective(self, op: str, parts: list[ir.Expr], env: dict[ir.Local, V]) -> V:
        """`parts` joined by `and` (or `or`), each part's errors counted only where the
        parts before it did not decide."""
        acc: V | None = None
        err: str | None = None
        for x in parts:
            v = self.as_b(self.expr(x, env))
            if acc is None:
                acc, err = v, v.err
                continue
            reach = acc.code if op == "and" else f"_not({acc.code})"
            err = self.err_or(err, self.err_and(reach, v.err))
            symbol = "&" if op == "and" else "|"
            acc = self.tmp(f"({acc.code} {symbol} {v.code})", "b", None,
                           acc.scalar and v.scalar)
        assert acc is not None
        return V(acc.code, "b", err, acc.scalar)

    def _masked_compare(self, op: str, left: ir.Expr, right: ir.Expr,
                        env: dict[ir.Local, V]) -> V | None:
        """A scalar field at a fixed place compared with a constant, on the bits in place
        (no shift, no conversion): `(s & 0x180) == 0x80`. None where that does not apply."""
        if isinstance(left, ir.Lit) and not isinstance(right, ir.Lit):
            left, right = right, left
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        if not isinstance(right, ir.Lit) or not isinstance(left, (ir.VarRef, ir.Index,
                                                                    ir.Field)):
            return None
        loc = self.location(left, env)
        if loc is None or not isinstance(loc[0], int):
            return None
        off, typ = loc
        w = typ.width
        if w == 0:
            return None
        if isinstance(typ, IntT) and isinstance(right.value, int) and \
                not isinstance(right.value, bool):
            ordinal = right.value - _int_range(typ)[0]
        elif isinstance(typ, EnumT) and right.type == typ:
            ordinal = typ.ordinal(right.value)
        elif isinstance(typ, BoolT) and isinstance(right.value, bool) and op in ("==", "!="):
            ordinal = int(right.value)
        else:
            return None
        top = (1 << w) - 1
        if self.words > 1:  # in place within its word (a field across two: not here)
            k, off = divmod(off, 64)
            if off + w > 64:
                return None
            state = self.column(self.current, k).code
        else:
            state = self.current
        const = {"==": (False if not 0 <= ordinal <= top else None),
                 "!=": (True if not 0 <= ordinal <= top else None),
                 "<": (False if ordinal <= 0 else True if ordinal > top else None),
                 "<=": (False if ordinal < 0 else True if ordinal >= top else None),
                 ">": (True if ordinal < 0 else False if ordinal >= top else None),
                 ">=": (True if ordinal <= 0 else False if ordinal > top else None)}[op]
        if const is not None:
            return V(str(const), "b", None, True)
        bits = f"({state} & {hex(top << off)})"
        return self.tmp(f"({bits} {op} {hex(ordinal << off)})", "b")

    def _membership(self, x: ir.Expr, v: V, s: ir.Expr, env: dict[ir.Local, V]) -> V:
        typ = s.type
        assert isinstance(typ, SetT)
        elem = typ.elem
        if isinstance(s, ir.Lit):
            if not isinstance(elem, (IntT, BoolT, EnumT)):
                raise Unsupported("membership in a set of composite values")
            reps = [rep_of(elem, r) for r in sorted(s.value, key=elem.ordinal)]  # type: ignore[arg-type]
            if not reps:
                return V("False", "b", v.err, True)
            x_code = self.as_i(self.as_b(v) if isinstance(elem, BoolT) else v).code
            if v.scalar:
                return V(f"({x_code} in {tuple(reps)!r})", "b", v.err, True)
            if len(reps) <= 4:
                code = " | ".join(f"({x_code} == {r})" for r in reps)
                return self.tmp(f"({code})", "b", v.err)
            return self.tmp(f"np.isin({x_code}, {tuple(reps)!r})", "b", v.err)
        mask = self.as_u(self.expr(s, env))
        err = self.err_or(v.err, mask.err)
        scalar = v.scalar and mask.scalar
        if isinstance(elem, IntT):
            lo, hi = _int_range(elem)
            xi = self.as_i(v)
            if self.fits(x, elem):
                shift = f"({xi.code} - {lo})" if lo else xi.code
                return self.tmp(f"_B(_shr({mask.code}, {shift}) & 1)", "b", err, scalar)
            inside = f"(({xi.code} >= {lo}) & ({xi.code} <= {hi}))"
            shift = f"_clip({xi.code} - {lo}, 0, {hi - lo})"
            return self.tmp(f"({inside} & _B(_shr({mask.code}, {shift}) & 1))", "b", err,
                            scalar)
        if isinstance(elem, (BoolT, EnumT)):
            xi = self.as_i(v)
            return self.tmp(f"_B(_shr({mask.code}, {xi.code}) & 1)", "b", err, scalar)
        raise Unsupported("membership in a set of composite values")

    def _call(self, fn: str, args: tuple[ir.Expr, ...], env: dict[ir.Local, V]) -> V:
        if fn == "len" and isinstance(args[0].type, SetT):
            v = self.as_u(self.expr(args[0], env))
            return self.tmp(f"_popcount({v.code})", "i", v.err, v.scalar)
        if fn == "abs":
            v = self.as_i(self.expr(args[0], env))
            return self.tmp(f"abs({v.code})" if v.scalar else f"np.abs({v.code})", "i", v.err,
                            v.scalar)
        if fn in ("min", "max") and len(args) == 2:
            a = self.as_i(self.expr(args[0], env))
            b = self.as_i(self.expr(args[1], env))
            if a.scalar and b.scalar:
                code = f"{fn}({a.code}, {b.code})"
            else:
                code = f"np.{'minimum' if fn == 'min' else 'maximum'}({a.code}, {b.code})"
            return self.tmp(code, "i", self.err_or(a.err, b.err), a.scalar and b.scalar)
        if fn in ("min", "max") and len(args) == 1 and isinstance(args[0].type, SetT) and \
                isinstance(args[0].type.elem, IntT):
            lo, _ = _int_range(args[0].type.elem)
            v = self.as_u(self.expr(args[0], env))
            empty = self.tmp(f"({v.code} == 0)", "b", None, v.scalar)
            helper = "_setmin" if fn == "min" else "_setmax"
            code = f"(_I({helper}({v.code})) + {lo})" if lo else f"_I({helper}({v.code}))"
            return self.tmp(code, "i", self.err_or(v.err, empty.code), v.scalar)
        raise Unsupported(f"the function {fn}")

    # -------------------------------------------------------------- statements
    def stmts(self, stmts: tuple[ir.Stmt, ...], sv: str, env: dict[ir.Local, V],
              mask: str | None) -> None:
        """`stmts` on the rows of state array `sv` under `mask`, then the emission of an
        outcome; a control statement carries the rest into each of its branches (as the
        per-state code does, so the outcomes come in its order)."""
        for i, stmt in enumerate(stmts):
            rest = stmts[i + 1:]
            match stmt:
                case ir.RequireS(cond=cond):
                    c = self.as_b(self.expr(cond, self._env(env, sv)))
                    self.flag(c.err, mask)
                    if c.code == "False":
                        return
                    self.stmts(rest, sv, env, self.mask_and(mask, c.code))
                    return
                case ir.ChooseS(local=local, domain=domain, body=body):
                    dom_err, branches = self.branches(domain, self._env(env, sv))
                    self.flag(dom_err, mask)
                    for m, value in branches:
                        inner = self.mask_and(mask, m)
                        bound = {**env, local: V(str(rep_of(value.type, value.value)),
                                                 _kind(value.type), None, True)}
                        if isinstance(value.type, BoolT):
                            bound[local] = V("True" if value.value else "False", "b", None,
                                             True)
                        self.stmts(body + rest, sv, bound, inner)
                    return
                case ir.IfS(cond=cond, then=then, orelse=orelse) if has_control(then) or \
                        has_control(orelse):
                    c = self.as_b(self.expr(cond, self._env(env, sv)))
                    self.flag(c.err, mask)
                    cm = self.tmp(c.code, "b", None, c.scalar)
                    self.stmts(then + rest, sv, env, self.mask_and(mask, cm.code))
                    self.stmts(orelse + rest, sv, env, self.mask_and(mask, f"_not({cm.code})"))
                    return
                case _:
                    sv, env = self.simple(stmt, sv, env, mask)
        self.emit(sv, mask)

    def _env(self, env: dict[ir.Local, V], sv: str) -> dict[ir.Local, V]:
        """`env`, with `sv` the state the expressions about to be generated read."""
        self.current = sv
        return env

    def simple(self, stmt: ir.Stmt, sv: str, env: dict[ir.Local, V], mask: str | None
               ) -> tuple[str, dict[ir.Local, V]]:
        self.current = sv
        match stmt:
            case ir.Assign(target=target, value=value):
                v = self.checked(value, target.type, env)
                self.current = sv
                return self.store(target, v, sv, env, mask), env
            case ir.LetS(local=local, value=value):
                v = self.expr(value, env)
                self.flag(v.err, mask)
                return sv, {**env, local: V(v.code, v.kind, None, v.scalar)}
            case ir.BagS(op=op, target=target, value=value):
                # put: one more (failing at the bound), take: one fewer (failing at none)
                bag = target.type
                assert isinstance(bag, BagT)
                off, ctyp, err = self.bag_place(target, value, env)
                self.current = sv
                c = self.read_state(off, ctyp)
                cap = bag.capacity
                bad = self.tmp(f"({c.code} >= {cap})" if op == "put" else f"({c.code} == 0)",
                               "b", None, c.scalar)
                self.flag(self.err_or(err, c.err, bad.code), mask)
                step = "+" if op == "put" else "-"
                new = self.tmp(f"_clip({c.code} {step} 1, 0, {cap})", "i", None, c.scalar)
                return self.write_at(sv, off, ctyp, new), env
            case ir.AssertS(cond=cond):
                c = self.as_b(self.expr(cond, env))
                self.flag(self.err_or(c.err, f"_not({c.code})"), mask)
                return sv, env
            case ir.IfS(cond=cond, then=then, orelse=orelse):
                c = self.as_b(self.expr(cond, env))
                self.flag(c.err, mask)
                cm = self.tmp(c.code, "b", None, c.scalar)
                then_sv = self.plain(then, sv, env, self.mask_and(mask, cm.code))
                else_sv = self.plain(orelse, sv, env, self.mask_and(mask, f"_not({cm.code})"))
                if then_sv == else_sv:
                    return sv, env
                out = self.fresh("t")
                if cm.scalar:
                    self.line(f"{out} = {then_sv} if {cm.code} else {else_sv}")
                else:
                    rows = f"{cm.code}[:, None]" if self.words > 1 else cm.code
                    self.line(f"{out} = np.where({rows}, {then_sv}, {else_sv})")
                return out, env
        raise Unsupported(f"the statement {type(stmt).__name__}")

    def plain(self, stmts: tuple[ir.Stmt, ...], sv: str, env: dict[ir.Local, V],
              mask: str | None) -> str:
        for stmt in stmts:
            sv, env = self.simple(stmt, sv, env, mask)
        return sv

    def store(self, target: ir.Expr, v: V, sv: str, env: dict[ir.Local, V],
              mask: str | None) -> str:
        loc = self.location(target, env)
        assert loc is not None, "assignment targets are state components"
        off, typ = loc
        self.flag(self.err_or(v.err, None if isinstance(off, int) else off.err), mask)
        return self.write_at(sv, off, typ, v)

    def write_at(self, sv: str, off: int | V, typ: Type, v: V) -> str:
        """A new state array: `sv` with the component of type `typ` at `off` set to `v`
        (its errors already flagged)."""
        w = typ.width
        if w == 0:
            return sv
        enc = self.encode(V(v.code, v.kind, None, v.scalar), typ)
        out = self.fresh("t")
        if self.words > 1:
            self.store_wide(out, sv, off, w, enc)
        elif isinstance(off, int):
            clear = ~(((1 << w) - 1) << off) & 0xFFFFFFFFFFFFFFFF
            if _literal(enc.code):
                bits = (int(enc.code) << off) & 0xFFFFFFFFFFFFFFFF
                self.line(f"{out} = ({sv} & {hex(clear)}) | {hex(bits)}" if bits else
                          f"{out} = {sv} & {hex(clear)}")
            else:
                shifted = enc.code if off == 0 else f"_shl({enc.code}, {off})"
                self.line(f"{out} = ({sv} & {hex(clear)}) | {shifted}")
        else:
            o = self.tmp(f"_U({off.code})", "u", None, off.scalar)
            self.line(f"{out} = _andnot({sv}, _shl({hex((1 << w) - 1)}, {o.code})) | "
                      f"_shl({enc.code}, {o.code})")
        return out

    def store_wide(self, out: str, sv: str, off: int | V, w: int, enc: V) -> None:
        """`out` = the wide states `sv` with the `w` bits at `off` set to `enc`: a copy,
        then the word (or the two words) the field is in, rewritten."""
        if w > 64:
            raise Unsupported(f"a value of {w} bits (more than 64) in a wide state")
        if not isinstance(off, int):
            o = self.tmp(f"_U({off.code})", "u", None, off.scalar)
            self.line(f"{out} = _wset({sv}, {o.code}, {w}, {enc.code})")
            return
        full = 0xFFFFFFFFFFFFFFFF
        k, b0 = divmod(off, 64)
        self.line(f"{out} = {sv}.copy()")
        parts = [(k, b0, "<<")]
        if b0 + w > 64:
            parts.append((k + 1, 64 - b0, ">>"))
        for word, shift, way in parts:
            col = self.words - 1 - word
            field = (((1 << w) - 1) << shift if way == "<<" else ((1 << w) - 1) >> shift) & full
            clear = ~field & full
            if _literal(enc.code):
                value = int(enc.code)
                bits = ((value << shift) if way == "<<" else (value >> shift)) & full
                self.line(f"{out}[:, {col}] = ({sv}[:, {col}] & {hex(clear)})"
                          + (f" | {hex(bits)}" if bits else ""))
            else:
                fn = "_shl" if way == "<<" else "_shr"
                shifted = enc.code if shift == 0 else f"{fn}({enc.code}, {shift})"
                self.line(f"{out}[:, {col}] = ({sv}[:, {col}] & {hex(clear)}) | {shifted}")

    def emit(self, sv: str, mask: str | None) -> None:
        self.sites += 1
        if self.sites > MAX_OUTCOMES:
            raise Unsupported("too many outcomes")
        if self.family is not None:
            # instance i's j-th site: outcome base + i * sites + j (the per-state order)
            idx, sites, base = self.family
            j = self.family_sites
            self.family_sites += 1
            k = f"_rows({idx}, {mask}) * {sites} + {base + j}"
        else:
            k = str(self.outcomes)
            self.outcomes += 1
        self.line(f"_O.append(({k}, _rows({sv}, {mask}), _rows(_R, {mask})))")

    def table(self, key: tuple, build: Callable[[], Any]) -> str:
        """The name of a constant array in the generated code's namespace."""
        name = self.tables.get(key)
        if name is None:
            name = self.fresh("T")
            self.ns[name] = build()
            self.tables[key] = name
        return name

    # -------------------------------------------------------------- functions
    def expand_function(self) -> None:
        self.memo = {}
        self.line("def _vexpand(s):")
        self.indent = 1
        self.line("n = len(s)")
        self.line("_E = np.zeros(n, dtype=np.bool_)")
        self.line("_O = []")
        self.line("_ALL = np.arange(n)")
        total = 0
        for action in self.model.actions:
            plan = member_plan(action)
            if plan is not None and action.instances > FAMILY_MIN and self.family_of(
                    action, plan):
                continue
            total += action.instances
            if total > MAX_OUTCOMES:
                raise Unsupported("too many action instances")
            for args in argument_tuples(action.locals):
                values = {local: ir.Lit(v, local.type) for local, v in zip(action.locals, args)}
                inst = specialize(action, values)
                if inst.clock_guard:
                    raise Unsupported("clock guards")
                self.line("# " + sanitize(describe_instance(action, args)))
                self.line("_R = _ALL")
                self.current = "s"
                self.block += 1
                selected = self.guard(inst.guard)
                if selected is None:
                    continue
                rows, sv = self.fresh("R"), self.fresh("t")
                self.line(f"{rows} = {selected[0]}")
                self.line(f"if {rows}.size:")
                self.indent += 1
                self.line(f"_R = {rows}")
                self.line(f"{sv} = {selected[1]}")
                self.stmts(inst.body, sv, {}, None)
                self.indent -= 1
        if self.outcomes > MAX_NUMBERS:
            raise Unsupported("too many outcomes")
        self.line("return _E, _O")
        self.indent = 0
        self.line("")

    def family_of(self, action: ir.Action, plan: tuple[ir.Expr, ir.Expr | None]) -> bool:
        """The instances of an action whose guard starts with `x in S` or `count(B, x) > 0`
        (S a set, B a bag of bound 1, at a fixed place in the state: generator.member_plan)
        generated once for all, as a family: each state's candidates are the set bits of S
        or B (a row per state and member), their arguments looked up in a table by
        instance number, the rest of the guard and the body generated over those rows
        with the arguments as per-row values. An instance whose bit is clear is one whose
        guard is false at its first test, which cannot fail: skipping it changes no
        outcome. Instance i's j-th emission site is outcome base + i * sites + j, its
        place in the per-state order. False (nothing written) where some part of it
        cannot be generated this way: the instances are unrolled instead."""
        container, rest = plan
        loc = self.location(container, {})
        if loc is None:
            return False
        off, ctype = loc
        if not isinstance(off, int):
            return False
        elem = container_elem(ctype)
        assert elem is not None
        saved = (len(self.lines), self.outcomes, self.sites, dict(self.memo), self.indent,
                 self.current)
        try:
            self._family(action, rest, off, elem)
        except Unsupported:
            del self.lines[saved[0]:]
            self.outcomes, self.sites, self.memo, self.indent, self.current = saved[1:]
            self.family = None
            self.ordinals = {}
            return False
        return True

    def _family(self, action: ir.Action, rest: ir.Expr | None, off: int, elem: Type) -> None:
        first = action.locals[0]
        n, inner = first.type.size() or 0, 1
        for local in action.locals[1:]:
            inner *= local.type.size() or 0
        start = elem.ordinal(first.type.lo) if isinstance(first.type, IntT) else 0
        size = elem.size() or 0
        sizes = [local.type.size() or 0 for local in action.locals]
        self.line("# " + sanitize(describe_instance(action, None)) + ", for each "
                  + sanitize(first.name) + " present")
        self.block += 1
        self.current = "s"
        rows, bit, idx = self.fresh("R"), self.fresh("b"), self.fresh("i")
        self.line(f"{rows}, {bit} = _setbits(s, {off}, {size})")
        if start or n != size:
            keep = self.fresh("v")
            self.line(f"{keep} = ({bit} >= {start}) & ({bit} < {start + n})")
            self.line(f"{rows}, {bit} = {rows}[{keep}], {bit}[{keep}]")
        shifted = f"({bit} - {start})" if start else bit
        if inner > 1:
            self.line(f"{idx} = np.repeat({shifted} * {inner}, {inner}) + "
                      f"np.tile(np.arange({inner}), len({bit}))")
            self.line(f"{rows} = np.repeat({rows}, {inner})")
        else:
            self.line(f"{idx} = {shifted}")
        self.line(f"if {rows}.size:")
        self.indent += 1
        self.line(f"_R = {rows}")
        states = self.fresh("t")
        self.line(f"{states} = s[{rows}]")
        names: list[tuple[ir.Local, str, str | None]] = []
        total = action.instances
        for m, local in enumerate(action.locals):
            # instance i's value of local m: the ((i // stride) % size)-th of its type (the
            # argument tuples in order, the first local varying slowest)
            typ = local.type
            kind = _kind(typ)
            if kind == "u" and typ.width > 64:
                raise Unsupported(f"a value of {typ.width} bits (more than 64)")
            stride = 1
            for later in sizes[m + 1:]:
                stride *= later
            dtype = {"b": np.bool_, "i": np.int64, "u": np.uint64}[kind]

            def place(stride: int = stride, n: int = sizes[m]) -> np.ndarray:
                return (np.arange(total, dtype=np.int64) // stride) % n

            def values(t: Type = typ, d: Any = dtype, f: Callable[[], np.ndarray] = place
                       ) -> np.ndarray:
                return np.array(value_reps(t), dtype=d)[f()]

            reps = self.table(("args", action.name, m), values)
            ords = self.table(("ords", action.name, m), place) if kind == "u" else None
            names.append((local, reps, ords))

        def bind(index: str) -> dict[ir.Local, V]:
            env: dict[ir.Local, V] = {}
            self.ordinals = {}
            for local, reps, ords in names:
                env[local] = self.tmp(f"{reps}[{index}]", _kind(local.type))
                if ords is not None:
                    self.ordinals[local] = self.tmp(f"{ords}[{index}]", "i")
            return env

        env = bind(idx)
        self.current = states
        sv = states
        if rest is not None:
            g = self.as_b(self.expr(scoped(rest), env))
            self.flag(g.err, None, rows)
            if g.code == "False":
                self.indent = 1
                return
            if g.code != "True":
                cond = self.tmp(g.code, "b").code
                rows2, sv, idx2 = self.fresh("R"), self.fresh("t"), self.fresh("i")
                self.line(f"{rows2} = _rows({rows}, {cond})")
                self.line(f"{sv} = _rows({states}, {cond})")
                self.line(f"{idx2} = _rows({idx}, {cond})")
                self.line(f"if {rows2}.size:")
                self.indent += 1
                self.line(f"_R = {rows2}")
                self.block += 1
                rows, idx = rows2, idx2
                env = bind(idx)
        sites = self.fresh("S")
        self.family = (idx, sites, self.outcomes)
        self.family_sites = 0
        self.current = sv
        self.stmts(action.body, sv, env, None)
        self.ns[sites] = self.family_sites
        self.outcomes += action.instances * self.family_sites
        self.family = None
        self.ordinals = {}
        self.indent = 1

    def guard(self, guard: ir.Expr | None) -> tuple[str, str] | None:
        """Code for the chunk positions where an instance's guard holds and for their
        states; None if it never holds. A guard `a and b and ...` whose first test cannot
        fail selects the states where `a` holds first (shared by every instance that
        tests the same `a`: a process's control state) and tests the rest there only."""
        if guard is None:
            return "_ALL", "s"
        parts = chain_operands(guard, ("and",))
        if len(parts) >= 2:
            first = self.as_b(self.expr(parts[0], {}))
            if first.err is None and not first.scalar:
                where = self.tmp(f"_nonzero({first.code}, n)", "i").code
                states = self.tmp(f"s[{where}]", "u").code
                self.current = states
                rest = self.connective("and", parts[1:], {})
                self.current = "s"
                self.flag(rest.err, None, where)
                if rest.code == "False":
                    return None
                if rest.code == "True":
                    return where, states
                return f"_rows({where}, {rest.code})", f"_rows({states}, {rest.code})"
        g = self.as_b(self.expr(guard, {}))
        self.flag(g.err, None, "_ALL")
        if g.code == "False":
            return None
        return f"_nonzero({g.code}, n)", "s[_R]"

    def predicate_function(self, name: str, expr: ir.Expr) -> None:
        """`name(s) -> (value, errors)` of a boolean expression over the chunk."""
        self.memo = {}
        self.indent = 0  # a function given up on (Unsupported) may have stopped deeper
        self.line(f"def {name}(s):")
        self.indent = 1
        self.current = "s"
        v = self.as_b(self.expr(scoped(expr), {}))
        self.line(f"return {v.code}, {v.err if v.err is not None else 'False'}")
        self.indent = 0
        self.line("")

    def take(self) -> list[str]:
        lines, self.lines = self.lines, []
        return lines


def _ordinal_table(elem: Type) -> np.ndarray:
    """Each encoding of `elem`'s width: the ordinal of the value it packs, -1 for none."""
    table = np.full(1 << elem.width, -1, dtype=np.int64)
    table[np.array(value_encodings(elem), dtype=np.int64)] = np.arange(elem.size() or 0)
    return table


def _recode_table(src: Type, dst: Type) -> np.ndarray:
    """Each encoding of `src`'s width: the same value as `dst` packs it, -1 where `src`
    has no value or `dst` cannot hold it."""
    table = np.full(1 << src.width, -1, dtype=np.int64)
    for bits, value in zip(value_encodings(src), src.values()):
        if dst.contains(value):
            table[bits] = dst.encode(value)
    return table


def _bound_in(e: ir.Expr) -> set[ir.Local]:
    """The locals bound inside `e` (by let, quantifiers and comprehensions)."""
    out = set()
    for n in walk(e):
        local = getattr(n, "local", None)
        if isinstance(local, ir.Local) and not isinstance(n, ir.LocalRef):
            out.add(local)
    return out


def _literal(code: str) -> bool:
    return code.lstrip("-").isdigit() or code in ("True", "False")


def _load(gen: VectorGenerator, lines: list[str], tag: str) -> dict[str, object]:
    source = "\n".join(lines) + "\n"
    digest = hashlib.sha1(source.encode("utf-8")).hexdigest()[:10]
    filename = f"<tock:{sanitize(gen.model.name)}:{tag}:{digest}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = dict(gen.ns)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own code
    namespace["__source__"] = source
    return namespace


def compile_vector(model: ir.Model, layout: Layout) -> VectorCode:
    """The vector code of an untimed model; `Unsupported` when some construct of its
    actions cannot be generated (its properties and boundaries may each be None)."""
    gen = VectorGenerator(model, layout)
    gen.expand_function()
    ns = _load(gen, gen.take(), "vector")
    source = str(ns["__source__"])
    props: list[Callable[[np.ndarray], tuple[Any, Any]] | None] = []
    for k, prop in enumerate(model.properties):
        try:
            gen.predicate_function(f"_p{k}", prop.expr)
            pns = _load(gen, gen.take(), f"vprop{k}")
            fn = pns[f"_p{k}"]
            source += str(pns["__source__"])
            if prop.kind == "invariant":
                props.append(_negated(fn))  # type: ignore[arg-type]
            else:
                props.append(fn)  # type: ignore[arg-type]
        except Unsupported:
            gen.take()
            props.append(None)
    inside = None
    if model.boundaries:
        expr: ir.Expr = model.boundaries[0].expr
        for b in model.boundaries[1:]:
            expr = ir.Binary("and", expr, b.expr, BOOL)
        try:
            gen.predicate_function("_inside", expr)
            bns = _load(gen, gen.take(), "vinside")
            inside = bns["_inside"]
            source += str(bns["__source__"])
        except Unsupported:
            gen.take()
            inside = None
    return VectorCode(source, ns["_vexpand"], gen.outcomes, props, inside)  # type: ignore[arg-type]


def _negated(fn: Callable[[np.ndarray], tuple[Any, Any]]
             ) -> Callable[[np.ndarray], tuple[Any, Any]]:
    def violated(s: np.ndarray) -> tuple[Any, Any]:
        value, err = fn(s)
        return _not(value), err
    return violated
