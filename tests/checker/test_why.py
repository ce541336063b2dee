"""Why, always: the "why" of every kind of violated property (clock atoms with the clock's
value, intervals, quantifiers one row per binding, leads-to lassos, bounded responses,
scenario asserts, deadlocks, timelocks), and the `show` columns of traces in every
report format."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from checker import Options, check
from checker.render.dot import render_swimlanes
from checker.render.explain import render_explain
from checker.render.html import render_html
from checker.render.json import render_json
from checker.render.svg import dot_to_svg
from checker.render.text import render_text
from checker.report import Change, PropertyResult, Report, Step, Trace
from model import ClockInterval, load_text
from tests.helpers import needs_dot

AGENTS = """spec agents
type Agent = 1..2
process agent[a: Agent] {
  var running: bool = true
  clock down
  action crash when running do { running := false; reset down }
  action restart when not running and down >= 5s do { running := true }
}
process master {
  var removed: [Agent] -> bool = false
  clock silent: [Agent]
  timeout remove(a: Agent) after silent[a] == 10s when not removed[a] and not agent[a].running
    do { removed[a] := true }
  action hear(a: Agent) when agent[a].running do { reset silent[a] }
}
PROPERTY
allow deadlock
"""


def _agents(prop: str, **options: object) -> PropertyResult:
    report = check(AGENTS.replace("PROPERTY", prop), options=Options(**options))
    return report.properties[0]


def _clock(p: PropertyResult, name: str) -> str:
    """The clock's value at the end of p's trace, as the reports write it."""
    assert p.trace is not None
    seconds = p.trace.steps[-1].state[name]
    assert isinstance(seconds, (int, float))
    return next(text for leaf, text in p.trace.steps[-1].values if leaf == name)


# ---------------------------------------------------------------- clock atoms


def test_a_clock_atom_is_explained_with_the_clocks_value_zones() -> None:
    p = _agents("invariant quick: not (agent[1].running == false and agent[1].down > 7s)")
    assert p.status == "violated"
    why = dict(p.why)
    assert why["agent[1].down > 7s"] == "true"
    assert p.trace is not None and p.trace.steps[-1].state["agent[1].down"] > 7  # type: ignore[operator]
    # the clock's exact value at the end of the trace, in the reports' own words, then its
    # interval over every run along this path that violates the invariant (the zone: the
    # timeout at silent[1] == 10s, which down never exceeds, ends it)
    value = _clock(p, "agent[1].down")
    assert value == "7001ms (just after 7s)"  # as the trace writes it (docs/time.md)
    assert p.trace.clocks[0] == 7001
    assert why["agent[1].down"] == "7001ms (just after 7s; on this path: in (7s, 10s])"
    assert why["agent[1].running"] == "false"


def test_the_discrete_engine_gives_values_only() -> None:
    p = _agents("invariant late: not (agent[2].down >= 8s and not agent[2].running)",
                time_engine="discrete")
    assert p.trace is not None and p.trace.clock_ranges == ()


def test_a_clock_atom_is_explained_with_the_clocks_value_discrete() -> None:
    p = _agents("invariant late: not (agent[2].down >= 8s and not agent[2].running)",
                time_engine="discrete")
    why = dict(p.why)
    assert why["agent[2].down >= 8s"] == "true"
    assert why["agent[2].down"] == "8s" == _clock(p, "agent[2].down")


def test_an_interval_is_given_where_only_an_interval_is_known() -> None:
    system = load_text(AGENTS.replace(
        "PROPERTY", "invariant quick: not (agent[1].running == false and agent[1].down > 7s)"),
        "agents")
    values = system.decode(system.initial_states()[0])
    open_above = ClockInterval(7000, None, lo_strict=True)
    why = dict(system.explain_property(0, values, [open_above, 0, 0, 0]))
    assert why["agent[1].down"] == "more than 7s"
    assert why["agent[1].down > 7s"] == "depends on the clocks below"  # no verdict on a range
    window = ClockInterval(5000, 9000, hi_strict=True)
    why = dict(system.explain_property(0, values, [window, 0, 0, 0]))
    assert why["agent[1].down"] == "in [5s, 9s)"


def test_without_clock_values_the_clock_parts_are_left_out() -> None:
    system = load_text(AGENTS.replace(
        "PROPERTY", "invariant quick: not (agent[1].running == false and agent[1].down > 7s)"),
        "agents")
    values = system.decode(system.initial_states()[0])
    assert system.explain_property(0, values) == ()


# ---------------------------------------------------------------- quantifiers


def test_a_false_forall_gives_one_row_per_counterexample_with_what_it_reads() -> None:
    p = _agents("invariant safe: forall a in Agent: not (master.removed[a] and agent[a].running)")
    rows = p.why[1:]
    assert rows == (("a = 1", "false: master.removed[1] = true, agent[1].running = true"),)
    assert not any("[a =" in text for text, _ in p.why)  # no binder split across rows


def test_a_binding_reads_clocks_with_their_values() -> None:
    p = _agents("invariant quiet: forall a in Agent: master.silent[a] < 10s or master.removed[a]")
    assert p.status == "violated"
    binding, value = p.why[1]
    assert re.fullmatch(r"a = [12]", binding)
    a = binding[-1]
    assert value == (f"false: master.silent[{a}] = {_clock(p, f'master.silent[{a}]')}, "
                     f"master.removed[{a}] = false")


def test_nested_quantifiers_give_the_whole_binding_and_one_witness() -> None:
    p = _agents("reachable both_down: exists a in Agent, b in Agent: a != b and "
                "not agent[a].running and not agent[b].running")
    assert p.status == "reached"
    assert p.why[1:] == (("a = 1, b = 2",
                          "true: agent[1].running = false, agent[2].running = false"),)


def test_a_true_forall_lists_every_binding() -> None:
    report = check("specs/conformance/twophase.tock")
    why = report.property("all_committed").why
    assert [text for text, _ in why[1:]] == ["r = 1", "r = 2", "r = 3"]
    assert why[1][1] == "true: rmState[1] = committed"


# ---------------------------------------------------------------- other kinds


def test_a_leads_to_lasso_says_where_p_held_and_why_q_fails() -> None:
    report = check("specs/liveness/naive_lock.tock")
    p = report.property("weak_1_enters")
    assert p.status == "violated"
    assert p.why[0][0] == "weak[1].st == waiting"
    assert p.why[0][1].startswith("true at step 1;")
    assert "round the cycle forever" in p.why[0][1]
    assert ("weak[1].st == crit", "false") in p.why


def test_a_bounded_response_says_how_long_ago_p_held() -> None:
    report = check("specs/liveness/response.tock")
    p = report.property("served_within_4s")
    assert p.status == "violated"
    assert p.why[0][0] == "state == queued"
    assert "longer than the 4s allowed" in p.why[0][1]
    assert ("state == idle", "false") in p.why


def test_a_scenario_assert_is_explained_as_written() -> None:
    spec = """spec s
