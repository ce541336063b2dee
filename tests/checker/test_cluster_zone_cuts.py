"""The zone engine on owners (`direct:N`, in one process) stopped where one process stops
in the middle of a level: --max-states after the node whose expansion reaches the bound,
--fail-fast at the first finding that makes a verdict unexpected, and a `boundary` whose
symbolic states outside are checked, not expanded (checker.engine.cluster.zones: the
driver finds the stop, the owners cut the level there). Byte-identical text and JSON
reports but for the engine and options lines, as in test_cluster_zones.py."""

from __future__ import annotations

import dataclasses

import pytest

from checker import Options, check, check_system
from checker.render.json import render_json
from checker.render.text import render_text
from tests.helpers import TIMED_BOUNDED, spec

FISCHER = "specs/timed/fischer.tock"


def _plain(report):  # noqa: ANN001, ANN202
    return dataclasses.replace(report, engine="", options={})


def _same(one, many) -> bool:  # noqa: ANN001
    return (render_text(_plain(one)) == render_text(_plain(many))
            and render_json(_plain(one)) == render_json(_plain(many)))


def _both(path: str, constants: dict | None, options: Options, owners: int = 3):  # noqa: ANN202
    one = check(path, constants, options=options)
    many = check(path, constants,
                 options=dataclasses.replace(options, cluster=f"direct:{owners}"))
    assert many.engine.endswith(f"{owners} owners in one process")
    return one, many


# fischer with N = 3 has 71 symbolic states in 14 levels: 1 and 5 stop in the first
# levels, 17 and 40 in the middle of one (not at its end), 71 after the last node, 100
# never; with deadlocks asked, the stuck-state test is on each new zone (ExtraLUStuck)
@pytest.mark.parametrize("max_states", [1, 5, 17, 40, 71, 100])
@pytest.mark.parametrize("deadlock", [False, True], ids=["", "deadlock"])
def test_max_states_stops_the_owners_where_it_stops_one_process(max_states: int,
                                                               deadlock: bool) -> None:
    one, many = _both(FISCHER, {"N": 3}, Options(max_states=max_states,
                                                 check_deadlock=deadlock or None))
    assert (one.stop_reason == "max-states") == (max_states <= 71)
    assert _same(one, many)


def test_the_bound_is_met_in_the_middle_of_a_level() -> None:
    # what the cut reproduces: one process stops after part of a level, so neither the
    # levels before it nor the whole level give its counts
    one, many = _both(FISCHER, {"N": 3}, Options(max_states=40), owners=2)
    depth = one.stats.depth
    before = check(FISCHER, {"N": 3}, options=Options(max_depth=depth - 1)).stats
    whole = check(FISCHER, {"N": 3}, options=Options(max_depth=depth)).stats
    assert before.states < one.stats.states < whole.states
    assert before.transitions < one.stats.transitions < whole.transitions
    assert _same(one, many)


@pytest.mark.parametrize("path, constants, options, reason", [
    # mutual exclusion fails (in the middle of level 12)
    (FISCHER, {"N": 3, "WAIT": "1s"}, Options(fail_fast=True), "fail-fast"),
    (FISCHER, {"N": 3, "WAIT": "1s"}, Options(fail_fast=True, check_deadlock=True),
     "fail-fast"),
    # both bounds: whichever one process meets first
    (FISCHER, {"N": 3, "WAIT": "1s"}, Options(fail_fast=True, max_states=60), "max-states"),
    (FISCHER, {"N": 3, "WAIT": "1s"}, Options(fail_fast=True, max_states=75), "fail-fast"),
    ("specs/timed/retry.tock", {"DELAY": "2s"}, Options(fail_fast=True), "fail-fast"),
    ("specs/timed/node_eviction.tock", None, Options(fail_fast=True), None),
], ids=["fischer", "fischer-deadlock", "fischer-max-states", "fischer-fail-first", "retry",
        "node_eviction"])
def test_fail_fast_stops_the_owners_at_one_process_finding(path: str, constants: dict | None,
                                                           options: Options,
                                                           reason: str | None) -> None:
    one, many = _both(path, constants, options)
    assert one.stop_reason == reason
    assert _same(one, many)


def test_a_stale_clock_after_the_stop_does_not_restart_the_owners() -> None:
    # response.tock restarts with global constants for `waited` at its second level; a
    # bound met before the stale transition ends the search without the restart, in one
    # process and on the owners alike (the engine line says whether it restarted)
    for max_states in (1, 2, 3):
        one, many = _both("specs/liveness/response.tock", None,
                          Options(max_states=max_states), owners=2)
        assert ("global constants" in one.engine) == (max_states == 3)
        assert ("global constants" in many.engine) == (max_states == 3)
        assert _same(one, many)


