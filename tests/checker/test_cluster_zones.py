"""The zone engine distributed by discrete state (checker.engine.cluster.zones): owners in
one process (`direct:N`) and on a local Ray (`local:2`) give the one-process report, byte
for byte but for the engine and options lines; what it does not distribute it refuses."""

from __future__ import annotations

import contextlib
import dataclasses

import numpy as np
import pytest

from checker import Options, UsageError, check
from checker.engine.cluster import ray_available, shutdown
from checker.engine.cluster.owner import owner_of
from checker.engine.cluster.zones import owner_of_discrete
from checker.render.json import render_json
from checker.render.text import render_text
from tests.helpers import Shared

CASES = [
    ("specs/timed/fischer.tock", {"N": 4}, Options()),
    ("specs/timed/fischer.tock", {"N": 3, "WAIT": "1s"}, Options()),  # mutex violated
    ("specs/timed/fischer.tock", {"N": 4}, Options(check_deadlock=True, max_depth=6)),
    ("specs/timed/train_gate.tock", None, Options(check_deadlock=True, coverage=True)),
    ("specs/timed/retry.tock", None, Options()),
    # a bounded response: its monitor's product, and the scenarios
    ("specs/timed/node_eviction.tock", None, Options(properties=("evicted_in_time",))),
    ("specs/timed/ping_window.tock", {"RESTARTS": True},
     Options(properties=("no_removal_after_restart_within_75s",))),
    # unbounded leads-to: the owners build the exact zone graph, judged in the driver
    ("specs/timed/ping_window.tock", None, Options()),
    # ... and with a measure (its unbounded search too), scenarios and a bounded response
    ("specs/timed/node_eviction.tock", None, Options()),
    # a stale clock restarts the search with global constants (ZoneEngine.always)
    ("specs/liveness/response.tock", None, Options()),
]


def _plain(report):  # noqa: ANN001, ANN202
    return dataclasses.replace(report, engine="", options={})


def _same(one, many) -> bool:  # noqa: ANN001
    return (render_text(_plain(one)) == render_text(_plain(many))
            and render_json(_plain(one)) == render_json(_plain(many)))


@pytest.mark.parametrize("path, constants, options", CASES,
                         ids=lambda v: v.rsplit("/", 1)[-1] if isinstance(v, str) else None)
def test_owners_in_one_process_give_the_one_process_report(path: str, constants: dict | None,
                                                           options: Options) -> None:
    one = check(path, constants, options=options)
    many = check(path, constants, options=dataclasses.replace(options, cluster="direct:3"))
    assert many.engine.startswith("zones (") and many.engine.endswith("3 owners in one process")
    assert _same(one, many)


def test_the_state_graph_is_the_one_process_graph() -> None:
    one = check("specs/timed/train_gate.tock").graph()
    many = check("specs/timed/train_gate.tock", options=Options(cluster="direct:2")).graph()
    assert one.number_of_edges() > 10
    assert list(one.nodes(data=True)) == list(many.nodes(data=True))
    assert list(one.edges(data=True)) == list(many.edges(data=True))


@pytest.mark.slow
def test_the_flagship_on_two_owners() -> None:
    """specs/mesos/agent_recovery.tock's safety properties and scenarios (its unbounded
    leads-to needs the exact zone graph, which is not distributed)."""
    path = "specs/mesos/agent_recovery.tock"
    one = check(path, options=Options(properties=("p7_restart_within_70s_keeps_task",
                                                  "p12_exactly_once", "new_agent_id")))
    many = check(path, options=Options(properties=("p7_restart_within_70s_keeps_task",
                                                   "p12_exactly_once", "new_agent_id"),
                                       cluster="direct:2"))
    assert "global constants for agent.t" in many.engine
    assert _same(one, many)


def test_the_discrete_hash_is_the_explicit_one_and_folds_wide_states() -> None:
    values = [0, 1, 2, 3, 12345678901234, 2**63 + 5, 2**64 - 1]
    assert [owner_of_discrete(v, 5) for v in values] == \
        owner_of(np.array(values, dtype=np.uint64), 5).tolist()
    wide = (7 << 64) | 9
    assert owner_of_discrete(wide, 5) == owner_of_discrete(7 ^ 9, 5)


def test_the_discrete_time_engine_is_refused() -> None:
    with pytest.raises(UsageError, match="discrete-time engine"):
        check("specs/timed/fischer.tock", options=Options(time_engine="discrete",
                                                          cluster="direct:2"))


@pytest.mark.skipif(not ray_available(), reason="Ray is not installed (tock[cluster])")
def test_two_ray_owners_give_the_one_process_report(shared: Shared) -> None:
    with shared.exclusive("ray"), contextlib.ExitStack() as stack:  # one Ray at a time
        stack.callback(shutdown)
        # and two levels cut where one process stops (test_cluster_zone_cuts.py)
        cuts = [("specs/timed/fischer.tock", {"N": 3}, Options(max_states=40)),
                ("specs/timed/fischer.tock", {"N": 3, "WAIT": "1s"}, Options(fail_fast=True))]
        for path, constants, options in [CASES[0], CASES[1], CASES[3], CASES[7], *cuts]:
            one = check(path, constants, options=options)
            two = check(path, constants, options=dataclasses.replace(options,
                                                                     cluster="local:2"))
            assert two.engine.endswith("Ray cluster (local:2), 2 owners")
            assert _same(one, two), path


def test_a_time_limit_stops_it_with_a_partial_report() -> None:
    # N = 8: the whole search has 40,536 symbolic states, over a second in one process
    # (N = 6 became too quick for the limit); on a loaded machine the limit may pass while
    # the owners start, before any state (then the report is partial with none)
    report = check("specs/timed/fischer.tock", {"N": 8},
                   options=Options(time_limit=0.3, cluster="direct:2"))
    assert report.stop_reason == "time-limit" and report.outcome == "incomplete"
    assert report.stats.states < 40_536
