"""The distributed search's algorithm without Ray: owners in one process (`direct:N`) give
the same reports as one process, and what `--cluster` refuses it refuses clearly. The same
engine on real Ray actors is tested in tests/checker/test_cluster.py."""

from __future__ import annotations

import dataclasses
import glob
import sys

import numpy as np
import pytest

from checker import Options, UsageError, check, check_system
from checker.engine import Budget
from checker.engine.cluster import backend as cluster_backend
from checker.engine.cluster import parse_address
from checker.engine.cluster.owner import owner_of
from checker.engine.cluster.zones import owner_of_discrete
from checker.engine.store import Packing
from checker.render.json import render_json
from checker.render.text import render_text
from model import load_text
from tests.helpers import BOUNDED, WIDE_CONFORMANCE, spec

# every conformance spec, the wide ones (abd, paxos: states of thousands of bits) too
SPECS = sorted(glob.glob("specs/conformance/*.tock")) + [
    "specs/liveness/naive_lock.tock", "specs/liveness/starvation.tock",
    "tests/fixtures/features.tock"]
assert WIDE_CONFORMANCE <= set(SPECS)

# a boundary (TLC's CONSTRAINT): the states outside it are checked, not expanded
GROWING = BOUNDED + "property back: x == 1 ~> x == 0\n"


def same_report(one, many) -> bool:  # noqa: ANN001
    """Byte-identical text and JSON reports, but for the lines that name the engine and
    the options (which say that the run was distributed)."""
    def plain(r):  # noqa: ANN001, ANN202
        return dataclasses.replace(r, engine="", options={})
    return (render_text(plain(one)) == render_text(plain(many))
            and render_json(plain(one)) == render_json(plain(many)))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.rsplit("/", 1)[-1])
def test_owners_in_one_process_give_the_one_process_report(path: str) -> None:
    one = check(path)
    many = check(path, options=Options(cluster="direct:3"))
    assert many.engine == "explicit, 3 owners in one process"
    assert many.options == {"cluster": "direct:3"}
    assert same_report(one, many)


@pytest.mark.parametrize("options", [Options(max_states=100), Options(max_depth=7),
                                     Options(max_states=288), Options(fail_fast=True),
                                     Options(coverage=True), Options(check_deadlock=True)],
                         ids=repr)
@pytest.mark.parametrize("path", ["specs/conformance/bakery2.tock",
                                  "tests/fixtures/features.tock"],
                         ids=lambda p: p.rsplit("/", 1)[-1])
def test_bounds_and_options_give_the_one_process_report(path: str, options: Options) -> None:
    one = check(path, options=options)
    many = check(path, options=dataclasses.replace(options, cluster="direct:2"))
    assert same_report(one, many)


@pytest.mark.parametrize("options", [Options(), Options(coverage=True), Options(max_states=5),
                                     Options(fail_fast=True), Options(max_depth=3)],
                         ids=repr)
def test_a_boundary_cuts_the_owners_search_as_it_cuts_one_process(tmp_path, options: Options  # noqa: ANN001
                                                                  ) -> None:
    path = tmp_path / "growing.tock"
    path.write_text(GROWING)
    one = check(str(path), options=options)
    many = check(str(path), options=dataclasses.replace(options, cluster="direct:3"))
    if options == Options():
        assert (one.stats.states, one.stats.outside) == (8, 2)
    assert same_report(one, many)


@pytest.mark.parametrize("options", [Options(max_states=300), Options(fail_fast=True),
                                     Options(max_depth=9), Options(coverage=True)], ids=repr)
def test_wide_states_give_the_one_process_report_under_bounds(options: Options) -> None:
    one = check("specs/conformance/abd.tock", options=options)
    many = check("specs/conformance/abd.tock",
                 options=dataclasses.replace(options, cluster="direct:2"))
    assert same_report(one, many)


def test_fewer_states_than_initial_ones_stop_as_the_dict_store_does() -> None:
    # 4 initial states and --max-states 1: the enumeration of the initial states is cut at
    # the bound (checker.engine.initial) and nothing is expanded, in one process and on
    # the owners alike
    one = check("tests/fixtures/features.tock", options=Options(max_states=1, memory="fast"))
    many = check("tests/fixtures/features.tock", options=Options(max_states=1,
                                                                 cluster="direct:2"))
    assert many.stats.states == one.stats.states == 1
    assert not many.stats.exhaustive
    assert [(p.name, p.status) for p in one.properties] == \
        [(p.name, p.status) for p in many.properties]


with open("specs/conformance/twophase.tock", encoding="utf-8") as _f:
    SCENARIOS = _f.read() + """
scenario everyone_commits {
  RMPrepare(r = 1)
  RMPrepare(2)
  RMPrepare(r = 3)
  TMCommit
  assert tmState == committed
  RMRcvCommitMsg(r = _)
}
scenario strict_commit strict {
  RMPrepare(r = 1)
  RMPrepare(r = 2)
  RMPrepare(r = 3)
  TMCommit
}
expect strict_commit fails
"""


def scenarios_spec():  # noqa: ANN201
    return load_text(SCENARIOS, "twophase+scenarios.tock")


