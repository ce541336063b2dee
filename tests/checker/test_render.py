"""Pictures and the HTML report: swimlane and state-graph DOT (goldens, since SVG bytes
depend on the graphviz version), SVGs that parse and name every lane and step, escaping of
hostile names, the CLI's --svg, --html, --out and `tock graph`."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest

import checker.cli as cli
from checker import Options, check
from checker.cli import main
from checker.render.dot import (
    GLOBAL_LANE,
    lanes_of,
    match_trace,
    render_state_graph,
    render_swimlanes,
)
from checker.render.html import render_html
from checker.render.svg import dot_to_svg, graphviz_available, inline_svg
from checker.report import Change, PropertyResult, Report, Stats, Step, Trace, format_time
from tests.helpers import hostile_spec, needs_dot

GOLDEN = "tests/golden/reports"
SVG = "{http://www.w3.org/2000/svg}"


# globals, a plain process, a process with one index and one with two, a top-level action
LANES = """spec lanes
type A = 1..2
type B = 1..2
var g: 0..5 = 0
var arr: [A] -> 0..3 = 0
process master {
  var view: [A] -> 0..3 = 0
  action look(a: A) when view[a] < arr[a] do { view[a] := arr[a] }
}
process agent[a: A] {
  var state: enum { up, down } = up
  action bump when arr[a] < 2 do { arr[a] := arr[a] + 1  g := g + 1 }
}
process executor[a: A, b: B] {
  var x: 0..2 = 0
  action go(k: 0..1) when x < 2 and k == 1 and g >= 2 do {
    x := x + k
    agent[a].state := down
  }
}
action reset_all when g == 5 do { g := 0 }
invariant small: g < 3 or executor[1,2].x == 0
allow deadlock
"""


def _golden(name: str, text: str, update: bool) -> None:
    path = os.path.join(GOLDEN, name)
    if update:
        os.makedirs(GOLDEN, exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    with open(path, encoding="utf-8") as handle:
        assert text == handle.read(), f"{path} differs (pytest --update-golden rewrites it)"


def _svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def _t(t: Fraction | int) -> tuple[float, None, str]:
    """A step's time, error (none) and exact time text, from an exact time."""
    return float(t), None, format_time(Fraction(t))


def _change(var: str, old: str, new: str) -> Change:
    return Change(var, old, new, old, new)


def synthetic(steps: int = 40, nodes: int = 7, loop: bool = True) -> Report:
    """A report with a 40-step timed trace over 8 lanes (node[1..7] and the globals), with
    a lasso, a failing last action and time passing at the end: everything a swimlane
    picture can show, at the size the picture must stay readable at."""
    values = {"leader": "0"}
    for n in range(1, nodes + 1):
        values[f"node[{n}].state"] = "idle"
        values[f"node[{n}].term"] = "0"
    out = [Step(None, None, (), (), None, dict(values), tuple(values.items()), (), *_t(0))]
    for k in range(1, steps + 1):
        n, m = (k * 3) % nodes + 1, (k * 5) % nodes + 1
        changes = []
        old, values[f"node[{n}].term"] = values[f"node[{n}].term"], str(k)
        changes.append(_change(f"node[{n}].term", old, str(k)))
        if m != n:
            old = values[f"node[{m}].state"]
            values[f"node[{m}].state"] = "follower" if old == "idle" else "idle"
            changes.append(_change(f"node[{m}].state", old, values[f"node[{m}].state"]))
        if k % 4 == 0:
            old, values["leader"] = values["leader"], str(n)
            changes.append(_change("leader", old, str(n)))
        error = "error[E501]: term := 41 is outside 0..40" if k == steps else None
        out.append(Step("elect", "node", (("n", str(n)), ("to", str(m))), (),
                        f"elect(n={n}, to={m})", dict(values), tuple(values.items()),
                        tuple(changes) if error is None else (), float(Fraction(3 * k, 2)), error,
                        format_time(Fraction(3 * k, 2))))
    out.append(Step(None, None, (), (), "(time passes)", dict(values), tuple(values.items()),
                    (), *_t(Fraction(3 * steps, 2) + 7)))
    trace = Trace(tuple(out), loop_start=steps - 5 if loop else None)
    prop = PropertyResult("one_leader", "invariant", "violated", None, False,
                          f"invariant one_leader is false after {steps} steps",
                          "synthetic.tock:9:1", trace,
                          (("leader == 0 and x < 1", "false"), ("leader", values["leader"])))
    return Report("synthetic", "synthetic.tock", (("N", str(nodes)),), {}, "explicit",
                  "violation", None, Stats(100, 300, steps, 0, 0.5, True), (prop,),
                  (("elect", 300), ("abdicate", 0)), (("node", ("n",)),))


