"""The reports of `tock diff` (checker.compare): text, JSON (docs/diff.md), a two-column
swimlane in DOT with the divergence marked, and an HTML page. Pure and deterministic: the
same result gives the same bytes (the HTML too: it carries no run time).

Every name and value from the spec goes through `visible` (text), `quote`/`html` (DOT) or
`_esc` (HTML)."""

from __future__ import annotations

import json

from ..report import DIFF_VERSION, DiffResult, Direction, Divergence, Row, rows_iter
from .dot import html, quote
from .escape import html_text, page_head, visible
from .svg import inline_svg

__all__ = ["render_diff_text", "diff_data", "render_diff_json", "render_diff_dot",
           "render_diff_html", "outcome_line"]


def outcome_line(result: DiffResult) -> str:
    if result.outcome == "difference":
        sides = [d.allows for d in result.directions if d.status == "difference"]
        which = "both ways" if len(sides) == 2 else f"{sides[0]} has a behaviour " \
            f"{'right' if sides[0] == 'left' else 'left'} lacks"
        return f"DIFFERENCE: an observable difference ({which})"
    if result.outcome == "incomplete":
        depths = ", ".join(f"{d.allows}-only up to depth {d.depth}" if d.status ==
                           "incomplete" else f"{d.allows}-only: none"
                           for d in result.directions)
        return f"INCOMPLETE: no difference found ({depths}; the search stopped early)"
    return "NO OBSERVABLE DIFFERENCE: every run of each side is matched by the other"


