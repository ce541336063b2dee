"""The explorer on small hand-written systems: counts, depth, deadlocks, bounds, shortest
traces (checked against networkx), and the state graph."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from checker import Options, check, check_system
from checker.graph import GraphTooLarge
from tests.helpers import spec

COUNTER = """
var x: 0..3 = 0
action inc when x < 3 do { x := x + 1 }
"""


def test_counter_counts_and_deadlock() -> None:
    report = check_system(spec(COUNTER), Options())
    assert (report.stats.states, report.stats.transitions, report.stats.depth) == (4, 3, 4)
    assert report.stats.deadlocks == 1
    deadlock = report.property("deadlock")
    assert deadlock.status == "violated" and not deadlock.as_expected
    assert len(deadlock.trace) == 3
    assert report.outcome == "violation" and report.exit_code == 1


def test_self_loop_is_a_successor_not_a_deadlock() -> None:
    report = check_system(spec(COUNTER + "action stay when x == 3 do { x := x }"), Options())
    assert report.stats.deadlocks == 0
    assert report.property("deadlock").status == "holds"
    assert report.stats.transitions == 4


def test_allow_deadlock_still_counts_deadlock_states() -> None:
    report = check_system(spec(COUNTER + "allow deadlock"), Options())
    assert report.outcome == "ok"
    assert report.stats.deadlocks == 1
    assert all(p.name != "deadlock" for p in report.properties)


def test_cli_option_overrides_spec_deadlock_switch() -> None:
    report = check_system(spec(COUNTER + "allow deadlock"), Options(check_deadlock=True))
    assert report.property("deadlock").status == "violated"
    report = check_system(spec(COUNTER), Options(check_deadlock=False))
    assert report.outcome == "ok"


def test_initial_states_are_level_one() -> None:
    system = spec("var x: 0..3 in {0, 2}\naction inc when x < 3 do { x := x + 1 }\nallow deadlock")
    report = check_system(system, Options())
    assert report.stats.states == 4
    assert report.stats.depth == 2  # {0, 2}, then {1, 3}; 1 -> 2 is a known state
    params = spec("param p: 1..3\nvar x: 0..3 = 0\naction go when x < p do { x := x + 1 }\n"
                  "allow deadlock")
    assert check_system(params, Options()).stats.states == 2 + 3 + 4  # x = 0..p for p = 1..3


def test_invariant_false_initially_has_an_empty_trace() -> None:
    report = check_system(spec(COUNTER + "invariant pos: x > 0\nallow deadlock"), Options())
    result = report.property("pos")
    assert result.status == "violated" and len(result.trace) == 0


def test_reachable_verdicts_and_expectations() -> None:
    text = COUNTER + "reachable three: x == 3\nreachable four: x == 4 - 0 and x != 3\n"
    report = check_system(spec(text + "allow deadlock"), Options())
    assert report.property("three").status == "reached"
    assert len(report.property("three").trace) == 3
    assert report.property("four").status == "unreached"
    assert report.outcome == "violation"  # a reachable is expected to be reached
    expected = check_system(spec(text + "expect four fails\nallow deadlock"), Options())
    assert expected.outcome == "ok"


@pytest.mark.parametrize("options, reason", [
    (Options(max_states=3), "max-states"),
    (Options(max_depth=2), "max-depth"),
])
def test_bounds_make_the_run_incomplete(options: Options, reason: str) -> None:
    report = check_system(spec(COUNTER + "invariant ok: x <= 3\nallow deadlock"), options)
    assert report.outcome == "incomplete" and report.exit_code == 3
    assert report.stop_reason == reason
    assert report.property("ok").status == "unknown"
    assert not report.stats.exhaustive


def test_a_violation_found_within_bounds_is_still_reported() -> None:
    report = check_system(spec(COUNTER + "invariant small: x < 1\nallow deadlock"),
                          Options(max_depth=2))
    assert report.property("small").status == "violated"
    assert report.outcome == "violation"


def test_fail_fast_stops_at_the_first_unexpected_verdict() -> None:
    text = "var x: 0..20 = 0\naction inc when x < 20 do { x := x + 1 }\n" \
           "invariant small: x < 2\nallow deadlock"
    report = check_system(spec(text), Options(fail_fast=True))
    assert report.stop_reason == "fail-fast"
    assert report.stats.states < 21
    assert report.outcome == "violation"


def _random_spec(rng: random.Random, n: int, edges: int) -> tuple[str, nx.DiGraph]:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    lines = [f"var s: 0..{n - 1} = 0"]
    for k in range(edges):
        a, b = rng.randrange(n), rng.randrange(n)
        graph.add_edge(a, b)
        lines.append(f"action e{k} when s == {a} do {{ s := {b} }}")
    return "\n".join(lines) + "\nallow deadlock\n", graph


@pytest.mark.parametrize("seed", range(12))
def test_bfs_finds_shortest_traces(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randrange(3, 12)
    text, graph = _random_spec(rng, n, rng.randrange(n, 3 * n))
    reachable = nx.descendants(graph, 0) | {0}
    target = max(reachable)
    report = check_system(spec(text + f"reachable hit: s == {target}\n"), Options())
    assert report.stats.states == len(reachable)
    trace = report.property("hit").trace
    assert trace is not None
    assert len(trace) == nx.shortest_path_length(graph, 0, target)
    depth = max(nx.single_source_shortest_path_length(graph, 0).values()) + 1
    assert report.stats.depth == depth


def test_state_graph_matches_counts() -> None:
    report = check("specs/conformance/phils.tock")
    graph = report.graph()
    assert graph.number_of_nodes() == 80
    # transitions joining the same two states share one edge
    assert sum(len(d["actions"]) for _, _, d in graph.edges(data=True)) == 212
    assert [n for n, d in graph.nodes(data=True) if d["initial"]] == [0]
    assert sum(1 for n in graph if graph.out_degree(n) == 0) == 1


def test_state_graph_refuses_large_models() -> None:
    report = check("specs/conformance/twophase.tock", options=Options(graph_limit=100))
    with pytest.raises(GraphTooLarge, match="more than the limit"):
        report.graph()


def test_coverage_counts_transitions_per_action_and_finds_dead_ones() -> None:
    text = COUNTER + "action never when x > 5 - 3 and x < 0 do { x := 0 }\nallow deadlock"
    report = check_system(spec(text), Options(coverage=True))
    assert report.coverage == (("inc", 3), ("never", 0))
    assert check_system(spec(text), Options()).coverage == ()


@pytest.mark.parametrize("engine", ["zones", "discrete"])
def test_coverage_in_timed_engines(engine: str) -> None:
    report = check("specs/timed/fischer.tock", options=Options(coverage=True, time_engine=engine))
    fired = dict(report.coverage)
    assert set(fired) == {"try", "set", "enter", "retry", "leave"}
    assert all(n > 0 for n in fired.values())


def test_why_an_invariant_is_false() -> None:
    report = check("specs/conformance/bakery2.tock")
    why = dict(report.property("mutex").why)
    assert why["not (P[0].state == CS and P[1].state == CS)"] == "false"
    assert why["P[0].state == CS"] == "true"
    assert why["P[0].state"] == "CS"