# ------------------------------------------------------------------------- lanes


def test_lanes_are_process_instances_then_the_globals() -> None:
    report = check(LANES)
    prop = report.property("small")
    assert prop.status == "violated"
    lanes = lanes_of(report, prop.trace)
    assert lanes.names == ("master", "agent[1]", "agent[2]", "executor[1,1]",
                           "executor[1,2]", "executor[2,1]", "executor[2,2]", GLOBAL_LANE)
    assert lanes.of_leaf("executor[1,2].x") == "executor[1,2]"
    assert lanes.of_leaf("master.view[2]") == "master"
    assert lanes.of_leaf("arr[1]") == GLOBAL_LANE
    go = next(s for s in prop.trace.steps if s.action == "go")
    assert lanes.of_step(go) == "executor[1,2]"


def test_a_step_is_drawn_on_its_lane_with_arrows_to_the_lanes_it_changed() -> None:
    report = check(LANES)
    prop = report.property("small")
    dot = render_swimlanes(report, prop)
    steps = prop.trace.steps
    k = next(i for i, s in enumerate(steps) if s.action == "go")
    # lanes: master 0, agent[1] 1, ..., executor[1,2] 4, globals 7
    assert re.search(rf"c{k}_4 \[[^\n]*<B>go\(a=1, b=2, k=1\)</B>", dot)
    assert re.search(rf"c{k}_1 \[[^\n]*state: up \u2192 <B>down</B>", dot)  # the changed lane
    assert f"c{k}_1 -> c{k}_4 [id=\"e{k}_1\", dir=\"back\"" in dot  # arrow to a lane on the left
    bump = next(i for i, s in enumerate(steps) if s.action == "bump")
    assert f"c{bump}_{1 if steps[bump].args[0][1] == '1' else 2} -> c{bump}_7" in dot


def test_swimlanes_are_deterministic() -> None:
    first = check(LANES)
    second = check(LANES)
    assert render_swimlanes(first, first.property("small")) == \
        render_swimlanes(second, second.property("small"))


# ------------------------------------------------------------------------- goldens


@pytest.mark.parametrize("name, spec, constants, prop", [
    ("swimlanes_increment_fin.dot", "specs/conformance/increment.tock", {}, "fin"),
    ("swimlanes_fischer_mutex.dot", "specs/timed/fischer.tock", {"WAIT": "1s"}, "mutex"),
    ("swimlanes_phils_deadlock.dot", "specs/conformance/phils.tock", {}, "deadlock"),
    ("swimlanes_lanes_small.dot", LANES, {}, "small"),
])
def test_swimlane_golden(name: str, spec: str, constants: dict, prop: str,
                         update_golden: bool) -> None:
    report = check(spec, constants)
    _golden(name, render_swimlanes(report, report.property(prop), id_prefix="p1"),
            update_golden)


def test_swimlane_golden_lasso_error_and_time_passing(update_golden: bool) -> None:
    report = synthetic(steps=6, nodes=3)
    dot = render_swimlanes(report, report.properties[0])
    assert "cycle" in dot and "loop1 -> loop2" in dot
    assert "fails: error[E501]" in dot and "(time passes)" in dot
    _golden("swimlanes_synthetic_lasso.dot", dot, update_golden)


def test_state_graph_golden(update_golden: bool) -> None:
    report = check("specs/conformance/increment.tock")
    graph = report.graph()
    path = match_trace(graph, report.property("fin").trace)
    _golden("graph_increment_fin.dot", render_state_graph(graph, "increment: fin", path),
            update_golden)


# ------------------------------------------------------------------------- state graph