def test_scenario_products_are_searched_by_the_owners_too() -> None:
    one = check_system(scenarios_spec(), Options())
    many = check_system(scenarios_spec(), Options(cluster="direct:2"))
    assert many.property("everyone_commits").status == "reached"
    assert many.property("strict_commit").status == "unreached"
    assert same_report(one, many)


def test_runtime_errors_are_found_as_in_one_process() -> None:
    text = ("var x: 0..3 = 0\nvar a: [1..3] -> bool = false\n"
            "action inc do { x := x + 1 }\ninvariant bad: not a[x] or true\nallow deadlock")
    one = check_system(spec(text), Options())
    many = check_system(spec(text), Options(cluster="direct:2"))
    assert many.property("runtime").status == "violated"
    assert same_report(one, many)


def test_a_time_limit_stops_it_with_a_partial_report() -> None:
    ticks = iter(range(1_000_000))
    options = Options(time_limit=3, cluster="direct:2")
    budget = Budget(options, clock=lambda: float(next(ticks)))  # a second per look
    report = check_system(spec("var x: 0..200 = 0\naction inc when x < 200 do { x := x + 1 }\n"
                               "allow deadlock"), options, budget=budget)
    assert report.outcome == "incomplete" and report.stop_reason == "time-limit"
    assert 0 < report.stats.states < 201


def test_the_partition_is_a_fixed_hash() -> None:
    # the same owners on every machine and in every run (not Python's salted hash())
    # (splitmix64's finaliser, here on Python ints, as an independent reference)
    def mix(x: int) -> int:
        mask = 2**64 - 1
        x ^= x >> 30
        x = x * 0xBF58476D1CE4E5B9 & mask
        x ^= x >> 27
        x = x * 0x94D049BB133111EB & mask
        return x ^ x >> 31

    values = [0, 1, 2, 3, 12345678901, 2**63, 2**64 - 1]
    states = np.array(values, dtype=np.uint64)
    assert owner_of(states, 4).tolist() == [0, 1, 2, 0, 0, 2, 3]
    for n in (1, 2, 3, 7):
        assert owner_of(states, n).tolist() == [mix(v) % n for v in values]


def test_the_partition_of_wide_states_hashes_every_word() -> None:
    # a wide state is folded to 64 bits by xor of its words (as the zone owners fold a
    # wide discrete state), then mixed as a narrow one
    packing = Packing(200)
    values = [0, 1, 5 << 64, (3 << 128) | (7 << 64) | 9, 2**199 + 2**64 - 1]
    states = packing.array(values)
    folded = [(v ^ v >> 64 ^ v >> 128 ^ v >> 192) & (2**64 - 1) for v in values]
    assert owner_of(states, 7).tolist() == \
        owner_of(np.array(folded, dtype=np.uint64), 7).tolist() == \
        [owner_of_discrete(v, 7) for v in values]
    # every word counts: states differing in one word only go to different owners
    spread = owner_of(packing.array([k << 128 for k in range(64)]), 4).tolist()
    assert len(set(spread)) == 4


def test_the_discrete_time_engine_is_refused() -> None:
    # timed specs go to the zone engine's cluster search (tests/checker/test_cluster_zones.py);
    # the discrete-time engine is refused
    with pytest.raises(UsageError, match="discrete-time engine"):
        check("specs/timed/ping_window.tock",
              options=Options(cluster="local:2", time_engine="discrete"))


def test_a_set_of_100_elements_runs_on_the_owners() -> None:
    wide = spec("var big: set of 0..99 = {}\naction add(i: 0..5) do { big := big union {i} }\n"
                "allow deadlock")
    assert wide.layout.width > 64
    one = check_system(wide, Options())
    many = check_system(wide, Options(cluster="direct:2"))
    assert many.stats.states == one.stats.states == 64 and same_report(one, many)


@pytest.mark.parametrize("text", ["local:0", "local:x", "nowhere", "direct"])
def test_bad_addresses_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="--cluster"):
        parse_address(text)


def test_addresses() -> None:
    assert parse_address("local:3").owners == 3 and parse_address("local:3").local
    remote = parse_address("ray://head:10001")
    assert not remote.local and remote.owners is None
    assert parse_address("auto").owners is None
    assert parse_address("10.0.0.1:6379").owners is None


def test_without_ray_the_flag_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from checker.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as if not installed
    assert not cluster_backend.ray_available()
    with pytest.raises(UsageError, match=r"pip install 'tock\[cluster\]'"):
        check("specs/conformance/twophase.tock", options=Options(cluster="local:2"))
    assert main(["check", "specs/conformance/twophase.tock", "--cluster", "local:2"]) == 2
    assert "pip install 'tock[cluster]'" in capsys.readouterr().err
    # everything else runs without Ray, and owners in one process need none
    assert check("specs/conformance/twophase.tock").outcome == "ok"
    assert check("specs/conformance/twophase.tock",
                 options=Options(cluster="direct:2")).outcome == "ok"


@pytest.mark.parametrize("flags, message", [(["--workers", "2"], "--workers"),
                                            (["--memory", "fast"], "--memory fast")])
def test_contradicting_flags_are_refused(flags: list[str], message: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    from checker.cli import main

    assert main(["check", "specs/conformance/twophase.tock", "--cluster", "local:2"]
                + flags) == 2
    assert message in capsys.readouterr().err
