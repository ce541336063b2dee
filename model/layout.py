"""Where each variable lives in a packed state, and how to show a state to people.

A state is one non-negative int: variable k's packed encoding (model.types) sits at bit
`offsets[k]`. A *leaf* is what reports show as one line: arrays and records are opened up
(`rmState[2]`, `agent[1].state`, `msg.kind`); scalars, sets and queues are leaves.
"""

from __future__ import annotations

from . import ir
from .nodeclass import nodeclass
from .types import ArrayT, RecordT, Type, Value, format_value

__all__ = ["Layout", "Leaf"]


@nodeclass(frozen=True, slots=True)
class Leaf:
    """One displayed component: its name, where it is (variable, path of element/field
    positions) and its type."""

    name: str
    var: int
    path: tuple[int, ...]
    type: Type


class Layout:
    """Bit positions of the variables, then (discrete time only) of the clocks: clock k
    (numbered from 1) holds ticks 0..caps[k-1] at `clock_offsets[k-1]`."""

    def __init__(self, model: ir.Model, clock_caps: tuple[int, ...] = ()):
        self.model = model
        self.variables = model.variables
        offsets = []
        off = 0
        for var in model.variables:
            offsets.append(off)
            off += var.type.width
        self.offsets: tuple[int, ...] = tuple(offsets)
        self.clock_caps = clock_caps
        clock_offsets = []
        for cap in clock_caps:
            clock_offsets.append(off)
            off += cap.bit_length()
        self.clock_offsets: tuple[int, ...] = tuple(clock_offsets)
        self.width = off
        self.leaves: tuple[Leaf, ...] = tuple(self._leaves())

    def clock_values(self, bits: int) -> tuple[int, ...]:
        """The clock slots of a discrete-time state, in ticks."""
        return tuple((bits >> off) & ((1 << cap.bit_length()) - 1)
                     for off, cap in zip(self.clock_offsets, self.clock_caps))

    # -------------------------------------------------------------- packing
    def encode(self, values: tuple) -> int:
        bits = 0
        for var, off, value in zip(self.variables, self.offsets, values):
            bits |= var.type.encode(value) << off
        return bits

    def decode(self, bits: int) -> tuple:
        out = []
        for var, off in zip(self.variables, self.offsets):
            w = var.type.width
            out.append(var.type.decode((bits >> off) & ((1 << w) - 1)))
        return tuple(out)

    def view(self, bits: int) -> LazyState:
        """The state as `decode` gives it, but each variable decoded when first read: for
        a formula that reads a few variables of a large state."""
        return LazyState(self, bits)

    # -------------------------------------------------------------- display
    def _leaves(self):
        """Globals in declaration order; a process's variables grouped by instance
        (`agent[1].state`, `agent[1].id`, `agent[2].state`, ...) where its first one is."""
        done: set[str] = set()
        for var in self.variables:
            if var.hidden:
                continue
            if var.process is None:
                yield from _open(var.name, var.index, (), var.type)
            elif var.process not in done:
                done.add(var.process)
                yield from self._process_leaves([v for v in self.variables
                                                 if v.process == var.process])

    def _process_leaves(self, members: list[ir.Variable]):
        first = members[0]
        typ = first.type
        idx_types = []
        for _ in first.init_locals:
            assert isinstance(typ, ArrayT)
            idx_types.append(typ.index)
            typ = typ.elem
        combos: list[tuple[tuple[int, ...], list[str]]] = [((), [])]
        for t in idx_types:
            combos = [(path + (i,), names + [format_value(t, v)])
                      for path, names in combos for i, v in enumerate(t.values())]
        for path, names in combos:
            prefix = first.process if not names else f"{first.process}[{','.join(names)}]"
            for var in members:
                inner = var.type
                for _ in path:
                    assert isinstance(inner, ArrayT)
                    inner = inner.elem
                yield from _open(f"{prefix}.{var.local_name}", var.index, path, inner)

    def leaf_value(self, leaf: Leaf, values: tuple) -> Value:
        value = values[leaf.var]
        for pos in leaf.path:
            value = value[pos]  # type: ignore[index]
        return value

    def show(self, values: tuple) -> list[tuple[str, str]]:
        """Every leaf as (name, formatted value)."""
        return [(leaf.name, format_value(leaf.type, self.leaf_value(leaf, values)))
                for leaf in self.leaves]

    def diff(self, before: tuple, after: tuple) -> list[tuple[str, str, str]]:
        """The leaves that changed: (name, old, new)."""
        out = []
        for leaf in self.leaves:
            a = self.leaf_value(leaf, before)
            b = self.leaf_value(leaf, after)
            if a != b:
                out.append((leaf.name, format_value(leaf.type, a), format_value(leaf.type, b)))
        return out


def _open(name: str, var: int, path: tuple[int, ...], typ: Type):
    if isinstance(typ, ArrayT):
        for i, k in enumerate(typ.index.values()):
            yield from _open(f"{name}[{format_value(typ.index, k)}]", var, path + (i,), typ.elem)
    elif isinstance(typ, RecordT):
        for i, (fname, ftype) in enumerate(typ.fields):
            yield from _open(f"{name}.{fname}", var, path + (i,), ftype)
    else:
        yield Leaf(name, var, path, typ)


class LazyState:
    """A decoded state whose variables are decoded on first access (`state[i]`)."""

    __slots__ = ("_layout", "_bits", "_cache")

    def __init__(self, layout: Layout, bits: int):
        self._layout = layout
        self._bits = bits
        self._cache: dict[int, object] = {}

    def __getitem__(self, i: int) -> object:
        try:
            return self._cache[i]
        except KeyError:
            var = self._layout.variables[i]
            raw = (self._bits >> self._layout.offsets[i]) & ((1 << var.type.width) - 1)
            value = self._cache[i] = var.type.decode(raw)
            return value

    def __len__(self) -> int:
        return len(self._layout.variables)
