"""Zone traces: the symbolic path of a finding, then exact times for it.

The zones along a path are recomputed without extrapolation (what really happens), and
the schedule solver (schedule.py) finds the earliest firing times that realise the path
and its end condition (a clock property true, a stuck state reached). Times are solved in
units of the gcd of the constants involved, so strict bounds are met with a readable
slack; a time that a strict bound keeps open (every run has it strictly after some
limit) is marked so, and the reports say "just after 75 s". Lassos of the zone graph
(leads-to) become runs in which ticks are time passing.
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from model import RuntimeFault

from ...liveness import TICK
from ...report import Trace
from ...trace import Open, TraceBuilder, TraceError
from ...verdicts import runtime_failure
from ..findings import Findings
from . import dbm
from .schedule import TimedStep, check_schedule, solve_schedule_open
from .search import ZoneNodes

if TYPE_CHECKING:
    from model import TransitionSystem, ZoneCode

__all__ = ["ZoneTracer", "ZoneLassoTracer", "solve_in_units", "solve_in_units_open"]

Zone = tuple[int, ...]
Constraint = tuple[int, int, int]


def _constraints(z: Zone, n: int) -> tuple[Constraint, ...]:
    out = []
    for i in range(n):
        for j in range(n):
            raw = z[i * n + j]
            if i != j and raw < dbm.INF:
                out.append((i, j, raw))
    return tuple(out)


def clock_ranges(z: Zone, n: int) -> tuple[tuple[Fraction, bool, Fraction | None, bool], ...]:
    """Each clock's interval in zone `z` (ms): (low, strict, high or None, strict)."""
    out = []
    for x in range(1, n):
        low = z[0 * n + x]  # 0 - x <= c: x >= -c
        high = z[x * n + 0]
        out.append((Fraction(-dbm.bound_constant(low)), dbm.bound_is_strict(low),
                    None if high >= dbm.INF else Fraction(dbm.bound_constant(high)),
                    high < dbm.INF and dbm.bound_is_strict(high)))
    return tuple(out)


def solve_in_units(n: int, steps: list[TimedStep], final_inv: tuple, final: tuple
                   ) -> list[Fraction] | None:
    """The earliest schedule, solved in units of the gcd of the constants (seconds, say),
    so that strict bounds are met with a readable slack (0.01 s rather than 1/6000 ms)."""
    solved = solve_in_units_open(n, steps, final_inv, final)
    return None if solved is None else [t for t, _ in solved]


