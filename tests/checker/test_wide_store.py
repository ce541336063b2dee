"""The compact store with states wider than 64 bits (several 64-bit words a state) against
the dict store: the same states in the same discovery order, the same parents, counts,
verdicts and traces, on one core or with workers, spilled to disk or resumed from a
checkpoint."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from checker.api import check_system, load
from checker.engine import Budget
from checker.engine import spill as spill_module
from checker.engine.checkpoint import Checkpointer
from checker.engine.explicit import explore_dict, explore_levels
from checker.engine.explicit import levels as levels_module
from checker.engine.interface import Job
from checker.engine.spill import SortedRuns
from checker.engine.store import LevelStore, Packing
from checker.options import Options
from checker.render.json import render_json

ROOT = Path(__file__).resolve().parents[2]
WIDE = str(ROOT / "tests" / "fixtures" / "wide.tock")
ABD = str(ROOT / "specs" / "conformance" / "abd.tock")


def _json(report: Any) -> dict[str, Any]:
    """The JSON report without the engine's name and the options (which name the store
    and the workers)."""
    data = json.loads(render_json(report))
    data.pop("engine")
    data.pop("options")
    return data


def _clock() -> Callable[[], float]:
    """A fake clock: every poll is a second later (so every poll reads the memory)."""
    ticks = itertools.count()
    return lambda: float(next(ticks))


def _over_once(at: int) -> Callable[[], float]:
    """A memory reading: far over any limit on its `at`-th call, nothing otherwise."""
    calls = itertools.count(1)
    return lambda: 10_000.0 if next(calls) == at else 0.0


def _explore(system: Any, compact: bool, **options: Any) -> Any:
    opts = Options(**options)
    job = Job(system, opts, Budget(opts), tuple(range(len(system.properties))), True)
    return explore_levels(job) if compact else explore_dict(job)


def test_the_fixture_is_wide() -> None:
    system = load(WIDE)
    assert Packing(system.layout.width).words >= 2  # else this file tests nothing new


# ------------------------------------------------------------------ packing
@pytest.mark.parametrize("width", [65, 128, 200, 3553])
def test_packing_round_trips_and_orders_as_numbers(width: int) -> None:
    packing = Packing(width)
    rng = np.random.default_rng(width)
    states = [int.from_bytes(rng.bytes(-(-width // 8)), "little") % (1 << width)
              for _ in range(300)] + [0, 1, (1 << width) - 1, 1 << (width - 1)]
    array = packing.array(states)
    assert array.dtype == packing.dtype and array.dtype.itemsize == 8 * packing.words
    assert packing.ints(array) == states
    assert packing.bytes_ints(packing.ints_bytes(states)) == states
    assert [packing.one(x) for x in array] == states
    assert packing.ints(np.sort(array)) == sorted(states)  # memcmp order is numeric order
    columns = packing.columns(array)
    assert columns.shape == (len(states), packing.words) and columns.dtype == np.uint64
    assert int(columns[-2, -1]) == ((1 << width) - 1) & (2**64 - 1)  # the low word last
    assert packing.ints(packing.from_columns(columns)) == states


def test_the_tiered_visited_set_answers_as_one_sorted_array() -> None:
    """Levels of many sizes: the runs merge as they come, and membership is the same as
    in one sorted array of every state."""
    packing = Packing(130)
    rng = np.random.default_rng(7)
    pool = list({int(x) << 66 | int(y) for x, y in rng.integers(0, 2**40, size=(6000, 2))})
    store = LevelStore(pool[:3], packing)
    at = 3
    for size in (1, 5, 2, 40, 3, 900, 7, 1200, 11, 2000):
        level = pool[at:at + size]
        at += size
        store.add_level(packing.array(level), np.zeros(len(level), dtype=np.int32),
                        np.sort(packing.array(level)))
        assert len(store.tiers) <= 2 + int(np.log2(len(store)))
    assert len(store) == at
    probe = np.unique(packing.array(pool[:at + 500]))  # every state seen, and 500 not
    seen = store.seen(probe)
    assert seen.sum() == at
    assert set(packing.ints(probe[seen])) == set(pool[:at])
    assert packing.ints(store.visited()) == sorted(pool[:at])


def test_colliding_keys_are_told_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """The visited set of wide states sorts 64-bit hashes; states with one hash are
    compared whole. With only four hashes, the search is still the dict store's."""
    real = Packing.keys
    monkeypatch.setattr(Packing, "keys", lambda self, states: real(self, states) & np.uint64(3))
    system = load(WIDE)
    fast, compact = _explore(system, False), _explore(system, True)
    assert list(compact.store.states()) == list(fast.store.states())
    assert compact.store.parent_map() == fast.store.parent_map()


def test_sorted_runs_on_disk_hold_wide_states(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spill_module, "BLOCK", 7)  # merges across many blocks
    packing = Packing(190)
    rng = np.random.default_rng(3)
    values = np.unique(packing.array([int(x) << 120 | int(y) for x, y in
                                      rng.integers(0, 2**50, size=(400, 2))]))
    runs = SortedRuns(str(tmp_path), packing.dtype)
    for part in np.array_split(rng.permutation(len(values)), [200, 300, 350, 390]):
        runs.add(np.sort(values[part]))
    assert len(runs) == len(values)
    assert packing.ints(runs.values()) == packing.ints(values)
    assert runs.seen(values).all()


