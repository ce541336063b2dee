"""The JSON report (format documented in docs/json-report.md). Deterministic: keys in a
fixed order; nothing in it depends on the run (no times),
so the same spec and options give the same bytes."""

from __future__ import annotations

import json

from ..report import (
    SCHEMA,
    Measured,
    MeasureEnd,
    PropertyResult,
    Report,
    Step,
    Trace,
    exact_text,
)
from .folds import fold_words, folds

__all__ = ["report_data", "render_json"]


def _step(k: int, step: Step) -> dict[str, object]:
    derived = {name for name, _data, _text in step.derived}
    data: dict[str, object] = {
        "index": k,
        "action": step.action,
        "process": step.process,
        "args": dict(step.args),
        "choices": dict(step.choices),
        "label": step.label,
        "time": step.time,
        "time_exact": step.time_text,
        "time_open": _open(step),
        "error": step.error,
        "changes": [{"var": c.var, "from": c.old_text, "to": c.new_text} for c in step.changes
                    if c.var not in derived],
        "state": step.state,
    }
    if step.derived:  # the spec's `show` columns (only in reports of specs that have them)
        data["derived"] = {name: value for name, value, _text in step.derived}
    return data


def _trace(trace: Trace | None) -> list[dict[str, object]] | None:
    return None if trace is None else [_step(k, s) for k, s in enumerate(trace.steps)]


def _end(end: MeasureEnd | None) -> dict[str, object] | None:
    if end is None:
        return None
    return {
        "ms": end.ms,
        "closed": end.closed,
        "witness": _trace(end.witness),
        "loop_start": None if end.witness is None else end.witness.loop_start,
        "folds": None if end.witness is None else _folds(end.witness),
    }


def _measure(m: Measured) -> dict[str, object]:
    """A timing query's answer (docs/json-report.md, "measure")."""
    return {
        "kind": m.kind,
        "interval": m.text,
        "exact": m.exact,
        "note": m.note,
        "lo": _end(m.lo),
        "hi": _end(m.hi),
    }


def _open(step: Step) -> dict[str, object] | None:
    """An open time (Step.time_open): which side of which limit, and the reports' words."""
    if step.time_open is None:
        return None
    side, limit = step.time_open
    return {"side": side, "limit": float(limit), "limit_exact": exact_text(limit),
            "text": step.shown_open}


def _folds(trace: Trace) -> list[dict[str, object]]:
    """Runs of identical steps, as the other reports fold them (checker.render.folds)."""
    return [{"first": f.first, "last": f.last, "count": f.count,
             "every": None if f.every is None else float(f.every),
             "every_exact": None if f.every is None else exact_text(f.every),
             "text": fold_words(f)} for f in folds(trace)]


def _property(p: PropertyResult) -> dict[str, object]:
    data = _plain_property(p)
    if p.measure is not None:
        data["measure"] = _measure(p.measure)
    if p.warning is not None:  # a leads-to that holds only on maximal runs
        data["warning"] = p.warning
    return data


def _plain_property(p: PropertyResult) -> dict[str, object]:
    return {
        "name": p.name,
        "kind": p.kind,
        "status": p.status,
        "expected": p.expected,
        "as_expected": p.as_expected,
        "message": p.message,
        "location": p.location,
        "trace": None if p.trace is None else [_step(k, s) for k, s in enumerate(p.trace.steps)],
        "loop_start": None if p.trace is None else p.trace.loop_start,
        "folds": None if p.trace is None else _folds(p.trace),
        "why": [{"expr": text, "value": value} for text, value in p.why],
    }


def report_data(report: Report) -> dict[str, object]:
    s = report.stats
    return {
        "schema": SCHEMA,
        "tool": report.tool,
        "version": report.version,
        "spec": report.spec,
        "file": report.file,
        "constants": dict(report.constants),
        "options": report.options,
        "engine": report.engine,
        "outcome": report.outcome,
        "stop_reason": report.stop_reason,
        "stats": {
            "states": s.states,
            "transitions": s.transitions,
            "depth": s.depth,
            "deadlocks": s.deadlocks,
            "exhaustive": s.exhaustive,
            "symbolic": s.symbolic,
        },
        "properties": [_property(p) for p in report.properties],
        "coverage": [{"action": a, "fired": n} for a, n in report.coverage],
        "disabled_actions": _disabled(report),
        **_boundary(report),
        **({} if report.liveness is None else {"liveness": report.liveness}),
    }


def _boundary(report: Report) -> dict[str, object]:
    """`boundary`, only for a spec that declares one (docs/json-report.md): its names and
    the states outside it (checked, not expanded, not counted in stats.states)."""
    if report.stats.outside is None:
        return {}
    return {"boundary": {"names": list(report.boundaries), "outside": report.stats.outside}}


def _disabled(report: Report) -> dict[str, object]:
    """The actions a bound or a timeout always blocks (docs/json-report.md)."""
    return {
        "complete": report.disabled_complete,
        "actions": [{
            "action": d.action,
            "process": d.process,
            "location": d.location,
            "instances": list(d.instances),
            "all_instances": d.all_instances,
            "clock_condition": d.clock_condition,
            "blocked_by": [{
                "kind": b.kind,
                "location": b.location,
                "limit": b.limit,
                "condition": b.condition,
                "timeout": b.timeout,
                "message": b.message,
            } for b in d.blockers],
        } for d in report.disabled],
    }


def render_json(report: Report) -> str:
    return json.dumps(report_data(report), indent=2, ensure_ascii=False) + "\n"
