"""The JSON report (format documented in docs/json-report.md). Deterministic: keys in a
fixed order; nothing in it depends on the run (no times),
so the same spec and options give the same bytes."""

from __future__ import annotations

import json

from ..report import SCHEMA, PropertyResult, Report, Step

__all__ = ["report_data", "render_json"]


def _step(k: int, step: Step) -> dict[str, object]:
    return {
        "index": k,
        "action": step.action,
        "process": step.process,
        "args": dict(step.args),
        "choices": dict(step.choices),
        "label": step.label,
        "time": step.time,
        "error": step.error,
        "changes": [{"var": c.var, "from": c.old_text, "to": c.new_text} for c in step.changes],
        "state": step.state,
    }


def _property(p: PropertyResult) -> dict[str, object]:
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
    }


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
