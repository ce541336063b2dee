"""Simulation: random runs over an engine's compiled system, behind the one Engine protocol.

For state spaces too big to exhaust. A *run* starts in a random initial state and takes up
to `depth` random steps; every state it passes through is judged against every active
property (the spec's invariants and reachables, the monitors of bounded responses and the
asserts of scenario products: each is a property of the system the driver hands over),
deadlocks, timelocks and run-time errors. A violation is the first run (by run number) that
meets it; it is then shortened by delta debugging (below) and given as a trace through the
same TraceBuilder every engine uses, replayed in the reference interpreter.

Semantics, exactly the engines' own: (a state beyond a `boundary` is judged, and a run
ends there, as the searches check it but do not expand it)

* without clocks, the explicit engine's: the successors `system.labeled` gives;
* with clocks, the zone engine's (model.codegen.zones), on concrete clock values (exact
  `Fraction` milliseconds): an instance fires after a delay d when the source's bounds
  (`zc.inv`) hold throughout the wait, its clock guard holds at d and the target's bounds
  hold right after its resets. Each instance's possible delays form one interval (every
  constraint is convex in d), so a step picks an enabled move uniformly among those whose
  interval is not empty, then a delay in that interval. Timeouts are bounds: time never
  passes an enabled timeout's deadline. A state from which no move is possible at any delay
  is stuck: a timelock when a bound is active there, else a deadlock (as the zone engine
  says). The discrete-time engine is not simulated (its ticks would be a second, coarser
  copy of the same concrete semantics): `--time discrete` is refused with a message.

Delays.  With probability 1/3 the earliest delay of the interval, 1/3 the latest (an open
end: 1 ms inside, or half the interval when that is shorter), 1/3 uniform on a grid of 1000
points inside. The ends matter: timeouts and races live there (a crash just after a ping, a
restart just before a window closes); a uniform choice alone almost never picks them. An
interval unbounded above is cut at the spec's largest time constant past its start.

Quiet steps.  In a timed spec, environment actions (crashes, partitions, failovers) are
usually possible at any moment, and a uniform choice takes one at almost every step, so a
run almost never stays quiet for the 60 or 75 seconds a timeout needs. So runs differ in
eagerness (EAGERNESS, by run number): a step is *eager* with that probability (a move
picked uniformly, its delay as above), else *quiet*: time runs to the deadline (the latest
delay the bounds allow) and a move possible there is taken, preferring one that lets time
pass again (the timeout that was due, the step a bound asks for). Without a deadline a
step is always eager. One run in four is eager at every step (the plain random walk).

Guided runs.  Every other block of len(EAGERNESS) runs is *guided* toward one property
(the active properties in turn, one per block; a scenario's asserts and a bounded
response's monitor are properties of their product like any other): a step then leaves
out the moves that take the state further from that property's violation, when another
move is possible. The distance is the formula heuristic of directed model checking
(TransitionSystem.violation_distance, model/distance.py): the number of atoms of the
violation that do not hold yet. A move that undoes what the run has achieved (a second
fault where the property asks for exactly one, a reboot where it asks for a clean
restart) is so avoided, while every move that keeps the distance, including the waits
and the timeouts, stays as likely as in an unguided run: guidance narrows the choice, it
does not steer greedily (a greedy step toward the violation, tried too, restarts an agent
as soon as it may, never in the last seconds of a window, and found less). Unguided runs
keep the plain random walk for what no property's atoms describe.

Randomness.  Run i uses `random.Random(f"{seed}:{i}")`, so a run does not depend on the
others, nor on how many processes run them (`workers`): the runs, the findings and so the
report are the same whatever the number of workers.

Shrinking.  A violating run is cut at the violation, then delta debugging (ddmin, over the
steps' complements) removes steps while the run still replays (each step's instance is
still possible at its absolute time) and still meets the same finding; a removal is tried
twice, keeping the absolute times of the later steps, then moving them earlier by the time
the removed steps took (so a removed stretch of waiting goes too). When no step can go,
every stretch of neighbouring steps is tried out, the longest first (ddmin removes halves,
quarters, ... and single steps, not a stretch across their borders), then a swap is
tried: two neighbouring steps out and one step in at or before them (any move
possible there with no delay; the step after the two kept at its time or taken with no
delay), a run one step shorter that deletion alone cannot reach (a task that finishes
before the crash instead of an executor that re-registers after it); after a swap,
deletion again. Then each step's time is tried earlier (no delay, whole seconds) under
the same test. Every candidate goes
through the same concrete stepper.
"""

from __future__ import annotations

import random
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from model import RuntimeFault, lazy_module