def solve_in_units_open(n: int, steps: list[TimedStep], final_inv: tuple, final: tuple
                        ) -> list[tuple[Fraction, Fraction | None]] | None:
    """solve_in_units with each time's open limit (schedule.solve_schedule_open), in ms."""
    constraints = [c for s in steps for c in (*s.invariant, *s.guard)] + list(final_inv) + \
        list(final)
    unit = 0
    for _i, _j, raw in constraints:
        if raw < dbm.INF:
            unit = math.gcd(unit, abs(dbm.bound_constant(raw)))
    if unit <= 1:
        solved = solve_schedule_open(n, steps, final_inv, final)
        return None if solved is None else [(t, None if a is None else Fraction(a))
                                            for t, a in solved]

    def scale(cs: tuple) -> tuple:
        return tuple((i, j, raw if raw >= dbm.INF else dbm.bound(
            dbm.bound_constant(raw) // unit, dbm.bound_is_strict(raw))) for i, j, raw in cs)

    scaled = [TimedStep(scale(s.invariant), scale(s.guard), s.resets) for s in steps]
    times = solve_schedule_open(n, scaled, scale(tuple(final_inv)), scale(tuple(final)))
    return None if times is None else [(t * unit, None if a is None else Fraction(a * unit))
                                       for t, a in times]


class ZoneTracer:
    """Traces of the zone engine (see the module docstring)."""

    def __init__(self, system: TransitionSystem, zc: ZoneCode, findings: Findings[int]):
        self.system = system
        self.zc = zc
        self.findings = findings
        self.nodes: ZoneNodes = findings.store

    def _exact_zones(self, path: list[int]) -> list[Zone]:
        """The zones along the path without extrapolation (what really happens)."""
        zc = self.zc
        n = zc.n
        nodes = self.nodes
        d = nodes.discrete(path[0])
        inv = zc.inv(d)
        first = dbm.constrain_all(dbm.zero(n), n, inv)
        first = dbm.constrain_all(dbm.up(first, n), n, inv) if first is not None else None
        assert first is not None
        zones = [first]
        for node in path[1:]:
            _inst, _choices, guard, resets = nodes.via(node)
            d2 = nodes.discrete(node)
            z = dbm.constrain_all(zones[-1], n, guard)
            for x in resets:
                z = dbm.reset(z, n, x)  # type: ignore[arg-type]
            inv2 = zc.inv(d2)
            z = dbm.constrain_all(z, n, inv2)
            assert z is not None, "a symbolic path that is not feasible"
            up = dbm.constrain_all(dbm.up(z, n), n, inv2)
            assert up is not None
            zones.append(up)
        return zones

    def final_values(self, node: int) -> tuple[Any, ...]:
        return self.system.decode(self.nodes.discrete(node))

    def property_trace(self, node: int, index: int) -> Trace:
        path = self.nodes.path(node)
        final: tuple[Constraint, ...] = ()
        ranges: tuple[tuple[Fraction, bool, Fraction | None, bool], ...] = ()
        if self.system.properties[index].mentions_clock:
            zone = self._exact_zones(path)[-1]
            met = next((c for c in self.system.clock_formula(index, self.nodes.discrete(node))
                        if dbm.satisfies_some(zone, self.zc.n, c)), None)
            if met is None:
                name = self.system.properties[index].name
                raise TraceError(f"{name} is only met in the extrapolated zone")
            final = met
            where = dbm.constrain_all(zone, self.zc.n, met)
            if where is not None:
                ranges = clock_ranges(where, self.zc.n)
        trace = self._trace(path, final)
        return replace(trace, clock_ranges=ranges) if ranges else trace

    def trace_to(self, node: int, final: tuple[Constraint, ...]) -> Trace:
        """The run to `node` that ends where the clock constraints `final` hold (a timing
        query's witness: the clock at the end of its interval)."""
        return self._trace(self.nodes.path(node), final)

    def stuck_trace(self, node: int) -> Trace:
        path = self.nodes.path(node)
        zone = self._exact_zones(path)[-1]
        zc = self.zc
        n = zc.n
        d = self.nodes.discrete(node)
        enabled = []
        for _inst, _choices, d2, guard, resets in zc.succ(d):
            if d2 is None:
                continue
            z1 = dbm.constrain_all(zone, n, guard)
            if z1 is None:
                continue
            try:
                inv2 = zc.inv(d2)
            except RuntimeFault:
                continue  # the action fails there (reported as a run-time error)
            z2 = z1
            for x in resets:
                z2 = dbm.reset(z2, n, x)
            if dbm.constrain_all(z2, n, inv2) is None:
                continue
            pre = dbm.constrain_all(z1, n, [c for c in inv2 if c[0] not in resets])
            if pre is not None:
                enabled.append(pre)
        pieces = dbm.stuck_part(zone, enabled, n)
        if not pieces:
            raise TraceError("a stuck state found in the extrapolated zone is not stuck")
        # A timelock is shown where time stops: on an active bound, if it can be reached.
        for piece in pieces:
            for x, _zero, raw in zc.inv(d):
                if not dbm.bound_is_strict(raw):
                    tight = dbm.constrain(piece, n, 0, x,
                                          dbm.bound(-dbm.bound_constant(raw), False))
                    if tight is not None:
                        return self._trace(path, _constraints(tight, n))
        return self._trace(path, _constraints(pieces[0], n))

    def runtime(self, node: int, what: str, index: int) -> tuple[Trace, str, str]:
        inst, message, where = runtime_failure(self.system, self.nodes.discrete(node), what,
                                               index)
        failing = None if inst is None else (inst, message)
        runtime = self.findings.runtime
        guard = runtime.guard if runtime is not None else ()
        trace = self._trace(self.nodes.path(node), tuple(guard), failing=failing)
        return trace, message, where

    def _trace(self, path: list[int], final: tuple, failing: tuple[int, str] | None = None
               ) -> Trace:
        zc = self.zc
        n = zc.n
        nodes = self.nodes
        steps = []
        moves: list[tuple[int, tuple] | None] = []
        states = [nodes.discrete(v) for v in path]
        for k in range(1, len(path)):
            inst, choices, guard, resets = nodes.via(path[k])
            steps.append(TimedStep(zc.inv(states[k - 1]), guard, resets))
            moves.append((inst, choices))
        final_inv = zc.inv(states[-1])
        times = solve_in_units_open(n, steps, final_inv, final)
        if times is None or not check_schedule(n, steps, [t for t, _ in times], final_inv,
                                               final):
            raise TraceError("no concrete times realise this symbolic trace")
        return _timed_trace(self.system, n, states, moves, steps, times, failing)


def _timed_trace(system: TransitionSystem, n: int, states: list[int],
                 moves: list[tuple[int, tuple] | None], steps: list[TimedStep],
                 times: list[tuple[Fraction, Fraction | None]],
                 failing: tuple[int, str] | None = None,
                 loop_start: int | None = None) -> Trace:
    """The run along discrete `states` where move k (None: time passing, a tick) fires at
    `times[k]` (ms: the time and its open limit or None) and resets `steps[k].resets`; the
    last time is the end."""
    builder = TraceBuilder(system, timed=True)
    builder.start(states[0], tuple(0 for _ in range(n - 1)))
    last_reset = [Fraction(0)] * n  # in ms, like the constants the schedule solves for
    loop_step = None
    for k, move in enumerate(moves):
        if loop_start is not None and k == loop_start:
            loop_step = len(builder.steps) - 1
        if move is None:
            continue
        inst, choices = move
        t, limit = times[k]
        for x in steps[k].resets:
            last_reset[x] = t
        clocks = tuple(t - last_reset[x] for x in range(1, n))
        builder.step(states[k], states[k + 1], inst, choices, t / 1000, clocks,
                     steps[k].resets, _open(limit))
    if loop_start is not None and loop_step is None:
        loop_step = len(builder.steps) - 1
    end, limit = times[-1] if times else (Fraction(0), None)
    if failing is not None:
        builder.fail(states[-1], failing[0], failing[1], end / 1000, _open(limit))
    builder.finish(states[-1], end / 1000, tuple(end - last_reset[x] for x in range(1, n)),
                   _open(limit))
    return builder.trace(loop_step)


def _open(limit_ms: Fraction | None) -> Open:
    """An earliest time's open limit (ms) as Step.time_open: just after it, in seconds."""
    return None if limit_ms is None else ("after", limit_ms / 1000)


class ZoneLassoTracer:
    """A lasso of the zone graph as a run with exact times; ticks become time passing
    (at least one time unit between ticks, so the repeated cycle lets time diverge)."""

    def __init__(self, system: TransitionSystem, zc: ZoneCode, unit: int):
        self.system = system
        self.zc = zc
        self.unit = unit

    def trace(self, path: list[tuple], insts: list[int], loop_start: int | None) -> Trace:
        zc = self.zc
        n = zc.n
        m = n + 1  # the tick clock is clock n
        steps: list[TimedStep] = []
        moves: list[tuple[int, tuple] | None] = []
        ticks = 0
        for k in range(len(path) - 1):
            d, d2 = path[k][0], path[k + 1][0]
            if insts[k] == TICK:
                # the product began with the tick clock unconstrained: the first tick is free
                guard = ((0, n, dbm.bound(-self.unit, False)),) if ticks else ()
                ticks += 1
                steps.append(TimedStep(zc.inv(d), guard, (n,)))
                moves.append(None)
                continue
            entry = next(e for e in zc.succ(d) if e[0] == insts[k] and e[2] == d2)
            steps.append(TimedStep(zc.inv(d), tuple(entry[3] or ()), tuple(entry[4])))
            moves.append((insts[k], entry[1]))
        final_inv = zc.inv(path[-1][0])
        times = solve_in_units_open(m, steps, final_inv, ())
        if times is None or not check_schedule(m, steps, [t for t, _ in times], final_inv, ()):
            raise TraceError("no concrete times realise this symbolic lasso")
        states = [node[0] for node in path]
        return _timed_trace(self.system, n, states, moves, steps, times, None,
                            loop_start if loop_start is not None else None)
