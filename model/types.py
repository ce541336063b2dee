"""Semantic types, their values, and how values are packed into bits.

Values (as the interpreter and the reports see them) are plain immutable Python data:
bool, int, str (an enum member), tuple (an array in index order, a record in field order,
a queue head first) and frozenset (a set).

Every finite type also has a *packed encoding*: a non-negative int of `width` bits. A state is
the packed encoding of all variables side by side, so the compiled successor code works on one
Python int. Scalars pack as their ordinal (int v of lo..hi packs as v - lo); arrays and
records concatenate their parts (first part in the lowest bits); a set is a bitmask over its
element type's ordinals; a queue packs its length, then its elements head first.

Sizes and widths are computed without enumerating anything, so a type as large as
`[0..2**32] -> bool` costs nothing until a limit check rejects it (model.limits). A size
is exact up to 2**1024 and saturates there (`SIZE_CAP`): no finite domain that large can be
enumerated, stored or even counted in a state, so nothing needs its exact value.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product

from .nodeclass import nodeclass
from .timetext import format_duration

__all__ = [
    "Type", "BoolT", "IntT", "EnumT", "ArrayT", "RecordT", "SetT", "QueueT", "ClockT",
    "BOOL", "INT", "TIME", "CLOCK", "Value", "format_value", "format_duration", "SIZE_CAP",
]

SIZE_CAP = 1 << 1024


def _cap(n: int) -> int:
    return n if n < SIZE_CAP else SIZE_CAP


def _power(base: int, exponent: int) -> int:
    """base ** exponent, saturated at SIZE_CAP without computing a huge power."""
    if base <= 1 or exponent == 0:
        return 1 if exponent == 0 else base
    if exponent * (base.bit_length() - 1) >= 1024:
        return SIZE_CAP
    return _cap(base**exponent)

Value = object  # bool | int | str | tuple | frozenset


class Type:
    """Base of semantic types. Finite types know their values, ordinals and encoding."""

    __slots__ = ()

    def is_finite(self) -> bool:
        return self.size() is not None

    def size(self) -> int | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def values(self) -> Iterator[Value]:
        """All values in ordinal order (finite types only; a type without values as such,
        like a clock, has none)."""
        return iter(())

    def ordinal(self, value: Value) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def from_ordinal(self, ordinal: int) -> Value:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def width(self) -> int:
        """Bits in the packed encoding (0 for a type that is not stored)."""
        return 0

    def encode(self, value: Value) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def decode(self, bits: int) -> Value:  # pragma: no cover - overridden
        raise NotImplementedError

    def contains(self, value: Value) -> bool:
        """Whether `value` belongs to the type (never, for a type without values)."""
        return False

    def is_empty(self) -> bool:
        """A finite type without any value (`1..0`, an array of them, ...)."""
        return self.size() == 0

    def default(self) -> Value:
        """The first value: false, lo, the first member, empty set/queue, componentwise."""
        return self.from_ordinal(0)


@nodeclass(frozen=True, slots=True)
class BoolT(Type):
    def size(self) -> int:
        return 2

    def values(self) -> Iterator[Value]:
        yield False
        yield True

    def ordinal(self, value: Value) -> int:
        return 1 if value else 0

    def from_ordinal(self, ordinal: int) -> Value:
        return bool(ordinal)

    @property
    def width(self) -> int:
        return 1

    def encode(self, value: Value) -> int:
        return 1 if value else 0

    def decode(self, bits: int) -> Value:
        return bool(bits)

    def contains(self, value: Value) -> bool:
        return isinstance(value, bool)

    def __str__(self) -> str:
        return "bool"


@nodeclass(frozen=True, slots=True)
class IntT(Type):
    """An integer type. Storage types have both bounds; expression types carry the interval
    of values the expression can take (None = unbounded). `time` marks durations (in ms)."""

    lo: int | None
    hi: int | None
    time: bool = False

    def size(self) -> int | None:
        if self.lo is None or self.hi is None:
            return None
        return max(0, self.hi - self.lo + 1)

    def values(self) -> Iterator[Value]:
        assert self.lo is not None and self.hi is not None
        return iter(range(self.lo, max(self.lo, self.hi + 1)))

    def ordinal(self, value: Value) -> int:
        assert self.lo is not None
        return int(value) - self.lo  # type: ignore[call-overload]

    def from_ordinal(self, ordinal: int) -> Value:
        assert self.lo is not None
        return self.lo + ordinal

    @property
    def width(self) -> int:
        assert self.lo is not None and self.hi is not None
        return max(0, self.hi - self.lo).bit_length()

    def encode(self, value: Value) -> int:
        return self.ordinal(value)

    def decode(self, bits: int) -> Value:
        return self.from_ordinal(bits)

    def contains(self, value: Value) -> bool:
        if not isinstance(value, int) or isinstance(value, bool):
            return False
        return (self.lo is None or value >= self.lo) and (self.hi is None or value <= self.hi)

    def __str__(self) -> str:
        if self.lo is None or self.hi is None:
            return "duration" if self.time else "int"
        if self.time:
            return f"{format_duration(self.lo)}..{format_duration(self.hi)}"
        return f"{self.lo}..{self.hi}"


@nodeclass(frozen=True, slots=True)
class EnumT(Type):
    name: str
    members: tuple[str, ...]

    def size(self) -> int:
        return len(self.members)

    def values(self) -> Iterator[Value]:
        return iter(self.members)

    def ordinal(self, value: Value) -> int:
        return self.members.index(value)  # type: ignore[arg-type]

    def from_ordinal(self, ordinal: int) -> Value:
        return self.members[ordinal]

    @property
    def width(self) -> int:
        return (len(self.members) - 1).bit_length()

    def encode(self, value: Value) -> int:
        return self.ordinal(value)

    def decode(self, bits: int) -> Value:
        return self.members[bits]

    def contains(self, value: Value) -> bool:
        return value in self.members

    def __str__(self) -> str:
        return self.name or "enum {" + ", ".join(self.members) + "}"


class _Composite(Type):
    """Arrays and records: a fixed sequence of parts packed side by side."""

    __slots__ = ()

    def parts(self) -> tuple[Type, ...]:  # pragma: no cover - overridden
        raise NotImplementedError

    def count(self) -> int:
        """The number of parts."""
        return len(self.parts())

    def part(self, k: int) -> Type:
        return self.parts()[k]

    def size(self) -> int | None:
        total = 1
        for part in self.parts():
            n = part.size()
            if n is None:
                return None
            total = _cap(total * n)
        return total

    def values(self) -> Iterator[Value]:
        """In ordinal order: the first part varies fastest (it has the lowest bits)."""
        return (tuple(reversed(v)) for v in product(*(p.values() for p in reversed(self.parts()))))

    def ordinal(self, value: Value) -> int:
        result = 0
        radix = 1
        for k, v in enumerate(value):  # type: ignore[call-overload]
            part = self.part(k)
            result += part.ordinal(v) * radix
            radix *= part.size()  # type: ignore[operator]
        return result

    def from_ordinal(self, ordinal: int) -> Value:
        out = []
        for k in range(self.count()):
            part = self.part(k)
            n = part.size()
            assert n is not None
            out.append(part.from_ordinal(ordinal % n) if n else part.default())
            ordinal = ordinal // n if n else 0
        return tuple(out)

    @property
    def width(self) -> int:
        return sum(p.width for p in self.parts())

    def offsets(self) -> tuple[int, ...]:
        out = []
        off = 0
        for part in self.parts():
            out.append(off)
            off += part.width
        return tuple(out)

    def encode(self, value: Value) -> int:
        bits = 0
        for part, off, v in zip(self.parts(), self.offsets(), value):  # type: ignore[call-overload]
            bits |= part.encode(v) << off
        return bits

    def decode(self, bits: int) -> Value:
        out = []
        for part, off in zip(self.parts(), self.offsets()):
            out.append(part.decode((bits >> off) & ((1 << part.width) - 1)))
        return tuple(out)

    def contains(self, value: Value) -> bool:
        if not isinstance(value, tuple) or len(value) != self.count():
            return False
        return all(self.part(k).contains(v) for k, v in enumerate(value))


@nodeclass(frozen=True, slots=True)
class ArrayT(_Composite):
    """A total map from a finite index type to elements; `[A, B] -> T` is `[A] -> [B] -> T`.
    Its size, width and membership are arithmetic on the index's size: nothing is built
    per element until a value is."""

    index: Type
    elem: Type

    def count(self) -> int:
        n = self.index.size()
        assert n is not None
        return n

    def part(self, k: int) -> Type:
        return self.elem

    def parts(self) -> tuple[Type, ...]:
        return (self.elem,) * self.count()

    def size(self) -> int | None:
        n = self.elem.size()
        return None if n is None else _power(n, self.count())

    @property
    def width(self) -> int:
        return self.count() * self.elem.width

    def offsets(self) -> tuple[int, ...]:
        w = self.elem.width
        return tuple(range(0, self.count() * w, w)) if w else (0,) * self.count()

    def encode(self, value: Value) -> int:
        bits = 0
        w = self.elem.width
        for k, v in enumerate(value):  # type: ignore[call-overload]
            bits |= self.elem.encode(v) << (k * w)
        return bits

    def decode(self, bits: int) -> Value:
        w = self.elem.width
        mask = (1 << w) - 1
        return tuple(self.elem.decode((bits >> (k * w)) & mask) for k in range(self.count()))

    def __str__(self) -> str:
        return f"[{self.index}] -> {self.elem}"


@nodeclass(frozen=True, slots=True)
class RecordT(_Composite):
    name: str
    fields: tuple[tuple[str, Type], ...]

    def parts(self) -> tuple[Type, ...]:
        return tuple(t for _, t in self.fields)

    def field_names(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.fields)

    def field_type(self, name: str) -> Type | None:
        for n, t in self.fields:
            if n == name:
                return t
        return None

    def __str__(self) -> str:
        if self.name:
            return self.name
        return "record {" + ", ".join(f"{n}: {t}" for n, t in self.fields) + "}"


@nodeclass(frozen=True, slots=True)
class SetT(Type):
    elem: Type

    def size(self) -> int | None:
        n = self.elem.size()
        return None if n is None else _power(2, n)

    def values(self) -> Iterator[Value]:
        return (self.from_ordinal(m) for m in range(self.size() or 0))

    def ordinal(self, value: Value) -> int:
        return self.encode(value)

    def from_ordinal(self, ordinal: int) -> Value:
        return self.decode(ordinal)

    @property
    def width(self) -> int:
        n = self.elem.size()
        assert n is not None
        return n

    def encode(self, value: Value) -> int:
        bits = 0
        for v in value:  # type: ignore[attr-defined]
            bits |= 1 << self.elem.ordinal(v)
        return bits

    def decode(self, bits: int) -> Value:
        out = []
        i = 0
        while bits:
            if bits & 1:
                out.append(self.elem.from_ordinal(i))
            bits >>= 1
            i += 1
        return frozenset(out)

    def contains(self, value: Value) -> bool:
        return isinstance(value, frozenset) and all(self.elem.contains(v) for v in value)

    def __str__(self) -> str:
        return f"set of {self.elem}"


@nodeclass(frozen=True, slots=True)
class QueueT(Type):
    """A bounded FIFO queue of at most `capacity` elements."""

    capacity: int
    elem: Type

    def size(self) -> int | None:
        n = self.elem.size()
        if n is None:
            return None
        if n <= 1:
            return self.capacity + 1 if n == 1 else 1
        # 1 + n + ... + n**capacity, saturated
        top = _power(n, self.capacity + 1)
        return SIZE_CAP if top == SIZE_CAP else (top - 1) // (n - 1)

    def values(self) -> Iterator[Value]:
        for k in range(self.capacity + 1):
            yield from (tuple(v) for v in product(*(self.elem.values() for _ in range(k))))
            if self.elem.is_empty():
                return

    def ordinal(self, value: Value) -> int:
        raise TypeError("queues have no ordinal")

    def from_ordinal(self, ordinal: int) -> Value:
        if ordinal != 0:
            raise TypeError("queues have no ordinal")
        return ()

    @property
    def len_width(self) -> int:
        return self.capacity.bit_length()

    @property
    def width(self) -> int:
        return self.len_width + self.capacity * self.elem.width

    def encode(self, value: Value) -> int:
        items = tuple(value)  # type: ignore[call-overload]
        bits = len(items)
        off = self.len_width
        for v in items:
            bits |= self.elem.encode(v) << off
            off += self.elem.width
        return bits

    def decode(self, bits: int) -> Value:
        n = bits & ((1 << self.len_width) - 1)
        w = self.elem.width
        mask = (1 << w) - 1
        return tuple(self.elem.decode((bits >> (self.len_width + i * w)) & mask)
                     for i in range(n))

    def contains(self, value: Value) -> bool:
        return (isinstance(value, tuple) and len(value) <= self.capacity
                and all(self.elem.contains(v) for v in value))

    def __str__(self) -> str:
        return f"queue[{self.capacity}] of {self.elem}"


@nodeclass(frozen=True, slots=True)
class OptionT(Type):
    """`option T` (language v2): `none` (the value None) or a value of T. Ordinal 0 is
    none, 1 + ordinal(v) a value; packed as 0 or 1 + the packed v, so an option of a scalar
    packs as its ordinal in bits(size(T)) bits, and an option of a composite takes one bit
    more than the composite."""

    elem: Type

    def size(self) -> int | None:
        n = self.elem.size()
        return None if n is None else _cap(n + 1)

    def values(self) -> Iterator[Value]:
        yield None
        yield from self.elem.values()

    def ordinal(self, value: Value) -> int:
        return 0 if value is None else 1 + self.elem.ordinal(value)

    def from_ordinal(self, ordinal: int) -> Value:
        return None if ordinal == 0 else self.elem.from_ordinal(ordinal - 1)

    @property
    def width(self) -> int:
        if isinstance(self.elem, (BoolT, EnumT, IntT)):
            return (self.elem.size() or 0).bit_length()
        return self.elem.width + 1

    def encode(self, value: Value) -> int:
        return 0 if value is None else 1 + self.elem.encode(value)

    def decode(self, bits: int) -> Value:
        return None if bits == 0 else self.elem.decode(bits - 1)

    def contains(self, value: Value) -> bool:
        return value is None or self.elem.contains(value)

    def default(self) -> Value:
        return None

    def __str__(self) -> str:
        return f"option {self.elem}"


@nodeclass(frozen=True, slots=True)
class BagT(Type):
    """`bag[N] of T` (language v2): a multiset holding each value of T 0..N times. A value
    is the tuple of counts in T's ordinal order; it packs like `[T] -> 0..N`, count k at
    bit k * bits(N)."""

    capacity: int
    elem: Type

    @property
    def count_width(self) -> int:
        return self.capacity.bit_length()

    def _counts(self) -> ArrayT:
        return ArrayT(self.elem, IntT(0, self.capacity))

    def size(self) -> int | None:
        return self._counts().size()

    def values(self) -> Iterator[Value]:
        return self._counts().values()

    def ordinal(self, value: Value) -> int:
        return self._counts().ordinal(value)

    def from_ordinal(self, ordinal: int) -> Value:
        return self._counts().from_ordinal(ordinal)

    @property
    def width(self) -> int:
        return (self.elem.size() or 0) * self.count_width

    def encode(self, value: Value) -> int:
        return self._counts().encode(value)

    def decode(self, bits: int) -> Value:
        return self._counts().decode(bits)

    def contains(self, value: Value) -> bool:
        return self._counts().contains(value)

    def default(self) -> Value:
        return (0,) * (self.elem.size() or 0)

    def __str__(self) -> str:
        return f"bag[{self.capacity}] of {self.elem}"


@nodeclass(frozen=True, slots=True)
class ClockT(Type):
    """The type of a clock: not a value; only compared with durations and reset."""

    def size(self) -> int | None:
        return None

    def __str__(self) -> str:
        return "clock"


__all__ += ["OptionT", "BagT"]  # language v2 (issue 17)

BOOL = BoolT()
INT = IntT(None, None)
TIME = IntT(None, None, time=True)
CLOCK = ClockT()

def format_value(typ: Type, value: Value) -> str:
    """A value as the spec would write it: `true`, `3`, `prepared`, `{1, 2}`, `[a, b]`,
    `{kind: ping, to: 2}`; arrays as `[1 -> a, 2 -> b]`."""
    if isinstance(typ, OptionT):
        return "none" if value is None else format_value(typ.elem, value)
    if isinstance(typ, BagT):  # each element as often as the bag holds it
        return "{" + ", ".join(format_value(typ.elem, v) for v, n in zip(
            typ.elem.values(), value) for _ in range(n)) + "}"  # type: ignore[call-overload]
    if isinstance(typ, BoolT):
        return "true" if value else "false"
    if isinstance(typ, IntT):
        if typ.time:
            return format_duration(int(value))  # type: ignore[call-overload]
        return str(value)
    if isinstance(typ, EnumT):
        return str(value)
    if isinstance(typ, SetT):
        items = sorted(value, key=typ.elem.ordinal)  # type: ignore[call-overload]
        return "{" + ", ".join(format_value(typ.elem, v) for v in items) + "}"
    if isinstance(typ, QueueT):
        return "[" + ", ".join(format_value(typ.elem, v) for v in value) + "]"  # type: ignore[attr-defined]
    if isinstance(typ, RecordT):
        return "{" + ", ".join(
            f"{n}: {format_value(t, v)}" for (n, t), v in zip(typ.fields, value)  # type: ignore[call-overload]
        ) + "}"
    if isinstance(typ, ArrayT):
        return "[" + ", ".join(
            f"{format_value(typ.index, k)} -> {format_value(typ.elem, v)}"
            for k, v in zip(typ.index.values(), value)  # type: ignore[call-overload]
        ) + "]"
    return repr(value)
