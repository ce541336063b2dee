"""The time engines: zones and discrete time must agree on every verdict and on the length
of every counterexample; traces carry exact times; timelocks are not deadlocks."""

from __future__ import annotations

from fractions import Fraction

import pytest

from checker import Options, UsageError, check, check_system
from checker.cli import main
from model import load_text

CASES = [
    ("specs/timed/fischer.tock", {}),
    ("specs/timed/fischer.tock", {"WAIT": "1s"}),
    ("specs/timed/ping_window.tock", {}),
    ("specs/timed/train_gate.tock", {}),
    ("specs/timed/train_gate.tock", {"MIN_ENTER": "2s"}),
    ("specs/timed/retry.tock", {}),
    ("specs/timed/retry.tock", {"DELAY": "2s"}),
]


def _verdicts(report):  # noqa: ANN001, ANN202
    # a measure's answer is its interval (its witnesses may take different paths)
    return {p.name: (p.status, p.measure.text if p.measure is not None
                     else None if p.trace is None else len(p.trace))
            for p in report.properties}


@pytest.mark.parametrize("path, constants", CASES,
                         ids=[f"{p.rsplit('/', 1)[-1]}{c or ''}" for p, c in CASES])
def test_engines_agree(path: str, constants: dict) -> None:
    zones = check(path, constants, Options(time_engine="zones"))
    discrete = check(path, constants, Options(time_engine="discrete"))
    assert zones.stats.exhaustive and discrete.stats.exhaustive
    assert _verdicts(zones) == _verdicts(discrete)
    assert zones.outcome == discrete.outcome


def _times(trace):  # noqa: ANN001, ANN202
    return [(s.action, s.time) for s in trace.steps]


@pytest.mark.parametrize("engine", ["zones", "discrete"])
def test_ping_window_questions(engine: str) -> None:
    report = check("specs/timed/ping_window.tock", options=Options(time_engine=engine))
    assert report.outcome == "ok"
    assert report.property("no_removal_after_restart_within_59s").status == "holds"
    result = report.property("no_removal_after_restart_within_75s")
    assert result.status == "violated" and result.expected == "fails"
    times = _times(result.trace)
    # crash right at a ping, pings dropped until the restart 60 s later, removal at 90 s
    assert times[1] == ("crash", Fraction(15))
    assert times[-1] == ("ping_timeout", Fraction(90))
    restart = next(t for a, t in times if a and a.startswith("restart"))
    assert Fraction(60) <= restart - Fraction(15) <= Fraction(75)
    assert result.trace.steps[-1].state["master.removed_running"] is True


def test_zone_cost_does_not_depend_on_an_unrelated_timeout() -> None:
    counts = {c: check("specs/timed/ping_window.tock", {"RECOVERY_TIMEOUT": c}).stats.states
              for c in ("15min", "150min", "1500min")}
    assert len(set(counts.values())) == 1, counts


TIMELOCK = """
clock c
var done: bool = false
bound c <= 5s
action finish when not done and c >= 7s do { done := true }
"""

DEADLOCK = """
clock c
var n: 0..2 = 0
action step when n < 2 and c >= 1s do { n := n + 1; reset c }
"""


@pytest.mark.parametrize("engine", ["zones", "discrete"])
def test_timelock_is_not_a_deadlock(engine: str) -> None:
    report = check_system(load_text(TIMELOCK, "timelock.tock"), Options(time_engine=engine))
    timelock = report.property("timelock")
    assert timelock.status == "violated"
    assert timelock.trace.steps[-1].time == Fraction(5)  # where time stops
    assert report.property("deadlock").status == "holds"


@pytest.mark.parametrize("engine", ["zones", "discrete"])
def test_timed_deadlock(engine: str) -> None:
    report = check_system(load_text(DEADLOCK, "deadlock.tock"), Options(time_engine=engine))
    deadlock = report.property("deadlock")
    assert deadlock.status == "violated" and len(deadlock.trace) == 2
    assert [s.time for s in deadlock.trace.steps[1:3]] == [Fraction(1), Fraction(2)]
    assert report.property("timelock").status == "holds"


