"""`--cluster` on a real local Ray cluster: the same counts, verdicts and traces (text and
JSON byte-identical but for the engine and options lines) as one process, on a spec with
a violation and a deadlock, a clean one and one with leads-to properties; with 2 and 3
owners; bounds stop it with the one-process partial report.

One local Ray (2 CPUs, no dashboard) serves the whole module and is shut down at its end:
43-68 s in all on this two-core machine shared with other jobs (load average 8 to 10),
most of it Ray's start-up (about 20 s) and the start of each owner's process. The
tests skip, saying why, where Ray is not installed (pip install 'tock[cluster]')."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from checker import Options, check, check_system, load
from checker.cli import main
from checker.engine import Budget
from checker.engine.cluster import ray_available, shutdown
from checker.engine.cluster.backend import start_ray
from tests.checker.test_cluster_partition import same_report, scenarios_spec
from tests.helpers import Shared

pytestmark = pytest.mark.skipif(not ray_available(),
                                reason="Ray is not installed (pip install 'tock[cluster]')")

VIOLATION = "specs/conformance/bakery2.tock"  # mutex violated, deadlocks (as expected)
CLEAN = "specs/conformance/twophase.tock"  # invariant holds, a reachable reached
LIVENESS = "specs/liveness/starvation.tock"  # leads-to under fairness, a lasso


@pytest.fixture(scope="module", autouse=True)
def local_ray(shared: Shared) -> Iterator[None]:
    with shared.exclusive("ray"):  # one local Ray at a time among the test workers
        start_ray(2)  # as `--cluster local:2` starts it, for every test of the module
        try:
            yield
        finally:
            shutdown()


@pytest.mark.parametrize("path", [VIOLATION, CLEAN, LIVENESS],
                         ids=lambda p: p.rsplit("/", 1)[-1])
def test_two_ray_owners_give_the_one_process_report(path: str) -> None:
    one = check(path)
    two = check(path, options=Options(cluster="local:2"))
    assert two.engine == "explicit, Ray cluster (local:2), 2 owners"
    assert same_report(one, two)
    assert any(p.trace is not None for p in two.properties)


@pytest.mark.parametrize("options", [Options(max_states=500), Options(max_depth=20),
                                     Options(fail_fast=True)],
                         ids=["max_states", "max_depth", "fail_fast"])
def test_bounds_stop_it_as_they_stop_one_process(options: Options) -> None:
    one = check(VIOLATION, options=options)
    two = check(VIOLATION, options=dataclasses.replace(options, cluster="local:2"))
    assert same_report(one, two)


def test_scenarios_on_ray_owners() -> None:
    one = check_system(scenarios_spec(), Options())
    two = check_system(scenarios_spec(), Options(cluster="local:2"))
    assert two.property("everyone_commits").status == "reached"
    assert same_report(one, two)


def test_a_time_limit_stops_the_owners_with_a_partial_report() -> None:
    ticks = iter(range(1_000_000))
    options = Options(time_limit=12, cluster="local:2")
    budget = Budget(options, clock=lambda: float(next(ticks)))  # a second per look
    report = check_system(load(VIOLATION), options, budget=budget)
    assert report.outcome == "incomplete" and report.stop_reason == "time-limit"
    assert 0 < report.stats.states < 1146
    # what was found before the stop has its trace, rebuilt from the owners
    assert all(p.trace is not None for p in report.properties if p.status == "violated")


def test_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", VIOLATION, "-q"]) == 0
    one = capsys.readouterr().out
    assert main(["check", VIOLATION, "-q", "--cluster", "local:2"]) == 0
    two = capsys.readouterr().out
    assert "engine     explicit, Ray cluster (local:2), 2 owners" in two
    assert "options    cluster=local:2" in two
    drop = ("engine ", "options ")
    assert [line for line in one.splitlines() if not line.startswith(drop)] == \
        [line for line in two.splitlines() if not line.startswith(drop)]


def test_three_ray_owners_too() -> None:
    one = check(VIOLATION, options=Options(coverage=True))
    three = check(VIOLATION, options=Options(coverage=True, cluster="local:3"))
    assert three.engine.endswith("3 owners")
    assert same_report(one, three)
    assert three.coverage == one.coverage and sum(n for _, n in three.coverage) > 0