from ..errors import UsageError
from ..liveness import incomplete, unbounded
from ..options import Options
from ..report import PropertyResult, Trace
from ..trace import TraceBuilder
from ..verdicts import runtime_failure
from .budget import Stop, StopReason
from .discrete import DiscreteEngine
from .driver import engine_for
from .findings import Findings, RuntimeFinding
from .zones.dbm import INF

if TYPE_CHECKING:
    import multiprocessing

    import networkx as nx

    from model import LivenessInfo, TransitionSystem

    from .interface import Job
else:
    multiprocessing = lazy_module("multiprocessing")  # only parallel simulation

__all__ = ["SimulationEngine", "SimSettings", "SimStats", "Shrunk", "Simulator", "SimStep"]

POLL_EVERY = 16  # runs between polls of the budget (and progress reports)
MAX_REPLAYS = 4000  # candidate replays per shrink
CACHE = 4096  # discrete states whose successor entries and bounds a simulator keeps
GRID = 1000  # points of a uniform delay inside an interval
# per run (by its number), the chance that a step of a timed run acts on its own rather than
# quietly (module docstring); 1.0: every step picks a move uniformly
EAGERNESS = (1.0, 0.5, 0.25, 0.1)


# ------------------------------------------------------------------ intervals of delays
Time = Fraction | int  # ms: an int whenever the value is whole (fractions are slow)
Window = tuple[Time, bool, "Time | None", bool]  # lo, strict, hi (None: no end), strict


def window(constraints: tuple | list, v: tuple[Time, ...], resets: tuple[int, ...]
           ) -> Window | None:
    """The delays d >= 0 after which DBM constraints `(i, j, raw)` (x_i - x_j ≺ c) hold on
    clock values `v` + d, with the clocks in `resets` set to 0 (they do not move); None when
    no delay does. Each constraint is convex in d, so the answer is one interval."""
    lo, lo_strict = 0, False
    hi: Time | None = None
    hi_strict = False
    for i, j, raw in constraints:
        if raw >= INF:
            continue
        c, strict = raw >> 1, not raw & 1
        a = (v[i] if i and i not in resets else 0) - (v[j] if j and j not in resets else 0)
        b = (1 if i and i not in resets else 0) - (1 if j and j not in resets else 0)
        if b == 0:
            if a > c or (a == c and strict):
                return None
        elif b == 1:  # a + d ≺ c
            h = c - a
            if hi is None or h < hi or (h == hi and strict):
                hi, hi_strict = h, strict
        else:  # a - d ≺ c: d ≻ a - c
            h = a - c
            if h > lo or (h == lo and strict):
                lo, lo_strict = h, strict
    if hi is not None and (lo > hi or (lo == hi and (lo_strict or hi_strict))):
        return None
    return lo, lo_strict, hi, hi_strict


def intersect(a: Window | None, b: Window | None) -> Window | None:
    if a is None or b is None:
        return None
    lo, lo_strict = max((a[0], a[1]), (b[0], b[1]))
    his = [(h, s) for h, s in ((a[2], a[3]), (b[2], b[3])) if h is not None]
    hi, hi_strict = min(his, key=lambda hs: (hs[0], not hs[1])) if his else (None, False)
    if hi is not None and (lo > hi or (lo == hi and (lo_strict or hi_strict))):
        return None
    return lo, lo_strict, hi, hi_strict


def _exact(x: Time) -> Time:
    """An integral fraction as an int."""
    return x.numerator if isinstance(x, Fraction) and x.denominator == 1 else x


def _half(x: Time) -> Time:
    return _exact(Fraction(x) / 2)


def earliest(w: Window) -> Time:
    """The earliest delay of an interval (an open start: 1 ms past it, or half way)."""
    lo, lo_strict, hi, _hi_strict = w
    if not lo_strict:
        return lo
    step = 1 if hi is None else min(1, _half(hi - lo))
    return lo + step


@dataclass(frozen=True, slots=True)
class SimSettings:
    """How many runs, how long, from which seed, in how many processes."""

    runs: int = 1000
    depth: int = 100
    seed: int = 0
    workers: int = 1


@dataclass(frozen=True, slots=True)
class SimStep:
    """One step of a run: an action instance with its `choose` values, fired at absolute time
    `at` (ms; 0 without clocks)."""

    inst: int
    choices: tuple
    at: Time


Goal = tuple[str, int]  # ("property", k) | ("deadlock", 0) | ("timelock", 0) | ("runtime", 0)


@dataclass(frozen=True, slots=True)
class Hit:
    """Where a run meets a finding: after `position` steps, `wait` ms later; for a run-time
    error, what fails (`what` "action" or "property", and which)."""

    position: int
    wait: Time
    what: str = ""
    index: int = -1


