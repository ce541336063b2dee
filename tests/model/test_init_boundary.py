"""`init` predicates (the initial states are the assignments where every init holds,
enumerated lazily with pruning) and `boundary` declarations (TLC's CONSTRAINT: a state
outside is checked but neither expanded nor counted). Issue 17."""

from __future__ import annotations

from itertools import product

import pytest

from checker import Options, check
from checker.engine.cluster import refusal
from checker.render.json import report_data
from checker.render.text import render_text
from model import SpecError, interp
from tests.helpers import BOUNDED, compiled_graph, interpreted_graph, spec

TWO = """
var a: 0..4
var b: 0..4
var c: bool = true
init sum: a + b >= 3 and a + b <= 5
init: a != 2
action down when a > 0 do { a := a - 1 }
allow deadlock
"""


def _values(system) -> list[tuple]:  # noqa: ANN001
    return [system.decode(s) for s in system.initial_states()]


def test_initial_states_are_the_assignments_where_every_init_holds() -> None:
    got = _values(spec(TWO))
    want = [(a, b, True) for a, b in product(range(5), range(5))
            if 3 <= a + b <= 5 and a != 2]
    assert got == want  # in order: the first variable varies slowest


def test_own_initialisers_still_apply_and_unread_variables_keep_their_default() -> None:
    system = spec("""
        var a: 0..3 in {1, 2}
        var b: 0..3
        var untouched: 0..3
        init: b > a
        allow deadlock""")
    assert _values(system) == [(1, 2, 0), (1, 3, 0), (2, 3, 0)]


def test_params_and_process_variables() -> None:
    system = spec("""
        param p: bool
        process n[i: 1..2] { var v: 0..2 }
        init: p implies (forall i in 1..2: n[i].v == i)
        init: not p implies n[1].v == n[2].v
        allow deadlock""")
    assert _values(system) == [(False, (0, 0)), (False, (1, 1)), (False, (2, 2)),
                               (True, (1, 2))]


def test_a_false_init_leaves_no_initial_state() -> None:
    with pytest.raises(SpecError) as err:
        spec("var a: 0..3\ninit: a > 5\nallow deadlock").initial_states()
    assert "E313" in str(err.value) and "satisfies every `init`" in str(err.value)


def test_pruning_tests_each_init_as_soon_as_its_variables_have_values(monkeypatch) -> None:  # noqa: ANN001
    system = spec("""
        var a: 0..4000
        var b: 0..4000
        init: a == 7
        init: b == a
        allow deadlock""")
    calls = 0
    evaluate = interp.evaluate

    def counting(*args, **kw):  # noqa: ANN002, ANN003, ANN202
        nonlocal calls
        calls += 1
        return evaluate(*args, **kw)

    monkeypatch.setattr(interp, "evaluate", counting)
    assert _values(system) == [(7, 7)]
    # one test of `a == 7` per value of a, one of `b == a` per value of b after a = 7:
    # never the 16 million pairs (each test evaluates a few nodes)
    assert calls < 10 * 8002


def test_the_compiled_code_agrees_with_the_interpreter_from_init_states() -> None:
    system = spec(TWO)
    states_c, succ_c, errors_c = compiled_graph(system)
    states_i, succ_i, errors_i = interpreted_graph(system)
    assert states_c == states_i and succ_c == succ_i and errors_c == errors_i
    # every (a', b) with a' at most the largest initial a for that b: b = 0, 1 start at
    # a = 4 (5 states each), b = 2 at a = 3 (4), b = 3, 4 at a = 1 (2 each)
    assert len(states_c) == 18


@pytest.mark.parametrize("memory", ["compact", "fast"])
def test_max_states_cuts_the_initial_enumeration(memory: str) -> None:
    report = check("specs/conformance/coffeecan.tock",
                   options=Options(max_states=100, memory=memory))
    assert report.stats.states == 100 and not report.stats.exhaustive
    assert report.stop_reason == "max-states" and report.outcome == "incomplete"


