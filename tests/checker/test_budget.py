"""One budget for the whole check: the time limit, the memory limit and Ctrl-C end every
search of a check (scenarios and products included) with a partial report."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

import checker.cli as cli
from checker import Options, check_system, load
from checker.engine import Budget, StopReason
from checker.report import Report
from tests.helpers import sigint_as_usual

BIG = "tests/fixtures/big/big_with_scenarios.tock"


class FakeClock:
    """A clock that moves `step` seconds each time it is read: deterministic deadlines."""

    def __init__(self, step: float):
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def _scenarios(report: Report) -> list[str]:
    return [p.status for p in report.properties if p.kind == "scenario"]


def test_the_time_limit_ends_the_scenarios_too() -> None:
    system = load(BIG)
    options = Options(time_limit=50.0)
    clock = FakeClock(1.0)  # 1 s per look: the deadline passes during the main search
    budget = Budget(options, clock=clock)
    report = check_system(system, options, budget=budget)
    assert report.outcome == "incomplete" and report.stop_reason == "time-limit"
    assert budget.spent is StopReason.TIME_LIMIT
    # each scenario's product search stopped at its first look, after the deadline
    assert _scenarios(report) == ["unknown", "unknown"]
    assert report.property("bounded").status == "unknown"
    assert clock.now < 80  # no search ran on: a handful of looks after the deadline


def test_an_interrupt_before_a_search_stops_it_at_once() -> None:
    system = load(BIG)
    options = Options()
    budget = Budget(options)
    budget.interrupt()
    report = check_system(system, options, budget=budget)
    assert report.stop_reason == "interrupted"
    assert report.stats.states == 0 or report.stats.states == 1
    assert _scenarios(report) == ["unknown", "unknown"]


def test_the_state_bound_is_per_search() -> None:
    report = check_system(load(BIG), Options(max_states=5000))
    assert report.stop_reason == "max-states" and report.stats.states == 5000
    # the scenarios are bounded on their own: each still finds its script's end
    assert _scenarios(report) == ["unknown", "unknown"]
    assert all(p.trace is not None for p in report.properties if p.kind == "scenario")


def _tock(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "checker", "check", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": os.getcwd()},
                            preexec_fn=sigint_as_usual)


def _wait_for_progress(proc: subprocess.Popen[str]) -> str:
    """Read stderr until the first progress line (the search is under way)."""
    assert proc.stderr is not None
    line = proc.stderr.readline()
    deadline = time.monotonic() + 120
    while "states/s" not in line and time.monotonic() < deadline:
        line = proc.stderr.readline()
    return line


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_ends_every_search_with_a_partial_report() -> None:
    proc = _tock(BIG)
    assert "states/s" in _wait_for_progress(proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 3, err
    assert "interrupted (Ctrl-C)" in out and "INCOMPLETE" in out
    assert out.count("unknown    scenario") == 2, out
    assert "Traceback" not in err and "finishing the report" in err


def test_a_second_ctrl_c_exits_at_once(monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    exits: list[int] = []

    def fake_exit(code: int) -> None:
        exits.append(code)
        raise SystemExit(code)

    monkeypatch.setattr(cli.os, "_exit", fake_exit)
    before = signal.getsignal(signal.SIGINT)  # not always Python's default: see sigint_as_usual
    budget = Budget(Options())
    with pytest.raises(SystemExit), cli._ctrl_c(budget):
        signal.raise_signal(signal.SIGINT)
        assert budget.spent is StopReason.INTERRUPTED and not exits  # the first: go on
        signal.raise_signal(signal.SIGINT)
        time.sleep(0.1)  # the handler runs between bytecodes
    assert exits == [130]
    assert "interrupted again" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is before  # the handler before it is back