# ------------------------------------------------------------------ the search
def test_the_compact_store_explores_wide_states_as_the_dict_store() -> None:
    system = load(WIDE)
    fast, compact = _explore(system, False), _explore(system, True)
    assert list(compact.store.states()) == list(fast.store.states())  # discovery order
    assert compact.store.parent_map() == fast.store.parent_map()  # the first parents
    assert compact.found == fast.found and compact.depth == fast.depth
    assert compact.transitions == fast.transitions
    for state in compact.found.values():
        assert compact.store.path(state) == fast.store.path(state)


@pytest.mark.parametrize("options", [{}, {"max_states": 500}, {"max_depth": 9},
                                     {"fail_fast": True}],
                         ids=["whole", "max-states", "max-depth", "fail-fast"])
def test_wide_reports_are_the_dict_stores(options: dict[str, Any]) -> None:
    system = load(WIDE)
    fast = check_system(system, Options(memory="fast", **options))
    compact = check_system(system, Options(**options))
    assert fast.engine == "explicit" and compact.engine == "explicit, compact store"
    a, b = _json(compact), _json(fast)
    if "max_states" in options:
        # at the state bound the dict store stops mid-state, the compact store after the
        # chunk (as with narrow states: test_levels.test_bounds_stop_both_stores_alike)
        assert a["stats"].pop("transitions") >= b["stats"].pop("transitions")
    if "fail_fast" in options:
        # the compact store judges a state when it expands it, so it stops a level later
        # than the dict store (narrow states alike); the verdicts and traces agree
        assert a["stats"]["states"] >= b["stats"]["states"]
        a.pop("stats"), b.pop("stats"), a.pop("coverage"), b.pop("coverage")
    assert a == b
    assert any(p.trace is not None for p in compact.properties)


def test_wide_states_with_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(levels_module, "CHUNK", 50)  # many chunks, so the workers share
    system = load(WIDE)
    one = check_system(system, Options())
    two = check_system(system, Options(workers=2))
    assert two.engine == "explicit, compact store, 2 workers"
    assert _json(two) == _json(one) == _json(check_system(system, Options(memory="fast")))


def test_a_run_time_error_in_a_wide_state() -> None:
    system = load(WIDE, {"N": "4"})  # p * 20 + ... > 89
    fast = check_system(system, Options(memory="fast"))
    compact = check_system(system, Options())
    assert compact.property("runtime").status == "violated"
    assert _json(compact) == _json(fast)


# ------------------------------------------------------------------ spill and resume
@pytest.mark.parametrize("workers", [1, 2])
def test_a_spilled_wide_search_finds_what_an_unspilled_one_does(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, workers: int) -> None:
    monkeypatch.setattr(levels_module, "CHUNK", 60)
    monkeypatch.setattr(spill_module, "BLOCK", 40)
    system = load(WIDE)
    plain = _json(check_system(system, Options(workers=workers)))
    for at in (3, 30):
        options = Options(memory_limit=100, spill_dir=str(tmp_path), workers=workers)
        budget = Budget(options, clock=_clock(), memory=_over_once(at))
        spilled = check_system(system, options, budget=budget)
        assert budget.spills
        assert _json(spilled) == plain


def test_a_stopped_wide_search_resumes_to_the_same_report(tmp_path: Path) -> None:
    system = load(WIDE)
    whole = render_json(check_system(system, Options()))
    stops = 0
    for k in (2, 5, 9):
        directory = str(tmp_path / f"c{k}")
        stopping = Options(time_limit=k)
        budget = Budget(stopping, clock=_clock(),
                        checkpoint=Checkpointer(directory, system, stopping, every=1e9))
        stopped = check_system(system, stopping, budget=budget)
        if stopped.stop_reason is None:
            continue
        stops += 1
        resumed = check_system(system, Options(), budget=Budget(Options(), checkpoint=(
            Checkpointer(directory, system, Options(), resume=True))))
        assert render_json(resumed) == whole, k
    assert stops >= 2


def test_a_spilled_wide_search_checkpoints_and_resumes(tmp_path: Path) -> None:
    """A checkpoint of wide levels on disk (streamed from the spill files as words), then a
    resume: the report of a run that neither spilled nor stopped."""
    system = load(WIDE)
    whole = render_json(check_system(system, Options()))
    directory = str(tmp_path / "c")
    options = Options(time_limit=12, memory_limit=100, spill_dir=str(tmp_path))
    budget = Budget(options, clock=_clock(), memory=_over_once(3),
                    checkpoint=Checkpointer(directory, system, options, every=2))
    stopped = check_system(system, options, budget=budget)
    assert budget.spills and stopped.stop_reason == "time-limit"
    resumed = check_system(system, Options(), budget=Budget(Options(), checkpoint=(
        Checkpointer(directory, system, Options(), resume=True))))
    assert render_json(resumed) == whole


# ------------------------------------------------------------------ a real wide spec
@pytest.mark.slow
def test_abd_in_the_compact_store_is_the_dict_stores() -> None:
    system = load(ABD)
    assert Packing(system.layout.width).words > 2
    fast = check_system(system, Options(memory="fast"))
    compact = check_system(system, Options(workers=2))
    assert compact.stats.states == 544 and compact.outcome == "ok"
    assert _json(compact) == _json(fast)
