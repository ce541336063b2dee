"""`tock explain`: the compiled model as a reader needs it: processes, variables with their
domains, actions with their instance counts, properties, and the packed state layout."""

from __future__ import annotations

from model import format_duration

from .escape import visible

__all__ = ["render_explain"]


def _table(rows: list[tuple[str, ...]], indent: str = "  ") -> list[str]:
    if not rows:
        return [f"{indent}(none)"]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def render_explain(system, code: bool = False, time_engine: str | None = None,  # noqa: ANN001
                   tick: int | None = None) -> str:
    model = system.model
    layout = system.layout
    lines = [f"spec {model.name}  ({model.file})", ""]
    constants = system.constants()
    lines.append("constants")
    lines.extend(_table([(n, "=", v) for n, v in constants]))
    lines.append("")
    lines.append("processes")
    lines.extend(_table([
        (p.name + (f"[{', '.join(f'{x.name}: {x.type}' for x in p.locals)}]" if p.locals else ""),
         f"{_count(p):,} instance{'s' if _count(p) != 1 else ''}")
        for p in model.processes]))
    lines.append("")
    lines.append("variables (bit offset and width in the packed state)")
    rows = []
    product = 1
    for var, off in zip(model.variables, layout.offsets):
        size = var.type.size() or 1
        product *= size
        kind = "param" if var.is_param else "var"
        rows.append((kind, var.name, str(var.type), f"bits {off}..{off + var.type.width - 1}"
                     if var.type.width else "no bits", f"{size:,} values"))
    lines.extend(_table(rows))
    lines.append(f"  state: {layout.width} bits; at most {product:,} states "
                 "(the product of the domains)")
    if model.clocks:
        lines.append("")
        lines.append("clocks")
        lines.extend(_table([
            (c.name + (f"[{', '.join(str(t) for t in c.index_types)}]" if c.index_types else ""),
             f"{c.count} clock{'s' if c.count != 1 else ''}") for c in model.clocks]))
        if model.bounds:
            lines.append("  bounds (time cannot pass beyond them)")
            for b in model.bounds:
                source = system.sources.get(b.span.file)
                text = source.line(b.span.line).strip() if source is not None else ""
                if not text.startswith("bound"):  # a timeout's deadline
                    text = (f"{b.atom.clock.clock.name} {b.atom.op} "
                            f"{format_duration(b.atom.bound)} (deadline of: {text.rstrip(' {')})")
                lines.append(f"    {text}  ({b.span})")
    lines.append("")
    lines.append("actions (one transition instance per argument combination)")
    counts: dict[int, int] = {}
    for a, _args in system.instances:
        counts[a] = counts.get(a, 0) + 1
    rows = []
    for a, action in enumerate(model.actions):
        params = ", ".join(f"{x.name}: {x.type}" for x in action.locals)
        kind = "timeout" if action.is_timeout else "action"
        owner = action.process or "-"
        rows.append((kind, f"{action.name}({params})", owner,
                     f"{counts.get(a, 0):,} instance{'s' if counts.get(a, 0) != 1 else ''}"))
    lines.extend(_table(rows))
    lines.append("")
    lines.append("properties")
    rows = [(p.kind, p.name, str(p.span)) for p in model.properties]
    rows += [("leads-to" if p.within is None else "response", p.name, str(p.span))
             for p in model.liveness]
    rows += [("scenario", s.name, str(s.span)) for s in model.scenarios]
    lines.extend(_table(rows))
    if model.expects:
        lines.append("  expected: " + ", ".join(f"{n} {v}" for n, (v, _) in
                                                model.expects.items()))
    lines.append(f"  deadlock: {'allowed' if model.allow_deadlock else 'checked'}")
    if code:
        lines.append("")
        lines.extend(_code(system, time_engine, tick))
    return "\n".join(visible(line) for line in "\n".join(lines).split("\n")) + "\n"


def _code(system, time_engine: str | None, tick: int | None) -> list[str]:  # noqa: ANN001
    """The generated code of the engine `tock check` runs with these options."""
    if not system.n_clocks:
        title, source = "generated code (explicit engine)", system.code.source
    elif time_engine == "discrete":
        refusal = system.discrete_refusal()
        if refusal is not None:
            reason, span = refusal
            return ["generated code (discrete-time engine)",
                    f"  none: the discrete engine refuses this spec: {reason} ({span})"]
        tick = tick or system.default_tick()
        title = f"generated code (discrete-time engine, tick {format_duration(tick)})"
        source = system.discrete_time(tick).code.source
    else:
        title, source = "generated code (zone engine)", system.zone_code.source
    return [title] + [("  " + line) if line else "" for line in source.splitlines()]


def _count(process) -> int:  # noqa: ANN001
    n = 1
    for local in process.locals:
        n *= local.type.size() or 0
    return n