@pytest.mark.parametrize("spec, constants, prop", [
    ("specs/conformance/increment.tock", {}, "fin"),
    ("specs/conformance/phils.tock", {}, "deadlock"),
    ("specs/timed/fischer.tock", {"WAIT": "1s"}, "mutex"),  # the zone graph
])
def test_the_trace_is_a_path_of_the_graph(spec: str, constants: dict, prop: str) -> None:
    report = check(spec, constants)
    graph = report.graph()
    trace = report.property(prop).trace
    path = match_trace(graph, trace)
    assert len(path) == len(trace) + 1
    assert graph.nodes[path[0]]["initial"]
    labels = [s.label for s in trace.steps[1:] if s.action is not None]
    for (a, b), label in zip(zip(path, path[1:]), labels):
        assert label in graph.edges[a, b]["actions"]
    dot = render_state_graph(graph, "t", path)
    red = re.findall(r"n(\d+) -> n(\d+) \[[^\n]*color=\"#c62828\"", dot)
    assert [(int(a), int(b)) for a, b in red] == sorted(zip(path, path[1:]))


def test_a_trace_from_elsewhere_matches_nothing() -> None:
    graph = check("specs/conformance/increment.tock").graph()
    other = check("specs/conformance/phils.tock").property("deadlock").trace
    assert match_trace(graph, other) == []


def test_graph_nodes_are_compact_with_the_full_state_in_the_tooltip() -> None:
    report = check("specs/conformance/phils.tock")
    dot = render_state_graph(report.graph(), "phils", [])
    node0 = next(line for line in dot.splitlines() if line.startswith("  n0 ["))
    label = re.search(r"label=<(.*?)>, tooltip", node0).group(1)
    assert "fork[*]=0,0,0,0" in label  # an array's leaves together
    assert "phil[0].state = think" in node0  # the tooltip, one leaf per line
    assert 'peripheries' not in node0 and "start0 -> n0" in dot


# ------------------------------------------------------------------------- SVG


@needs_dot
def test_swimlane_svg_parses_and_names_every_lane_and_action() -> None:
    report = check(LANES)
    prop = report.property("small")
    texts = _svg_texts(dot_to_svg(render_swimlanes(report, prop)))
    for lane in lanes_of(report, prop.trace).names:
        assert lane in texts
    for step in prop.trace.steps[1:]:
        assert step.label in texts
    assert "invariant small: VIOLATED" in texts


@needs_dot
def test_forty_steps_on_eight_lanes_stay_readable() -> None:
    report = synthetic(steps=40, nodes=7)
    prop = report.properties[0]
    svg = dot_to_svg(render_swimlanes(report, prop))
    root = ET.fromstring(svg)
    width = float(root.get("width").removesuffix("pt"))
    height = float(root.get("height").removesuffix("pt"))
    # drawn at full size (graphviz did not scale it down) and not absurdly large
    assert 'transform="scale(1 1)' in svg
    assert 600 < width < 1600, width
    assert 40 * 30 < height < 40 * 80, height
    texts = _svg_texts(svg)
    for lane in [f"node[{n}]" for n in range(1, 8)] + [GLOBAL_LANE]:
        assert texts.count(lane) == 2  # the lane names at the top and at the bottom
    for step in prop.trace.steps[1:-1]:
        assert step.label in texts
    for k in range(1, 41):
        assert str(k) in texts
    assert "t = 60 s" in texts and "cycle" in texts
    sizes = {float(t.get("font-size")) for t in root.iter(f"{SVG}text")}
    assert min(sizes) >= 9


# ------------------------------------------------------------------------- escaping

HOSTILE = "<script>alert(\"x\")</script>'&"


