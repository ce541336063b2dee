"""Timing queries (`measure`): the language, exact answers on zones (closed and open ends),
agreement of the discrete engine, the unbounded case with its run, `expect` on intervals,
the JSON shape, exit codes, and the two worked examples checked against bisection with
`~> ... within T` and reachables (docs/properties.md, "Timing queries")."""

from __future__ import annotations

import json

import pytest

from checker import check
from checker.cli import main
from checker.options import Options
from checker.render.html import render_html
from checker.render.json import render_json
from checker.render.text import render_text
from checker.report import Measured, PropertyResult, Report
from model import SourceFile, ast
from model.parser import parse_text
from tests.helpers import needs_dot

EVICTION = "specs/timed/node_eviction.tock"
PING = "specs/timed/ping_window.tock"

# a delay with closed ends: the action fires between 3 s and 5 s after the start
CLOSED = """
clock x
var a: bool = false
action go when not a and x >= 3s and x <= 5s do { a := true }
bound x <= 5s while not a
measure d: not a ~> a
measure age: x when not a
measure at_go: x when a and x <= 5s
allow deadlock
"""

# the same with strict bounds, a second step with no deadline (it may never come), and a
# clock that is never reset (its supremum is unbounded)
OPEN = """
clock x
clock y
var a: bool = false
var b: bool = false
action go when not a and x > 3s and x < 5s do { a := true; reset y }
action stop when a and not b do { b := true }
bound x < 5s while not a
measure d: not a ~> a
measure e: a ~> b
measure since_go: y when a and not b
measure since_go_timed: y when a and y >= 1s
allow deadlock
"""


def _measure(report: Report, name: str) -> tuple[PropertyResult, Measured]:
    p = report.property(name)
    assert p.kind == "measure" and p.measure is not None
    return p, p.measure


def _ends(m: Measured) -> tuple:
    assert m.lo is not None and m.hi is not None
    return (m.lo.ms, m.lo.closed, m.hi.ms, m.hi.closed)


