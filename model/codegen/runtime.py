"""What generated code runs with: the run-time fault, the helper functions bound in every
generated module's namespace, and how values are represented there.

Values in generated code: bools and ints as Python ints, enum members as their ordinals,
and composite values (arrays, records, sets, queues) as their packed encodings.
"""

from __future__ import annotations

from ..types import BoolT, EnumT, IntT, Type, Value

__all__ = ["RuntimeFault", "HELPERS", "rep_of", "value_of"]


class RuntimeFault(Exception):
    """Raised by generated code at a run-time error; `site` identifies the construct."""

    def __init__(self, site: int = -1):
        super().__init__(site)
        self.site = site


def rep_of(typ: Type, value: Value) -> int:
    """The generated-code representation of a value (see the module docstring)."""
    if isinstance(typ, IntT):
        return int(value)  # type: ignore[call-overload]
    if isinstance(typ, (BoolT, EnumT)):
        return typ.ordinal(value)
    return typ.encode(value)


def value_of(typ: Type, rep: int) -> Value:
    """The inverse of rep_of."""
    if isinstance(typ, IntT):
        return rep
    if isinstance(typ, (BoolT, EnumT)):
        return typ.from_ordinal(int(rep))
    return typ.decode(rep)


# ---------------------------------------------------------------------------- helpers
# Each raises RuntimeFault where the reference interpreter raises an EvalError.


def _chk(v: int, lo: int, hi: int) -> int:
    if lo <= v <= hi:
        return v
    raise RuntimeFault()


def _ord(v: int, lo: int, hi: int) -> int:
    if lo <= v <= hi:
        return v - lo
    raise RuntimeFault()


def _div(a: int, b: int) -> int:
    if b == 0:
        raise RuntimeFault()
    return a // b


def _mod(a: int, b: int) -> int:
    if b == 0:
        raise RuntimeFault()
    return a % b


def _bits(mask: int):
    i = 0
    while mask:
        if mask & 1:
            yield i
        mask >>= 1
        i += 1


def _bits_plus(mask: int, lo: int):
    i = lo
    while mask:
        if mask & 1:
            yield i
        mask >>= 1
        i += 1


def _range_mask(a: int, b: int, lo: int) -> int:
    if a > b:
        return 0
    return ((1 << (b - a + 1)) - 1) << (a - lo)


def _setmin(mask: int, lo: int) -> int:
    if not mask:
        raise RuntimeFault()
    return (mask & -mask).bit_length() - 1 + lo


def _setmax(mask: int, lo: int) -> int:
    if not mask:
        raise RuntimeFault()
    return mask.bit_length() - 1 + lo


def _member(x: int, mask: int, lo: int, hi: int) -> bool:
    return lo <= x <= hi and bool((mask >> (x - lo)) & 1)


def _member_in(code: int, mask: int, table: dict[int, int]) -> bool:
    """Membership of a composite value in a set of composites: a value its element type
    cannot hold is not a member (as in the interpreter)."""
    ordinal = table.get(code)
    return ordinal is not None and bool((mask >> ordinal) & 1)


def _ordinal_in(code: int, table: dict[int, int]) -> int:
    """The ordinal of a composite set element; a value outside the element type fails."""
    ordinal = table.get(code)
    if ordinal is None:
        raise RuntimeFault()
    return ordinal


def _nonempty(q: int, lenmask: int) -> int:
    if not q & lenmask:
        raise RuntimeFault()
    return q


def _present(option: int) -> int:
    """An option's packed bits, failing on none (0): get(x)."""
    if not option:
        raise RuntimeFault()
    return option


def _queue_offset(q: int, i: int, len_width: int, width: int) -> int:
    """The bit offset of position i (1 is the head) of a packed queue; fails outside it."""
    if not 1 <= i <= q & ((1 << len_width) - 1):
        raise RuntimeFault()
    return len_width + (i - 1) * width


def _bag_len(bag: int, width: int, n: int) -> int:
    """The number of elements of a packed bag (counts of `width` bits, `n` of them)."""
    mask = (1 << width) - 1
    return sum((bag >> (k * width)) & mask for k in range(n)) if bag else 0


def _bag_support(bag: int, width: int, n: int) -> int:
    """The set (a bitmask over ordinals) of the values a packed bag holds."""
    if width == 1:
        return bag
    mask = (1 << width) - 1
    out = 0
    for k in range(n):
        if (bag >> (k * width)) & mask:
            out |= 1 << k
    return out


def _reach(m: int, start: int, w: int) -> int:
    """Transitive closure (`reach(m, x)`): the bits reachable in one or more steps from
    the bits of `start`, row i of the adjacency `m` being bits i*w .. i*w + w - 1."""
    row = (1 << w) - 1
    seen = 0
    frontier = start
    while frontier:
        nxt = 0
        while frontier:
            low = frontier & -frontier
            nxt |= (m >> ((low.bit_length() - 1) * w)) & row
            frontier ^= low
        frontier = nxt & ~seen
        seen |= nxt
    return seen


HELPERS: dict[str, object] = {
    "_RtErr": RuntimeFault, "_chk": _chk, "_ord": _ord, "_div": _div, "_mod": _mod,
    "_bits": _bits, "_bits_plus": _bits_plus, "_range_mask": _range_mask,
    "_setmin": _setmin, "_setmax": _setmax, "_nonempty": _nonempty, "_member": _member,
    "_member_in": _member_in, "_ordinal_in": _ordinal_in, "_reach": _reach,
}
HELPERS["_present"] = _present  # language v2 options (issue 17)
HELPERS.update({"_bag_len": _bag_len, "_bag_support": _bag_support,
                "_queue_offset": _queue_offset})  # language v2 bags