var x: 0..3 = 0
action inc when x < 3 do { x := x + 1 }
scenario two { inc  inc  assert x == 1 }
allow deadlock
expect two fails
"""
    p = check(spec).property("two")
    assert p.status == "violated"
    assert p.why == (("x == 1", "false"), ("x", "2"))


def test_a_deadlock_gives_each_actions_guard() -> None:
    report = check("specs/conformance/phils.tock")
    p = report.property("deadlock")
    assert p.status == "violated"
    assert [text for text, _ in p.why] == [
        "take_left when state == think and fork[i] == 0",
        "take_right when state == one and fork[(i + 1) % N] == 0",
        "put_left when state == eat", "put_right when state == finish"]
    assert all(value.startswith("false for every i") for _, value in p.why)


def test_a_timelock_names_the_bound_that_stops_time() -> None:
    spec = """spec stuck
var done: bool = false
clock x
bound x <= 5s while not done
action finish when not done and x >= 10s do { done := true }
allow deadlock
"""
    p = check(spec).property("timelock")
    assert p.status == "violated"
    assert ("x <= 5s", "x = 5s: time cannot pass beyond it") in p.why
    assert ("finish when not done",
            "true, but it cannot fire: its clock guard x >= 10s is never met, now or later"
            ) in p.why


def test_a_runtime_error_names_the_action_and_the_failing_statement() -> None:
    spec = """type I = 1..2
var x: 0..3 = 0
action inc(k: I) when x < 3 do { x := x + 2 }
allow deadlock
"""
    p = check(spec).property("runtime")
    assert p.status == "violated"
    assert p.why == (("inc", "fails with k = 1"),
                     ("x := x + 2", "error[E501]: x := 4 is outside 0..3"))


def test_a_property_that_fails_to_evaluate_is_named() -> None:
    spec = """var x: 0..3 = 0
