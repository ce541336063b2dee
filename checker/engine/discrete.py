"""The discrete-time engine: a timed system in integer time, explored state by state.

Clocks become slots counting ticks (model.system.DiscreteTimeSystem: one tick is the gcd of
the time constants unless `--tick` says otherwise) and time passing is a `tick` successor
that costs no step, so the explicit dict-store search explores it (depths and trace lengths
count actions, as with zones). Exact for closed (non-strict) clock constraints only; the
engine refuses a spec with a strict one. Traces turn ticks back into time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from model import lazy_module

from ..errors import UsageError
from ..graph import action_coverage, state_graph
from ..liveness import TICK, incomplete, leads_to, unbounded
from ..options import Options
from ..report import PropertyResult, Trace
from ..trace import TraceBuilder, find_transition, format_duration
from ..verdicts import result, runtime_failure
from .findings import Findings
from .interface import SymbolicStates
from .store import ROOT

if TYPE_CHECKING:
    import networkx as nx

    from model import LivenessInfo, TransitionSystem

    from .explicit import search as explicit_search
    from .interface import Job
else:  # the zone engine imports this module for leads-to: it never needs the explicit one
    explicit_search = lazy_module("checker.engine.explicit.search")

__all__ = ["DiscreteEngine", "DiscreteTracer", "leads_to_in_discrete_time",
           "discrete_extremes"]


def _refusal(system: TransitionSystem) -> str | None:
    refusal = system.discrete_refusal()
    if refusal is None:
        return None
    why, span = refusal
    return f"{why} at {span}"


class DiscreteEngine:
    """Discrete time (see the module docstring)."""

    timed = True

    def __init__(self, system: TransitionSystem, options: Options):
        refusal = _refusal(system)
        if refusal is not None:
            raise UsageError("the discrete time engine is exact only for closed (non-strict) "
                             f"clock constraints, but {refusal}; use --time zones")
        tick = options.tick or system.default_tick()
        for k in system.time_constants():
            if k % tick:
                raise UsageError(f"the tick {format_duration(tick)} does not divide the "
                                 f"constant {format_duration(k)}; pick a tick that divides "
                                 "every time constant (default: their gcd, "
                                 f"{format_duration(system.default_tick())})")
        self.tick = tick
        self.system = system.discrete_time(tick)

    def describe(self, findings: Findings[Any]) -> str:
        return f"discrete time (tick {format_duration(self.tick)})"

    def explore(self, job: Job) -> Findings[int]:
        return explicit_search.explore_dict(job, self.system)

    def tracer(self, findings: Findings[int]) -> DiscreteTracer:
        return DiscreteTracer(self.system, findings)

    def leads_to(self, job: Job, findings: Findings[int],
                 props: list[LivenessInfo]) -> list[PropertyResult]:
        return leads_to(job, self.system, unbounded(props), findings.store.states(),
                        findings.initial, findings.complete,
                        self.tracer(findings).lasso_trace, timed=True)

    def coverage(self, findings: Findings[int]) -> tuple[tuple[str, int], ...]:
        return action_coverage(self.system, findings.store.states())

    def graph(self, findings: Findings[int], limit: int) -> nx.DiGraph:
        return state_graph(self.system, findings.store, limit)

    def symbolic_states(self, findings: Findings[int]) -> SymbolicStates:
        """Each state an action (or the start) enters, as its clock values in ticks (DBM
        constraints `x == v`; a capped clock `x >= v`): the pass lets time run from there within its
        bounds. A state whose recorded parent ticked into it lies in its parent's zone and is
        left out (checker.engine.blocked)."""
        system = self.system
        store = findings.store
        layout = system.layout
        caps = layout.clock_caps
        discrete = (1 << layout.clock_offsets[0]) - 1 if layout.clock_offsets else -1
        tick = system.tick  # type: ignore[attr-defined]

        def states() -> Iterator[tuple[int, tuple[tuple[int, int, int], ...]]]:
            for s, parent in store.parent_map().items():
                if parent != ROOT and tick(parent) == s:
                    continue
                point = []
                for x, (v, cap) in enumerate(zip(layout.clock_values(s), caps), start=1):
                    # in ticks; raw DBM bounds: (c << 1) | 1 is `<= c`
                    if v < cap:
                        point.append((x, 0, (v << 1) | 1))
                    point.append((0, x, (-v << 1) | 1))  # a capped clock: at least this
                yield s & discrete, tuple(point)

        return SymbolicStates(states(), len(store), points=True, unit=self.tick)


def leads_to_in_discrete_time(job: Job, props: list[LivenessInfo]) -> list[PropertyResult]:
    """Unbounded leads-to of a timed spec whose fairness reads clocks, checked in discrete
    time, where a run must let time pass forever (exact for closed constraints): a search
    of its own, for the graph only."""
    system = job.system
    refusal = _refusal(system)
    if refusal is not None:
        return [result(system, p.name, "leadsto", "unknown",
                       "leads-to in a timed spec is checked in discrete time, which needs "
                       f"closed clock constraints, but {refusal}", str(p.span), None)
                for p in props]
    tick = job.options.tick or system.default_tick()
    dsys = system.discrete_time(tick)
    graph_job = replace(job, system=dsys, active=(), check_deadlock=False, fail_fast=False,
                        coverage=False, phase="leads-to (discrete time)")
    findings = explicit_search.explore_dict(graph_job)
    if not findings.complete:
        return [incomplete(system, p) for p in props]
    return leads_to(graph_job, dsys, props, findings.store.states(), findings.initial, True,
                    DiscreteTracer(dsys, findings).lasso_trace, timed=True)


def discrete_extremes(system: TransitionSystem, findings: Findings[int], where: int, x: int
                      ) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """For a timing query: the largest and the smallest value (ms) of clock `x` over the
    states where property `where` (a reachable) holds, each with a state that has it; None
    where none does. A clock's slot is capped one tick above its constant, so a value above
    the constant means "above" (checker.measure doubles the constant then)."""
    holds = system.props_for(frozenset((where,)))
    clock_ms = system.clock_values_ms  # type: ignore[attr-defined]
    hi: tuple[int, int] | None = None
    lo: tuple[int, int] | None = None
    for state in findings.store.states():
        if not holds(state):
            continue
        value = clock_ms(state)[x - 1]
        if hi is None or value > hi[0]:
            hi = (value, state)
        if lo is None or value < lo[0]:
            lo = (value, state)
    return hi, lo


class DiscreteTracer:
    """Traces of the discrete engine: ticks become time, actions become steps."""

    def __init__(self, system: TransitionSystem, findings: Findings[int]):
        self.system = system
        self.store = findings.store

    def property_trace(self, state: int, index: int) -> Trace:
        return self._trace(self.store.path(state))

    def stuck_trace(self, state: int) -> Trace:
        return self._trace(self.store.path(state))

    def final_values(self, state: int) -> tuple[Any, ...]:
        return self.system.decode(state)

    def runtime(self, state: int, what: str, index: int) -> tuple[Trace, str, str]:
        inst, message, where = runtime_failure(self.system, state, what, index)
        failing = None if inst is None else (inst, message)
        return self._trace(self.store.path(state), failing), message, where

    def lasso_trace(self, path: list[int], instances: list[int], loop_start: int | None
                    ) -> Trace:
        return self._trace(path, instances=instances, loop_start=loop_start)

    def _trace(self, path: list[int], failing: tuple[int, str] | None = None,
               instances: list[int] | None = None, loop_start: int | None = None) -> Trace:
        """Ticks become time; a clock's shown value is exact (time since its last reset),
        not its capped slot. With `instances`, each step is that instance (TICK: a tick);
        `loop_start` is a node index of `path`, mapped to the step it falls on."""
        system = self.system
        tick = system.tick_ms  # type: ignore[attr-defined]
        n = system.n_clocks + 1
        ms = 0
        last_reset = [0] * n
        builder = TraceBuilder(system, timed=True)
        builder.start(path[0], tuple(0 for _ in range(n - 1)))
        loop_step = None
        for k, (a, b) in enumerate(zip(path, path[1:])):
            if loop_start is not None and k == loop_start:
                loop_step = len(builder.steps) - 1
            hint = instances[k] if instances is not None else None
            if hint == TICK or (hint is None and system.tick(a) == b):  # type: ignore[attr-defined]
                ms += tick
                continue
            inst, choices = find_transition(system, a, b, hint)
            slots_before = system.layout.clock_values(a)
            slots_after = system.layout.clock_values(b)
            resets = tuple(x for x in range(1, n) if slots_after[x - 1] == 0
                           and slots_before[x - 1] != 0)
            for x in resets:
                last_reset[x] = ms
            builder.step(a, b, inst, choices, Fraction(ms, 1000),
                         tuple(ms - last_reset[x] for x in range(1, n)), resets)
        if failing is not None:
            builder.fail(path[-1], failing[0], failing[1], Fraction(ms, 1000))
        builder.finish(path[-1], Fraction(ms, 1000),
                       tuple(ms - last_reset[x] for x in range(1, n)))
        return builder.trace(loop_step)
