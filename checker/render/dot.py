"""Pictures as graphviz DOT source: the swimlane diagram of a trace, and the reachable state
graph with a trace highlighted. Pure and deterministic: the same report gives the same DOT,
byte for byte (the goldens compare DOT, since SVG bytes depend on the graphviz version).

Every string that comes from the spec (names, values, expressions, file names) goes through
`quote` (DOT strings) or `html` (graphviz HTML-like labels); nothing else reaches the DOT.

Swimlanes: one column per process instance (`master`, `agent[1]`, `executor[1,2]`) plus one
for global variables and top-level actions, a time axis on the left, one row per step. A
step is a box on the lane of the process whose action fired, showing the action with its
arguments and what it changed in that lane; the other lanes it changed get a dashed box with
their changes and an arrow from the step. The property's verdict, with its parts and their
values in the last state, is the caption at the bottom; a lasso's cycle is bracketed on the
right.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence

from model import nodeclass

from ..report import PropertyResult, Report, Step, Trace, expectation_note
from .escape import visible
from .folds import Fold, fold_words, segments, span_text

__all__ = ["render_swimlanes", "render_state_graph", "lanes_of", "quote", "html",
           "safe_name", "GLOBAL_LANE", "match_trace", "measure_pictures"]

GLOBAL_LANE = "globals"

FONT = "Helvetica"
MONO = "Courier"
_PALETTE = ("#dbe9f6", "#fde2c8", "#d9f0d3", "#f3d9ec", "#fff2b3", "#e0dcf3", "#d6eff0",
            "#f4dcd6")
_BORDER = ("#3b6ea5", "#b8651b", "#3f7f35", "#94407a", "#8a7a12", "#5a4aa0", "#2f7f83",
           "#9b4b3a")
_MAX_VALUE = 40     # characters of a value shown in a picture (the tooltip has it all)
_MAX_INITIAL = 12   # initial values shown per lane


def quote(text: str) -> str:
    """A DOT double-quoted string. Backslashes are doubled so graphviz's escapes (\\N, \\l)
    never apply to spec text; newlines become graphviz's \\n; other control characters are
    shown escaped (XML, and so SVG, forbids them)."""
    text = text.replace("\r", "")
    text = "\n".join(visible(part) for part in text.split("\n"))
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\n", "\\n") + '"'


def html(text: str) -> str:
    """Text for a graphviz HTML-like label."""
    text = visible(text.replace("\n", " "))
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def safe_name(name: str) -> str:
    """A file or id fragment made of [A-Za-z0-9_.-] only (others become _)."""
    out = re.sub(r"[^A-Za-z0-9_.-]", "_", name).strip(".")
    return out or "_"


def _short(text: str, limit: int = _MAX_VALUE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _mono(chars: int, size: int = 9) -> str:
    """A minimum cell width for `chars` characters of monospace text: browsers draw the SVG's
    monospace text up to a tenth wider than graphviz measured it, so leave room."""
    return f' WIDTH="{int(chars * size * 0.68) + 4}"'


# ---------------------------------------------------------------------------- lanes


@nodeclass(frozen=True, slots=True)
class Lanes:
    """The columns of a swimlane picture and how leaves and steps map onto them."""

    names: tuple[str, ...]
    processes: dict[str, int]  # process name -> number of index parameters

    def of_leaf(self, leaf: str) -> str:
        for name in self.names:
            if name != GLOBAL_LANE and leaf.startswith(name + "."):
                return name
        return GLOBAL_LANE

    def of_step(self, step: Step) -> str:
        if step.process is None:
            return GLOBAL_LANE
        count = self.processes.get(step.process, 0)
        if count == 0:
            return step.process
        return f"{step.process}[{','.join(v for _, v in step.args[:count])}]"


def _is_marker(step: Step) -> bool:
    """A step that is no action of the spec: a scenario's `wait 30s`, or time passing at the
    end of a timed trace. It goes on the time axis, not on a lane."""
    return step.action is None or (step.process is None and not step.action.isidentifier())


def _instance_of_leaf(leaf: str, processes: dict[str, int]) -> str | None:
    for name, count in processes.items():
        if count == 0:
            if leaf.startswith(name + "."):
                return name
        else:
            match = re.match(re.escape(name) + r"\[([^\]]*)\]\.", leaf)
            if match:
                return f"{name}[{match.group(1)}]"
    return None


def lanes_of(report: Report, trace: Trace) -> Lanes:
    """Process instances in declaration order (instances in state order), then the global
    lane if the trace has global variables or top-level actions."""
    processes = {name: len(params) for name, params in report.processes}
    found: dict[str, list[str]] = {name: [] for name in processes}
    has_global = False
    leaves = [leaf for leaf, _ in trace.steps[0].values] if trace.steps else []
    for leaf in leaves:
        inst = _instance_of_leaf(leaf, processes)
        if inst is None:
            has_global = True
            continue
        owner = inst.split("[", 1)[0]
        if inst not in found[owner]:
            found[owner].append(inst)
    probe = Lanes((), processes)
    for step in trace.steps[1:]:
        if _is_marker(step):
            continue
        if step.process is None or step.process not in processes:
            has_global = True
            continue
        inst = probe.of_step(step)
        if inst not in found[step.process]:
            found[step.process].append(inst)
    names = [inst for name in processes for inst in found[name]]
    if has_global or not names:
        names.append(GLOBAL_LANE)
    return Lanes(tuple(names), processes)


def _local(leaf: str, lane: str) -> str:
    """A leaf's name within its lane: `agent[1].state` on lane agent[1] is `state`."""
    if lane != GLOBAL_LANE and leaf.startswith(lane + "."):
        return leaf[len(lane) + 1:]
    return leaf