@dataclass
class RunResult:
    """One run: where it started, its steps, the first hit of each finding, the discrete
    states it saw, transitions per instance, and how it ended."""

    index: int
    start: int
    steps: tuple[SimStep, ...]
    hits: dict[Goal, Hit]
    seen: set[int]
    fired: dict[int, int]
    stuck: str | None  # "deadlock" | "timelock" | None


@dataclass(frozen=True, slots=True)
class Shrunk:
    """A finding as first met and as shortened: which run, its length then and now, how many
    candidate replays the shrinking took."""

    goal: str
    run: int
    found_steps: int
    steps: int
    replays: int


@dataclass
class SimStats:
    """What the simulation of one system did (see SimulationEngine)."""

    runs_asked: int = 0
    runs: int = 0
    steps: int = 0
    states: int = 0
    max_depth: int = 0
    deadlocks: int = 0
    timelocks: int = 0
    fired: tuple[tuple[str, int], ...] = ()
    shrunk: list[Shrunk] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Move:
    inst: int
    choices: tuple
    target: int
    resets: tuple[int, ...]
    window: Window


State = tuple[int, tuple[Time, ...]]  # discrete state, clock values (clock 0 first)


class Simulator:
    """The concrete stepper over one engine's system (module docstring): initial states,
    the moves from a state, random runs, replays."""

    def __init__(self, system: TransitionSystem, timed: bool, active: tuple[int, ...],
                 settings: SimSettings):
        self.system = system
        self.timed = timed
        self.settings = settings
        self.zc = system.zone_code if timed else None
        self.n = self.zc.n if self.zc is not None else 1
        self._entries: dict[int, list[tuple]] = {}
        self._invs: dict[int, tuple] = {}
        # beyond a `boundary` (TLC's CONSTRAINT): a state is checked, a run ends there
        self.outside = system.outside
        zero = tuple(0 for _ in range(self.n))
        self.initial: list[State] = []
        for d in dict.fromkeys(system.initial_states()):
            try:
                if window(self._inv(d), zero, ()) is not None:
                    self.initial.append((d, zero))
            except RuntimeFault:
                continue
        props = system.properties
        self.clock_props = [k for k in active if timed and props[k].mentions_clock]
        self.discrete_props = frozenset(k for k in active if k not in self.clock_props)
        self._props_fn = system.props_for(self.discrete_props) if self.discrete_props \
            else None
        constants = system.time_constants() if timed else []
        self.horizon: Time = max(constants, default=1000) or 1000
        # guided runs (module docstring): the properties they steer toward, one per run
        self.targets = tuple(sorted(active))
        self._distances: dict[int, Any] = {}
        self._distance_cache: dict[tuple[int, int], int] = {}

    # -------------------------------------------------------------- the semantics
    def _inv(self, d: int) -> tuple:
        if self.zc is None:
            return ()
        hit = self._invs.get(d)
        if hit is None:
            if len(self._invs) >= CACHE:
                self._invs.clear()
            hit = self._invs[d] = tuple(self.zc.inv(d))  # may raise RuntimeFault
        return hit

    def _succ(self, d: int) -> list[tuple]:
        hit = self._entries.get(d)
        if hit is None:
            if len(self._entries) >= CACHE:
                self._entries.clear()
            if self.zc is not None:
                hit = [(inst, choices, d2, tuple(guard or ()), tuple(resets or ()))
                       for inst, choices, d2, guard, resets in self.zc.succ(d)]
            else:
                hit = [(inst, choices, nxt, (), ()) for inst, choices, nxt
                       in self.system.labeled(d)]
            self._entries[d] = hit
        return hit

    def options(self, state: State) -> tuple[list[_Move], list[tuple[int, Window]], Window]:
        """The possible moves from `state` (each with its interval of delays), the failing
        instances (with the delays at which they fail) and the interval time may pass."""
        d, v = state
        source = window(self._inv(d), v, ())
        assert source is not None, "a state outside its own bounds"
        moves: list[_Move] = []
        failing: list[tuple[int, Window]] = []
        for inst, choices, d2, guard, resets in self._succ(d):
            w = intersect(source, window(guard, v, ()))
            if w is None:
                continue
            if d2 is None:
                failing.append((inst, w))
                continue
            try:
                inv2 = self._inv(d2)
            except RuntimeFault:
                failing.append((inst, w))
                continue
            w = intersect(w, window(inv2, v, resets))
            if w is not None:
                moves.append(_Move(inst, choices, d2, resets, w))
        return moves, failing, source

    def apply(self, state: State, move: _Move, delay: Time) -> State:
        _d, v = state
        if not self.timed:
            return move.target, v
        clocks = [0] + [c + delay for c in v[1:]]
        for x in move.resets:
            clocks[x] = 0
        return move.target, tuple(clocks)

    def pick_delay(self, rng: random.Random, w: Window) -> Time:
        if not self.timed:
            return 0
        lo, lo_strict, hi, hi_strict = w
        if hi is None:
            hi, hi_strict = lo + self.horizon, False
        width = hi - lo
        if width == 0:
            return lo
        eps = min(1, _half(width))
        r = rng.random()
        if r < 1 / 3:
            return lo + eps if lo_strict else lo
        if r < 2 / 3:
            return hi - eps if hi_strict else hi
        return _exact(lo + width * Fraction(rng.randint(1, GRID - 1), GRID))

    def quiet_move(self, state: State, moves: list[_Move], source: Window,
                   rng: random.Random, before: frozenset[int] = frozenset()
                   ) -> tuple[_Move, Time] | None:
        """A quiet step: let time run to the deadline (the latest delay the bounds allow)
        and take a move possible there that lets time pass again, first one possible only
        from then on (the timeout that was due; at a deadline of no delay, a move the last
        step made possible, `before` being those possible before it: the reaction to what
        just happened rather than a fault that was possible all along), else any move
        possible there; None without a deadline."""
        hi, hi_strict = source[2], source[3]
        if hi is None:
            return None
        if hi_strict:
            hi = hi - min(1, _half(hi - source[0]))
        there = [m for m in moves if _inside(hi, m.window)]
        relieving = [m for m in there if self._can_wait(self.apply(state, m, hi))]
        due = [m for m in relieving if m.window[0] == hi and (hi > 0 or m.inst not in before)]
        pool = due or relieving or there
        if not pool:
            return None
        return pool[rng.randrange(len(pool))], hi

    def _can_wait(self, state: State) -> bool:
        try:
            w = window(self._inv(state[0]), state[1], ())
        except RuntimeFault:
            return False
        return w is not None and (w[2] is None or w[2] > 0)

    # -------------------------------------------------------------- guidance
    def distance(self, k: int, d: int) -> int:
        """How many atoms of property k's violation discrete state d lacks
        (TransitionSystem.violation_distance), remembered per state."""
        key = (k, d)
        hit = self._distance_cache.get(key)
        if hit is None:
            fn = self._distances.get(k)
            if fn is None:
                fn = self._distances[k] = self.system.violation_distance(k)
            if len(self._distance_cache) >= 4 * CACHE:
                self._distance_cache.clear()
            hit = self._distance_cache[key] = fn(d)
        return hit

    def steer(self, target: int | None, d: int, moves: list[_Move]) -> list[_Move]:
        """A guided run's moves (module docstring): those that do not take the state
        further from the target's violation, when there are any."""
        if target is None or len(moves) < 2:
            return moves
        here = self.distance(target, d)
        kept = [m for m in moves if self.distance(target, m.target) <= here]
        return kept or moves

    # -------------------------------------------------------------- properties
    def discrete_hits(self, d: int) -> tuple[list[int], int | None]:
        """The discrete properties that fire in `d`, and one that fails to evaluate."""
        if self._props_fn is None:
            return [], None
        try:
            mask = self._props_fn(d)
            failing = None
        except RuntimeFault:
            mask, error = self.system.property_hits(d, self.discrete_props)
            failing = None if error is None else error[0]
        return [k for k in sorted(self.discrete_props) if mask >> k & 1], failing

    def clock_hit(self, k: int, state: State, wait: Window) -> Time | None:
        """The earliest wait within `wait` at which clock property k fires from `state`
        (RuntimeFault where it fails to evaluate)."""
        d, v = state
        best: Time | None = None
        for conj in self.system.clock_formula(k, d):
            w = intersect(wait, window(conj, v, ()))
            if w is not None:
                t = earliest(w)
                if best is None or t < best:
                    best = t
        return best

    # -------------------------------------------------------------- runs
    def run(self, index: int) -> RunResult:
        """Run `index` (its randomness is its own: module docstring)."""
        settings = self.settings
        rng = random.Random(f"{settings.seed}:{index}")
        start = rng.randrange(len(self.initial))
        state = self.initial[start]
        # how often a step acts on its own rather than letting time run to the next
        # deadline (module docstring: quiet steps)
        eager = EAGERNESS[index % len(EAGERNESS)] if self.timed else 1.0
        # every other block of runs is guided toward one property (module docstring)
        target = self.targets[index // (2 * len(EAGERNESS)) % len(self.targets)] \
            if self.targets and index // len(EAGERNESS) % 2 else None
        before: frozenset[int] = frozenset()
        now: Time = 0
        steps: list[SimStep] = []
        hits: dict[Goal, Hit] = {}
        seen = {state[0]}
        fired: dict[int, int] = {}
        stuck = None
        self._note(state, 0, hits)
        for _ in range(settings.depth):
            if self.outside is not None and self.outside(state[0]):
                break  # beyond the boundary: checked, not expanded
            moves, failing, source = self.options(state)
            self._failing(failing, len(steps), (0, False, source[2], source[3]),
                          hits)
            if not moves:
                stuck = "timelock" if self.timed and self._inv(state[0]) else "deadlock"
                hits.setdefault((stuck, 0), Hit(len(steps), 0))
                self._clocks(state, len(steps), source, hits)
                break
            allowed = self.steer(target, state[0], moves)
            quiet = None if eager >= 1.0 or rng.random() < eager else \
                self.quiet_move(state, allowed, source, rng, before)
            if quiet is not None:
                move, delay = quiet
            else:
                move = allowed[rng.randrange(len(allowed))]
                delay = self.pick_delay(rng, move.window)
            self._clocks(state, len(steps), (0, False, delay, False), hits)
            before = frozenset(m.inst for m in moves)
            state = self.apply(state, move, delay)
            now += delay
            steps.append(SimStep(move.inst, move.choices, now))
            seen.add(state[0])
            fired[move.inst] = fired.get(move.inst, 0) + 1
            self._note(state, len(steps), hits)
        else:
            _moves, failing, source = self.options(state)
            self._clocks(state, len(steps), source, hits)
        return RunResult(index, start, tuple(steps), hits, seen, fired, stuck)

    def _note(self, state: State, position: int, hits: dict[Goal, Hit]) -> None:
        fired, failing = self.discrete_hits(state[0])
        for k in fired:
            hits.setdefault(("property", k), Hit(position, 0))
        if failing is not None:
            hits.setdefault(("runtime", 0), Hit(position, 0, "property", failing))

    def _clocks(self, state: State, position: int, wait: Window,
                hits: dict[Goal, Hit]) -> None:
        for k in self.clock_props:
            if ("property", k) in hits:
                continue
            try:
                t = self.clock_hit(k, state, wait)
            except RuntimeFault:
                hits.setdefault(("runtime", 0), Hit(position, 0, "property", k))
                continue
            if t is not None:
                hits[("property", k)] = Hit(position, t)

    def _failing(self, failing: list[tuple[int, Window]], position: int, wait: Window,
                 hits: dict[Goal, Hit]) -> None:
        if failing and ("runtime", 0) not in hits:
            inst, w = failing[0]
            hits[("runtime", 0)] = Hit(position, earliest(w), "action", inst)

    # -------------------------------------------------------------- replays
    def replay(self, start: int, steps: tuple[SimStep, ...], goal: Goal, want: Hit
               ) -> tuple[Hit, list[State], list[tuple[int, ...]]] | None:
        """Replay `steps` from initial state `start`; the first point where `goal` is met
        (a run-time error: the same failure as `want`), with the states and each step's
        resets up to there; None when a step is not possible or the goal is never met."""
        state = self.initial[start]
        now: Time = 0
        states = [state]
        resets: list[tuple[int, ...]] = []
        for position in range(len(steps) + 1):
            moves, failing, source = self.options(state)
            if position == len(steps):
                wait = source
            else:
                delay = steps[position].at - now
                # the wait before the next step, as far as time can pass here (a shortened
                # run may ask for more: then the step is not possible, nor a goal after it)
                met = intersect((0, False, delay, False), source) if delay >= 0 else None
                if met is None:
                    return None
                wait = met
            hit = self._goal(goal, want, state, position, wait, moves, failing)
            if hit is not None:
                return hit, states, resets
            if position == len(steps) or (self.outside is not None
                                          and self.outside(state[0])):
                return None
            step = steps[position]
            move = next((m for m in moves if m.inst == step.inst and m.choices == step.choices
                         and _inside(delay, m.window)), None)
            if move is None:
                return None
            state = self.apply(state, move, delay)
            now = step.at
            states.append(state)
            resets.append(move.resets)
        return None

    def _goal(self, goal: Goal, want: Hit, state: State, position: int, wait: Window,
              moves: list[_Move], failing: list[tuple[int, Window]]) -> Hit | None:
        kind, k = goal
        if kind == "property":
            if k in self.discrete_props:
                fired, _failing = self.discrete_hits(state[0])
                return Hit(position, 0) if k in fired else None
            try:
                t = self.clock_hit(k, state, wait)
            except RuntimeFault:
                return None
            return None if t is None else Hit(position, t)
        if kind in ("deadlock", "timelock"):
            if moves or (self.outside is not None and self.outside(state[0])):
                return None
            timelock = self.timed and bool(self._inv(state[0]))
            return Hit(position, 0) if timelock == (kind == "timelock") else None
        # a run-time error: the same failure
        if want.what == "action":
            for inst, w in failing:
                if inst == want.index:
                    met = intersect(wait, w)
                    if met is not None:
                        return Hit(position, earliest(met), "action", inst)
            return None
        if want.index in self.discrete_props:
            _fired, bad = self.discrete_hits(state[0])
            return Hit(position, 0, "property", bad) if bad == want.index else None
        try:
            self.clock_hit(want.index, state, wait)
        except RuntimeFault:
            return Hit(position, 0, "property", want.index)
        return None

    # -------------------------------------------------------------- shrinking
    def shrink(self, start: int, steps: tuple[SimStep, ...], goal: Goal, hit: Hit
               ) -> tuple[tuple[SimStep, ...], Hit, int]:
        """Delta debugging (module docstring): the shortened steps, where the goal is met
        on them, and the number of replays it took."""
        replays = 0
        current = steps[:hit.position]
        best = hit

        def test(candidate: tuple[SimStep, ...]) -> bool:
            nonlocal replays, current, best
            replays += 1
            out = self.replay(start, candidate, goal, hit)
            if out is None:
                return False
            current, best = candidate[:out[0].position], out[0]
            return True

        def ddmin() -> None:
            chunks = 2
            while len(current) >= 1 and replays < MAX_REPLAYS:
                size = max(1, len(current) // chunks)
                removed = False
                for lo in range(0, len(current), size):
                    if replays >= MAX_REPLAYS:
                        break
                    if test(current[:lo] + current[lo + size:]) or \
                            test(_compressed(current, lo, size)):
                        chunks = max(chunks - 1, 2)
                        removed = True
                        break
                if not removed:
                    if size == 1:
                        break
                    chunks = min(chunks * 2, len(current))

        def swap() -> bool:
            """Two neighbouring steps out, one other step in at or before them, with no
            delay, the step after them kept at its time or taken with no delay (module
            docstring): True when a shorter run still meets the goal."""
            nonlocal replays
            for lo in range(len(current) - 1):
                base = current[:lo] + current[lo + 2:]
                replays += 1
                states = self.walk(start, base[:lo])
                if states is None:
                    continue
                for p in range(lo, -1, -1):
                    at = base[p - 1].at if p else 0
                    moves, _failing, _source = self.options(states[p])
                    for m in moves:
                        if not _inside(0, m.window):
                            continue
                        candidate = base[:p] + (SimStep(m.inst, m.choices, at),) + base[p:]
                        variants = [candidate]
                        if lo + 1 < len(candidate):  # the step after the two, no delay
                            after = candidate[lo + 1]
                            variants.append(candidate[:lo + 1] + (
                                SimStep(after.inst, after.choices, candidate[lo].at),)
                                + candidate[lo + 2:])
                        for variant in variants:
                            if replays >= MAX_REPLAYS:
                                return False
                            if test(variant):
                                return True
            return False

        def stretches() -> bool:
            """One stretch of 2 or more neighbouring steps out, the longest first, each
            removal tried as in ddmin: a cut that ddmin's halves and single steps miss
            (a whole request served before the one that fails)."""
            for size in range(len(current) - 1, 1, -1):
                for lo in range(0, len(current) - size + 1):
                    if replays >= MAX_REPLAYS:
                        return False
                    if test(current[:lo] + current[lo + size:]) or \
                            test(_compressed(current, lo, size)):
                        return True
            return False

        ddmin()
        while replays < MAX_REPLAYS and (stretches() or len(current) >= 3 and swap()):
            ddmin()
        if self.timed:
            i = 0
            while i < len(current):  # a step taken earlier may meet the goal sooner: shorter
                before = current[i - 1].at if i else 0
                at = current[i].at
                for earlier in dict.fromkeys((before, at // 1000 * 1000, int(at))):
                    if replays >= MAX_REPLAYS or not before <= earlier < at:
                        continue
                    moved = current[i]
                    candidate = current[:i] + (SimStep(moved.inst, moved.choices, earlier),) \
                        + current[i + 1:]
                    if test(candidate):
                        break
                i += 1
        return current, best, replays

    def walk(self, start: int, steps: tuple[SimStep, ...]) -> list[State] | None:
        """The states a run of `steps` from initial state `start` passes through (None:
        a step is not possible at its time)."""
        state = self.initial[start]
        now: Time = 0
        states = [state]
        for step in steps:
            delay = step.at - now
            if delay < 0:
                return None
            moves, _failing, _source = self.options(state)
            move = next((m for m in moves if m.inst == step.inst and m.choices == step.choices
                         and _inside(delay, m.window)), None)
            if move is None:
                return None
            state = self.apply(state, move, delay)
            now = step.at
            states.append(state)
        return states

    # -------------------------------------------------------------- traces
    def trace(self, start: int, steps: tuple[SimStep, ...], goal: Goal, want: Hit,
              failing: tuple[int, str] | None = None) -> Trace:
        """The trace of a witness, through the one TraceBuilder (every step replayed in the
        reference interpreter)."""
        out = self.replay(start, steps, goal, want)
        assert out is not None, "a witness that does not replay"
        hit, states, resets = out
        system = self.system
        if not self.timed:
            builder = TraceBuilder(system)
            builder.start(states[0][0])
            for k in range(hit.position):
                builder.step(states[k][0], states[k + 1][0], steps[k].inst, steps[k].choices)
            if failing is not None:
                builder.fail(states[-1][0], failing[0], failing[1])
            return builder.trace()
        builder = TraceBuilder(system, timed=True)
        builder.start(states[0][0], states[0][1][1:])
        for k in range(hit.position):
            builder.step(states[k][0], states[k + 1][0], steps[k].inst, steps[k].choices,
                         Fraction(steps[k].at, 1000), states[k + 1][1][1:], resets[k])
        now = steps[hit.position - 1].at if hit.position else 0
        end = now + hit.wait
        last = states[-1]
        if failing is not None:
            builder.fail(last[0], failing[0], failing[1], Fraction(end, 1000))
        builder.finish(last[0], Fraction(end, 1000), tuple(c + hit.wait for c in last[1][1:]))
        return builder.trace()


def _compressed(steps: tuple[SimStep, ...], lo: int, size: int) -> tuple[SimStep, ...]:
    """`steps` without steps lo .. lo + size - 1, the later ones earlier by the time those
    took (so the delays between the steps that are kept stay the same)."""
    end = min(lo + size, len(steps))
    before = steps[lo - 1].at if lo else 0
    span = steps[end - 1].at - before
    return steps[:lo] + tuple(SimStep(s.inst, s.choices, s.at - span) for s in steps[end:])


def _inside(delay: Time, w: Window) -> bool:
    lo, lo_strict, hi, hi_strict = w
    if delay < lo or (delay == lo and lo_strict):
        return False
    return hi is None or delay < hi or (delay == hi and not hi_strict)


# ------------------------------------------------------------------ worker processes
_WORKER: list[Simulator] = []


def _worker_init(simulator: Simulator) -> None:
    _WORKER[:] = [simulator]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's business


def _worker_run(index: int) -> RunResult:
    return _WORKER[0].run(index)


def _runs(simulator: Simulator, settings: SimSettings) -> Iterator[RunResult]:
    """Every run in order, in this process or in `settings.workers` (the same results)."""
    if settings.workers <= 1:
        for i in range(settings.runs):
            yield simulator.run(i)
        return
    context = multiprocessing.get_context("fork")
    pool = context.Pool(settings.workers, initializer=_worker_init, initargs=(simulator,))
    try:
        yield from pool.imap(_worker_run, range(settings.runs), chunksize=4)
    finally:
        pool.terminate()
        pool.join()


# ------------------------------------------------------------------ the engine
@dataclass(frozen=True, slots=True)
class _Witness:
    start: int
    steps: tuple[SimStep, ...]
    goal: Goal
    hit: Hit


class SimulationEngine:
    """Random runs (module docstring) over the system the engine `check` would use: an
    Engine whose findings are never exhaustive, so the driver's verdicts say "violated" or
    "reached" for what a run met and "unknown" for the rest, never "holds"."""

    def __init__(self, system: TransitionSystem, options: Options, settings: SimSettings):
        base = engine_for(system, options)
        if isinstance(base, DiscreteEngine):
            raise UsageError("tock simulate runs timed specs on exact clock values, as the "
                             "zone engine's semantics (docs/simulate.md); --time discrete is "
                             "not simulated: drop it")
        self.system = base.system
        self.timed = base.timed
        self.settings = settings
        self.stats = SimStats(runs_asked=settings.runs)
        self.simulator: Simulator | None = None
        self.witnesses: list[_Witness] = []

    def describe(self, findings: Findings[Any]) -> str:
        semantics = "the zone engine's semantics on exact clock values" if self.timed \
            else "the explicit engine's semantics"
        return f"simulation ({semantics})"

    def explore(self, job: Job) -> Findings[int]:
        settings = self.settings
        simulator = self.simulator = Simulator(self.system, self.timed, job.active, settings)
        findings: Findings[int] = Findings([], self.witnesses,
                                           check_deadlock=job.check_deadlock)
        stats = self.stats
        first: dict[Goal, RunResult] = {}
        seen: set[int] = set()
        fired = [0] * len(self.system.instances)
        if not simulator.initial:
            raise UsageError("the spec has no initial state within its bounds to simulate")
        max_states = job.options.max_states
        with job.budget.search(job.phase, findings) as meter:
            meter.poll(0, 0, 0, settings.runs)
            for result in _runs(simulator, settings):
                stats.runs += 1
                stats.steps += len(result.steps)
                stats.max_depth = max(stats.max_depth, len(result.steps))
                stats.deadlocks += result.stuck == "deadlock"
                stats.timelocks += result.stuck == "timelock"
                seen |= result.seen
                for inst, count in result.fired.items():
                    fired[inst] += count
                for goal in result.hits:
                    first.setdefault(goal, result)
                if max_states is not None and len(seen) >= max_states:
                    raise Stop(StopReason.MAX_STATES)
                if stats.runs % POLL_EVERY == 0:
                    meter.poll(len(seen), stats.steps, stats.max_depth,
                               settings.runs - stats.runs)
        stats.states = len(seen)
        names = self.system.action_names
        per_action = [0] * len(names)
        for inst, count in enumerate(fired):
            per_action[self.system.instances[inst][0]] += count
        stats.fired = tuple(zip(names, per_action))
        findings.states = stats.states
        findings.transitions = stats.steps
        findings.depth = stats.max_depth
        findings.deadlocks = stats.deadlocks
        findings.timelocks = stats.timelocks
        shrinking = job.budget.spent != StopReason.INTERRUPTED
        with job.budget.timed(f"{job.phase}: shrinking"):
            for goal in sorted(first):
                kind = goal[0]
                if (kind == "deadlock" and not job.check_deadlock) or \
                        (kind == "timelock" and not (job.check_timelock and self.timed)):
                    continue  # not asked about: counted, not judged
                self._record(findings, goal, first[goal], shrinking)
        return findings

    def _record(self, findings: Findings[int], goal: Goal, run: RunResult,
                shrinking: bool) -> None:
        simulator = self.simulator
        assert simulator is not None
        hit = run.hits[goal]
        steps, replays = run.steps[:hit.position], 0
        if shrinking:
            steps, hit, replays = simulator.shrink(run.start, run.steps, goal, hit)
        handle = len(self.witnesses)
        self.witnesses.append(_Witness(run.start, steps, goal, hit))
        kind, k = goal
        name = self.system.properties[k].name if kind == "property" else kind
        self.stats.shrunk.append(Shrunk(name, run.index, run.hits[goal].position, len(steps),
                                        replays))
        if kind == "property":
            findings.found[k] = handle
        elif kind == "deadlock":
            if findings.check_deadlock:
                findings.deadlock = handle
        elif kind == "timelock":
            findings.timelock = handle
        else:
            findings.runtime = RuntimeFinding(handle, "action" if hit.what == "action"
                                              else "property", hit.index)
            findings.runtime_count = 1

    def tracer(self, findings: Findings[int]) -> SimulationTracer:
        assert self.simulator is not None
        return SimulationTracer(self.simulator, self.witnesses)

    def leads_to(self, job: Job, findings: Findings[int],
                 props: list[LivenessInfo]) -> list[PropertyResult]:
        return [incomplete(self.system, p, "a simulation never sees the whole graph")
                for p in unbounded(props)]

    def coverage(self, findings: Findings[int]) -> tuple[tuple[str, int], ...]:
        return self.stats.fired

    def graph(self, findings: Findings[int], limit: int) -> nx.DiGraph:
        raise UsageError("a simulation keeps no state graph; use tock check or tock graph")

    def symbolic_states(self, findings: Findings[int]) -> None:
        """None: a simulation does not see every reachable state, so it cannot say which
        actions time always blocks."""
        return None


class SimulationTracer:
    """Traces of witnesses (shortened runs), with the times they were run at."""

    def __init__(self, simulator: Simulator, witnesses: list[_Witness]):
        self.simulator = simulator
        self.witnesses = witnesses

    def _trace(self, handle: int, failing: tuple[int, str] | None = None) -> Trace:
        w = self.witnesses[handle]
        return self.simulator.trace(w.start, w.steps, w.goal, w.hit, failing)

    def property_trace(self, handle: int, index: int) -> Trace:
        return self._trace(handle)

    def stuck_trace(self, handle: int) -> Trace:
        return self._trace(handle)

    def final_values(self, handle: int) -> tuple[Any, ...]:
        w = self.witnesses[handle]
        out = self.simulator.replay(w.start, w.steps, w.goal, w.hit)
        assert out is not None
        return self.simulator.system.decode(out[1][-1][0])

    def runtime(self, handle: int, what: str, index: int) -> tuple[Trace, str, str]:
        w = self.witnesses[handle]
        out = self.simulator.replay(w.start, w.steps, w.goal, w.hit)
        assert out is not None
        d = out[1][-1][0]
        inst, message, where = runtime_failure(self.simulator.system, d, what, index)
        failing = None if inst is None else (inst, message)
        return self._trace(handle, failing), message, where