def test_discrete_engine_refuses_strict_constraints(capsys: pytest.CaptureFixture[str]) -> None:
    text = "clock c\nvar d: bool = false\naction go when not d and c > 1s do { d := true }\n" \
           "allow deadlock"
    with pytest.raises(UsageError, match="closed"):
        check_system(load_text(text, "strict.tock"), Options(time_engine="discrete"))
    assert check_system(load_text(text, "strict.tock"), Options()).outcome == "ok"


def test_tick_must_divide_the_constants(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "specs/timed/fischer.tock", "--time", "discrete", "--tick", "2s"]) == 2
    assert "does not divide" in capsys.readouterr().err
    assert main(["check", "specs/timed/fischer.tock", "--time", "discrete",
                 "--tick", "500ms"]) == 0


def test_trace_times_are_in_the_json(tmp_path) -> None:
    import json

    out = tmp_path / "r.json"
    main(["check", "specs/timed/fischer.tock", "--set", "WAIT=1s", "--json", str(out)])
    data = json.loads(out.read_text())
    prop = next(p for p in data["properties"] if p["name"] == "mutex")
    assert [s["time"] for s in prop["trace"]] == [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 2.0]
    assert prop["trace"][-1]["state"]["P[2].x"] == 1


SCENARIOS = """
scenario restart_after_30s {
  crash
  wait 30s
  restart_within_59s
  assert executor.state == running
  wait 120s
  assert not master.removed
}
scenario restart_after_70s {
  crash
  wait 70s
  restart_within_75s
  wait 30s
  assert not master.removed
}
scenario too_soon_for_later {
  crash
  wait 10s
  restart_later
}
expect restart_after_70s fails
expect too_soon_for_later fails
"""


@pytest.mark.parametrize("engine", ["zones", "discrete"])
def test_scenarios_with_waits(engine: str) -> None:
    with open("specs/timed/ping_window.tock", encoding="utf-8") as handle:
        text = handle.read() + SCENARIOS
    report = check_system(load_text(text, "ping_window+scenarios.tock"),
                          Options(time_engine=engine))
    ok = report.property("restart_after_30s")
    assert ok.status == "reached"
    times = {s.action: s.time for s in ok.trace.steps if s.action}
    assert times["restart_within_59s"] - times["crash"] == 30
    bad = report.property("restart_after_70s")
    assert bad.status == "violated"
    assert bad.trace.steps[-1].state["master.removed"] is True
    assert report.property("too_soon_for_later").status == "unreached"
    assert report.outcome == "ok"


@pytest.mark.parametrize("path, constants", [
    ("specs/timed/fischer.tock", {}),
    ("specs/timed/fischer.tock", {"WAIT": "1s"}),
    ("specs/timed/train_gate.tock", {}),
    ("specs/timed/retry.tock", {}),
])
def test_discrete_counts_match_an_interpreter(path: str, constants: dict) -> None:
    """The discrete engine's state and transition counts, against a separate interpreter
    implementation of integer-time semantics."""
    from model import load_spec
    from model.time import default_tick
    from tests.helpers import interpreted_discrete_count

    system = load_spec(path, constants)
    report = check_system(system, Options(time_engine="discrete"))
    states, transitions = interpreted_discrete_count(system, default_tick(system.model))
    assert report.stats.states == states
    assert report.stats.transitions == transitions


@pytest.mark.parametrize("path", ["specs/timed/fischer.tock", "specs/timed/ping_window.tock",
                                  "specs/timed/train_gate.tock", "specs/timed/retry.tock",
                                  "specs/liveness/response.tock"])
def test_the_pure_python_kernel_gives_the_same_reports(path: str, tmp_path) -> None:  # noqa: ANN001
    """The zone engine on the fallback kernel (TOCK_NATIVE=0) is the reference for the
    native one: the same reports, byte for byte."""
    import json
    import os
    import subprocess
    import sys

    def report(native: str) -> dict:
        out = tmp_path / f"native{native}.json"
        done = subprocess.run(
            [sys.executable, "-m", "checker", "check", path, "--json", str(out), "--quiet"],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "TOCK_NATIVE": native, "PYTHONPATH": os.getcwd()})
        assert done.returncode in (0, 1), done.stderr
        return json.loads(out.read_text())

    assert report("0") == report("1")