def _hostile_report() -> Report:
    """A report whose every spec-derived string is hostile."""
    base = synthetic(steps=3, nodes=2, loop=False)
    prop = base.properties[0]
    steps = []
    for step in prop.trace.steps:
        values = tuple((f"{leaf}", f"{value}{HOSTILE}") for leaf, value in step.values)
        changes = tuple(Change(c.var, c.old, c.new, c.old_text + HOSTILE, c.new_text + HOSTILE)
                        for c in step.changes)
        label = None if step.label is None else step.label + HOSTILE
        steps.append(Step(step.action, step.process, step.args, step.choices, label,
                          step.state, values, changes, step.time, step.error, step.time_text))
    bad = PropertyResult(f"p{HOSTILE}", "invariant", "violated", None, False,
                         f"message {HOSTILE}", f"{HOSTILE}.tock:1:1", Trace(tuple(steps)),
                         ((f"x < 1 {HOSTILE}", f"v{HOSTILE}"),))
    return Report(f"spec{HOSTILE}", f"dir/{HOSTILE}.tock", (("C", HOSTILE),),
                  {"properties": [HOSTILE]}, "explicit", "violation", None, base.stats,
                  (bad,), ((f"act{HOSTILE}", 0),), base.processes)


def test_hostile_names_are_escaped_in_dot_and_html() -> None:
    report = _hostile_report()
    dot = render_swimlanes(report, report.properties[0])
    assert 'alert("x")' not in dot  # quotes inside DOT strings are escaped
    outside_strings = re.sub(r'"(?:[^"\\]|\\.)*"', '""', dot)
    assert "<script" not in outside_strings  # HTML-like labels hold only entities
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;" in dot
    page = render_html(report, {}, f"tock check '{HOSTILE}'")
    assert "<script" not in page.lower()
    assert page.count("&lt;script&gt;") >= 8
    assert "Content-Security-Policy" in page


@needs_dot
def test_hostile_names_render_harmlessly_in_svg() -> None:
    report = _hostile_report()
    svg = dot_to_svg(render_swimlanes(report, report.properties[0]))
    root = ET.fromstring(svg)  # still well-formed XML
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert any(HOSTILE in text for text in _svg_texts(svg))  # shown as text, verbatim
    assert "<script" not in inline_svg(svg).lower()


def test_a_hostile_file_name_through_the_cli(tmp_path) -> None:
    spec = hostile_spec(tmp_path, "\"q\"&<i>.tock")
    html = tmp_path / "r.html"
    assert main(["check", str(spec), "--html", str(html), "--svg", str(tmp_path / "svg")]) == 1
    page = html.read_text()
    assert "<script" not in page.lower() and "<i>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/" in page
    assert "&quot;q&quot;&amp;&lt;i&gt;" in page
    if graphviz_available():
        ET.fromstring((tmp_path / "svg" / "small.svg").read_text())


# ------------------------------------------------------------------------- HTML


def test_html_report_has_every_part() -> None:
    report = check(LANES, options=Options(coverage=True))
    page = render_html(report, {"small": "<svg id='picture-of-small'></svg>"},
                       "tock check lanes.tock --html r.html")
    assert page.startswith("<!DOCTYPE html>")
    assert "VIOLATION: a verdict differs" in page
    assert "<svg id='picture-of-small'></svg>" in page
    assert '<pre class="command" id="command">tock check lanes.tock --html r.html</pre>' in page
    trace = report.property("small").trace
    changes = sum(len(s.changes) for s in trace.steps)
    assert page.count('<td class="changed"') == changes
    # the coverage: reset_all never fires (g never reaches 5)
    assert re.search(r'<tr class="dead"><td class="mono">reset_all</td>', page)
    assert "1 action never fired" in page
    for part in ('id="verdicts"', 'id="run"', 'id="coverage"', "states</td>",
                 "transitions</td>"):
        assert part in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing to fetch


def test_html_is_deterministic_but_for_the_run_time() -> None:
    pages = []
    for _ in range(2):
        report = check("specs/conformance/bakery2.tock", options=Options(coverage=True))
        page = render_html(report, {}, "tock check specs/conformance/bakery2.tock")
        pages.append(re.sub(r"<td>time</td><td>[0-9.]+ s</td>", "", page))
    assert pages[0] == pages[1]


def test_html_without_coverage_says_how_to_get_it() -> None:
    report = check("specs/conformance/increment.tock")
    assert "Not measured in this run" in render_html(report)


def test_html_marks_the_cycle_of_a_lasso() -> None:
    report = synthetic(steps=6, nodes=3)
    trace = report.properties[0].trace
    page = render_html(report)
    marked = page.count('class="loop"') + page.count('class="error loop"')
    assert marked == len(trace.steps) - trace.loop_start
    assert "repeat forever" in page


