"""A replay's answer as text, JSON, a swimlane picture (DOT) and an HTML page.

The text and JSON are deterministic (no times of the run). The picture reuses the check's
swimlane renderer on a one-entry report whose "property" is the replay: its trace is the
witness (consistent) or the run of the longest consistent prefix. The page is its own: the
verdict, the picture and the text answer. Every name from the spec, the map or the log is
escaped, as in every report.
"""

from __future__ import annotations

import json
from fractions import Fraction

from ..render.dot import render_swimlanes
from ..render.escape import html_text, page_head, visible
from ..render.json import report_data
from ..render.svg import inline_svg
from ..render.text import render_trace
from ..report import SCHEMA, TOOL, VERSION, PropertyResult, Report, Stats
from .validate import ReplayResult

__all__ = ["render_replay_text", "render_replay_json", "replay_report", "render_replay_dot",
           "render_replay_html", "HEADLINE"]

HEADLINE = {
    "consistent": "CONSISTENT: a run of the model produces every mapped line of the log",
    "inconsistent": "INCONSISTENT: the model cannot produce a line of the log",
    "unmapped": "UNMAPPED LINES: the mapped lines are consistent, but some lines match no "
                "event and no ignore pattern",
    "log-error": "LOG ERROR: the log cannot be replayed",
    "incomplete": "INCOMPLETE: a budget stopped the replay",
}


def _tolerance(r: ReplayResult) -> str:
    if not r.timed:
        return "untimed (timestamps not used)"
    seconds = f"{float(Fraction(r.tolerance_us, 1_000_000)):.6f}".rstrip("0").rstrip(".")
    return f"timed, tolerance {seconds} s per gap"


def _name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def render_replay_text(r: ReplayResult) -> str:
    out: list[str] = []
    emit = out.append
    emit(f"tock replay: {visible(r.spec)} against {visible(r.log)} (map {visible(r.map)})")
    if r.constants:
        emit("constants: " + ", ".join(f"{visible(n)} = {visible(v)}" for n, v in r.constants))
    emit(f"{_tolerance(r)}; {r.lines:,} lines read, {r.events:,} events replayed, "
         f"{r.ignored:,} ignored, {r.unmapped_count:,} unmapped; largest frontier "
         f"{r.frontier_max:,} symbolic states, {r.states:,} explored")
    emit("")
    if r.failed is not None:
        what = {"inconsistent": "first line the model cannot produce",
                "log-error": "the line", "incomplete": "stopped at line"}.get(r.outcome, "line")
        emit(f"{what}: {r.failed.number}" + (f" ({visible(r.failed_event)})"
                                            if r.failed_event else ""))
        if r.failed.text:
            emit(f"  {visible(r.failed.text)}")
        if r.previous is not None:
            emit(f"the last line produced: {r.previous.number}")
            emit(f"  {visible(r.previous.text)}")
    if r.reason:
        emit(f"why: {visible(r.reason)}")
    if r.stop_reason:
        emit(f"stopped: {visible(r.stop_reason)}")
    if r.outcome == "inconsistent":
        if r.offered:
            emit("the events of the map the model could have produced there instead:")
            for label in r.offered:
                emit(f"  {visible(label)}")
        else:
            emit("the model could have produced no event of the map there")
    if r.unmapped_count:
        emit(f"unmapped lines ({r.unmapped_count:,}"
             + (", the first 100" if r.unmapped_count > len(r.unmapped) else "") + "):")
        for line in r.unmapped:
            emit(f"  {line.number}: {visible(line.text)}")
    if r.witness is not None:
        emit("")
        title = "witness run" if r.outcome in ("consistent", "unmapped") else \
            "the longest consistent prefix"
        count = len(r.witness)
        emit(f"{title} ({count} step{'' if count == 1 else 's'}; [line N] marks the step a "
             "log line produced):")
        trace_lines = render_trace(r.witness, "  ")
        out.extend(_mark_lines(trace_lines, r))
    elif r.witness_note:
        emit(r.witness_note)
    emit("")
    emit(HEADLINE[r.outcome])
    return "\n".join(out) + "\n"


def _mark_lines(lines: list[str], r: ReplayResult) -> list[str]:
    """Append `[line N]` to the trace lines of the steps a log line produced."""
    marks = {k: n for k, n in enumerate(r.witness_lines) if n}
    out = []
    for text in lines:
        stripped = text.strip()
        head = stripped.split(" ", 1)[0]
        if head.isdigit() and int(head) in marks and not text.startswith("      "):
            text = f"{text}   [line {marks[int(head)]}]"
        out.append(text)
    return out


