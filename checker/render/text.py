"""The text report: verdicts, statistics, and each trace as numbered steps showing only the
variables that changed. Deterministic: the only run-dependent text is the `time` line."""

from __future__ import annotations

from ..report import (
    DisabledAction,
    PropertyResult,
    Report,
    Trace,
    boundary_text,
    expectation_note,
    liveness_text,
    stop_reason_text,
)
from .escape import visible
from .folds import Fold, fold_words, segments, span_text

__all__ = ["render_text", "render_trace", "disabled_block"]

_STATUS = {
    "holds": "holds", "violated": "VIOLATED", "reached": "reached", "unreached": "UNREACHED",
    "unknown": "unknown", "skipped": "skipped", "measured": "measured",
}


_OUTCOME = {
    "ok": "OK: every verdict is as expected",
    "violation": "VIOLATION: a verdict differs from what the spec expects",
    "incomplete": "INCOMPLETE: the search stopped before every verdict was decided",
}


def render_text(report: Report) -> str:
    lines: list[str] = []
    lines.append(f"{report.tool} {report.version}  {report.spec}  ({report.file})")
    if report.constants:
        lines.append("constants  " + ", ".join(f"{n} = {v}" for n, v in report.constants))
    if report.options:
        lines.append("options    " + ", ".join(f"{k}={_opt(v)}" for k, v in
                                               report.options.items()))
    lines.append(f"engine     {report.engine}")
    if liveness_text(report) is not None:
        lines.append(f"liveness   {liveness_text(report)}")
    lines.append("")
    width = max((len(p.name) for p in report.properties), default=8)
    for p in report.properties:
        note = expectation_note(p)
        expect = f"   ({note})" if note else ""
        if p.measure is not None:
            expect = _measure_expect(p)
        lines.append(f"  {_STATUS[p.status]:<9}  {p.kind:<9}  {p.name:<{width}}{expect}".rstrip())
    stats = report.stats
    lines.append("")
    kind = "symbolic states" if stats.symbolic else "states"
    if stats.states == 1:
        kind = kind[:-1]
    if stats.deadlocks is None:
        stuck = "deadlock states not counted (none was asked about)"
    else:
        stuck = f"{stats.deadlocks:,} deadlock state{'s' if stats.deadlocks != 1 else ''}"
    lines.append(f"{stats.states:,} {kind}, {stats.transitions:,} transitions, depth "
                 f"{stats.depth}, {stuck}{'' if stats.exhaustive else ' (not exhaustive)'}")
    if report.stop_reason:
        lines.append(f"stopped: {stop_reason_text(report.stop_reason)}")
    cut = boundary_text(report)
    if cut is not None:
        lines.append(cut)
    for p in report.properties:
        if p.warning is not None:
            lines.append(f"warning: {p.warning}")
    for p in report.properties:
        if p.trace is not None or (p.message and p.status != "holds"):
            lines.append("")
            lines.extend(_property_block(p))
    if report.coverage:
        lines.append("")
        lines.append("coverage (transitions per action)")
        width = max(len(name) for name, _ in report.coverage)
        for name, count in report.coverage:
            note = "   never fired" if count == 0 else ""
            lines.append(f"  {name:<{width}}  {count:>10,}{note}")
    lines.extend(disabled_block(report))
    lines.append("")
    if report.outcome in _OUTCOME:
        lines.append(_OUTCOME[report.outcome])
    return _shown(lines)


def _shown(lines: list[str]) -> str:
    """The lines as printed: anything from the spec or the command line (names, source text
    of formulas, messages) with its control characters escaped (checker.render.escape)."""
    return "\n".join(visible(line) for line in "\n".join(lines).split("\n")) + "\n"


def _opt(value: object) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


def _measure_expect(p: PropertyResult) -> str:
    """A measure's summary column: its interval, and how it meets the spec's `expect`."""
    assert p.measure is not None
    note = expectation_note(p)
    return f"   {p.measure.text}" + (f"   ({note})" if note else "")


def _measure_lines(p: PropertyResult) -> list[str]:
    """A measure's block below its headline: the answer, then each end with its witness."""
    m = p.measure
    assert m is not None
    lines = []
    if p.expected is not None and not p.as_expected and p.status != "unknown":
        lines.append(f"  expected {p.expected}")
    for title, end, upper in (("shortest", m.lo, False), ("longest", m.hi, True)):
        if end is None:
            continue
        lines.append(f"  {title}: {m.describe(end, upper)}")
        if end.witness is not None:
            lines.extend(render_trace(end.witness, indent="    "))
    return lines