@pytest.mark.parametrize("text, options", [
    (TIMED_BOUNDED, Options()),
    (TIMED_BOUNDED, Options(check_deadlock=True, coverage=True)),
    (TIMED_BOUNDED, Options(max_states=30)),
    (TIMED_BOUNDED, Options(max_depth=5)),
    # the violation of at_most_two (outside the boundary) is no longer expected
    (TIMED_BOUNDED.replace("expect at_most_two fails\n", ""), Options(fail_fast=True)),
    # a clock property that fails: quick reads P[1].x
    (TIMED_BOUNDED.replace("P[1].x <= 1s", "P[1].x < 1s"), Options(fail_fast=True)),
    # unbounded leads-to: the owners build the exact zone graph, outside nodes have no edge
    (TIMED_BOUNDED + "property served: P[1].loc == req ~> P[1].loc == wait\n", Options()),
    (TIMED_BOUNDED + "property served: P[1].loc == req ~> P[1].loc == wait\n",
     Options(max_states=40)),
], ids=["plain", "deadlock-coverage", "max-states", "max-depth", "fail-fast",
        "fail-fast-clock", "leads-to", "leads-to-max-states"])
def test_a_boundary_cuts_the_owners_search_as_it_cuts_one_process(text: str,
                                                                  options: Options) -> None:
    one = check_system(spec(text), options)
    many = check_system(spec(text), dataclasses.replace(options, cluster="direct:3"))
    if options == Options() and "served" not in text:
        assert (one.stats.states, one.stats.outside) == (48, 4)
        assert one.property("third").status == "reached"
    assert _same(one, many)


def test_the_state_graph_of_a_stopped_search_is_the_one_process_graph() -> None:
    one = check("specs/timed/train_gate.tock", options=Options(max_states=30))
    many = check("specs/timed/train_gate.tock", options=Options(max_states=30,
                                                                 cluster="direct:2"))
    assert one.stop_reason == "max-states"
    one_graph, many_graph = one.graph(), many.graph()
    assert one_graph.number_of_edges() > 10
    assert list(one_graph.nodes(data=True)) == list(many_graph.nodes(data=True))
    assert list(one_graph.edges(data=True)) == list(many_graph.edges(data=True))


# a run-time error (tick takes n past 3) and a property that fails to evaluate (arr[3])
FAULTS = """
var n: 0..3 = 0
var m: 0..5 = 0
var arr: [0..2] -> 0..1 = 0
clock c
action tick when c >= 1s do { n := n + 1; reset c }
action bump when m < 5 do { m := m + 1 }
action stop when n == 2 and c <= 2s do { m := 0 }
bound c <= 3s while m < 5
invariant small: arr[n] == 0
invariant fine: m < 5 or c <= 3s
reachable all: n == 3
"""
# a timelock: time cannot pass beyond 2 s at s == 3, and no action is left
TIMELOCK = """
var s: 0..3 = 0
clock c
action go when s < 3 and c >= 1s do { s := s + 1; reset c }
bound c <= 2s while s >= 0
reachable end: s == 3
"""


@pytest.mark.parametrize("text, options, reason", [
    (FAULTS, Options(fail_fast=True), "fail-fast"),
    (FAULTS, Options(max_states=7), "max-states"),
    (FAULTS, Options(max_states=20), "max-states"),
    (FAULTS, Options(fail_fast=True, check_deadlock=True, max_states=7), "fail-fast"),
    # the exact zone graph (an unbounded leads-to), whose stuck-state test is on the node
    # expanded rather than on each new zone
    (FAULTS + "property p: n == 1 ~> n == 2\n", Options(fail_fast=True, check_deadlock=True),
     "fail-fast"),
    (TIMELOCK, Options(fail_fast=True), "fail-fast"),
    (TIMELOCK + "property q: s == 1 ~> s == 2\n", Options(fail_fast=True), "fail-fast"),
], ids=["fail-fast", "max-states-7", "max-states-20", "both", "exact", "timelock",
        "timelock-exact"])
def test_run_time_errors_and_timelocks_stop_the_owners_as_one_process(
        text: str, options: Options, reason: str) -> None:
    one = check_system(spec(text), options)
    many = check_system(spec(text), dataclasses.replace(options, cluster="direct:3"))
    assert one.stop_reason == reason
    assert _same(one, many)
