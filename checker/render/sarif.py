"""The SARIF 2.1.0 report (docs/ci-outputs.md), for code scanning: one run, one rule per
kind of property (invariant, reachable, deadlock, ...), one result per property in the
report's order, located at its declaration (`runtime`: the failing expression).

A verdict that differs from its expectation is kind `fail`, level `error`; an undecided one
(the search stopped first) kind `fail`, level `warning`; a verdict as expected kind `pass`,
level `none` (SARIF allows no other level for a pass). A trace is a code flow: one thread
flow location per step, at the action's declaration when the caller gives the actions'
locations, with the step's label, time and changes.

Valid against the OASIS schema (tests/fixtures/sarif-schema-2.1.0.json). Deterministic:
nothing from the run's clock or machine; file names as the report gives them (relative
stays relative: a URI reference resolved against the working directory)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import quote

from ..report import SCHEMA, PropertyResult, Report, Step
from .ci import Where, missed, parse_location, summarise, what
from .escape import visible

__all__ = ["render_sarif", "sarif_data", "RULES", "SARIF_SCHEMA"]

SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")

# kind -> (rule name, short description, full description); the order of the rules array
RULES: dict[str, tuple[str, str, str]] = {
    "invariant": ("Invariant", "Invariant",
                  "An `invariant` must hold in every reachable state."),
    "reachable": ("Reachable", "Reachable",
                  "A `reachable` condition must hold in some reachable state."),
    "deadlock": ("Deadlock", "Deadlock",
                 "Every reachable state must have an enabled action (unless the spec says "
                 "`allow deadlock`)."),
    "timelock": ("Timelock", "Timelock",
                 "Time must be able to pass in every reachable state of a timed spec."),
    "runtime": ("RunTimeError", "Run-time error",
                "No action may fail when it runs (a value outside its domain, an index out of "
                "range, a division by zero, a full or empty queue)."),
    "leadsto": ("LeadsTo", "Leads-to",
                "A `property P ~> Q` (or `always eventually`): whenever P holds, Q holds "
                "later, on every fair path."),
    "response": ("BoundedResponse", "Bounded response",
                 "A `property P ~> Q within D`: whenever P holds, Q holds within D."),
    "scenario": ("Scenario", "Scenario",
                 "A `scenario` must run to its end, every assert holding."),
    "property": ("Property", "Property",
                 "A property of a kind this version of tock does not describe."),
}


def _uri(file: str) -> str:
    """A file name as a URI reference: an absolute path as a file: URI, a relative one as a
    relative reference (resolved against the working directory); reserved characters
    percent-encoded."""
    # a byte that was not UTF-8 in the name (a surrogate escape) is percent-encoded as it is
    encoded = quote(file, safe="/", encoding="utf-8", errors="surrogateescape")
    return "file://" + encoded if file.startswith("/") else encoded


def _location(where: Where | None, file: str, message: str | None = None
              ) -> dict[str, object]:
    # a location names its file escaped for display; the spec's own file by its real name
    named = file if where is None or where.file == visible(file) else where.file
    physical: dict[str, object] = {"artifactLocation": {"uri": _uri(named)}}
    if where is not None:
        physical["region"] = {"startLine": where.line, "startColumn": where.col}
    out: dict[str, object] = {"physicalLocation": physical}
    if message is not None:
        out["message"] = {"text": visible(message)}
    return out


def _step_text(k: int, step: Step, loop_start: int | None) -> str:
    if k == 0 and step.action is None:
        text = "initial state"
    else:
        text = f"step {k}: {step.label}" if step.action is not None else step.label or ""
    if step.shown_time is not None:
        text += f" at t={step.time_label('')}"
    if step.error:
        text += f"; fails: {step.error}"
    elif step.changes:
        text += "; " + ", ".join(f"{c.var}: {c.old_text} -> {c.new_text}"
                               for c in step.changes)
    if loop_start is not None and k == loop_start:
        text += " (the cycle returns to this state)"
    return text


def _code_flow(p: PropertyResult, file: str, actions: Mapping[tuple[str | None, str], str]
               ) -> dict[str, object]:
    assert p.trace is not None
    where = parse_location(p.location)
    steps = []
    for k, step in enumerate(p.trace.steps):
        at = where
        if step.action is not None:
            at = parse_location(actions.get((step.process, step.action))) or where
        location = _location(at, file, _step_text(k, step, p.trace.loop_start))
        shown = step.values if k == 0 else tuple((c.var, c.new_text) for c in step.changes)
        entry: dict[str, object] = {"location": location, "executionOrder": k}
        if shown:
            entry["state"] = {visible(n): {"text": visible(v)} for n, v in shown}
        props: dict[str, object] = {"index": k}
        if step.shown_time is not None:
            props["time"] = step.shown_time
        if step.error:
            props["error"] = visible(step.error)
        entry["properties"] = props
        steps.append(entry)
    return {"message": {"text": visible(f"the trace of {what(p)}")},
            "threadFlows": [{"locations": steps}]}


def _result(report: Report, p: PropertyResult,
            actions: Mapping[tuple[str | None, str], str]) -> dict[str, object]:
    summary = summarise(p)
    if summary.result == "pass":
        kind, level = "pass", "none"
        text = f"{what(p)}: {p.status}, as expected"
    elif summary.result == "fail":
        kind, level = "fail", "error"
        text = missed(p)
    elif summary.result == "skipped":
        kind, level = "notApplicable", "none"
        text = f"{what(p)}: skipped"
    else:
        kind, level = "fail", "warning"
        text = f"{what(p)}: undecided (the search stopped before deciding it)"
    if p.message:
        text += f". {p.message}"
    trace = summary.trace_text()
    if trace:
        text += f" (trace: {trace})"
    rule = p.kind if p.kind in RULES else "property"
    out: dict[str, object] = {
        "ruleId": rule,
        "ruleIndex": list(RULES).index(rule),
        "kind": kind,
        "level": level,
        "message": {"text": visible(text)},
        "locations": [_location(summary.where, report.file)],
    }
    if p.trace is not None:
        out["codeFlows"] = [_code_flow(p, report.file, actions)]
    out["properties"] = {
        "name": visible(p.name),
        "propertyKind": p.kind,
        "verdict": p.status,
        "expected": summary.expected,
        "defaultExpectation": summary.default_expectation,
        "asExpected": p.as_expected,
        "traceSteps": summary.steps,
        "finalTime": summary.final_time,
        "failingMessage": None if p.message is None else visible(p.message),
    }
    return out


def sarif_data(report: Report,
               actions: Mapping[tuple[str | None, str], str] | None = None) -> dict[str, object]:
    """The SARIF log as JSON-ready data. `actions`: (process, action) -> `file:line:col` of
    the action's declaration, to place each trace step (without it, the steps point at the
    property)."""
    actions = actions or {}
    rules = [{"id": kind, "name": name,
              "shortDescription": {"text": short}, "fullDescription": {"text": full},
              "defaultConfiguration": {"level": "error"}}
             for kind, (name, short, full) in RULES.items()]
    run: dict[str, object] = {
        "tool": {"driver": {"name": report.tool, "version": report.version,
                            "semanticVersion": report.version, "rules": rules}},
        "invocations": [{"executionSuccessful": True, "exitCode": report.exit_code}],
        "columnKind": "unicodeCodePoints",
        "results": [_result(report, p, actions) for p in report.properties],
        "properties": {
            "reportSchema": SCHEMA,
            "spec": visible(report.spec),
            "file": visible(report.file),
            "outcome": report.outcome,
            "stopReason": report.stop_reason,
            "engine": report.engine,
            "constants": {visible(n): visible(v) for n, v in report.constants},
            "states": report.stats.states,
            "exhaustive": report.stats.exhaustive,
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(report: Report,
                 actions: Mapping[tuple[str | None, str], str] | None = None) -> str:
    return json.dumps(sarif_data(report, actions), indent=2, ensure_ascii=False) + "\n"
