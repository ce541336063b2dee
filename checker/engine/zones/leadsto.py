"""Unbounded leads-to on the zone graph.

The graph is the exact one (a symbolic state per discrete state and extrapolated zone, no
subsumption: subsumption does not preserve cycles), which the search builds (search.py,
`exact`). It abstracts time away, so a cycle in it
may be Zeno (infinitely many steps in bounded time), which is no counterexample. Each fair
component without Q is therefore rebuilt with one more clock that a `tick` resets once at
least one time unit has passed (the classic non-Zeno construction), and only a fair cycle
with a tick counts. The product is built per component, so its cost is paid only where a
counterexample may be. Fairness of actions whose guards compare clocks is checked in
discrete time instead (checker.engine.discrete).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...liveness import TICK, StateGraph, incomplete, leads_to_results
from ...liveness.fairness import Component
from ...liveness.lasso import divergent_cycle, idle_cycle
from ...report import PropertyResult
from ..discrete import leads_to_in_discrete_time
from ..findings import Findings
from . import dbm, kernel
from .extrapolation import ExtraM
from .tracer import ZoneLassoTracer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from model import LivenessInfo, TransitionSystem, ZoneCode

    from ..interface import Job

__all__ = ["zone_leads_to"]

Zone = bytes


def zone_leads_to(job: Job, zc: ZoneCode, findings: Findings[int], always: frozenset[int],
                  props: list[LivenessInfo]) -> list[PropertyResult]:
    """Verdicts for unbounded leads-to properties of a timed system (module docstring)."""
    system = job.system
    if not props:
        return []
    if system.clock_guarded_fairness() is not None:
        return leads_to_in_discrete_time(job, props)
    if not findings.complete:
        return [incomplete(system, p) for p in props]
    graph = findings.store.graph
    assert graph is not None, "the search of a spec with leads-to builds the exact graph"
    unit = system.default_tick()
    hook = TickDivergence(system, zc, graph, always, unit)
    tracer = ZoneLassoTracer(system, zc, unit)
    return leads_to_results(system, props, graph, tracer.trace, timed=True,
                            discrete=lambda key: key[0], divergence=hook)


def _successor(z: Zone, n: int, guard: Any, resets: Any, inv2: tuple) -> Zone | None:
    """Guard, resets and the target's bounds (no delay: `close` lets time pass)."""
    z1 = kernel.constrain_all(z, n, guard or ())
    if z1 is None:
        return None
    for x in resets:
        z1 = kernel.reset(z1, n, x)
    return kernel.constrain_all(z1, n, inv2)


def _with_free_clock(z: Zone, n: int) -> Zone:
    """Zone z (dimension n) with one more clock, unconstrained (but non-negative)."""
    t = kernel.decode(z, n)
    m = n + 1
    out = [dbm.INF] * (m * m)
    for i in range(n):
        out[i * m:i * m + n] = t[i * n:i * n + n]
    out[0 * m + n] = dbm.LE_ZERO  # 0 - x_new <= 0
    out[n * m + n] = dbm.LE_ZERO
    result = dbm.canonical(out, m)
    assert result is not None
    return kernel.encode(result, m)


class TickDivergence:
    """liveness.Divergence for zone graphs: the component rebuilt with a tick clock."""

    def __init__(self, system: TransitionSystem, zc: ZoneCode, graph: StateGraph,
                 always: frozenset[int], unit: int):
        self.zc = zc
        self.graph = graph
        self.groups = system.fairness
        self.unit = unit
        extrapolation = ExtraM(zc, always, (unit,))
        self.close = extrapolation.close
        self.invariant = extrapolation.invariant
        self.cache: dict[frozenset[int], Any] = {}
        self.succ_cache: dict[int, list[tuple]] = {}

    def __call__(self, comp: Component, enabled: Sequence[int]) -> Any:
        key = frozenset(comp.nodes)
        if key not in self.cache:
            if self._time_bounded(comp.nodes):
                self.cache[key] = None
            else:
                self.cache[key] = idle_cycle(self.graph, comp, enabled) or \
                    self._build(comp.nodes, enabled)
        return self.cache[key]

    def _entries(self, d: int) -> list[tuple]:
        entries = self.succ_cache.get(d)
        if entries is None:
            entries = self.succ_cache[d] = [e for e in self.zc.succ(d) if e[2] is not None]
        return entries

    def _time_bounded(self, nodes: set[int]) -> bool:
        """Whether a clock is bounded above in every zone of the component and reset by
        none of its edges: then every run inside it takes bounded time (the cheap case of
        the many small Zeno components, a self-loop under an urgency bound)."""
        states, n = self.graph.states, self.zc.n
        bounded = set(range(1, n))
        for v in nodes:
            z = kernel.decode(states[v][1], n)
            bounded = {x for x in bounded if z[x * n] != dbm.INF}
            if not bounded:
                return False
        for v in nodes:
            for w, inst in self.graph.edges(v):
                if w not in nodes:
                    continue
                d2 = states[w][0]
                for e_inst, _choices, e_d2, _guard, resets in self._entries(states[v][0]):
                    if e_inst == inst and e_d2 == d2:
                        bounded.difference_update(resets)
                if not bounded:
                    return False
        return True

    def _build(self, nodes: set[int], enabled: Sequence[int]) -> Any:
        zc, graph, close = self.zc, self.graph, self.close
        n = zc.n
        m = n + 1
        tick_guard = ((0, n, dbm.bound(-self.unit, False)),)
        product = StateGraph([], [])
        label: list[int] = []
        starts: dict[int, int] = {}
        for v in sorted(nodes):
            d, z = graph.states[v]
            key = (v, _with_free_clock(z, n))
            if key not in product.ids:
                product.add_node(key)
                label.append(v)
            starts[v] = product.ids[key]
        of_instance = self.groups.of_instance
        penabled: list[int] = []
        node = 0
        while node < len(product.states):
            v, zt = product.states[node]
            d = graph.states[v][0]
            entries = self._entries(d)
            edges: dict[tuple[int, int], None] = {}
            mask = 0  # the fair groups enabled in this zone (their targets may lie outside)
            for w, inst in dict.fromkeys(graph.edges(v)):
                fair = of_instance[inst] if inst != TICK else 0
                if w not in nodes and not fair & ~mask:
                    continue
                d2 = graph.states[w][0]
                for e_inst, _choices, e_d2, guard, resets in entries:
                    if e_inst != inst or e_d2 != d2:
                        continue
                    inv2 = self.invariant(d2)
                    z2 = _successor(zt, m, guard, resets, inv2)
                    if z2 is not None:
                        mask |= fair
                        if w in nodes:
                            target = self._node(product, label, w, close(z2, d2, inv2))
                            edges[(target, inst)] = None
                    break
            inv = self.invariant(d)
            z2 = _successor(zt, m, tick_guard, (n,), inv)
            if z2 is not None:
                edges[(self._node(product, label, v, close(z2, d, inv)), TICK)] = None
            product.close_node(edges)
            penabled.append(mask)
            node += 1
        return divergent_cycle(product, self.groups, penabled, starts, label)

    @staticmethod
    def _node(product: StateGraph, label: list[int], v: int, z: Zone) -> int:
        key = (v, z)
        target = product.ids.get(key)
        if target is None:
            target = product.add_node(key)
            label.append(v)
        return target


