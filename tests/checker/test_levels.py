"""The compact store and its workers against the dict store: the same states, counts,
first findings and traces, on one core or several."""

from __future__ import annotations

import glob

import pytest

from checker import Options, check, check_system
from tests.helpers import WIDE_CONFORMANCE, spec

# every conformance spec whose states fit in 64 bits (the wide ones, the Stateright actor
# models, are slow: tests/checker/test_wide_store.py checks abd with --runslow)
SPECS = [p for p in sorted(glob.glob("specs/conformance/*.tock")) if p not in WIDE_CONFORMANCE] \
    + ["tests/fixtures/features.tock"]


def _summary(report):  # noqa: ANN001, ANN202
    s = report.stats
    return ((s.states, s.transitions, s.depth, s.deadlocks, s.exhaustive, report.outcome),
            [(p.name, p.status, p.message,
              None if p.trace is None else [step.label for step in p.trace.steps])
             for p in report.properties])


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.rsplit("/", 1)[-1])
def test_compact_store_matches_dict_store(path: str) -> None:
    fast = check(path, options=Options(memory="fast"))
    compact = check(path, options=Options(memory="compact"))
    assert fast.engine == "explicit" and compact.engine.startswith("explicit, compact")
    assert _summary(fast) == _summary(compact)


@pytest.mark.parametrize("path", ["specs/conformance/bakery2.tock",
                                  "specs/conformance/hanoi.tock",
                                  "tests/fixtures/features.tock"],
                         ids=lambda p: p.rsplit("/", 1)[-1])
def test_two_workers_match_one(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import checker.engine.explicit.levels as levels

    monkeypatch.setattr(levels, "CHUNK", 64)  # many chunks, so the workers really share
    one = check(path, options=Options(memory="compact"))
    two = check(path, options=Options(memory="compact", workers=2))
    assert _summary(one) == _summary(two)
    assert two.engine.endswith("2 workers")


@pytest.mark.parametrize("options", [Options(max_states=100), Options(max_depth=7),
                                     Options(max_states=1)])
def test_bounds_stop_both_stores_alike(options: Options) -> None:
    from dataclasses import replace

    fast = check("specs/conformance/twophase.tock", options=replace(options, memory="fast"))
    compact = check("specs/conformance/twophase.tock", options=replace(options, memory="compact"))
    assert fast.outcome == compact.outcome == "incomplete"
    assert [(p.name, p.status) for p in fast.properties] == \
        [(p.name, p.status) for p in compact.properties]
    if options.max_states is not None:  # both stop at exactly the bound
        assert fast.stats.states == compact.stats.states == options.max_states
    else:
        assert _summary(fast) == _summary(compact)


def test_runtime_errors_in_the_compact_store() -> None:
    text = ("var x: 0..3 = 0\nvar a: [1..3] -> bool = false\n"
            "action inc do { x := x + 1 }\ninvariant bad: not a[x] or true\nallow deadlock")
    fast = check_system(spec(text), Options(memory="fast"))
    compact = check_system(spec(text), Options(memory="compact"))
    assert _summary(fast) == _summary(compact)
    assert compact.property("runtime").status == "violated"


def test_wide_states_use_the_compact_store() -> None:
    # more than 64 bits: several words a state (tests/checker/test_wide_store.py has more)
    text = "var big: set of 0..99 = {}\naction add(i: 0..99) do { big := big union {i} }\n" \
           "allow deadlock"
    report = check_system(spec(text), Options(max_states=50))
    assert report.engine == "explicit, compact store"
    two = check_system(spec(text), Options(max_states=50, workers=2))
    assert two.engine == "explicit, compact store, 2 workers"
    assert two.stats.states == report.stats.states == 50
    fast = check_system(spec(text), Options(max_states=50, memory="fast"))
    assert fast.engine == "explicit" and fast.stats.states == 50


def test_graph_from_the_compact_store() -> None:
    report = check("specs/conformance/phils.tock", options=Options(memory="compact"))
    graph = report.graph()
    assert graph.number_of_nodes() == 80
    assert sum(len(d["actions"]) for _, _, d in graph.edges(data=True)) == 212


def test_more_initial_states_than_max_states() -> None:
    # the initial states are cut at the bound, in both stores alike, and nothing more is
    # kept (the compact store once sliced most of the next level in with a negative room)
    system = spec("var x: 0..3 in {0, 1, 2, 3}\nvar y: 0..3 = 0\n"
                  "action inc when y < 3 do { y := y + 1 }\nallow deadlock")
    compact = check_system(system, Options(max_states=2))
    fast = check_system(system, Options(max_states=2, memory="fast"))
    assert compact.stats.states == fast.stats.states == 2  # the initial states, cut
    assert not compact.stats.exhaustive and not fast.stats.exhaustive