def _constants(pairs: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{n} = {v}" for n, v in pairs) or "(the same constants)"


def _observed(result: DiffResult) -> str:
    parts = []
    if result.observed:
        parts.append(", ".join(result.observed))
    if result.observe_actions:
        parts.append("the actions (with arguments)")
    return "; ".join(parts) or "nothing"


def _row_text(row: Row | None) -> str:
    if row is None:
        return ""
    if row.index == 0:
        return "start: " + (", ".join(f"{n}={v}" for n, _o, v in row.changes) or "-")
    parts = []
    if row.hidden:
        parts.append(f"({_hidden(row)})")
    parts.append(row.action or "time passes")
    if row.changes:
        parts.append(", ".join(f"{n}: {o} -> {v}" for n, o, v in row.changes))
    return " ".join(parts)


def _hidden(row: Row) -> str:
    """The hidden steps before a row: their actions when few, else how many."""
    if len(row.hidden) <= 3:
        return "after hidden " + ", ".join(row.hidden)
    return f"after {len(row.hidden)} hidden steps"


def _when(row: Row | None) -> str:
    return "" if row is None or row.time is None else f"t={row.time}"


def _sentence(div: Divergence) -> str:
    if div.step == 0:
        return f"{div.allows} {div.event}; {div.lacks} cannot (its runs start otherwise)"
    same = f"the same up to step {div.step - 1}, then " if div.step > 1 else ""
    return f"{same}{div.allows} {div.event}; {div.lacks} cannot"


def render_diff_text(result: DiffResult) -> str:
    out = [f"tock diff {visible(result.spec)} ({visible(result.file)})",
           f"left       {visible(_constants(result.left))}",
           f"right      {visible(_constants(result.right))}",
           f"observed   {visible(_observed(result))}",
           f"time       {visible(result.time)}",
           f"exactness  {visible(result.exactness)}"]
    out += [f"note       {visible(note)}" for note in result.notes]
    out.append("")
    for d in result.directions:
        out += _direction_text(d)
    out.append(outcome_line(result))
    return "\n".join(out) + "\n"


def _direction_text(d: Direction) -> list[str]:
    head = f"{d.allows}-only ({d.allows} has, {d.lacks} lacks): "
    if d.status == "none":
        return [head + f"none ({d.pairs:,} pairs, exhaustive)", ""]
    if d.status == "incomplete" and d.stop_reason == "horizon":
        return [head + f"none found in runs up to the time horizon ({d.pairs:,} pairs)", ""]
    if d.status == "incomplete":
        return [head + f"none found up to depth {d.depth} ({d.pairs:,} pairs; stopped: "
                f"{d.stop_reason})", ""]
    div = d.divergence
    assert div is not None
    lines = [head + f"found at step {div.step} ({d.pairs:,} pairs)",
             f"  {visible(_sentence(div))}"]
    if div.instead:
        how = "starts instead with" if div.step == 0 else "can instead"
        lines.append(f"  {div.lacks} {how}: " + "; ".join(visible(i) for i in div.instead))
    lefts = [(_when(a), visible(_row_text(a)), visible(_row_text(b)), _when(b))
             for a, b in rows_iter(div)]
    width = max([len(div.allows)] + [len(t) + len(x) + 1 for t, x, _y, _u in lefts])
    lines.append(f"  step  {div.allows:<{width}}  | {div.lacks}")
    for k, (t, x, y, u) in enumerate(lefts):
        mark = "=>" if k == len(div.run) - 1 else "  "
        left = f"{t} {x}".strip()
        right = f"{u} {y}".strip() if y else ("(cannot)" if k == len(div.run) - 1 else "")
        lines.append(f"{mark}{k:>4}  {left:<{width}}  | {right}".rstrip())
    lines.append("")
    return lines


# ---------------------------------------------------------------------------- JSON


def _row_data(row: Row) -> dict[str, object]:
    return {"step": row.index, "time": row.time, "action": row.action,
            "hidden": list(row.hidden),
            "changes": [{"var": n, "old": None if row.index == 0 else o, "new": v}
                        for n, o, v in row.changes]}


def diff_data(result: DiffResult) -> dict[str, object]:
    def direction(d: Direction) -> dict[str, object]:
        div = d.divergence
        return {
            "allows": d.allows, "lacks": d.lacks, "status": d.status, "pairs": d.pairs,
            "depth": d.depth, "stop_reason": d.stop_reason,
            "divergence": None if div is None else {
                "step": div.step, "event": div.event, "time": div.time,
                "summary": _sentence(div), "instead": list(div.instead),
                "run": [_row_data(r) for r in div.run],
                "other": [_row_data(r) for r in div.other]}}

    return {"tool": "tock", "kind": "diff", "schema": DIFF_VERSION, "spec": result.spec,
            "file": result.file, "outcome": result.outcome,
            "left": dict(result.left), "right": dict(result.right),
            "observed": list(result.observed), "observe_actions": result.observe_actions,
            "time": result.time, "exactness": result.exactness, "notes": list(result.notes),
            "directions": [direction(d) for d in result.directions]}


def render_diff_json(result: DiffResult) -> str:
    return json.dumps(diff_data(result), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------- pictures


def render_diff_dot(result: DiffResult, div: Divergence, id_prefix: str = "") -> str:
    """Two columns, the allowing side on the left, one row per observable step; the
    divergent step in red, the other side's missing step a dashed 'cannot' box."""
    pre = f"{id_prefix}_" if id_prefix else ""
    out = ["digraph diff {", '  graph [rankdir=TB, nodesep=0.6, ranksep=0.25, '
           'fontname="Helvetica"];',
           '  node [shape=plain, fontname="Helvetica", fontsize=10];',
           '  edge [arrowsize=0.6, color="#5f6670"];']
    last = len(div.run) - 1
    head = {"allows": div.allows, "lacks": div.lacks}
    for col, name in (("a", head["allows"]), ("b", head["lacks"])):
        consts = result.left if name == "left" else result.right
        label = (f'<<TABLE BORDER="1" CELLBORDER="0" BGCOLOR="#dbe9f6" CELLPADDING="4">'
                 f"<TR><TD><B>{html(name)}</B></TD></TR><TR><TD>"
                 f'<FONT POINT-SIZE="9">{html(_constants(consts))}</FONT></TD></TR></TABLE>>')
        out.append(f"  {pre}{col}_head [id={quote(pre + col + '_head')}, label={label}];")
    rows = list(rows_iter(div))
    for k, (a, b) in enumerate(rows):
        for col, row in (("a", a), ("b", b)):
            node = f"{pre}{col}{k}"
            if row is None:
                if col == "b" and k == last:
                    label = ('<<TABLE BORDER="1" STYLE="dashed" CELLBORDER="0" COLOR="#b00020">'
                             f'<TR><TD><FONT COLOR="#b00020">{html(div.lacks)} cannot'
                             "</FONT></TD></TR></TABLE>>")
                else:
                    label = '<<TABLE BORDER="0"><TR><TD> </TD></TR></TABLE>>'
            else:
                label = _row_label(row, col == "a" and k == last)
            out.append(f"  {node} [id={quote(node)}, label={label}];")
    for col in ("a", "b"):
        chain = [f"{pre}{col}_head"] + [f"{pre}{col}{k}" for k in range(len(rows))]
        for x, y in zip(chain, chain[1:]):
            out.append(f"  {x} -> {y};")
    for k in range(len(rows)):
        out.append(f"  {{rank=same; {pre}a{k}; {pre}b{k};}}")
    out.append(f"  {{rank=same; {pre}a_head; {pre}b_head;}}")
    caption = html(_sentence(div))
    out.append(f'  {pre}caption [id={quote(pre + "caption")}, label=<<TABLE BORDER="0">'
               f'<TR><TD><FONT COLOR="#b00020"><B>{caption}</B></FONT></TD></TR>'
               f'<TR><TD><FONT POINT-SIZE="9">observed: {html(_observed(result))}'
               f'</FONT></TD></TR><TR><TD><FONT POINT-SIZE="9">time: {html(result.time)}'
               "</FONT></TD></TR></TABLE>>];")
    out.append(f"  {pre}a{len(rows) - 1} -> {pre}caption [style=invis];")
    out.append("}")
    return "\n".join(out) + "\n"


def _row_label(row: Row, diverges: bool) -> str:
    color = "#b00020" if diverges else "#3b6ea5"
    bg = "#fbe3e6" if diverges else "#ffffff"
    title = "start" if row.index == 0 else (row.action or "time passes")
    when = f" @ t={row.time} s" if row.time is not None else ""
    when_cell = f'<FONT POINT-SIZE="9">{html(when)}</FONT>' if when else ""
    cells = [f'<TR><TD ALIGN="LEFT"><B>{row.index}. {html(title)}</B>{when_cell}</TD></TR>']
    if row.hidden:
        cells.append(f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="8" COLOR="#5f6670">'
                     f"{html(_hidden(row))}</FONT></TD></TR>")
    for n, o, v in row.changes[:12]:
        text = f"{n} = {v}" if row.index == 0 else f"{n}: {o} \u2192 {v}"
        cells.append(f'<TR><TD ALIGN="LEFT"><FONT FACE="Courier" POINT-SIZE="9">'
                     f"{html(text)}</FONT></TD></TR>")
    return (f'<<TABLE BORDER="1" CELLBORDER="0" COLOR="{color}" BGCOLOR="{bg}" '
            f'CELLPADDING="2">{"".join(cells)}</TABLE>>')


# ---------------------------------------------------------------------------- HTML


_esc = html_text


_CSS = """
body { font: 15px/1.45 system-ui, Helvetica, Arial, sans-serif; color: #1d2329; margin: 0;
  background: #f6f7f9; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 64px; }
table { border-collapse: collapse; background: #fff; }
td, th { border: 1px solid #d0d4da; padding: 3px 8px; vertical-align: top; text-align: left; }
.mono, code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
.banner { margin: 14px 0; padding: 10px 14px; border-radius: 6px; font-weight: 600; }
.difference { background: #fbe3e6; color: #b00020; }
.same { background: #e3f3e4; color: #1b5e20; }
.incomplete { background: #fff1d6; color: #8a5a00; }
tr.diverges td { background: #fbe3e6; }
.picture svg { max-width: 100%; height: auto; }
"""


def render_diff_html(result: DiffResult, pictures: dict[str, str] | None = None,
                     command: str | None = None) -> str:
    """The diff as one self-contained HTML page (no script, no external resource);
    `pictures` maps "left-only"/"right-only" to their SVG."""
    pictures = pictures or {}
    cls = {"difference": "difference", "no difference": "same",
           "incomplete": "incomplete"}[result.outcome]
    out = page_head(f"{result.spec}: diff \u2014 tock", _CSS)
    out += [f"<h1>{_esc(result.spec)}: tock diff</h1>",
            f'<div class="mono">{_esc(result.file)}</div>',
            f'<div class="banner {cls}" id="outcome">{_esc(outcome_line(result))}</div>',
            '<section id="diff"><h2>What was compared</h2><table>']
    for key, value in (("left", _constants(result.left)), ("right", _constants(result.right)),
                       ("observed", _observed(result)), ("time", result.time),
                       ("exactness", result.exactness),
                       *(("note", note) for note in result.notes)):
        out.append(f"<tr><th>{key}</th><td>{_esc(value)}</td></tr>")
    if command:
        out.append(f'<tr><th>command</th><td class="mono">{_esc(command)}</td></tr>')
    out.append("</table>")
    for d in result.directions:
        name = f"{d.allows}-only"
        out.append(f'<h2 id="{name}">{name}: {_esc(d.allows)} has, {_esc(d.lacks)} lacks</h2>')
        if d.divergence is None:
            what = "none" if d.status == "none" else \
                f"none found up to depth {d.depth} (stopped: {d.stop_reason})"
            out.append(f"<p>{_esc(what)} ({d.pairs:,} pairs)</p>")
            continue
        div = d.divergence
        out.append(f"<p><b>{_esc(_sentence(div))}</b></p>")
        if div.instead:
            out.append(f"<p>{_esc(div.lacks)} can instead: "
                       f"{_esc('; '.join(div.instead))}</p>")
        out.append(f"<table><tr><th>step</th><th>{_esc(div.allows)}</th>"
                   f"<th>{_esc(div.lacks)}</th></tr>")
        for k, (a, b) in enumerate(rows_iter(div)):
            mark = ' class="diverges"' if k == len(div.run) - 1 else ""
            right = _row_text(b) if b is not None else (
                "(cannot)" if k == len(div.run) - 1 else "")
            out.append(f"<tr{mark}><td>{k}</td><td>{_esc((_when(a) + ' ' + _row_text(a)).strip())}"
                       f"</td><td>{_esc((_when(b) + ' ' + right).strip())}</td></tr>")
        out.append("</table>")
        if name in pictures:
            out.append(f'<div class="picture">{inline_svg(pictures[name])}</div>')
    out += ["</section>", "</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"
