"""The explorer's page (`tock explore`): one HTML document with its own inline style and
script, and the model's data as JSON in a `<script type="application/json">` element.

The script builds every element with the DOM API and puts every spec-derived string in with
`textContent` (or as an attribute value), never as markup; the JSON is written so that no
`<`, `>` or `&` appears in it, so no name can close its element. The Content-Security-Policy
allows only this page's own script (by its hash), inline style, and, for the served page,
fetches to the server it came from; nothing else loads. Served, the page asks the server
(checker.explore) to step; written with `--html`, it carries the whole reachable graph of a
small untimed model and steps by itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from .escape import visible

__all__ = ["render_explorer", "page_csp", "script_hash"]

_PALETTE = ("#dbe9f6", "#fde2c8", "#d9f0d3", "#f3d9ec", "#fff2b3", "#e0dcf3", "#d6eff0",
            "#f4dcd6")  # the lane colours of the swimlane pictures (checker.render.dot)

_CSS = """
:root { --line: #d0d4da; --muted: #5f6670; --ok: #1b5e20; --bad: #b00020; --hi: #fff0a8; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
  color: #1d2329; margin: 0; background: #f6f7f9; }
main { max-width: 1400px; margin: 0 auto; padding: 18px 24px 48px; }
h1 { font-size: 24px; margin: 0 0 2px; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 20px 0 8px; }
.mono, code, td.value, td.leaf { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 13px; }
.muted { color: var(--muted); }
.grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 0 28px; }
@media (max-width: 900px) { .grid { grid-template-columns: minmax(0, 1fr); } }
.grid > section { min-width: 0; }
.scroll { overflow-x: auto; max-width: 100%; }
.scroll.tall { max-height: 70vh; overflow-y: auto; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #eef0f3; font-weight: 600; white-space: nowrap; }
td.value, td.leaf { white-space: nowrap; }
td.changed { background: var(--hi); font-weight: 700; }
td.pname { overflow-wrap: anywhere; min-width: 12em; }
.bar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 10px 0; }
button { font: inherit; font-size: 14px; padding: 3px 10px; border: 1px solid #9aa3ad;
  border-radius: 5px; background: #fff; cursor: pointer; max-width: 100%;
  overflow-wrap: anywhere; text-align: left; }
