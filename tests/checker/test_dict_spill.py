"""The dict store's spill to disk (checker.engine.spill_dict): `--memory fast` and discrete
time.

A memory reading that says "over the limit" on a chosen poll makes the search move its
dict to disk, between levels or in the middle of one; the text and JSON reports must be
byte-identical to an unspilled run's: with properties violated and reached, deadlocks, a
state bound, a depth bound, `--fail-fast`, discrete time (ticks join their level) and
states wider than 64 bits.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from checker.api import check_system, load
from checker.engine import Budget, spill_dict
from checker.engine.explicit import search as search_module
from checker.options import Options
from checker.render.json import render_json
from checker.render.text import render_text

ROOT = Path(__file__).resolve().parents[2]
BIG = ROOT / "tests" / "fixtures" / "big" / "big_with_scenarios.tock"
TWOPHASE = ROOT / "specs" / "conformance" / "twophase.tock"


def _over_once(at: int) -> Callable[[], float]:
    """A memory reading: far over any limit on its `at`-th call, nothing otherwise."""
    calls = itertools.count(1)
    return lambda: 10_000.0 if next(calls) == at else 0.0


def _run(path: Path, constants: dict[str, object], options: Options,
         memory: Callable[[], float] | None = None) -> tuple[str, str, Budget]:
    system = load(str(path), constants)
    ticks = itertools.count()
    budget = Budget(options, clock=lambda: float(next(ticks)),  # every poll reads memory
                    memory=memory or (lambda: 0.0))
    report = check_system(system, options, budget=budget)
    return render_text(report), render_json(report), budget


CASES = [
    (BIG, {"N": 12}, {}),
    (BIG, {"N": 12}, {"max_states": 1500}),
    (BIG, {"N": 12}, {"max_depth": 20}),
    (TWOPHASE, {}, {}),
    (TWOPHASE, {}, {"fail_fast": True}),
    (TWOPHASE, {}, {"check_deadlock": True}),
    (ROOT / "specs" / "timed" / "train_gate.tock", {}, {"time_engine": "discrete"}),
    (ROOT / "specs" / "timed" / "fischer.tock", {"N": 3}, {"time_engine": "discrete"}),
    (ROOT / "tests" / "fixtures" / "wide.tock", {"N": "4"}, {}),  # states of over 64 bits
    (ROOT / "tests" / "fixtures" / "wide.tock", {"N": "4"}, {"max_states": 500}),
]


@pytest.mark.parametrize("path, constants, extra", CASES)
def test_a_spilled_dict_search_gives_the_same_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: Path,
        constants: dict[str, object], extra: dict[str, object]) -> None:
    # polls (and so spills) inside the levels, not only between them
    monkeypatch.setattr(search_module, "CHECK_EVERY", 7)
    monkeypatch.setattr(spill_dict, "CHECK_EVERY", 7)
    options = Options(memory="fast", memory_limit=100, spill_dir=str(tmp_path),
                      **extra)  # type: ignore[arg-type]
    text, data, _ = _run(path, constants, options)
    spilled = 0
    for at in (1, 2, 5, 13, 40):
        spilled_text, spilled_data, budget = _run(path, constants, options, _over_once(at))
        if not budget.spills:
            continue  # the search ended before that reading
        spilled += 1
        assert spilled_data == data, at
        assert spilled_text == text, at
    assert spilled >= 3, "the memory readings made too few searches spill"


def test_time_limit_ends_a_spilled_dict_search(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_module, "CHECK_EVERY", 7)
    monkeypatch.setattr(spill_dict, "CHECK_EVERY", 7)
    options = Options(memory="fast", memory_limit=100, spill_dir=str(tmp_path),
                      time_limit=60)
    _, data, budget = _run(BIG, {"N": 12}, options, _over_once(3))
    assert budget.spills and '"stop_reason": "time-limit"' in data


def test_spill_never_stops_the_dict_search(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_module, "CHECK_EVERY", 7)
    options = Options(memory="fast", memory_limit=100, spill="never")
    _, data, budget = _run(BIG, {"N": 12}, options, _over_once(3))
    assert not budget.spills and '"stop_reason": "memory"' in data


def test_a_full_disk_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.engine import spill as spill_module

    def full(directory: str, name: str, array: object) -> object:
        raise spill_module.SpillError(f"cannot write the spill file {directory}/{name}: "
                                      "No space left on device")
    monkeypatch.setattr(spill_dict, "write_disk_array", full)
    options = Options(memory="fast", memory_limit=100, spill_dir=str(tmp_path))
    with pytest.raises(spill_module.SpillError, match="No space left"):
        _run(BIG, {"N": 12}, options, _over_once(3))


@pytest.mark.parametrize("path, constants, extra", [
    (BIG, {"N": 12}, {}),
    (ROOT / "specs" / "timed" / "train_gate.tock", {}, {"time_engine": "discrete"}),
])
def test_a_spilled_dict_search_checkpoints_and_resumes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: Path,
        constants: dict[str, object], extra: dict[str, object]) -> None:
    """A checkpoint of a store on disk holds what an in-memory one does, and a resume from
    one stopped by the time limit gives the report of a run that neither spilled nor
    stopped."""
    from checker.engine.checkpoint import Checkpointer
    monkeypatch.setattr(search_module, "CHECK_EVERY", 7)
    monkeypatch.setattr(spill_dict, "CHECK_EVERY", 7)
    system = load(str(path), constants)
    plain = Options(memory="fast", **extra)  # type: ignore[arg-type]
    whole = render_json(check_system(system, plain))
    directory = str(tmp_path / "c")
    ticks = itertools.count()
    options = Options(memory="fast", time_limit=30, memory_limit=100, spill_dir=str(tmp_path),
                      **extra)  # type: ignore[arg-type]
    budget = Budget(options, clock=lambda: float(next(ticks)), memory=_over_once(2),
                    checkpoint=Checkpointer(directory, system, options, every=3))
    stopped = check_system(system, options, budget=budget)
    assert budget.spills and stopped.stop_reason == "time-limit"
    resumed = check_system(system, plain, budget=Budget(plain, checkpoint=Checkpointer(
        directory, system, plain, resume=True)))
    assert render_json(resumed) == whole


def test_the_cli_says_that_and_how_much_it_spilled() -> None:
    """A real limit, well above the process's start (~50 MB) and well below the unspilled
    search's peak (~210 MB): the check goes on past the limit and stderr says so."""
    done = subprocess.run([sys.executable, "-m", "checker", "check", str(BIG), "--set",
                           "N=120", "-p", "bounded", "--memory", "fast", "--memory-limit",
                           "110"], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "OK: every verdict is as expected" in done.stdout
    assert "the states went to disk" in done.stderr
    assert "tock: note: [search] spilled 1 time, " in done.stderr
    assert " MB written to disk" in done.stderr and "Traceback" not in done.stderr