# ------------------------------------------------------------------------- CLI


@needs_dot
def test_cli_svg_writes_one_picture_per_trace(tmp_path, capsys) -> None:
    out = tmp_path / "pics"
    assert main(["check", "specs/timed/ping_window.tock", "--svg", str(out)]) == 0
    names = sorted(os.listdir(out))
    assert names == ["late_restart_removed.svg", "no_removal_after_restart_within_60s.svg",
                     "no_removal_after_restart_within_75s.svg",
                     "removal_delay.shortest.svg", "removal_delay.svg"]  # a measure's two runs
    texts = _svg_texts((out / names[1]).read_text())
    assert {"master", "agent", "executor", "restart_within_60s", "t = 90 s"} <= set(texts)
    assert "tock: wrote" in capsys.readouterr().err


@needs_dot
def test_cli_out_writes_text_json_html_and_pictures(tmp_path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["check", "specs/conformance/increment.tock", "--out", str(out)]) == 0
    assert sorted(os.listdir(out)) == ["increment", "increment.html", "increment.json",
                                       "increment.txt"]
    assert os.listdir(out / "increment") == ["fin.svg"]
    page = (out / "increment.html").read_text()
    # the Reproduce line: absolute paths, so it runs from any folder
    spec = os.path.abspath("specs/conformance/increment.tock")
    assert f" check {spec} --out {out}</pre>" in page
    assert 'id="state-graph"' in page  # 13 states: small enough to draw
    assert page.count("<svg") == 2
    assert "coverage (transitions per action)" in (out / "increment.txt").read_text()


def test_cli_without_graphviz_keeps_working(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(cli, "graphviz_available", lambda: False)
    html = tmp_path / "r.html"
    code = main(["check", "specs/conformance/increment.tock", "--svg", str(tmp_path / "svg"),
                 "--html", str(html)])
    assert code == 0
    err = capsys.readouterr().err
    assert "graphviz's dot program is not installed" in err
    assert not (tmp_path / "svg").exists()
    assert "dot program is not installed" in html.read_text()


@needs_dot
def test_cli_graph_draws_the_counterexample(tmp_path, capsys) -> None:
    svg, dot = tmp_path / "g.svg", tmp_path / "g.dot"
    assert main(["graph", "specs/conformance/increment.tock", "--svg", str(svg),
                 "--dot", str(dot)]) == 0
    assert "13 states" in capsys.readouterr().out
    source = dot.read_text()
    assert source.count('color="#c62828", fontcolor="#c62828"') == 4  # fin's 4 steps
    root = ET.fromstring(svg.read_text())
    assert root.tag == f"{SVG}svg"


def test_cli_graph_prints_dot_without_files(capsys) -> None:
    assert main(["graph", "specs/conformance/phils.tock", "--property", "deadlock"]) == 0
    out = capsys.readouterr()
    assert out.out.startswith('digraph "states" {')
    assert "highlighted: deadlock (4 steps)" in out.err


def test_cli_graph_refuses_a_big_model(capsys) -> None:
    assert main(["graph", "specs/conformance/twophase.tock", "--limit", "50"]) == 3
    err = capsys.readouterr().err
    assert "more than 50 states" in err and "--set" in err and "RM = 3" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv", [
    ["graph", "specs/conformance/increment.tock", "--property", "nope"],
    ["graph", "specs/conformance/increment.tock", "--limit", "0"],
    ["graph", "no/such.tock"],
])
def test_cli_graph_usage_errors(argv: list[str], capsys) -> None:
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    assert code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_an_unwritable_output_is_a_usage_error_after_the_report(tmp_path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    text = tmp_path / "r.txt"
    code = main(["check", "specs/conformance/increment.tock", "--svg", str(blocker),
                 "--json", str(blocker / "r.json"), "--text", str(text)])
    assert code == 2
    out, err = capsys.readouterr()
    assert "OK: every verdict is as expected" in out  # the verdicts are still shown
    assert f"{blocker} is a file, not a folder" in err and "Traceback" not in err
    assert text.exists()  # the other outputs are written