def _property_block(p: PropertyResult) -> list[str]:
    if p.measure is not None:
        head = f"measure {p.name}: {_STATUS[p.status]}"
        if p.location:
            head += f"  ({p.location})"
        return [head] + ([f"  {p.message}"] if p.message else []) + _measure_lines(p)
    title = p.name if p.kind == p.name else f"{p.kind} {p.name}"  # "deadlock", not twice
    head = f"{title}: {_STATUS[p.status]}"
    if p.location:
        head += f"  ({p.location})"
    lines = [head]
    if p.message:
        lines.append(f"  {p.message}")
    if p.trace is not None:
        lines.extend(render_trace(p.trace, indent="  "))
    if p.why:
        lines.append("  in the last state:")
        width = min(48, max(len(text) for text, _ in p.why))
        for text, value in p.why:
            lines.append(f"    {text:<{width}}  = {value}")
    return lines


def render_trace(trace: Trace, indent: str = "") -> list[str]:
    """Numbered steps: the initial state in full, then each action with what it changed; a
    run of identical steps is one entry, `2..61  t=5..300  pass  × 60, every 5 s`
    (checker.render.folds)."""
    lines: list[str] = []
    timed = any(step.time is not None for step in trace.steps)
    parts = segments(trace)
    number_width = max([len(str(len(trace.steps)))] + [
        len(f"{p.first}..{p.last}") for p in parts if isinstance(p, Fold)])
    for part in parts:
        if isinstance(part, Fold):
            step = trace.steps[part.last]
            span = span_text(trace, part, "") if timed else None
            when = f"t={span}  " if span else ""
            marker = "-> " if trace.loop_start == part.last else "   "
            number = f"{part.first}..{part.last}"
            lines.append(f"{indent}{marker}{number:>{number_width}}  {when}{step.label}  "
                         f"{fold_words(part)}")
            pad = " " * (len(marker) + number_width + 4)
            for change in step.changes:
                lines.append(f"{indent}{pad}{change.var}: {change.old_text} -> "
                             f"{change.new_text}  (each time)")
            if not step.changes:
                lines.append(f"{indent}{pad}(no change)")
            continue
        k = part
        step = trace.steps[k]
        marker = "   "
        if trace.loop_start is not None and k == trace.loop_start:
            marker = "-> "
        when = f"t={step.time_label('')}  " if timed and step.time is not None else ""
        if step.label is None or (step.action is None and k == 0):
            lines.append(f"{indent}{marker}{k:>{number_width}}  {when}initial state")
            for name, value in step.values:
                lines.append(f"{indent}{' ' * (len(marker) + number_width + 4)}{name} = {value}")
            continue
        if step.action is None:  # time passing at the end: no step number
            lines.append(f"{indent}{marker}{' ' * number_width}  {when}{step.label}")
            continue
        lines.append(f"{indent}{marker}{k:>{number_width}}  {when}{step.label}")
        pad = " " * (len(marker) + number_width + 4)
        if step.error:
            lines.append(f"{indent}{pad}fails: {step.error}")
        for change in step.changes:
            lines.append(f"{indent}{pad}{change.var}: {change.old_text} -> {change.new_text}")
        if not step.changes and not step.error:
            lines.append(f"{indent}{pad}(no change)")
    if trace.loop_start is not None and all(step.action is None for step in
                                           trace.steps[trace.loop_start + 1:]):
        lines.append(f"{indent}   from the state marked -> time passes forever and no action "
                     "happens")
    elif trace.loop_start is not None:
        last = len(trace.steps) - 1
        back = ("the initial state" if trace.loop_start == 0
                else f"the state after step {trace.loop_start}")
        lines.append(f"{indent}   steps {trace.loop_start + 1}..{last} repeat forever "
                     f"(step {last} returns to {back}, marked ->)")
    return lines


# ------------------------------------------------------------------ disabled actions

DISABLED_TITLE = ("disabled actions (each has a reachable state where its condition holds, "
                  "but time always blocks it)")
PARTIAL_NOTE = ("the search was not exhaustive: this list may be incomplete, and an action "
                "on it may still fire in a state not explored")


def disabled_block(report: Report) -> list[str]:
    """The actions a bound or a timeout always blocks (checker.engine.blocked), with why;
    nothing when there are none."""
    if not report.disabled:
        return []
    lines = ["", DISABLED_TITLE]
    if not report.disabled_complete:
        lines.append(f"  ({PARTIAL_NOTE})")
    for entry in report.disabled:
        lines.append(f"  {disabled_label(entry)}  ({entry.location})")
        for blocker in entry.blockers:
            lines.append(f"    - {blocker.message}")
    return lines


def disabled_label(entry: DisabledAction) -> str:
    """`arm`, `renew (every instance)` or `renew(c=1), renew(c=2)`."""
    if not entry.all_instances:
        return ", ".join(entry.instances)
    return entry.action + (" (every instance)" if entry.instances != (entry.action,) else "")
