"""The HTML report: one self-contained page (inline CSS and SVG, no script, no external
resource) with the verdicts, the statistics, the command that reproduces the run, each trace
as a table with the changed values highlighted and its swimlane picture, the state graph
when one was drawn, and the action coverage.

Pure: the pictures come in as SVG text (drawn by the caller, see checker.render.svg). Every
name and value from the spec is escaped; a Content-Security-Policy forbids scripts and
network access anyway. Deterministic but for the run time, as the text report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..report import (
    Measured,
    PropertyResult,
    Report,
    Step,
    Trace,
    boundary_text,
    expectation_note,
    liveness_text,
    stop_reason_text,
)
from .escape import html_text, page_head
from .folds import Fold, fold_words, segments, span_text
from .svg import inline_svg
from .text import PARTIAL_NOTE, disabled_label

__all__ = ["render_html", "property_anchor"]

_STATUS = {"holds": "holds", "violated": "VIOLATED", "reached": "reached",
           "unreached": "UNREACHED", "unknown": "unknown", "skipped": "skipped",
           "measured": "measured"}

_OUTCOME = {
    "ok": "OK: every verdict is as expected",
    "violation": "VIOLATION: a verdict differs from what the spec expects",
    "incomplete": "INCOMPLETE: the search stopped before every verdict was decided",
    "error": "ERROR",
}

_CSS = """
:root { --ok: #1b5e20; --bad: #b00020; --warn: #8a5a00; --line: #d0d4da; --muted: #5f6670; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
  color: #1d2329; margin: 0; background: #f6f7f9; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 26px; margin: 0 0 2px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-top: 8px; border-top: 1px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 8px; }
code, pre, .mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
h1 .mono, h2 .mono { font-size: 0.92em; }
.muted { color: var(--muted); }
.banner { margin: 14px 0 6px; padding: 10px 14px; border-radius: 6px; font-weight: 600; }
.banner.ok { background: #e3f3e4; color: var(--ok); }
.banner.violation, .banner.error { background: #fbe3e6; color: var(--bad); }
.banner.incomplete { background: #fff1d6; color: var(--warn); }
nav { margin: 8px 0 0; font-size: 14px; }
nav a { margin-right: 14px; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #eef0f3; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { font-weight: 600; white-space: nowrap; }
.status.good { color: var(--ok); }
.status.bad { color: var(--bad); }
.status.unknown { color: var(--warn); }
pre.command { background: #1d2329; color: #f1f3f5; padding: 10px 14px; border-radius: 6px;
  overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.facts td:first-child { color: var(--muted); white-space: nowrap; }
.picture { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px;
  overflow: auto; max-height: 90vh; }
.picture svg { display: block; max-width: none; height: auto; }
.picture.graph svg { width: 100%; }
.scroll { overflow: auto; max-height: 80vh; border: 1px solid var(--line); }
.trace { font-size: 13px; }
.trace th { position: sticky; top: 0; z-index: 2; white-space: nowrap; }
.trace td { white-space: nowrap; font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.trace th:first-child, .trace td:first-child { position: sticky; left: 0; z-index: 1;
  background: #eef0f3; }
.trace th:first-child { z-index: 3; }
.trace td.changed { background: #fff0a8; font-weight: 700; }
.trace td.action { font-weight: 600; font-family: inherit; }
.trace tr.error td { background: #fbe3e6; }
.trace tr.loop td:first-child { box-shadow: inset 4px 0 0 #8a2be2; }
.trace tr.fold td { background: #f3f5fb; }
.trace tr.fold td.changed { background: #fff0a8; }
.trace details summary { cursor: pointer; }
.trace details table { margin: 4px 0 2px; font-weight: 400; }
.note-ok { color: var(--ok); font-weight: 600; }
.note-bad { color: var(--bad); font-weight: 600; }
.why td:last-child { font-weight: 700; }
.why tr:first-child td { background: #fbe3e6; }
.dead td { background: #fbe3e6; }
.bar { display: inline-block; height: 10px; background: #6b8fc7; vertical-align: middle; }
.note { color: var(--muted); font-style: italic; }
footer { margin-top: 48px; color: var(--muted); font-size: 13px; }
table.verdicts, table.facts, table.why, table.coverage { display: block; width: fit-content;
  max-width: 100%;
  overflow-x: auto; }
h1, h2, h3, p, nav, div.mono { overflow-wrap: break-word; }
"""


_esc = html_text


def property_anchor(index: int) -> str:
    """The id of a property's section (by position: names may hold any character)."""
    return f"property-{index + 1}"


def _status_class(p: PropertyResult) -> str:
    """The verdict's colour, as in the pictures: red for a property false (violated,
    unreached), green for one true; the expectation is said beside it (_verdict)."""
    if p.status in ("unknown", "skipped"):
        return "unknown"
    return "bad" if p.status in ("violated", "unreached") else "good"


def _verdict(p: PropertyResult) -> str:
    """The verdict and, as in the text report and the pictures, `(as expected)` or
    `(expected to hold)` beside it."""
    out = f'<span class="status {_status_class(p)}">{_STATUS[p.status]}</span>'
    note = expectation_note(p)
    if note:
        out += f' <span class="{"note-ok" if p.as_expected else "note-bad"}">({_esc(note)})</span>'
    return out


def _expectation(p: PropertyResult) -> str:
    if p.measure is not None and p.status != "unknown":
        if p.expected is None:
            return f"measured {p.measure.text}"
        return "as expected" if p.as_expected else f"expected {p.expected}"
    if p.status == "unknown":
        return "not decided"
    if p.status == "skipped":
        return "not run"
    if not p.as_expected:
        want = p.expected or "holds"
        return f"expected to {'hold' if want == 'holds' else 'fail'}"
    return "as expected"


def _fmt_time(step: Step) -> str:
    return step.time_label(" s") or ""


def render_html(report: Report, pictures: Mapping[str, str] | None = None,
                command: str | None = None, graph_svg: str | None = None,
                notes: tuple[str, ...] = (),
                timings: Sequence[tuple[str, float]] = ()) -> str:
    """The report as one HTML page. `pictures` maps property names to their swimlane SVG;
    `command` is the command line that reproduces the run; `graph_svg` the state graph;
    `notes` say what is missing and why (e.g. graphviz not installed); `timings` where the
    time of the run went, phase by phase (seconds; the text and JSON reports, which must
    not depend on the run, have none)."""
    pictures = pictures or {}
    out: list[str] = []
    emit = out.append
    out.extend(page_head(f"{report.spec}: {_OUTCOME.get(report.outcome, report.outcome)}"
                         " \u2014 tock", _CSS))
    emit(f"<h1>{_esc(report.spec)}</h1>")
    emit(f'<div class="muted mono">{_esc(report.file)}</div>')
    emit(f'<div class="banner {_esc(report.outcome)}" id="outcome">'
         f"{_esc(_OUTCOME.get(report.outcome, report.outcome))}</div>")
    traced = [(k, p) for k, p in enumerate(report.properties) if p.trace is not None
              or (p.message and p.status != "holds")]
    links = ['<a href="#verdicts">Verdicts</a>', '<a href="#run">Run</a>']
    links += [f'<a href="#{property_anchor(k)}">{_esc(p.name)}</a>' for k, p in traced]
    if graph_svg:
        links.append('<a href="#state-graph">State graph</a>')
    links.append('<a href="#coverage">Coverage</a>')
    if report.disabled:
        links.append('<a href="#disabled-actions">Disabled actions</a>')
    emit(f"<nav>{''.join(links)}</nav>")
    for note in notes:
        emit(f'<p class="note">{_esc(note)}</p>')
    _verdicts(report, traced, emit)
    _run(report, command, emit, timings)
    for k, p in traced:
        _property(report, k, p, pictures.get(p.name), emit, pictures)
    if graph_svg:
        emit('<h2 id="state-graph">State graph</h2>')
        emit('<p class="muted">Every reachable state, scaled to fit; initial states have an '
             "arrow from nowhere; the first trace is drawn in red. Hover over a state for its "
             "full valuation; <code>tock graph</code> draws it full size.</p>")
        emit(f'<div class="picture graph">{inline_svg(graph_svg)}</div>')
    _coverage(report, emit)
    _disabled(report, emit)
    emit(f"<footer>{_esc(report.tool)} {_esc(report.version)} \u00b7 this page is "
         "self-contained: it loads nothing and runs no script.</footer>")
    emit("</main>")
    emit("</body>")
    emit("</html>")
    return "\n".join(out) + "\n"


def _verdicts(report: Report, traced: list[tuple[int, PropertyResult]], emit) -> None:  # noqa: ANN001
    has_trace = {k for k, _ in traced}
    emit('<h2 id="verdicts">Verdicts</h2>')
    emit('<table class="verdicts"><thead><tr><th>verdict</th><th>kind</th><th>property</th>'
         "<th>expectation</th><th>trace</th></tr></thead><tbody>")
    for k, p in enumerate(report.properties):
        link = ""
        if k in has_trace:
            steps = f"{len(p.trace)} steps" if p.trace is not None else "details"
            link = f'<a href="#{property_anchor(k)}">{_esc(steps)}</a>'
        emit(f'<tr><td>{_verdict(p)}</td>'
             f"<td>{_esc(p.kind)}</td><td class=\"mono\">{_esc(p.name)}</td>"
             f"<td>{_esc(_expectation(p))}</td><td>{link}</td></tr>")
    emit("</tbody></table>")


def _run(report: Report, command: str | None, emit,  # noqa: ANN001
         timings: Sequence[tuple[str, float]] = ()) -> None:
    s = report.stats
    emit('<h2 id="run">Run</h2>')
    if command:
        emit("<h3>Reproduce</h3>")
        emit(f'<pre class="command" id="command">{_esc(command)}</pre>')
    emit("<h3>Statistics</h3>")
    kind = "symbolic states (zones)" if s.symbolic else "states"
    rows = [
        ("spec file", f'<span class="mono">{_esc(report.file)}</span>'),
        ("engine", _esc(report.engine)),
    ]
    if report.constants:
        rows.append(("constants", '<span class="mono">' + ", ".join(
            f"{_esc(n)} = {_esc(v)}" for n, v in report.constants) + "</span>"))
    if report.options:
        rows.append(("options", '<span class="mono">' + ", ".join(
            f"{_esc(k)}={_esc(_opt(v))}" for k, v in report.options.items()) + "</span>"))
    rows += [
        (kind, f"{s.states:,}"),
        ("transitions", f"{s.transitions:,}"),
        ("depth", f"{s.depth:,}"),
        ("deadlock states", "not counted" if s.deadlocks is None else f"{s.deadlocks:,}"),
        ("exhaustive", "yes" if s.exhaustive else "no: a bound stopped the search"),
        ("time", f"{s.seconds:.2f} s"),
    ]
    if timings:
        rows.append(("time by phase", "<br>".join(
            f"{_esc(label)}: {seconds:.2f} s" for label, seconds in timings)))
    if report.stop_reason:
        rows.append(("stopped", _esc(stop_reason_text(report.stop_reason))))
    if boundary_text(report) is not None:
        rows.append(("boundary", _esc(boundary_text(report) or "")))
    if liveness_text(report) is not None:
        rows.append(("liveness", _esc(liveness_text(report) or "")))
    for p in report.properties:
        if p.warning is not None:
            rows.append(("warning", _esc(p.warning)))
    emit('<table class="facts"><tbody>')
    for name, value in rows:
        emit(f"<tr><td>{_esc(name)}</td><td>{value}</td></tr>")
    emit("</tbody></table>")


def _opt(value: object) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


def _property(report: Report, k: int, p: PropertyResult, svg: str | None, emit,  # noqa: ANN001
              pictures: Mapping[str, str] | None = None) -> None:
    kind = "" if p.kind == p.name else f"{_esc(p.kind)} "
    emit(f'<h2 id="{property_anchor(k)}">{kind}<span class="mono">{_esc(p.name)}'
         f'</span>: {_verdict(p)}</h2>')
    facts = []
    if p.message:
        facts.append(_esc(p.message))
    if p.location:
        facts.append(f'<span class="muted mono">{_esc(p.location)}</span>')
    facts.append(_esc(_expectation(p)))
    emit("<p>" + " \u00b7 ".join(facts) + "</p>")
    if p.why:
        emit("<h3>Why: its parts in the last state</h3>")
        emit('<table class="why"><tbody>')
        for text, value in p.why:
            emit(f'<tr><td class="mono">{_esc(text)}</td><td class="mono">{_esc(value)}</td></tr>')
        emit("</tbody></table>")
    if p.measure is not None:
        _measure_section(p, p.measure, pictures or {}, emit)
        return
    if p.trace is None:
        return
    if svg:
        emit("<h3>Swimlanes</h3>")
        emit(f'<div class="picture">{inline_svg(svg)}</div>')
    emit("<h3>Trace</h3>")
    emit('<p class="muted">One row per step; highlighted cells changed in that step (hover '
         "for the old value)." + (" The steps from the purple mark on repeat forever."
                                  if p.trace.loop_start is not None else "") + "</p>")
    _trace_table(p.trace, emit)


def _measure_section(p: PropertyResult, m: Measured, pictures: Mapping[str, str],
                     emit) -> None:  # noqa: ANN001
    """A timing query: its interval, then each end with the run that attains or approaches
    it (pictures: `NAME` for the upper end, `NAME.shortest` for the lower)."""
    emit(f'<p>Interval: <span class="mono"><b>{_esc(m.text)}</b></span> '
         f"({_esc(m.words)}){'' if m.exact else ' — not exact'}</p>")
    for title, end, upper, picture in (("Shortest", m.lo, False, f"{p.name}.shortest"),
                                       ("Longest", m.hi, True, p.name)):
        if end is None:
            continue
        words = m.describe(end, upper)
        emit(f"<h3>{title}: {_esc(words)}</h3>")
        if end.witness is None:
            continue
        svg = pictures.get(picture)
        if svg:
            emit(f'<div class="picture">{inline_svg(svg)}</div>')
        _trace_table(end.witness, emit)


def _trace_table(trace: Trace, emit) -> None:  # noqa: ANN001
    timed = any(step.time is not None for step in trace.steps)
    # every leaf any step shows, in order of first appearance (a dict: a list's `in` made
    # this quadratic, 12 s for a trace of 900 variables)
    leaves = list(dict.fromkeys(leaf for step in trace.steps for leaf, _ in step.values))
    head = ["step"] + (["time"] if timed else []) + ["action"] + leaves
    emit('<div class="scroll"><table class="trace"><thead><tr>'
         + "".join(f"<th>{_esc(h)}</th>" for h in head) + "</tr></thead><tbody>")
    for part in segments(trace):
        if isinstance(part, Fold):
            emit(_fold_row(trace, part, timed, leaves))
            continue
        k = part
        step = trace.steps[k]
        classes = []
        if step.error:
            classes.append("error")
        if trace.loop_start is not None and k >= trace.loop_start:
            classes.append("loop")
        row_class = f' class="{" ".join(classes)}"' if classes else ""
        if k == 0:
            action = "initial state"
        elif step.action is None:
            action = step.label or ""
        else:
            action = step.label or step.action
        if step.error:
            action += f" \u2014 fails: {step.error}"
        cells = [f"<td>{k if step.action is not None or k == 0 else ''}</td>"]
        if timed:
            cells.append(f"<td>{_esc(_fmt_time(step))}</td>")
        cells.append(f'<td class="action">{_esc(action)}</td>')
        cells += _value_cells(step, leaves)
        emit(f"<tr{row_class}>{''.join(cells)}</tr>")
    emit("</tbody></table></div>")


def _value_cells(step: Step, leaves: list[str]) -> list[str]:
    """One cell per leaf: its value after `step`, highlighted where the step changed it."""
    values = dict(step.values)
    old = {change.var: change.old_text for change in step.changes}
    cells = []
    for leaf in leaves:
        value = values.get(leaf, "")
        if leaf in old:
            cells.append(f'<td class="changed" title="was {_esc(old[leaf])}">{_esc(value)}</td>')
        else:
            cells.append(f"<td>{_esc(value)}</td>")
    return cells


def _fold_row(trace: Trace, fold: Fold, timed: bool, leaves: list[str]) -> str:
    """A run of identical steps as one row (the values after its last step), with every
    step of it behind a disclosure: its number, time and the values that differ from step
    to step (clocks that go on running)."""
    last = trace.steps[fold.last]
    steps = trace.steps[fold.first:fold.last + 1]
    values = [dict(step.values) for step in steps]
    first = values[0]
    varying = [leaf for leaf in leaves if any(v.get(leaf) != first.get(leaf) for v in values)]
    head = ["step"] + (["time"] if timed else []) + varying
    rows = []
    for k, (step, shown) in enumerate(zip(steps, values), fold.first):
        cells = [f"<td>{k}</td>"] + ([f"<td>{_esc(_fmt_time(step))}</td>"] if timed else [])
        cells += [f"<td>{_esc(shown.get(leaf, ''))}</td>" for leaf in varying]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    inner = ("<table><thead><tr>" + "".join(f"<th>{_esc(h)}</th>" for h in head)
             + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    action = (f"<details><summary>{_esc(last.label or last.action or '')} "
              f"{_esc(fold_words(fold))}</summary>{inner}</details>")
    classes = ["fold"]
    if trace.loop_start is not None and fold.last >= trace.loop_start:
        classes.append("loop")
    cells = [f"<td>{fold.first}\u2013{fold.last}</td>"]
    if timed:
        cells.append(f"<td>{_esc(span_text(trace, fold) or '')}</td>")
    cells.append(f'<td class="action">{action}</td>')
    cells += _value_cells(last, leaves)
    return f'<tr class="{" ".join(classes)}">{"".join(cells)}</tr>'


def _coverage(report: Report, emit) -> None:  # noqa: ANN001
    emit('<h2 id="coverage">Action coverage</h2>')
    if not report.coverage:
        emit('<p class="note">Not measured in this run (tock check --coverage, --html or '
             "--out measure it).</p>")
        return
    dead = [name for name, count in report.coverage if count == 0]
    blocked = {d.action for d in report.disabled} | {
        f"{d.process}.{d.action}" for d in report.disabled if d.process}
    if dead:
        where = "a reachable state" if report.stats.exhaustive else "the states explored"
        emit(f'<p><span class="status bad">{len(dead)} action'
             f"{'s' if len(dead) != 1 else ''} never fired</span>: "
             + ", ".join(f'<span class="mono">{_esc(name)}</span>' for name in dead) + ".")
        guarded = [name for name in dead if name not in blocked]
        if guarded:
            emit(" A dead action is usually a modelling mistake: the guard of "
                 + ", ".join(f'<span class="mono">{_esc(name)}</span>' for name in guarded)
                 + f" is never true in {where}.")
        if len(guarded) < len(dead):
            which = "The others have" if guarded else ("It has" if len(dead) == 1
                                                        else "Each has")
            emit(f" {which} a guard that holds, but a bound or a timeout blocks it (see "
                 '<a href="#disabled-actions">Disabled actions</a>).')
        emit("</p>")
    else:
        emit("<p>Every action fired in some reachable state.</p>")
    most = max(count for _, count in report.coverage) or 1
    emit('<table class="coverage"><thead><tr><th>action</th><th>transitions</th><th></th>'
         "</tr></thead><tbody>")
    for name, count in report.coverage:
        width = round(200 * count / most)
        row_class = ' class="dead"' if count == 0 else ""
        bar = f'<span class="bar" style="width:{width}px"></span>' if count else "never fired"
        emit(f'<tr{row_class}><td class="mono">{_esc(name)}</td><td class="num">{count:,}</td>'
             f"<td>{bar}</td></tr>")
    emit("</tbody></table>")


def _disabled(report: Report, emit) -> None:  # noqa: ANN001
    """The actions a bound or a timeout always blocks (checker.engine.blocked), with why;
    nothing when there are none."""
    if not report.disabled:
        return
    emit('<h2 id="disabled-actions">Disabled actions</h2>')
    emit(f'<p><span class="status bad">{len(report.disabled)} never fire</span>: each has a '
         "reachable state where its condition holds, but time always blocks it: a bound (or "
         "another timeout's deadline) stops time before its clock condition holds, the "
         "condition is already over, or the state it would lead to exceeds a bound.</p>")
    if not report.disabled_complete:
        emit(f'<p class="note">{_esc(PARTIAL_NOTE[0].upper() + PARTIAL_NOTE[1:])}.</p>')
    emit('<table class="coverage"><thead><tr><th>action</th><th>declared</th>'
         "<th>why it never fires</th></tr></thead><tbody>")
    for entry in report.disabled:
        why = "<br>".join(_esc(b.message) for b in entry.blockers)
        emit(f'<tr class="dead"><td class="mono">{_esc(disabled_label(entry))}</td>'
             f'<td class="mono">{_esc(entry.location)}</td><td>{why}</td></tr>')
    emit("</tbody></table>")