action inc when x < 3 do { x := x + 1 }
invariant d: 6 / (2 - x) > 0 or x == 3
allow deadlock
expect d fails
"""
    p = check(spec).property("runtime")
    assert p.why == (("d", "fails to evaluate"),
                     ("6 / (2 - x)", "error[E503]: division by zero"))


# ---------------------------------------------------------------- show columns

SHOWN = """spec shown
type Agent = 1..2
var up: [Agent] -> bool = true
var load: 0..4 = 0
clock since
action crash(a: Agent) when up[a] do { up[a] := false; reset since }
action work when load < 4 do { load := load + 1 }
show running = {a in Agent | up[a]}
show quiet = since > 2s
show per_agent = 4 / (load - 1)
show age = since
invariant small: load < 2
allow deadlock
"""


def _shown() -> Report:
    return check(SHOWN)


def test_show_columns_are_computed_at_every_step() -> None:
    p = _shown().property("small")
    assert p.trace is not None
    for step in p.trace.steps:
        names = [name for name, _data, _text in step.derived]
        assert names == ["running", "quiet", "per_agent", "age"]
        # also among the values the reports show, after the variables and clocks
        assert [leaf for leaf, _ in step.values][-4:] == names
        assert "running" not in step.state  # state holds the variables only
    first, last = p.trace.steps[0], p.trace.steps[-1]
    assert first.derived[0] == ("running", [1, 2], "{1, 2}")
    assert first.derived[2] == ("per_agent", -4, "-4")
    one = next(step for step in p.trace.steps if step.state["load"] == 1)
    assert one.derived[2][1] is None and one.derived[2][2].startswith("error: ")
    assert last.derived[2] == ("per_agent", 4, "4")
    # a bare clock shows its value, as a duration (seconds in the JSON, as `state` has clocks)
    assert first.derived[3] == ("age", 0.0, "0s")
    assert all(step.derived[3][2] == step.values[-5][1] for step in p.trace.steps)


def test_show_columns_in_text() -> None:
    text = render_text(_shown())
    assert "          running = {1, 2}" in text
    assert "          quiet = false" in text
    assert re.search(r"per_agent: -4 -> error: ", text)


def test_show_columns_in_json() -> None:
    data = json.loads(render_json(_shown()))
    trace = next(p for p in data["properties"] if p["name"] == "small")["trace"]
    assert trace[0]["derived"] == {"running": [1, 2], "quiet": False, "per_agent": -4,
                                   "age": 0.0}
    assert [step["derived"]["per_agent"] for step in trace] == [-4, None, 4]
    assert all("running" not in step["state"] for step in trace)
    assert all(c["var"] not in ("running", "quiet", "per_agent")
               for step in trace for c in step["changes"])
    # a spec without show columns has no `derived` key at all
    plain = json.loads(render_json(check("specs/conformance/tcommit.tock")))
    assert all("derived" not in step for p in plain["properties"] for step in p["trace"] or [])


def test_show_columns_in_the_swimlanes_and_the_html() -> None:
    report = _shown()
    p = report.property("small")
    dot = render_swimlanes(report, p)
    assert "running = {1, 2}" in dot and "per_agent" in dot
    page = render_html(report, {}, "tock check shown.tock")
    assert "<th>running" in page and "<th>quiet" in page and "<th>per_agent" in page


@needs_dot
def test_show_columns_in_the_svg() -> None:
    report = _shown()
    svg = dot_to_svg(render_swimlanes(report, report.property("small")))
    texts = [t.text or "" for t in ET.fromstring(svg).iter() if t.tag.endswith("text")]
    assert any("running = {1, 2}" in t for t in texts)


def test_show_columns_follow_scenario_traces() -> None:
    spec = SHOWN.replace("invariant small: load < 2",
                         "scenario busy { work  work  assert load == 1 }\nexpect busy fails")
    p = check(spec).property("busy")
    assert p.trace is not None
    assert [text for name, _d, text in p.trace.steps[-1].derived if name == "per_agent"] == ["4"]


def test_tock_explain_lists_the_show_columns() -> None:
    text = render_explain(load_text(SHOWN, "shown"))
    section = text.split("show (columns of every trace)\n", 1)[1].splitlines()
    assert section[0].split()[:2] == ["running", "set"]
    assert section[1].split()[:2] == ["quiet", "bool"]


HOSTILE = "<script>alert(\"x\")</script>'&"


def test_why_and_show_text_is_escaped_in_dot_and_html() -> None:
    steps = (Step(None, None, (), (), None, {"x": 0}, (("x", "0"), (f"c{HOSTILE}", HOSTILE)),
                  (), derived=((f"c{HOSTILE}", 0, HOSTILE),)),
             Step("inc", None, (), (), "inc", {"x": 1}, (("x", "1"), (f"c{HOSTILE}", "1")),
                  (Change("x", 0, 1, "0", "1"), Change(f"c{HOSTILE}", 0, 1, HOSTILE, "1")),
                  derived=((f"c{HOSTILE}", 1, "1"),)))
    base = check("specs/conformance/tcommit.tock")
    prop = PropertyResult("small", "invariant", "violated", None, False, "false", "f:1:1",
                          Trace(steps), ((f"x > 0 and {HOSTILE}", HOSTILE),))
    report = Report("s", "s.tock", (), {}, "explicit", "violation", None, base.stats, (prop,))
    dot = render_swimlanes(report, prop)
    outside_strings = re.sub(r'"(?:[^"\\]|\\.)*"', '""', dot)
    assert "<script" not in outside_strings
    assert "x &gt; 0 and &lt;script&gt;" in dot
    page = render_html(report, {}, "tock check s.tock")
    assert "<script" not in page.lower()
    assert "x &gt; 0 and &lt;script&gt;" in page
    assert "c&lt;script&gt;" in page