def replay_report(r: ReplayResult) -> Report:
    """The replay as a one-entry report (for the picture and the page)."""
    status = "holds" if r.outcome in ("consistent", "unmapped") else \
        "unknown" if r.outcome == "incomplete" else "violated"
    why: list[tuple[str, str]] = []
    if r.failed is not None:
        why.append((f"line {r.failed.number}", r.failed.text))
    why += [("could have produced", label) for label in r.offered[:12]]
    why += [(f"unmapped line {line.number}", line.text) for line in r.unmapped[:12]]
    message = HEADLINE[r.outcome] + (f"; {r.reason}" if r.reason else "")
    # no expectation: the pictures say the verdict without "(expected to hold)"
    prop = PropertyResult(_name(r.log), "replay", status, None, True, message, None,
                          r.witness, tuple(why))
    outcome = {"consistent": "ok", "incomplete": "incomplete"}.get(r.outcome, "violation")
    stats = Stats(r.states, 0, r.events, None, 0.0, r.stop_reason is None, True)
    return Report(r.spec, r.log, r.constants, {"map": r.map}, "replay (zones)", outcome,
                  r.stop_reason, stats, (prop,), processes=r.processes)


def render_replay_dot(r: ReplayResult) -> str | None:
    report = replay_report(r)
    prop = report.properties[0]
    if prop.trace is None or not prop.trace.steps:
        return None
    return render_swimlanes(report, prop, id_prefix="replay")


_esc = html_text


_CSS = """body { font: 15px/1.45 -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif;
  color: #1d2329; margin: 0; } main { max-width: 1200px; margin: 0 auto; padding: 1em 2em; }
.banner { padding: .6em 1em; border-radius: 6px; font-weight: 600; margin: 1em 0; }
.consistent { background: #e6f4e6; color: #1b5e20; }
.inconsistent, .unmapped, .log-error { background: #fdecee; color: #b00020; }
.incomplete { background: #fff4d6; color: #7a5a00; }
pre { background: #f6f8fa; padding: 1em; overflow-x: auto; font-size: 13px; }
.picture { overflow-x: auto; border: 1px solid #ddd; padding: .5em; }
.muted { color: #666; } footer { color: #777; font-size: 12px; margin: 2em 0; }"""


def render_replay_html(r: ReplayResult, svg: str | None, command: str | None,
                       notes: tuple[str, ...] = ()) -> str:
    """The answer as one self-contained page: the verdict, the text answer and the
    swimlane picture of the witness (or of the longest consistent prefix)."""
    out: list[str] = []
    emit = out.append
    out.extend(page_head(f"{_name(r.log)}: {r.outcome} \u2014 tock replay", _CSS))
    emit(f"<h1>tock replay: {_esc(_name(r.log))}</h1>")
    emit(f'<div class="muted">{_esc(r.spec)} ({_esc(r.map)})</div>')
    emit(f'<div class="banner {_esc(r.outcome)}" id="outcome">{_esc(HEADLINE[r.outcome])}'
         "</div>")
    if r.reason:
        emit(f"<p>{_esc(r.reason)}</p>")
    for note in notes:
        emit(f'<p class="muted">{_esc(note)}</p>')
    if svg is not None:
        title = "Witness run" if r.outcome in ("consistent", "unmapped") else \
            "The longest consistent prefix"
        emit(f"<h2>{title}</h2>")
        emit(f'<div class="picture">{inline_svg(svg)}</div>')
    emit("<h2>The answer</h2>")
    emit(f"<pre>{_esc(render_replay_text(r))}</pre>")
    if command:
        emit("<h2>Reproduce</h2>")
        emit(f"<pre>{_esc(command)}</pre>")
    emit(f"<footer>{_esc(TOOL)} {_esc(VERSION)} \u00b7 this page is self-contained: it loads "
         "nothing and runs no script.</footer>")
    emit("</main>")
    emit("</body>")
    emit("</html>")
    return "\n".join(out) + "\n"


def render_replay_json(r: ReplayResult) -> str:
    prop = report_data(replay_report(r))["properties"][0]  # type: ignore[index]
    data = {
        "schema": SCHEMA,
        "tool": TOOL,
        "version": VERSION,
        "kind": "replay",
        "spec": r.spec,
        "log": r.log,
        "map": r.map,
        "constants": dict(r.constants),
        "outcome": r.outcome,
        "timed": r.timed,
        "tolerance_us": r.tolerance_us,
        "lines": r.lines,
        "events": r.events,
        "ignored": r.ignored,
        "failed": None if r.failed is None else {"line": r.failed.number,
                                                 "text": r.failed.text,
                                                 "event": r.failed_event},
        "previous": None if r.previous is None else {"line": r.previous.number,
                                                     "text": r.previous.text},
        "reason": r.reason,
        "offered": list(r.offered),
        "unmapped_count": r.unmapped_count,
        "unmapped": [{"line": x.number, "text": x.text} for x in r.unmapped],
        "stop_reason": r.stop_reason,
        "frontier_max": r.frontier_max,
        "states": r.states,
        "witness": prop["trace"],
        "witness_lines": list(r.witness_lines),
        "witness_note": r.witness_note,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
