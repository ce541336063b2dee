"""Deadlocks and timelocks under Extra+_LU (ExtraLUStuck, checker/engine/zones/extrapolation.py):
the same verdicts and trace lengths as Extra+_M (a bisimulation, the abstraction used before)
and as discrete time, on every timed spec, on small models whose stuck states are reached
only after waiting or only once two clocks have both passed their windows, and on random
models (seeded: the same 30 every run)."""

from __future__ import annotations

import random
import re

import pytest

import checker.engine.zones as zone_engine
from checker import Options, check, check_system
from checker.engine.zones.extrapolation import ExtraM
from model import load_text

SPECS = [
    ("specs/timed/fischer.tock", {}),
    ("specs/timed/fischer.tock", {"WAIT": "1s"}),
    ("specs/timed/ping_window.tock", {}),
    ("specs/timed/ping_window.tock", {"RESTARTS": "false"}),
    ("specs/timed/node_eviction.tock", {}),
    ("specs/timed/train_gate.tock", {}),
    ("specs/timed/train_gate.tock", {"MIN_ENTER": "2s"}),
    ("specs/timed/retry.tock", {}),
    ("specs/timed/retry.tock", {"DELAY": "2s"}),
    ("specs/liveness/response.tock", {}),
]

# stuck only after waiting past the guard's upper bound (no bound forces the action)
LATE = """spec late
var loc: enum { a, b, c } = a
clock x
action go when loc == a do { loc := b }
action fin when loc == b and x <= 5ms do { loc := c }
action back when loc == c do { loc := a; reset x }
"""

# a timelock: the bound stops time before the only action's guard holds
TIMELOCK = """spec timelock
var loc: enum { a, b } = a
clock x
action go when loc == a do { loc := b; reset x }
bound x <= 3ms while loc == b
action fin when loc == b and x >= 5ms do { loc := a }
"""

# two processes: the owner's bound limits the delay of every state it is armed in; no
# stuck state
TURNS = """spec turns
type P = 1..2
var turn: 0..2 = 0
process p[i: P] {
  var loc: enum { idle, arm, done } = idle
  clock x
  action arm_it when loc == idle and turn == 0 do { loc := arm; reset x; turn := i }
  bound x <= 4ms while loc == arm and turn == i
  action finish when loc == arm and x >= 2ms and x <= 3ms do { loc := done }
  action back when loc == done do { loc := idle; turn := 0 }
}
"""

# no stuck state: with deadlocks asked about, as many zones as when they are not
SAFE = """spec safe
var loc: enum { a, b } = a
clock x
action go when loc == a and x >= 1ms do { loc := b; reset x }
bound x <= 3ms while loc == b
action come when loc == b and x <= 3ms do { loc := a; reset x }
"""

# two processes, each with a window it may miss: deadlocked only once both have missed
# theirs (both clocks past 3 ms in one zone)
MISSED = """spec missed
type P = 1..2
process p[i: P] {
  var loc: enum { idle, arm, done } = idle
  clock x
  action arm_it when loc == idle do { loc := arm; reset x }
  action finish when loc == arm and x >= 2ms and x <= 3ms do { loc := done }
  action back when loc == done do { loc := idle }
}
"""

TEXTS = {"late": LATE, "timelock": TIMELOCK, "turns": TURNS, "missed": MISSED, "safe": SAFE}


def _verdicts(report):  # noqa: ANN001, ANN202
    return {p.name: (p.status, p.measure.text if p.measure is not None
                     else None if p.trace is None else len(p.trace))
            for p in report.properties}


@pytest.mark.parametrize("path, constants", SPECS,
                         ids=[f"{p.rsplit('/', 1)[-1]}{c or ''}" for p, c in SPECS])