# ---------------------------------------------------------------------------- swimlanes


def _attrs(**attrs: str) -> str:
    """DOT attributes; values are already quoted or HTML labels (<...>)."""
    return "[" + ", ".join(f"{k}={v}" for k, v in attrs.items()) + "]"


def _change_rows(changes: Sequence[tuple[str, str, str]], lane: str) -> list[str]:
    rows = []
    for leaf, old, new in changes:
        name, old, new = _short(_local(leaf, lane), 28), _short(old, 26), _short(new)
        rows.append(f'<TR><TD ALIGN="LEFT"{_mono(len(name) + len(old) + len(new) + 5)}>'
                    f'<FONT FACE="{MONO}" POINT-SIZE="9">{html(name)}: {html(old)} '
                    f"\u2192 <B>{html(new)}</B></FONT></TD></TR>")
    return rows


def _what(prop: PropertyResult) -> str:
    """`invariant mutex`; just `deadlock` where the kind is the name."""
    return prop.name if prop.kind == prop.name else f"{prop.kind} {prop.name}"


def _why_label(report: Report, prop: PropertyResult, trace: Trace) -> str:
    verdict = {"violated": "VIOLATED", "reached": "reached", "unreached": "UNREACHED",
               "holds": "holds", "unknown": "unknown", "skipped": "skipped",
               "measured": "measured"}[prop.status]
    color = "#b00020" if prop.status in ("violated", "unreached") else "#1b5e20"
    note = expectation_note(prop)
    after = ""
    if note:  # green when the verdict is what the spec expects, red when not
        after = (f'  <FONT POINT-SIZE="11" COLOR="{"#1b5e20" if prop.as_expected else "#b00020"}">'
                 f"({html(note)})</FONT>")
    rows = [f'<TR><TD ALIGN="LEFT" COLSPAN="2"><FONT POINT-SIZE="12" COLOR="{color}"><B>'
            f"{html(_what(prop))}: {verdict}</B></FONT>{after}</TD></TR>"]
    if prop.message:
        rows.append(f'<TR><TD ALIGN="LEFT" COLSPAN="2">{html(prop.message)}</TD></TR>')
    if prop.why:
        rows.append('<TR><TD ALIGN="LEFT" COLSPAN="2"><I>why, in the last state:</I></TD></TR>')
        for k, (text, value) in enumerate(prop.why):
            mark = ' BGCOLOR="#fbe3e6"' if k == 0 else ""
            text, value = _short(text, 90), _short(value, 90)  # a binding, a lasso: long
            rows.append(f'<TR><TD ALIGN="LEFT"{mark}{_mono(len(text) + 1)}>'
                        f'<FONT FACE="{MONO}" POINT-SIZE="9">{html(text)}</FONT></TD>'
                        f'<TD ALIGN="LEFT"{mark}{_mono(len(value))}>'
                        f'<FONT FACE="{MONO}" POINT-SIZE="9"><B>{html(value)}</B></FONT></TD></TR>')
    where = f"{report.spec}  ({prop.location})" if prop.location else report.spec
    rows.append(f'<TR><TD ALIGN="LEFT" COLSPAN="2"><FONT POINT-SIZE="9" COLOR="#555555">'
                f"{html(where)}</FONT></TD></TR>")
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
            + "".join(rows) + "</TABLE>>")