def test_coffeecan_checks_exactly() -> None:
    report = check("specs/conformance/coffeecan.tock")
    assert (report.stats.states, report.stats.transitions) == (5150, 14852)
    assert report.outcome == "ok" and report.stats.exhaustive


# ---------------------------------------------------------------------------- boundary

GROWING = BOUNDED


@pytest.mark.parametrize("memory", ["compact", "fast"])
def test_a_state_outside_the_boundary_is_checked_but_not_expanded(tmp_path, memory: str) -> None:  # noqa: ANN001
    path = tmp_path / "growing.tock"
    path.write_text(GROWING)
    report = check(str(path), options=Options(memory=memory))
    # inside: x in 0..3 with y in 0..1; outside: x = 4 (both y), checked, not counted
    assert (report.stats.states, report.stats.transitions, report.stats.outside) == (8, 16, 2)
    assert report.property("below").status == "violated"  # invariants see x = 4 (as TLC)
    assert report.property("four").status == "reached"
    assert report.property("five").status == "unreached"  # never beyond x = 4
    assert report.property("deadlock").status == "holds"  # x = 4 is not a deadlock
    assert report.outcome == "ok"
    text = render_text(report)
    assert "boundary small: 2 states outside it checked but not expanded" in text
    assert report_data(report)["boundary"] == {"names": ["small"], "outside": 2}


def test_without_a_boundary_reports_say_nothing_of_one() -> None:
    report = check("specs/conformance/coffeecan.tock")
    assert report.stats.outside is None
    assert "boundary" not in report_data(report)
    assert "boundary" not in render_text(report)


