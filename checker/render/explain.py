"""`tock explain`: the compiled model as a reader needs it: processes, variables with their
domains, actions with their instance counts, properties, and the packed state layout."""

from __future__ import annotations

from model import TransitionSystem, format_duration

from .escape import visible

__all__ = ["render_explain"]


def _table(rows: list[tuple[str, ...]], indent: str = "  ") -> list[str]:
    if not rows:
        return [f"{indent}(none)"]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def render_explain(system: TransitionSystem, code: bool = False,
                   time_engine: str | None = None, tick: int | None = None) -> str:
    lines = [f"spec {system.name}  ({system.file})"]
    for section in system.outline():
        lines += ["", section.title]
        lines.extend(_table(list(section.rows)))
        lines.extend("  " + note for note in section.notes)
    if code:
        lines.append("")
        lines.extend(_code(system, time_engine, tick))
    return "\n".join(visible(line) for line in "\n".join(lines).split("\n")) + "\n"


def _code(system: TransitionSystem, time_engine: str | None, tick: int | None) -> list[str]:
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