def _axis_time(step: Step, bold: bool = False) -> str:
    """`t = 75 s` for the time axis; an open time adds its words below."""
    text = f"t = {html(step.shown_time or '')} s"
    if bold:
        text = f"<B>{text}</B>"
    if step.shown_open:
        text += f'<BR/><FONT POINT-SIZE="8">{html(step.shown_open)}</FONT>'
    return text


def _end_leaves(prop: PropertyResult, trace: Trace) -> list[tuple[str, str, bool]]:
    """The leaves the end row shows, (leaf, final value, constant along the trace): those
    the property reads; for one that reads none (a deadlock, a scenario), those the trace
    changed."""
    final = dict(trace.steps[-1].values)
    changed = {c.var for step in trace.steps for c in step.changes}
    wanted = [leaf for leaf in prop.reads if leaf in final]
    if not wanted:
        wanted = [leaf for leaf, _ in trace.steps[-1].values if leaf in changed]
    first = dict(trace.steps[0].values)  # a clock no step resets still moves with time
    return [(leaf, final[leaf], leaf not in changed and first.get(leaf) == final[leaf])
            for leaf in wanted]


def render_swimlanes(report: Report, prop: PropertyResult, id_prefix: str = "") -> str:
    """The swimlane picture of `prop`'s trace as DOT. `id_prefix` makes the SVG ids unique
    when several pictures share one HTML page."""
    trace = prop.trace
    if trace is None or not trace.steps:
        raise ValueError(f"property {prop.name} has no trace")
    lanes = lanes_of(report, trace)
    col = {name: k for k, name in enumerate(lanes.names)}
    timed = any(step.time is not None for step in trace.steps)
    pre = safe_name(id_prefix) + "_" if id_prefix else ""
    out: list[str] = []
    emit = out.append
    emit(f"digraph {quote(pre + 'swimlanes')} {{")
    emit(f"  graph {_attrs(id=quote(pre + 'swimlanes'), rankdir='TB', newrank='true', nodesep='0.3', ranksep='0.22', fontname=quote(FONT), fontsize='10', labelloc='b', labeljust='l', tooltip=quote(f'{report.spec}: {prop.name}'), label=_why_label(report, prop, trace))};")  # noqa: E501
    emit(f"  node [fontname={quote(FONT)}, fontsize=\"10\", shape=\"plain\"];")
    emit("  edge [arrowsize=\"0.6\"];")

    def node(name: str, lane: int, **attrs: str) -> None:
        attrs = {"id": quote(pre + name), "group": quote(f"lane{lane}"), **attrs}
        emit(f"  {name} {_attrs(**attrs)};")

    def point(name: str, lane: int) -> None:
        node(name, lane, shape='"point"', width='"0.01"', height='"0.01"',
             color='"#b0b0b0"', label='""')

    def values_box(name: str, k: int, lines: list[tuple[str, str]], tip: str,
                   **style: str) -> None:
        """A box of `name = value` lines (text, colour) on lane k."""
        cells = "".join(
            f'<TR><TD ALIGN="LEFT"{_mono(len(line))}>'
            f'<FONT FACE="{MONO}" POINT-SIZE="9" COLOR="{color}">{html(line)}</FONT></TD></TR>'
            for line, color in lines)
        node(name, k, shape='"box"', **style, margin='"0.05"',
             label=f'<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1">{cells}</TABLE>>',
             tooltip=quote(tip))

    rows: list[list[str]] = []   # node names per row, left to right (axis first)
    row_of: dict[int, int] = {}  # step index -> its row (a folded step: its fold's row)
    # the header row: the time axis title and one box per lane
    header = ["axis_h"]
    node("axis_h", -1, label=f'<<B>{"time" if timed else "step"}</B>>')
    for name, k in col.items():
        fill, border = _PALETTE[k % len(_PALETTE)], _BORDER[k % len(_BORDER)]
        node(f"h{k}", k, shape='"box"', style='"rounded,filled"', fillcolor=quote(fill),
             color=quote(border), penwidth='"1.5"', margin='"0.15,0.06"', width='"1.4"',
             label=f"<<B>{html(name)}</B>>", tooltip=quote(f"lane {name}"))
        header.append(f"h{k}")
    rows.append(header)
    # the initial state, lane by lane (what the property reads is never cut)
    reads = set(prop.reads)
    first = trace.steps[0]
    by_lane: dict[str, list[tuple[str, str]]] = {name: [] for name in lanes.names}
    for leaf, value in first.values:
        by_lane[lanes.of_leaf(leaf)].append((leaf, value))
    row = ["a0"]
    axis_text = "initial" + (f"<BR/>{_axis_time(first)}" if timed and first.time is not None
                             else "")
    node("a0", -1, label=f"<{axis_text}>")
    for name, k in col.items():
        values = by_lane[name]
        if not values:
            point(f"c0_{k}", k)
        else:
            shown = [(leaf, value) for n, (leaf, value) in enumerate(values)
                     if n < _MAX_INITIAL or leaf in reads]
            lines = [(f"{_short(_local(leaf, name), 28)} = {_short(value)}", "#444444")
                     for leaf, value in shown]
            if len(values) > len(shown):
                lines.append((f"\u2026 {len(values) - len(shown)} more", "#444444"))
            full = "\n".join(f"{leaf} = {value}" for leaf, value in values)
            values_box(f"c0_{k}", k, lines, f"initial state of {name}:\n{full}",
                       style='"dashed"', color='"#b0b0b0"')
        row.append(f"c0_{k}")
    rows.append(row)
    row_of[0] = 1
    arrows: list[str] = []
    for part in segments(trace)[1:]:  # the initial state is drawn
        fold = part if isinstance(part, Fold) else None
        index = part.first if isinstance(part, Fold) else part
        step = trace.steps[part.last if isinstance(part, Fold) else part]
        for k in range(index, (fold.last if fold else index) + 1):
            row_of[k] = len(rows)
        axis = f"a{index}"
        row = [axis]
        if _is_marker(step):  # time passes, or a scenario waits
            text = f"{index}<BR/>" if step.action is not None else ""
            text += f"<I>{html(step.label or step.action or '')}</I>"
            if timed and step.time is not None:
                text += f"<BR/>{_axis_time(step)}"
            node(axis, -1, label=f'<<FONT COLOR="#555555">{text}</FONT>>')
            for k in col.values():
                point(f"c{index}_{k}", k)
                row.append(f"c{index}_{k}")
            rows.append(row)
            continue
        if fold is not None:
            span = span_text(trace, fold) if timed else None
            time_text = f"<BR/><B>t = {html(span)}</B>" if span else ""
            node(axis, -1, label=f"<{fold.first}\u2013{fold.last}{time_text}>")
        else:
            time_text = (f"<BR/>{_axis_time(step, bold=True)}"
                         if timed and step.time is not None else "")
            node(axis, -1, label=f"<{index}{time_text}>")
        actor = lanes.of_step(step)
        if actor not in col:  # cannot happen with lanes_of; keep the picture drawable
            actor = lanes.names[-1]
        changed: dict[str, list[tuple[str, str, str]]] = {}
        for change in step.changes:
            changed.setdefault(lanes.of_leaf(change.var), []).append(
                (change.var, change.old_text, change.new_text))
        for name, k in col.items():
            cell = f"c{index}_{k}"
            row.append(cell)
            if name == actor:
                border = _BORDER[k % len(_BORDER)]
                title = html(_short(step.label or step.action, 60))
                body = [f'<TR><TD ALIGN="LEFT"><B>{title}</B></TD></TR>']
                if fold is not None:
                    words = fold_words(fold)
                    body.append(f'<TR><TD ALIGN="LEFT"{_mono(len(words), 10)}>'
                                f'<FONT COLOR="{border}"><B>{html(words)}</B></FONT></TD></TR>')
                if step.error:
                    border = "#b00020"
                    body.append(f'<TR><TD ALIGN="LEFT"><FONT COLOR="#b00020" POINT-SIZE="9">'
                                f"fails: {html(_short(step.error, 70))}</FONT></TD></TR>")
                body += _change_rows(changed.get(name, []), name)
                if not step.changes and not step.error:
                    body.append('<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="#777777">'
                                "(no change)</FONT></TD></TR>")
                elif fold is not None and changed.get(name):
                    body.append('<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="8" COLOR="#777777">'
                                "each time</FONT></TD></TR>")
                if fold is not None:
                    tip = [f"steps {fold.first}..{fold.last}: {step.label or step.action} "
                           f"{fold_words(fold)}"]
                    span = span_text(trace, fold) if timed else None
                    if span:
                        tip[0] += f", t = {span}"
                else:
                    tip = [f"step {index}: {step.label or step.action}"]
                    if step.time is not None:
                        tip[0] += f" at t = {step.time_label()}"
                if step.error:
                    tip.append(f"fails: {step.error}")
                tip += [f"{c.var}: {c.old_text} -> {c.new_text}" for c in step.changes]
                shape = ({"shape": '"box3d"', "style": '"filled"'} if fold is not None
                         else {"shape": '"box"', "style": '"rounded,filled"'})
                node(cell, k, **shape, fillcolor='"white"',
                     color=quote(border), penwidth='"1.5"', margin='"0.06,0.04"',
                     label=f'<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1">'
                     f'{"".join(body)}</TABLE>>', tooltip=quote("\n".join(tip)))
            elif name in changed:
                body = _change_rows(changed[name], name)
                if fold is not None:
                    body.append('<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="8" COLOR="#777777">'
                                "each time</FONT></TD></TR>")
                where = (f"steps {fold.first}..{fold.last} each" if fold is not None
                         else f"step {index}")
                tip = [f"{where} changed {name}:"]
                tip += [f"{leaf}: {old} -> {new}" for leaf, old, new in changed[name]]
                node(cell, k, shape='"box"', style='"dashed,rounded"', color='"#777777"',
                     margin='"0.05,0.03"',
                     label=f'<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1">'
                     f'{"".join(body)}</TABLE>>', tooltip=quote("\n".join(tip)))
            else:
                point(cell, k)
        source = f"c{index}_{col[actor]}"
        for name in changed:
            if name == actor or name not in col:
                continue
            target = f"c{index}_{col[name]}"
            ids = quote(f"{pre}e{index}_{col[name]}")
            # flat edges keep their left-to-right order: draw right-to-left ones reversed
            if col[name] > col[actor]:
                arrows.append(f"  {source} -> {target} [id={ids}, color=\"#555555\", "
                              "constraint=\"false\"];")
            else:
                arrows.append(f"  {target} -> {source} [id={ids}, dir=\"back\", "
                              "color=\"#555555\", constraint=\"false\"];")
        rows.append(row)
    # the end: the last state of what the property reads (constants along the trace grey)
    end = _end_leaves(prop, trace)
    step_rows = len(rows) - 1  # the initial state and each step or fold
    if end and len(trace.steps) > 1:
        last = trace.steps[-1]
        row = ["a_end"]
        axis_text = "<B>end</B>" + (f"<BR/>{_axis_time(last)}" if timed and last.time is not None
                                    else "")
        node("a_end", -1, label=f"<{axis_text}>")
        bad = prop.status in ("violated", "unreached")
        fill = "#fdf0f2" if bad else "#eef7ee"
        edge = "#c9a0a8" if bad else "#9fc49f"
        for name, k in col.items():
            mine = [(leaf, value, constant) for leaf, value, constant in end
                    if lanes.of_leaf(leaf) == name]
            if not mine:
                point(f"c_end_{k}", k)
            else:
                lines = [(f"{_short(_local(leaf, name), 28)} = {_short(value)}"
                          + ("  (unchanged)" if constant else ""),
                          "#777777" if constant else "#1d2329")
                         for leaf, value, constant in mine[:_MAX_INITIAL]]
                if len(mine) > _MAX_INITIAL:
                    lines.append((f"\u2026 {len(mine) - _MAX_INITIAL} more", "#777777"))
                tip = "\n".join([f"{name} at the end:"] + [
                    f"{leaf} = {value}" + (" (unchanged along the trace)" if constant else "")
                    for leaf, value, constant in mine])
                values_box(f"c_end_{k}", k, lines, tip, style='"filled"',
                           fillcolor=quote(fill), color=quote(edge))
            row.append(f"c_end_{k}")
        rows.append(row)
    if step_rows > 15:  # long pictures repeat the lane names at the bottom
        footer = ["axis_f"]
        node("axis_f", -1, label='""')
        for name, k in col.items():
            node(f"f{k}", k, shape='"box"', style='"rounded,filled"',
                 fillcolor=quote(_PALETTE[k % len(_PALETTE)]),
                 color=quote(_BORDER[k % len(_BORDER)]), margin='"0.15,0.06"',
                 width='"1.4"', label=f"<<B>{html(name)}</B>>")
            footer.append(f"f{k}")
        rows.append(footer)
    # a lasso's cycle: a bracket right of the last lane, from loop_start to the last step
    bracket: list[str] = []
    if trace.loop_start is not None and 0 <= trace.loop_start < len(trace.steps):
        first_row, last_row = row_of[trace.loop_start], row_of[len(trace.steps) - 1]
        named: dict[int, int] = {}  # row -> the first step in it, which names its mark
        for k in range(len(trace.steps) - 1, -1, -1):
            named[row_of[k]] = k
        cycle = '<<FONT COLOR="#8a2be2"><B>cycle</B><BR/>repeats<BR/>forever</FONT>>'
        for r in range(first_row, last_row + 1):
            name = f"loop{named[r]}"
            if r == first_row:
                attrs = _attrs(id=quote(pre + name), group='"loop"', shape='"plain"',
                               label=cycle)
            else:
                attrs = _attrs(id=quote(pre + name), group='"loop"', shape='"point"',
                               width='"0.01"', height='"0.01"', color='"#8a2be2"')
            emit(f"  {name} {attrs};")
            rows[r].append(name)
        for r in range(first_row, last_row):
            tail = ', dir="back", arrowtail="normal"' if r == first_row else ""
            bracket.append(f'  loop{named[r]} -> loop{named[r + 1]} [color="#8a2be2", '
                           'penwidth="2.5", '
                           f'weight="100", arrowhead="none"{tail}];')
    # rows: same rank, kept left to right by invisible edges
    for row in rows:
        emit("  { rank=same; " + "; ".join(row) + "; }")
        emit("  " + " -> ".join(row) + " [style=\"invis\"];")
    # lifelines: each column's nodes top to bottom
    columns = len(lanes.names) + 1
    for c in range(columns):
        chain = [row[c] for row in rows]
        for a, b in zip(chain, chain[1:]):
            style = 'style="invis"' if c == 0 else 'color="#b0b0b0", arrowhead="none"'
            emit(f"  {a} -> {b} [{style}, weight=\"100\"];")
    out.extend(bracket)
    out.extend(arrows)
    emit("}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------- state graph


def match_trace(graph, trace: Trace) -> list[int]:  # noqa: ANN001
    """The graph nodes a trace runs through: a path from an initial node whose nodes agree
    with the trace's states on the node's variables and whose edges carry the trace's
    actions. Empty when there is none (the graph and the trace come from different runs)."""
    if not trace.steps:
        return []
    steps = [trace.steps[0]] + [step for step in trace.steps[1:]
                                if not _is_marker(step) and step.error is None]

    def fits(n: int, step: Step) -> bool:
        state = graph.nodes[n]["state"]
        values = dict(step.values)
        return all(values.get(leaf, value) == value for leaf, value in state.items())

    layers: list[list[int]] = [[n for n in sorted(graph.nodes)
                                if graph.nodes[n].get("initial") and fits(n, steps[0])]]
    back: list[dict[int, int]] = [{}]
    for step in steps[1:]:
        nxt: dict[int, int] = {}
        for a in layers[-1]:
            for b in sorted(graph.successors(a)):
                if b in nxt or not fits(b, step):
                    continue
                if step.label is not None and step.label not in graph.edges[a, b]["actions"]:
                    continue
                nxt[b] = a
        if not nxt:
            return []
        layers.append(sorted(nxt))
        back.append(nxt)
    path = [layers[-1][0]]
    for k in range(len(layers) - 1, 0, -1):
        path.append(back[k][path[-1]])
    path.reverse()
    return path


def _varying(graph) -> list[str]:  # noqa: ANN001
    """The leaves whose value differs between some nodes (the others say nothing)."""
    seen: dict[str, str] = {}
    varying: dict[str, None] = {}
    for n in sorted(graph.nodes):
        for leaf, value in graph.nodes[n]["state"].items():
            if leaf not in seen:
                seen[leaf] = value
            elif seen[leaf] != value:
                varying[leaf] = None
    return [leaf for leaf in seen if leaf in varying]


def _compact(state: dict[str, str], leaves: Sequence[str]) -> list[str]:
    """`name=value` parts for a node label, with the leaves of one array written together:
    `fork[*]=0,1,0` for fork[0], fork[1], fork[2] (the tooltip has them one by one)."""
    groups: dict[str, list[str]] = {}
    for leaf in leaves:
        if leaf in state:
            groups.setdefault(re.sub(r"\[[^\]]*\]", "[*]", leaf), []).append(leaf)
    parts = []
    for key, members in groups.items():
        name = members[0] if len(members) == 1 else key
        parts.append(f"{name}={','.join(_short(state[m], 16) for m in members)}")
    return parts


def _wrap(parts: Iterable[str], width: int = 44, lines: int = 6) -> list[str]:
    out: list[str] = []
    current = ""
    for part in parts:
        if current and len(current) + 2 + len(part) > width:
            out.append(current)
            current = part
        else:
            current = f"{current}, {part}" if current else part
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines - 1] + ["\u2026"]
    return out