button:hover:not(:disabled) { background: #e8f0fb; }
button:disabled { color: #9aa3ad; cursor: default; }
button.move { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
ul.moves, ol.history, ul.traces { list-style: none; padding: 0; margin: 0; }
ul.moves li, ul.traces li { margin: 3px 0; overflow-wrap: anywhere; }
ol.history li { margin: 1px 0; }
ol.history button { border: none; padding: 1px 6px; width: 100%; }
ol.history li.current button { background: #d7e6fa; font-weight: 700; }
ol.history li.after button { color: #8a929b; }
.lane { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px;
  margin-right: 6px; border: 1px solid #b9c0c8; }
.fails { color: var(--bad); }
.good { color: var(--ok); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.error { background: #fbe3e6; color: var(--bad); padding: 6px 10px; border-radius: 5px;
  overflow-wrap: anywhere; }
.note { color: var(--muted); font-style: italic; }
input[type=text] { font: inherit; width: 9em; padding: 2px 6px; }
table.lanes td { min-width: 7em; font-size: 13px; }
table.lanes td.step { white-space: nowrap; color: var(--muted); cursor: pointer; }
table.lanes td.act { font-weight: 600; }
table.lanes td .chg { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-weight: 400; font-size: 12px; white-space: nowrap; }
table.lanes td.other { border-style: dashed; }
table.lanes tr.current td { outline: 2px solid #3b6ea5; outline-offset: -2px; }
table.lanes tr.after td { opacity: 0.45; }
table.lanes tr.delay td.step { font-style: italic; }
.picture { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 6px;
  overflow: auto; max-height: 80vh; max-width: 100%; }
.picture img { display: block; max-width: none; }
.picture:empty { display: none; }
footer { margin-top: 36px; color: var(--muted); font-size: 13px; }
"""

_SCRIPT = r"""
(function () {
"use strict";
const DATA = JSON.parse(document.getElementById("tock-data").textContent);
const MODEL = DATA.model;
const GRAPH = DATA.graph || null;
const SERVED = !GRAPH;
const PALETTE = DATA.palette;
let path = ["0"], at = 0, view = null, traces = DATA.traces || null, picture = false;

function el(tag, cls, ...kids) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const k of kids) if (k !== null && k !== undefined) e.append(k);
  return e;
}
function button(text, onclick, cls, disabled) {
  const b = el("button", cls || "", text);
  b.type = "button";
  if (disabled) b.disabled = true; else b.addEventListener("click", onclick);
  return b;
}
function laneTag(name) {
  const t = el("span", "lane", name);
  const k = MODEL.lanes.indexOf(name);
  if (k >= 0) t.style.background = PALETTE[k % PALETTE.length];
  return t;
}
function byId(id) { return document.getElementById(id); }
function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }

// ------------------------------------------------------------ the view of a path
function staticView(p, want) {
  const entries = [], canon = [];
  let error = null, node = null;
  const first = p.length ? p[0] : "0";
  if (!/^\d+$/.test(first) || +first >= GRAPH.init.length) {
    error = "step 0: there is no initial state " + first;
  } else {
    node = GRAPH.init[+first];
    canon.push(first);
    const n = GRAPH.init.length;
    entries.push(entryOf(first, "initial", node,
      "initial state" + (n > 1 ? " " + (+first + 1) + " of " + n : ""), null));
    for (let i = 1; i < p.length; i++) {
      const enabled = GRAPH.nodes[node].moves.filter(m => m.target !== null);
      const t = p[i];
      if (!/^\d+$/.test(t) || +t >= enabled.length) {
        error = "step " + i + ": there is no enabled move " + t + " here (" +
          enabled.length + " enabled)";
        break;
      }
      const m = enabled[+t];
      node = m.target;
      canon.push(t);
      entries.push(entryOf(t, "action", node, m.label, m.lane));
    }
  }
  const out = {path: canon, error: error, entries: entries, moves: [], waits: [],
               delay: null, at: 0};
  if (!entries.length) return out;
  const k = want === null ? entries.length - 1 : Math.max(0, Math.min(want, entries.length - 1));
  out.at = k;
  let number = 0;
  for (const m of GRAPH.nodes[entries[k].node].moves) {
    out.moves.push({label: m.label, lane: m.lane, error: m.error,
                    token: m.target === null ? null : String(number++)});
  }
  return out;
}
function entryOf(token, kind, node, label, lane) {
  const n = GRAPH.nodes[node];
  return {token: token, kind: kind, node: node, label: label, lane: lane, time: null,
          values: n.values, clocks: [], resets: [], props: n.props};
}
function getView(p, want) {
  if (!SERVED) return Promise.resolve(staticView(p, want));
  const q = "/api/view?path=" + encodeURIComponent(p.join(",")) +
    (want === null ? "" : "&at=" + want);
  return fetch(q, {cache: "no-store"}).then(r => {
    if (!r.ok) return r.text().then(t => { throw new Error(t); });
    return r.json();
  });
}

// ------------------------------------------------------------ moving
function go(p, want) {
  return getView(p, want).then(v => {
    view = v;
    path = v.path.length ? v.path : ["0"];
    at = v.at;
    const hash = "#path=" + path.join(",") + "&at=" + at;
    if (location.hash !== hash) history.replaceState(null, "", hash);
    render();
  }).catch(err => showError(String(err.message || err)));
}
function choose(token) { return go(path.slice(0, at + 1).concat([token]), null); }
function jump(k) { return go(path, k); }
function showError(text) { const e = clear(byId("error")); e.append(el("div", "error", text)); }

// ------------------------------------------------------------ drawing
function render() {
  clear(byId("error"));
  if (view.error) showError(view.error);
  const e = view.entries[at];
  const prev = at > 0 ? view.entries[at - 1] : null;
  drawControls();
  drawState(e, prev);
  drawMoves();
  drawProps(e);
  drawHistory();
  drawLanes();
  drawTraces();
  if (picture) drawPicture();
  document.body.setAttribute("data-step", String(at));
  // whether something is wider than the page without its own scroll (the browser test)
  const root = document.documentElement;
  document.body.setAttribute("data-overflow", String(root.scrollWidth > root.clientWidth));
}
function drawControls() {
  const bar = clear(byId("controls"));
  bar.append(button("Restart", () => go([path[0]], null), "", false));
  bar.append(button("\u25c0 Back", () => jump(at - 1), "", at === 0));
  bar.append(button("Forward \u25b6", () => jump(at + 1), "", at >= view.entries.length - 1));
  bar.append(el("span", "muted", "step " + at + " of " + (view.entries.length - 1)));
  if (MODEL.initial > 1) {
    const sel = el("select", "");
    for (let k = 0; k < MODEL.initial; k++) {
      const o = el("option", "", "initial state " + (k + 1));
      o.value = String(k);
      if (String(k) === path[0]) o.selected = true;
      sel.append(o);
    }
    sel.addEventListener("change", () => go([sel.value], null));
    bar.append(sel);
  }
}
function drawState(e, prev) {
  const box = clear(byId("state"));
  const head = el("p", "", el("strong", "", e.label));
  if (e.time !== null) head.append(el("span", "muted", " \u00b7 time " + e.time));
  box.append(head);
  const old = new Map(prev ? prev.values : []);
  const t = el("table", "state");
  t.append(el("thead", "", el("tr", "", el("th", "", "variable"), el("th", "", "value"))));
  const body = el("tbody", "");
  for (const [leaf, v] of e.values) {
    const cell = el("td", "value", v);
    if (prev && old.get(leaf) !== v) {
      cell.classList.add("changed");
      cell.title = "was " + old.get(leaf);
    }
    body.append(el("tr", "", el("td", "leaf", leaf), cell));
  }
  t.append(body);
  box.append(el("div", "scroll tall", t));
  if (MODEL.timed) {
    const c = el("table", "clocks");
    c.append(el("thead", "", el("tr", "", el("th", "", "clock"), el("th", "", "value"))));
    const cb = el("tbody", "");
    for (const [name, v] of e.clocks) {
      const cell = el("td", "value", v);
      if (e.resets.indexOf(name) >= 0) { cell.classList.add("changed"); cell.title = "reset"; }
      cb.append(el("tr", "", el("td", "leaf", name), cell));
    }
    c.append(cb);
    box.append(el("h2", "", "Clocks"), el("div", "scroll", c));
  }
}
function drawMoves() {
  const box = clear(byId("moves"));
  const list = el("ul", "moves");
  let enabled = 0;
  for (const m of view.moves) {
    const li = el("li", "", laneTag(m.lane));
    if (m.token === null) {
      li.append(button(m.label, null, "move", true), el("span", "fails", " fails: " + m.error));
    } else {
      enabled++;
      li.append(button(m.label, () => choose(m.token), "move", false));
    }
    list.append(li);
  }
  if (!enabled) {
    const stuck = MODEL.timed && view.delay && view.delay.max === "0s" && !view.delay.strict;
    box.append(el("p", "note", stuck ?
      "No action is enabled and a bound stops time: a timelock." : MODEL.timed ?
      "No action is enabled now." :
      "No action is enabled: the run ends here (a deadlock, unless the spec allows it)."));
  }
  box.append(list);
  if (!MODEL.timed || !view.delay) return;
  const form = el("form", "bar");
  const input = el("input", "");
  input.type = "text"; input.id = "delay"; input.placeholder = "1s, 500ms";
  input.setAttribute("aria-label", "delay");
  const submit = el("button", "", "wait");
  submit.type = "submit";
  form.append(el("strong", "", "Let time pass:"), input, submit,
              el("span", "muted", view.delay.text));
  form.addEventListener("submit", ev => {
    ev.preventDefault();
    const text = input.value.trim();
    if (text) choose("+" + text);
  });
  box.append(form);
  if (view.waits.length) {
    const w = el("ul", "moves");
    for (const h of view.waits) {
      const li = el("li", "", el("span", "mono", h.label),
        el("span", "muted", " enabled after " + (h.strict ? "more than " : "") + h.after + " "));
      if (h.token !== null) li.append(button("wait " + h.after, () => choose(h.token), "", false));
      w.append(li);
    }
    box.append(el("p", "muted", "Enabled after a delay:"), w);
  }
}
function drawProps(e) {
  const box = clear(byId("props"));
  if (!e.props.length) {
    box.append(el("p", "note", "The spec has no invariant or reachable."));
    return;
  }
  const t = el("table", "");
  t.append(el("thead", "", el("tr", "", el("th", "", "property"), el("th", "", "kind"),
                                el("th", "", "in this state"))));
  const body = el("tbody", "");
  for (const [name, kind, value, err] of e.props) {
    let text, cls;
    if (value === null) { text = "fails: " + err; cls = "bad"; }
    else if (kind === "invariant") {
      text = value ? "holds" : "VIOLATED";
      cls = value ? "good" : "bad";
    }
    else { text = value ? "reached here" : "not here"; cls = value ? "good" : "muted"; }
    body.append(el("tr", "", el("td", "mono pname", name), el("td", "", kind),
                   el("td", cls, text)));
  }
  t.append(body);
  box.append(el("div", "scroll", t));
}
function drawHistory() {
  const list = clear(byId("history"));
  view.entries.forEach((e, k) => {
    const li = el("li", k === at ? "current" : k > at ? "after" : "");
    li.append(button(k + ". " + e.label + (e.time !== null ? "  @ " + e.time : ""),
                     () => jump(k), "", false));
    list.append(li);
  });
}
function drawLanes() {
  const box = clear(byId("lanes"));
  const t = el("table", "lanes");
  const hr = el("tr", "", el("th", "", MODEL.timed ? "step / time" : "step"));
  MODEL.lanes.forEach((name, k) => {
    const th = el("th", "", name);
    th.style.background = PALETTE[k % PALETTE.length];
    hr.append(th);
  });
  t.append(el("thead", "", hr));
  const body = el("tbody", "");
  let prev = null;
  view.entries.forEach((e, k) => {
    const tr = el("tr", (k === at ? "current " : k > at ? "after " : "") + e.kind);
    const stepCell = el("td", "step", e.kind === "delay" ? e.label :
      String(k) + (e.time !== null ? " \u00b7 " + e.time : ""));
    stepCell.addEventListener("click", () => jump(k));
    tr.append(stepCell);
    const changes = new Map();
    const add = (lane, text) => {
      if (!changes.has(lane)) changes.set(lane, []);
      changes.get(lane).push(text);
    };
    if (prev) {
      const old = new Map(prev.values);
      for (const [leaf, v] of e.values) {
        if (old.get(leaf) !== v) add(laneOfLeaf(leaf), leaf + " = " + v);
      }
    }
    for (const r of e.resets) add(laneOfClock(r), "reset " + r);
    for (const name of MODEL.lanes) {
      const td = el("td", "");
      if (e.kind === "action" && e.lane === name) { td.className = "act"; td.append(e.label); }
      else if (changes.has(name)) td.className = "other";
      for (const c of changes.get(name) || []) td.append(el("div", "chg", c));
      tr.append(td);
    }
    body.append(tr);
    prev = e;
  });
  t.append(body);
  box.append(el("div", "scroll tall", t));
}
function laneOfLeaf(leaf) {
  return Object.prototype.hasOwnProperty.call(MODEL.leafLanes, leaf) ?
    MODEL.leafLanes[leaf] : "globals";
}
function laneOfClock(name) {
  let best = "globals";
  for (const lane of MODEL.lanes) if (name.startsWith(lane + ".")) best = lane;
  return best;
}
function drawTraces() {
  const box = clear(byId("traces"));
  if (!traces) return;
  if (traces.status === "off") box.append(el("p", "note", "Not checked."));
  if (traces.message) {
    box.append(el("p", traces.status === "error" ? "fails" : "muted", traces.message));
  }
  if (traces.status === "running") box.append(el("p", "note", "The check is running\u2026"));
  const list = el("ul", "traces");
  for (const tr of traces.traces) {
    const ok = tr.asExpected;
    const li = el("li", "", el("span", ok ? "good" : "bad", tr.status + " "),
      el("span", "mono", tr.name), el("span", "muted",
        " (" + tr.kind + ", " + tr.steps + " steps" +
        (tr.loop !== null ? ", a lasso" : "") + ") "));
    if (tr.path) li.append(button("load", () => go(tr.path, 0), "", false));
    else li.append(el("span", "note", "cannot be loaded: " + tr.problem));
    if (tr.message) li.append(el("div", "muted", tr.message));
    if (tr.failing) li.append(el("div", "fails", "ends in a failing step: " + tr.failing));
    list.append(li);
  }
  if (traces.status === "done" && !traces.traces.length) {
    box.append(el("p", "note", "No property has a trace."));
  }
  box.append(list);
  if (SERVED && traces.status !== "running") {
    box.append(button(traces.status === "off" ? "Run the check" : "Run the check again", () => {
      fetch("/api/check", {method: "POST"}).then(r => r.json())
        .then(d => { traces = d; drawTraces(); poll(); });
    }, "", false));
  }
}
function poll() {
  if (!SERVED) return;
  fetch("/api/traces", {cache: "no-store"}).then(r => r.json()).then(d => {
    traces = d;
    drawTraces();
    if (d.status === "running") setTimeout(poll, 1000);
  }).catch(() => {});
}
function drawPicture() {
  const box = clear(byId("picture-box"));
  const img = el("img", "");
  img.alt = "swimlane picture of the path";
  img.src = "/api/swimlane.svg?path=" + encodeURIComponent(path.join(",")) + "&at=" + at;
  box.append(img);
}

// ------------------------------------------------------------ start
function fromHash() {
  const h = location.hash.replace(/^#/, "");
  let p = ["0"], want = null;
  for (const part of h.split("&")) {
    const [k, v] = part.split("=");
    if (k === "path" && v) p = decodeURIComponent(v).split(",").filter(x => x);
    if (k === "at" && /^\d+$/.test(v || "")) want = +v;
  }
  return [p, want];
}
document.addEventListener("DOMContentLoaded", () => {
  if (SERVED) {
    const b = byId("picture-button");
    b.addEventListener("click", () => { picture = !picture; b.textContent = picture ?
      "Stop drawing the picture" : "Draw the swimlane picture (graphviz)";
      if (picture) drawPicture(); else clear(byId("picture-box")); });
    poll();
  }
  const [p, want] = fromHash();
  go(p, want);
});
})();
"""


def script_hash() -> str:
    """The CSP source that allows the page's script and nothing else."""
    digest = hashlib.sha256(_SCRIPT.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def page_csp(served: bool = True, header: bool = True) -> str:
    """The page's Content-Security-Policy: its own script, inline style, and (served)
    fetches and pictures from its own server only. `header`: as an HTTP header (a `<meta>`
    element cannot say frame-ancestors)."""
    connect, img = ("'self'", "'self' data:") if served else ("'none'", "data:")
    return (f"default-src 'none'; script-src {script_hash()}; style-src 'unsafe-inline'; "
            f"connect-src {connect}; img-src {img}; base-uri 'none'; form-action 'none'"
            + ("; frame-ancestors 'none'" if header else ""))


def _json_text(data: Any) -> str:
    """JSON that cannot end its `<script>` element or start markup: `<`, `>` and `&`
    written as escapes."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _esc(text: object) -> str:
    return (visible(str(text)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def render_explorer(model: dict[str, Any], graph: dict[str, Any] | None = None,
                    traces: dict[str, Any] | None = None) -> str:
    """The explorer page. `model` is checker.explore.Explorer.model_data(); with `graph`
    (Explorer.static_data) and `traces` the page is self-contained (no server)."""
    served = graph is None
    data: dict[str, Any] = {"model": model, "palette": list(_PALETTE)}
    if graph is not None:
        data["graph"] = graph
        data["traces"] = traces
    spec = _esc(model.get("spec", ""))
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        f'content="{_esc(page_csp(served, header=False))}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{spec}: explorer \u2014 tock</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{spec}</h1>",
        f'<div class="muted mono">{_esc(model.get("file", ""))}'
        + (" \u00b7 " + ", ".join(f"{_esc(n)} = {_esc(v)}" for n, v in model["constants"])
           if model.get("constants") else "") + "</div>",
        '<div id="error"></div>',
        '<div class="bar" id="controls"></div>',
        '<div class="grid">',
        '<section><h2>State</h2><div id="state"></div></section>',
        '<section><h2>Enabled actions</h2><div id="moves"></div>'
        '<h2>Properties in this state</h2><div id="props"></div>'
        '<h2>Counterexamples of the check</h2><div id="traces"></div></section>',
        "</div>",
        '<div class="grid">',
        '<section><h2>History</h2><div class="scroll tall"><ol class="history" id="history">'
        "</ol></div></section>",
        '<section><h2>Swimlanes</h2><div id="lanes"></div>'
        + ('<div class="bar"><button type="button" id="picture-button">Draw the swimlane '
           'picture (graphviz)</button></div><div class="picture" id="picture-box"></div>'
           if served else "") + "</section>",
        "</div>",
        '<noscript><p class="note">The explorer needs JavaScript.</p></noscript>',
        "<footer>tock explore \u00b7 "
        + ("served by tock on this machine only" if served else
           "a self-contained page: it loads nothing") + "</footer>",
        "</main>",
        f'<script type="application/json" id="tock-data">{_json_text(data)}</script>',
        f"<script>{_SCRIPT}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"