def _with(path: str, extra: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read() + "\n" + extra + "\n"


# ---------------------------------------------------------------------------- language


def test_parse_measures_and_intervals() -> None:
    spec = parse_text(SourceFile("m.tock", """
clock x
var a: bool = false
measure m: x when a
measure n: x
measure d: not a ~> a
expect m == [3s, inf)
expect d == (1s, 2s]
"""))
    decls = [d for d in spec.decls if isinstance(d, (ast.MeasureDecl, ast.ExpectDecl))]
    m, n, d, em, ed = decls
    assert (m.kind, n.kind, d.kind) == ("clock", "clock", "delay")
    assert n.cond is None
    assert em.interval.lo_closed and em.interval.hi is None and not em.interval.hi_closed
    assert not ed.interval.lo_closed and ed.interval.hi_closed
    assert em.verdict == ed.verdict == "=="


@pytest.mark.parametrize("text, code", [
    ("clock x\nvar a: bool = false\nmeasure m: a when a\n", "E314"),
    ("var a: bool = false\nmeasure m: a ~> not a\n", "E310"),
    ("clock x\nvar a: bool = false\nmeasure m: a ~> x > 1s\n", "E310"),
    ("clock x\nvar a: bool = false\nmeasure m: x\nexpect m holds\n", "E314"),
    ("clock x\nvar a: bool = false\ninvariant i: a\nexpect i == [0s, 1s]\n", "E314"),
    ("clock x\nvar a: bool = false\nmeasure m: x\nexpect m == [2s, 1s]\n", "E314"),
    ("clock x\nvar a: bool = false\nmeasure m: x\nexpect m == [1s, 1s)\n", "E314"),
    ("clock x\nvar a: bool = false\nmeasure m: x\nexpect m == [0s, inf]\n", "E314"),
    ("clock x\nvar a: bool = false\nmeasure m: x\nexpect m == [inf, inf)\n", "E314"),
    ("clock x\nvar a: bool = false\nmeasure m: x\nexpect m == [0, 1s]\n", "E301"),
    ("clock x\nvar a: bool = false\nmeasure m: x\nexpect n == [0s, 1s]\n", "E205"),
    ("clock x\nvar a: bool = false\nmeasure m: x\ninvariant m: a\n", "E202"),
])
def test_misuse_is_a_spec_error(tmp_path, capsys, text: str, code: str) -> None:
    path = tmp_path / "bad.tock"
    path.write_text(text)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"error[{code}]" in err and "Traceback" not in err


# ---------------------------------------------------------------------------- answers


def test_closed_ends_on_zones() -> None:
    report = check(CLOSED)
    p, m = _measure(report, "d")
    assert p.status == "measured" and m.exact
    assert _ends(m) == (3000, True, 5000, True)
    assert m.text == "[3s, 5s]"
    assert _ends(_measure(report, "age")[1]) == (0, True, 5000, True)


def test_open_ends_on_zones_and_their_witnesses() -> None:
    report = check(OPEN)
    _, m = _measure(report, "d")
    assert _ends(m) == (3000, False, 5000, False)
    assert m.text == "(3s, 5s)"
    assert m.lo is not None and m.hi is not None
    # the shortest run fires `go` just after 3 s; the longest waits until just before 5 s
    lo, hi = m.lo.witness, m.hi.witness
    assert lo is not None and hi is not None
    assert lo.steps[-1].action == "go"
    assert 3 < lo.steps[-1].time <= 3.001
    assert 4.999 <= hi.steps[-1].time < 5


def test_unbounded_delay_has_the_run_that_waits_forever() -> None:
    report = check(OPEN)
    p, m = _measure(report, "e")
    assert p.status == "measured" and m.exact
    assert m.text == "[0s, inf)"  # `stop` can follow at once, or never
    assert m.hi is not None and m.hi.ms is None
    run = m.hi.witness
    assert run is not None and run.loop_start is not None
    assert all(step.action != "stop" for step in run.steps)


def test_unbounded_clock_has_the_run_that_stays() -> None:
    # `stop` may never come: y grows without bound while a and not b
    p, m = _measure(check(OPEN), "since_go")
    assert p.status == "measured" and m.text == "[0s, inf)"
    assert m.hi is not None and m.hi.witness is not None
    assert m.hi.witness.loop_start is not None


def test_unbounded_clock_under_a_timed_condition_is_not_an_answer() -> None:
    # a condition that reads clocks has no run-based check: the doubling stops at its cap
    report = check(OPEN)
    p, m = _measure(report, "since_go_timed")
    assert p.status == "unknown" and not m.exact and not p.as_expected
    assert "not exact" in (p.message or "")
    assert report.outcome == "incomplete"


def test_a_constant_too_large_for_the_zones_ends_the_doubling() -> None:
    report = check("clock x\nclock y\nvar a: bool = false\n"
                   "action go when not a and y >= 15min do { a := true }\n"
                   "measure m: x when a and x >= 1s\nallow deadlock\n")
    p, m = _measure(report, "m")
    assert p.status == "unknown" and not m.exact
    assert "does not fit the zone engine" in (p.message or "")
    assert m.lo is not None and m.lo.ms == 15 * 60_000  # what was found is kept


def test_a_measure_that_never_applies() -> None:
    report = check("clock x\nvar a: bool = false\nmeasure m: x when a\nallow deadlock\n")
    p, m = _measure(report, "m")
    assert p.status == "measured" and m.lo is None and m.hi is None
    assert m.text == "none"


@pytest.mark.parametrize("spec, constants, name, expected", [
    (CLOSED, None, "d", "[3s, 5s]"),
    (CLOSED, None, "age", "[0s, 5s]"),
    (CLOSED, None, "at_go", "[3s, 5s]"),  # a condition that reads the clock
    (PING, {"RESTARTS": False}, "removal_delay", "[75s, 90s]"),
    (PING, None, "removal_delay", "[75s, inf)"),
])
def test_discrete_time_agrees_with_zones(spec: str, constants, name: str, expected: str
                                         ) -> None:
    zones = _measure(check(spec, constants), name)[1]
    ticks = _measure(check(spec, constants, Options(time_engine="discrete")), name)[1]
    assert zones.text == ticks.text == expected
    assert zones.exact and ticks.exact


# ---------------------------------------------------------------------------- expect


def test_expect_met_and_missed(tmp_path, capsys) -> None:
    good = tmp_path / "good.tock"
    good.write_text(CLOSED + "expect d == [3s, 5s]\n")
    bad = tmp_path / "bad.tock"
    bad.write_text(CLOSED + "expect d == (3s, 5s]\n")
    assert main(["check", str(good)]) == 0
    out = capsys.readouterr().out
    assert "[3s, 5s]   (as expected)" in out
    assert main(["check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "(expected (3s, 5s])" in out and "VIOLATION" in out
    report = check(str(bad))
    p, _ = _measure(report, "d")
    assert p.expected == "(3s, 5s]" and not p.as_expected and report.outcome == "violation"


def test_expect_when_picks_the_interval() -> None:
    assert check(PING, {"RESTARTS": False}).outcome == "ok"
    assert check(PING).outcome == "ok"


def test_a_bound_makes_the_answer_incomplete(capsys) -> None:
    assert main(["check", EVICTION, "--max-states", "5", "--property", "eviction_delay"]) == 3
    out = capsys.readouterr().out
    assert "unknown" in out and "not exact" in out


# ---------------------------------------------------------------------------- JSON


def test_json_shape() -> None:
    data = json.loads(render_json(check(OPEN)))
    by_name = {p["name"]: p for p in data["properties"]}
    d = by_name["d"]["measure"]
    assert d["interval"] == "(3s, 5s)" and d["exact"] is True and d["kind"] == "delay"
    assert d["lo"]["ms"] == 3000 and d["lo"]["closed"] is False
    assert d["lo"]["witness"][-1]["action"] == "go"
    e = by_name["e"]["measure"]
    assert e["hi"]["ms"] is None and e["hi"]["loop_start"] is not None
    assert by_name["d"]["status"] == "measured"
    assert "measure" not in by_name["runtime"]  # only a measure has the key


def test_explain_lists_the_measure(capsys) -> None:
    assert main(["explain", EVICTION]) == 0
    assert "measure    eviction_delay" in capsys.readouterr().out


def test_reports_are_deterministic() -> None:
    assert render_json(check(EVICTION)) == render_json(check(EVICTION))
    assert render_text(check(OPEN)) == render_text(check(OPEN))


def test_text_report_shows_both_ends() -> None:
    text = render_text(check(CLOSED))
    assert "measure d: measured" in text
    assert "shortest: 3s, attained: by this run, at its end" in text
    assert "longest: 5s" in text


def test_html_shows_the_interval_and_both_runs() -> None:
    page = render_html(check(OPEN))
    assert "Interval: <span class=\"mono\"><b>(3s, 5s)</b></span>" in page
    assert "<h3>Shortest: 3s, not attained" in page
    assert "<h3>Longest: unbounded" in page  # measure e
    assert ">measured<" in page


@needs_dot
def test_svg_pictures_of_both_ends(tmp_path) -> None:
    out = tmp_path / "pics"
    assert main(["check", EVICTION, "--svg", str(out), "-q"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["eviction_delay.shortest.svg", "eviction_delay.svg"]
    longest = (out / "eviction_delay.svg").read_text()
    assert "(330s, 345s]" in longest and "measured" in longest
    assert "the shortest, approached from above" in (out / names[0]).read_text()


# ---------------------------------------------------------------------------- the examples


def test_kubernetes_eviction_window_matches_bisection() -> None:
    report = check(EVICTION)
    p, m = _measure(report, "eviction_delay")
    assert m.text == "(330s, 345s]" and p.as_expected and report.outcome == "ok"
    assert m.lo is not None and m.hi is not None
    assert m.hi.witness is not None and m.lo.witness is not None
    # the worst-case run is still waiting 345 s after the kubelet died
    assert m.hi.witness.steps[-1].state["kubelet.down_for"] == 345
    assert 330 < m.lo.witness.steps[-1].state["kubelet.down_for"] <= 330.001
    # the longest delay by bisection: the bounded response holds at 345 s, not just below
    assert check(EVICTION, {"EVICTION_BOUND": "345s"}).property("evicted_in_time").status \
        == "holds"
    assert check(EVICTION, {"EVICTION_BOUND": "344999ms"}).property("evicted_in_time").status \
        == "violated"
    # the shortest delay by bisection: an eviction by 330 s is unreachable, by 330.001 s not
    probes = _with(EVICTION, "reachable by_330s: pods.evicted and kubelet.down_for <= 330s\n"
                   "reachable by_330001ms: pods.evicted and kubelet.down_for <= 330001ms")
    probed = check(probes, options=Options(properties=("by_330s", "by_330001ms")))
    assert probed.property("by_330s").status == "unreached"
    assert probed.property("by_330001ms").status == "reached"


def test_mesos_removal_window_matches_bisection() -> None:
    stay_down = {"RESTARTS": False}
    _, m = _measure(check(PING, stay_down), "removal_delay")
    assert m.text == "[75s, 90s]"
    bisect = _with(PING, "const T = 90s\n"
                   "property removed_within: agent.state == crashed ~> master.removed within T\n"
                   "reachable removed_by_75s: master.removed and agent.down <= 75s\n"
                   "reachable removed_by_74999ms: master.removed and agent.down <= 74999ms")
    only = Options(properties=("removed_within", "removed_by_75s", "removed_by_74999ms"))
    at = check(bisect, {**stay_down, "T": "90s"}, only)
    below = check(bisect, {**stay_down, "T": "89999ms"}, only)
    assert at.property("removed_within").status == "holds"
    assert below.property("removed_within").status == "violated"
    assert at.property("removed_by_75s").status == "reached"
    assert at.property("removed_by_74999ms").status == "unreached"


def test_mesos_removal_with_restarts_is_unbounded() -> None:
    _, m = _measure(check(PING), "removal_delay")
    assert m.text == "[75s, inf)"
    assert m.hi is not None and m.hi.witness is not None
    run = m.hi.witness
    assert run.loop_start is not None
    assert any(step.action and step.action.startswith("restart") for step in run.steps)