def render_state_graph(graph, title: str, path: Sequence[int] = (),  # noqa: ANN001
                       id_prefix: str = "") -> str:
    """The state graph as DOT: initial states with an arrow from nowhere, each node labelled
    with its number and the values of the variables that vary (the full valuation is its
    tooltip), edges labelled with their actions, `path` (nodes) drawn in red."""
    pre = safe_name(id_prefix) + "_" if id_prefix else ""
    varying = _varying(graph)
    on_path = set(path)
    path_edges = set(zip(path, path[1:]))
    last = path[-1] if path else None
    out: list[str] = []
    emit = out.append
    emit(f"digraph {quote(pre + 'states')} {{")
    emit(f"  graph [id={quote(pre + 'states')}, rankdir=\"TB\", fontname={quote(FONT)}, "
         f"fontsize=\"11\", labelloc=\"t\", label={quote(title)}, nodesep=\"0.25\", "
         "ranksep=\"0.35\"];")
    emit(f"  node [fontname={quote(FONT)}, fontsize=\"9\", shape=\"box\", style=\"rounded\", "
         "margin=\"0.08,0.03\"];")
    emit(f"  edge [fontname={quote(FONT)}, fontsize=\"8\", arrowsize=\"0.6\", "
         "color=\"#666666\", fontcolor=\"#444444\"];")
    for n in sorted(graph.nodes):
        data = graph.nodes[n]
        state = data["state"]
        parts = _compact(state, varying)
        lines = [f"<B>{n}</B>"] + [html(line) for line in _wrap(parts)]
        if data.get("zone"):
            lines.append(f'<FONT COLOR="#555555">{html(_short(str(data["zone"]), 60))}</FONT>')
        tip = [f"state {n}" + (" (initial)" if data.get("initial") else "")]
        tip += [f"{leaf} = {value}" for leaf, value in state.items()]
        if data.get("zone"):
            tip.append(f"zone: {data['zone']}")
        attrs = {"id": quote(f"{pre}n{n}"), "label": "<" + "<BR/>".join(lines) + ">",
                 "tooltip": quote("\n".join(tip))}
        if data.get("initial"):
            attrs["penwidth"] = '"2"'
        if n in on_path:
            attrs["color"] = '"#c62828"'
            attrs["style"] = '"rounded,filled"'
            attrs["fillcolor"] = '"#fde0e0"'
        if n == last:
            attrs["peripheries"] = '"2"'
            attrs["penwidth"] = '"2"'
        emit(f"  n{n} {_attrs(**attrs)};")
        if data.get("initial"):
            emit(f"  start{n} [id={quote(f'{pre}start{n}')}, shape=\"point\", width=\"0.08\", "
                 "label=\"\"];")
            emit(f"  start{n} -> n{n} [id={quote(f'{pre}s{n}')}];")
    for a, b in sorted(graph.edges):
        actions = list(graph.edges[a, b].get("actions") or [graph.edges[a, b]["action"]])
        shown = actions[:3] + ([f"+{len(actions) - 3} more"] if len(actions) > 3 else [])
        attrs = {"id": quote(f"{pre}e{a}_{b}"), "label": quote("\n".join(
            _short(x) for x in shown)), "tooltip": quote("\n".join(actions))}
        if (a, b) in path_edges:
            attrs["color"] = '"#c62828"'
            attrs["fontcolor"] = '"#c62828"'
            attrs["penwidth"] = '"2.2"'
        emit(f"  n{a} -> n{b} {_attrs(**attrs)};")
    emit("}")
    return "\n".join(out) + "\n"


def measure_pictures(prop: PropertyResult) -> list[tuple[str, PropertyResult]]:
    """A timing query's extra swimlanes: the run of its lower end, as picture
    `NAME.shortest` (the upper end's run is the property's own trace, picture `NAME`)."""
    m = prop.measure
    if m is None or m.lo is None or m.lo.witness is None:
        return []
    how = "attained" if m.lo.closed else "approached from above"
    message = f"{m.text}: the shortest, {how}, by this run"
    return [(f"{prop.name}.shortest", dataclasses.replace(prop, trace=m.lo.witness,
                                                          message=message))]