def test_lu_stuck_agrees_with_extra_m(path: str, constants: dict,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    lu = check(path, constants, Options(time_engine="zones"))
    monkeypatch.setattr(zone_engine, "ExtraLUStuck", ExtraM)
    m = check(path, constants, Options(time_engine="zones"))
    assert "Extra+_LU" in lu.engine and "Extra+_M" in m.engine
    assert lu.outcome == m.outcome
    assert _verdicts(lu) == _verdicts(m)
    assert (lu.stats.deadlocks > 0) == (m.stats.deadlocks > 0)


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_lu_stuck_agrees_with_discrete_time(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = TEXTS[name]
    zones = check_system(load_text(text, f"{name}.tock"), Options(time_engine="zones"))
    discrete = check_system(load_text(text, f"{name}.tock"), Options(time_engine="discrete"))
    assert "Extra+_LU" in zones.engine
    assert zones.outcome == discrete.outcome
    assert _verdicts(zones) == _verdicts(discrete)
    monkeypatch.setattr(zone_engine, "ExtraLUStuck", ExtraM)
    m = check_system(load_text(text, f"{name}.tock"), Options(time_engine="zones"))
    assert _verdicts(zones) == _verdicts(m)


def test_the_stuck_models_are_stuck() -> None:
    """The small models test what they say: late, missed deadlock; timelock timelocks;
    turns and safe do not."""
    def status(name: str, prop: str) -> str:
        report = check_system(load_text(TEXTS[name], f"{name}.tock"), Options())
        return report.property(prop).status
    assert status("late", "deadlock") != "holds"
    assert status("timelock", "timelock") != "holds"
    assert status("missed", "deadlock") != "holds"
    assert status("turns", "deadlock") == "holds"
    assert status("safe", "deadlock") == "holds"
    assert status("safe", "timelock") == "holds"


def test_never_stuck_states_keep_the_reachability_abstraction() -> None:
    """Fischer (bench/fischer_tchecker.tock) has no state where a valuation may be stuck:
    checking deadlocks and timelocks stores exactly the zones of the mutex-only check."""
    text = open("bench/fischer_tchecker.tock").read()
    both = check_system(load_text(text, "f.tock", {"N": 4}), Options())
    plain = check_system(load_text(text, "f.tock", {"N": 4}),
                         Options(check_deadlock=False, properties=("mutex",)))
    assert both.property("deadlock").status == "holds"
    assert both.stats.states == plain.stats.states == 220


def _random_model(r: random.Random) -> str:
    """A small timed model: one to three processes with three locations, one or two
    clocks, random clock guards, resets and bounds, and a shared variable."""
    clocks = ["x", "y"] if r.random() < 0.5 else ["x"]
    lines = ["spec rnd", f"type P = 1..{r.choice([1, 2, 2, 3])}", "var s: 0..2 = 0",
             "process p[i: P] {", "  var loc: enum { l0, l1, l2 } = l0",
             *(f"  clock {c}" for c in clocks)]
    for k in range(r.randint(2, 5)):
        a, b = r.sample(["l0", "l1", "l2"], 2) if r.random() < 0.9 else ("l0", "l0")
        guard = [f"loc == {a}"]
        guard += [f"{c} {r.choice(['>=', '>', '<=', '<'])} {r.randint(0, 6)}ms"
                  for c in clocks if r.random() < 0.5]
        if r.random() < 0.3:
            guard.append(f"s == {r.randint(0, 2)}")
        body = [f"loc := {b}", *(f"reset {c}" for c in clocks if r.random() < 0.5)]
        if r.random() < 0.3:
            body.append(f"s := {r.randint(0, 2)}")
        lines.append(f"  action a{k} when {' and '.join(guard)} do {{ {'; '.join(body)} }}")
    for _ in range(r.randint(0, 2)):
        cond = f"loc == {r.choice(['l0', 'l1', 'l2'])}"
        if r.random() < 0.3:
            cond += f" and s == {r.randint(0, 2)}"
        lines.append(f"  bound {r.choice(clocks)} {r.choice(['<=', '<'])} "
                     f"{r.randint(1, 7)}ms while {cond}")
    return "\n".join(lines + ["}"]) + "\n"


@pytest.mark.parametrize("seed", range(30))
def test_random_models_agree(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random models (28 of these 30 deadlock or timelock somewhere): Extra+_LU with the
    stuck-state bounds gives Extra+_M's verdicts and trace lengths, and discrete time's
    where every constraint is closed (6 of them)."""
    text = _random_model(random.Random(seed))
    lu = check_system(load_text(text, "rnd.tock"), Options(time_engine="zones"))
    if not re.search(r"[<>] \d", text):
        discrete = check_system(load_text(text, "rnd.tock"), Options(time_engine="discrete"))
        assert _verdicts(lu) == _verdicts(discrete), text
    monkeypatch.setattr(zone_engine, "ExtraLUStuck", ExtraM)
    m = check_system(load_text(text, "rnd.tock"), Options(time_engine="zones"))
    assert _verdicts(lu) == _verdicts(m), text