def test_a_boundary_that_cuts_nothing_says_so(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "small.tock"
    path.write_text("var x: 0..3 = 0\naction inc when x < 3 do { x := x + 1 }\n"
                    "boundary all: x <= 3\nallow deadlock\n")
    report = check(str(path))
    assert report.stats.outside == 0 and report.stats.states == 4
    assert "it cut nothing" in render_text(report)


def test_leads_to_that_only_stops_at_the_boundary_is_unknown(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "live.tock"
    path.write_text("var x: 0..9 = 0\nfair action inc when x < 9 do { x := x + 1 }\n"
                    "boundary small: x <= 3\nproperty reaches: x == 0 ~> x == 6\n"
                    "property stays: x == 0 ~> x == 2\n")
    report = check(str(path))
    assert report.property("reaches").status == "unknown"
    assert "boundary" in (report.property("reaches").message or "")
    assert report.property("stays").status == "holds"
    assert report.outcome == "incomplete"


def test_coverage_and_the_state_graph_leave_the_outside_unexpanded(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "growing.tock"
    path.write_text(GROWING)
    report = check(str(path), options=Options(coverage=True))
    assert dict(report.coverage) == {"inc": 8, "flip": 8}
    graph = report.graph()
    outside = [n for n, data in graph.nodes(data=True) if data.get("outside")]
    assert len(outside) == 2 and all(graph.out_degree(n) == 0 for n in outside)


# ---------------------------------------------------------------------------- sum

SUMS = """
type P = 1..3
var w: [P] -> 0..2 = 0
var s: set of 0..3 = {1, 2}
var d: set of -2..1 = {}
action inc(p: P) when w[p] < 2 and sum(q in P: w[q]) < 5 do { w[p] := w[p] + 1 }
action add(x: 0..3) when not (x in s) do { s := s union {x} }
action addd(x: -2..1) when len(d) < 2 do { d := d union {x} }
invariant total: sum(q in P: w[q]) <= 5
invariant setsum: sum(s) <= 6 and sum(d) >= -3
invariant same: sum(x in s: 1) == len(s)
invariant small: sum(q in P: w[q]) < 5
reachable five: sum(q in P: w[q]) == 5 and sum(s) == 6
expect small fails
allow deadlock
"""


def test_sum_compiled_matches_interpreter() -> None:
    system = spec(SUMS)
    states_c, succ_c, errors_c = compiled_graph(system)
    states_i, succ_i, errors_i = interpreted_graph(system)
    assert states_c == states_i and succ_c == succ_i and errors_c == errors_i


def test_sum_verdicts(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "sums.tock"
    path.write_text(SUMS)
    report = check(str(path))
    assert [report.property(n).status for n in ("total", "setsum", "same", "small", "five")] \
        == ["holds", "holds", "holds", "violated", "reached"]
    assert report.outcome == "ok"
    why = dict(report.property("small").why)
    assert why["sum(q in P: w[q]) < 5"] == "false"


def test_sum_ranges() -> None:
    model = spec("""
        type P = 1..3
        var w: [P] -> 0..4 = 0
        var d: set of -2..3 = {}
        var e: set of 1..4 = {}
        invariant a: sum(q in P: w[q] - 1) >= -3
        invariant b: sum(d) >= -3
        invariant c: sum(e) <= 10
        allow deadlock""").model
    ranges = [(p.expr.left.type.lo, p.expr.left.type.hi) for p in model.properties]
    # e in -1..3 over at most 3 elements; {-2, -1} .. {1, 2, 3}; {} .. {1, 2, 3, 4}
    assert ranges == [(-3, 9), (-3, 6), (0, 10)]


@pytest.mark.parametrize("text, code", [
    ("var s: set of bool = {}\ninvariant x: sum(s) >= 0", "E301"),
    ("var s: set of 0..3 = {}\ninvariant x: sum(v in s: v == 1) >= 0", "E301"),
    ("var s: set of 0..3 = {}\ninvariant x: max(v in s: v) >= 0", "E201"),
])
def test_sum_errors(text: str, code: str) -> None:
    with pytest.raises(SpecError) as err:
        spec(text + "\nallow deadlock")
    assert code in str(err.value)


# ---------------------------------------------------------------------------- reach

REACH = """
type N = 1..4
var next: [N] -> set of N = {}
action link(a: N, b: N) when not (b in next[a]) and len(next[a]) < 1 do {
  next[a] := next[a] union {b}
}
invariant acyclic: forall n in N: not (n in reach(next, n))
reachable chain: reach(next, 1) == {2, 3, 4}
reachable fromset: reach(next, {1, 2}) == {1, 2, 3}
reachable nowhere: reach(next, 4) == {} and len(reach(next, {1, 2, 3, 4})) == 3
expect acyclic fails
allow deadlock
"""


def test_reach_compiled_matches_interpreter() -> None:
    system = spec(REACH)
    states_c, succ_c, errors_c = compiled_graph(system)
    states_i, succ_i, errors_i = interpreted_graph(system)
    assert states_c == states_i and succ_c == succ_i and errors_c == errors_i
    props = system.props_for(frozenset(range(4)))
    for s in map(system.layout.encode, states_i):  # the property code agrees too
        values = system.decode(s)
        assert props(s) == system.property_hits(s, range(4))[0], values


def test_reach_verdicts(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "reach.tock"
    path.write_text(REACH)
    report = check(str(path))
    assert [report.property(n).status for n in ("acyclic", "chain", "fromset", "nowhere")] \
        == ["violated", "reached", "reached", "reached"]
    assert len(report.property("acyclic").trace.steps) == 2  # a self-loop: one link


@pytest.mark.parametrize("text", [
    "var m: [1..3] -> set of 1..4 = {}\ninvariant x: reach(m, 1) == {}",
    "var m: [1..3] -> 1..3 = 1\ninvariant x: reach(m, 1) == {}",
    "type E = enum { a, b }\nvar m: [1..3] -> set of 1..3 = {}\ninvariant x: reach(m, a) == {}",
])
def test_reach_errors(text: str) -> None:
    with pytest.raises(SpecError) as err:
        spec(text + "\nallow deadlock")
    assert "E301" in str(err.value)


def test_scenarios_start_from_the_init_states_and_stop_at_the_boundary(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "scenario.tock"
    path.write_text("var a: 0..3\nvar b: 0..3\ninit: a + b == 3\nboundary low: b <= 2\n"
                    "action dec when a > 0 do { a := a - 1; b := b + 1 }\n"
                    "scenario drain strict { dec; dec; dec; assert a == 0 }\n"
                    "scenario beyond strict { dec; dec; dec; dec }\n"
                    "expect beyond fails\nallow deadlock\n")
    report = check(str(path))
    # from a = 3: three steps reach (0, 3), beyond the boundary, where the assert is checked
    assert report.property("drain").status == "reached"
    assert report.property("beyond").status == "unreached"
    assert report.outcome == "ok"


@pytest.mark.parametrize("engine", ["zones", "discrete"])
def test_init_in_a_timed_spec(tmp_path, engine: str) -> None:  # noqa: ANN001
    path = tmp_path / "timed.tock"
    path.write_text("var a: 0..3\nvar b: 0..3\nclock c\ninit: a + b == 3\n"
                    "action dec when a > 0 and c >= 1s do { a := a - 1; b := b + 1; reset c }\n"
                    "invariant sum3: a + b == 3\nreachable zero: a == 0 and b == 3\n"
                    "allow deadlock\n")
    report = check(str(path), options=Options(time_engine=engine))
    assert report.property("sum3").status == "holds"
    assert report.property("zero").status == "reached"
    assert report.property("zero").trace is not None
    assert len(report.property("zero").trace.steps) == 1  # (0, 3) is an initial state


@pytest.mark.parametrize("memory", ["compact", "fast"])
def test_the_time_limit_stops_a_long_initial_enumeration(tmp_path, memory: str) -> None:  # noqa: ANN001
    path = tmp_path / "big.tock"
    # 64 billion assignments of which one holds (the last): never enumerated in a test
    path.write_text("var a: 0..4000\nvar b: 0..4000\nvar c: 0..4000\n"
                    "init: a + b + c == 12000\naction t do { skip }\n")
    report = check(str(path), options=Options(time_limit=0.3, memory=memory))
    assert report.stop_reason == "time-limit" and report.outcome == "incomplete"
    assert report.stats.states == 0 and not report.stats.exhaustive


TIMED_BOUNDARY = """
var sent: 0..100 = 0
clock c
action send when sent < 100 and c >= 1s do { sent := sent + 1; reset c }
bound c <= 2s
boundary few: sent <= 3
invariant small: sent <= 4
invariant below: sent < 4
reachable four: sent == 4 and c <= 1s
property grows: sent == 0 ~> sent == 2
property far: sent == 0 ~> sent == 9
expect below fails
"""


@pytest.mark.parametrize("engine", ["zones", "discrete"])
def test_a_boundary_in_a_timed_spec(tmp_path, engine: str) -> None:  # noqa: ANN001
    path = tmp_path / "timed.tock"
    path.write_text(TIMED_BOUNDARY)
    report = check(str(path), options=Options(time_engine=engine))
    statuses = {p.name: p.status for p in report.properties}
    assert statuses == {"small": "holds", "below": "violated", "four": "reached",
                        "deadlock": "holds", "timelock": "holds", "runtime": "holds",
                        "grows": "holds", "far": "unknown"}
    assert report.stats.outside is not None and report.stats.outside >= 1
    assert report.outcome == "incomplete"  # `far` cannot be decided inside the boundary


def test_the_cluster_engine_takes_a_boundary_and_init() -> None:
    # the owners cut at a boundary as one process does (their reports against one
    # process's: test_cluster_partition); init predicates are enumerated under the budget
    assert refusal(spec(GROWING)) is None
    assert refusal(spec(TWO)) is None
    assert refusal(spec("var x: 0..1 = 0\nallow deadlock")) is None
