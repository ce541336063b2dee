"""What `tock explain` shows of a checked model, as data: titled tables of processes,
variables with their place in the packed state, clocks and bounds, actions with their
instance counts, properties. The checker renders it and never reads the IR itself."""

from __future__ import annotations

from . import ir
from .layout import Layout
from .nodeclass import nodeclass
from .source import SourceFile
from .types import SIZE_CAP, format_duration

__all__ = ["Section", "outline", "count_text"]


@nodeclass(frozen=True, slots=True)
class Section:
    """A titled table: rows of cells, then lines of notes below it."""

    title: str
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' if n != 1 else ''}"


def count_text(n: int) -> str:
    """A count in full up to 15 digits, beyond that as a power of ten: 1,234,567 or
    about 1.8 × 10^20, or more than 10^308 (a hundred-digit product helps nobody)."""
    if n < 10**15:
        return f"{n:,}"
    if n >= SIZE_CAP:  # sizes saturate there (model.types)
        return "more than 10^308"
    digits = str(n)
    return f"about {digits[0]}.{digits[1]} × 10^{len(digits) - 1}"


def _instances(process: ir.Process) -> int:
    n = 1
    for local in process.locals:
        n *= local.type.size() or 0
    return n


def outline(model: ir.Model, layout: Layout, instances: list[tuple[int, tuple]],
            sources: dict[str, SourceFile], constants: list[tuple[str, str]]
            ) -> tuple[Section, ...]:
    """The sections of `tock explain`, in order (clocks only for a timed model)."""
    out = [Section("constants", tuple((n, "=", v) for n, v in constants))]
    out.append(Section("processes", tuple(
        (p.name + (f"[{', '.join(f'{x.name}: {x.type}' for x in p.locals)}]" if p.locals else ""),
         _plural(_instances(p), "instance")) for p in model.processes)))
    rows = []
    product = 1
    for var, off in zip(model.variables, layout.offsets):
        size = var.type.size() or 1
        product = min(product * size, SIZE_CAP)
        kind = "param" if var.is_param else "var"
        rows.append((kind, var.name, str(var.type), f"bits {off}..{off + var.type.width - 1}"
                     if var.type.width else "no bits", f"{count_text(size)} values"))
    out.append(Section("variables (bit offset and width in the packed state)", tuple(rows), (
        f"state: {layout.width} bits; "
        + (f"at most {product:,} states" if product < 10**15 else
           f"the product of the domains is {count_text(product)} states")
        + (" (the product of the domains)" if product < 10**15 else ""),)))
    if model.clocks:
        notes = []
        if model.bounds:
            notes.append("bounds (time cannot pass beyond them)")
            for b in model.bounds:
                source = sources.get(b.span.file)
                text = source.line(b.span.line).strip() if source is not None else ""
                if not text.startswith("bound"):  # a timeout's deadline
                    text = (f"{b.atom.clock.clock.name} {b.atom.op} "
                            f"{format_duration(b.atom.bound)} (deadline of: {text.rstrip(' {')})")
                notes.append(f"  {text}  ({b.span})")
        out.append(Section("clocks", tuple(
            (c.name + (f"[{', '.join(str(t) for t in c.index_types)}]" if c.index_types else ""),
             _plural(c.count, "clock")) for c in model.clocks), tuple(notes)))
    counts: dict[int, int] = {}
    for a, _args in instances:
        counts[a] = counts.get(a, 0) + 1
    out.append(Section("actions (one transition instance per argument combination)", tuple(
        ("timeout" if action.is_timeout else "action",
         f"{action.name}({', '.join(f'{x.name}: {x.type}' for x in action.locals)})",
         action.process or "-", _plural(counts.get(a, 0), "instance"))
        for a, action in enumerate(model.actions))))
    rows = [(p.kind, p.name, str(p.span)) for p in model.properties]
    rows += [("leads-to" if p.within is None else "response", p.name, str(p.span))
             for p in model.liveness]
    rows += [("measure", m.name, str(m.span)) for m in model.measures]
    rows += [("scenario", s.name, str(s.span)) for s in model.scenarios]
    rows += [("init", i.name, str(i.span)) for i in model.inits]
    rows += [("boundary", b.name, str(b.span)) for b in model.boundaries]
    notes = []
    if model.expects:
        notes.append("expected: " + ", ".join(f"{n} {v}" for n, (v, _) in model.expects.items()))
    notes.append(f"deadlock: {'allowed' if model.allow_deadlock else 'checked'}")
    if model.liveness_declared:
        notes.append(f"liveness: {model.liveness_mode}")
    out.append(Section("properties", tuple(rows), tuple(notes)))
    if model.derived:
        out.append(Section("show (columns of every trace)", tuple(
            (d.name, str(d.expr.type), str(d.span)) for d in model.derived)))
    return tuple(out)
