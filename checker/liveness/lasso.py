"""Counterexamples to leads-to: lassos.

A counterexample to `P ~> Q` is the shortest path to a P state from which a fair cycle of
states without Q (or a deadlock, untimed) is reachable without Q, then a cycle through the
component that takes every group the component takes, passes a state where each weak group
it does not take is disabled, and lets time pass. For zones, whether time can diverge in a
fair component is asked of a `Divergence` (checker.engine.zones.leadsto), which answers
with a cycle of a finer graph.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from itertools import compress
from operator import and_

from model import nodeclass

from .fairness import Component, Divergence, DivergentCycle, Fairness, fair_components
from .graph import TICK, StateGraph, edge_between, shortest_path

__all__ = ["Lasso", "find_lasso", "idle_cycle", "divergent_cycle"]

@nodeclass
class Lasso:
    """A counterexample: node path and the instance of each step; `loop_start` is the
    index in `nodes` where the repeated cycle begins (None: the run ends in a deadlock)."""

    nodes: list[int]
    insts: list[int]
    loop_start: int | None


def _values(test: Callable[[object], bool], states: Sequence[object],
            negate: bool = False) -> list[bool]:
    """`test` (`negate`: its negation) at each of `states`: through its `over` where it has
    one (a DiscreteTest: evaluated per discrete state of a zone graph), else state by
    state."""
    over = getattr(test, "over", None)
    return over(states, negate) if over is not None else [test(s) != negate for s in states]


def find_lasso(graph: StateGraph, p: Callable[[object], bool], q: Callable[[object], bool],
               groups: Fairness, timed: bool, divergence: Divergence | None = None
               ) -> Lasso | None:
    """A shortest-prefix counterexample to `P ~> Q`, or None when it holds. With
    `divergence` (zones), the graph has no tick edges and each fair component is asked
    whether time can diverge in it."""
    states = graph.states
    n = len(states)
    start_of, targets = graph.start, graph.targets
    not_q = _values(q, states, negate=True)
    enabled, dead = graph.enabled_groups(groups)
    # only what a run from a P state can reach before Q matters
    # P at every node where its values are at hand (zones: per discrete state), so that
    # no node's state is read again for it (a spilled graph reads its zones from disk)
    p_at = _values(p, states) if hasattr(p, "over") else None
    if p_at is not None:
        candidates = set(compress(range(n), map(and_, not_q, p_at)))
    else:
        candidates = {v for v in compress(range(n), not_q) if p(states[v])}
    queue = deque(candidates)
    while queue:
        v = queue.popleft()
        for t in targets[start_of[v]:start_of[v + 1]]:
            if not_q[t] and t not in candidates:
                candidates.add(t)
                queue.append(t)
    # zones: a group counts as enabled here only if it is so for every valuation of the
    # zone, so no component is dropped that a time-divergent fair run could stay in; the
    # divergence check then judges fairness in finer zones
    components = fair_components(graph, candidates, groups,
                                  graph.enabled_everywhere or enabled,
                                  timed and divergence is None)
    owner: dict[int, Component] = {}
    witness: dict[int, DivergentCycle] = {}
    for comp in components:
        if divergence is not None:
            cycle = divergence(comp, enabled)
            if cycle is not None:
                for v in cycle.entries:
                    witness.setdefault(v, cycle)
            continue
        for v in comp.nodes:
            owner[v] = comp
    # runs that stop: a deadlock (no successor) without Q; in timed specs a state with no
    # successor stops time, which is no counterexample
    targets_ = set(owner) | set(witness) | \
        ({v for v in candidates if dead[v]} if not timed else set())
    if not targets_:
        return None
    # backwards from the targets, through states without Q
    preds: dict[int, list[int]] = {}
    for v in candidates:
        for t in targets[start_of[v]:start_of[v + 1]]:
            if not_q[t]:
                preds.setdefault(t, []).append(v)
    toward: dict[int, int] = {v: -1 for v in targets_}
    queue = deque(sorted(targets_))
    distance = {v: 0 for v in targets_}
    while queue:
        v = queue.popleft()
        for u in preds.get(v, ()):
            if u not in distance:
                distance[u] = distance[v] + 1
                toward[u] = v
                queue.append(u)
    # forwards from the initial states: depth and parent (one search per graph)
    depth, parent, via = graph.forward()
    best = None
    for v in sorted(distance):
        if not_q[v] and depth[v] >= 0 and (p(states[v]) if p_at is None else p_at[v]):
            key = (depth[v] + distance[v], depth[v], v)
            if best is None or key < best:
                best = key
    if best is None:
        return None
    start = best[2]
    nodes = [start]
    insts: list[int] = []
    v = start
    while parent[v] >= 0:
        u, inst = parent[v], via[v]
        nodes.append(u)
        insts.append(inst)
        v = u
    nodes.reverse()
    insts.reverse()
    v = start
    while toward[v] != -1:
        w = toward[v]
        inst = edge_between(graph, v, w)
        nodes.append(w)
        insts.append(inst)
        v = w
    if v in witness:
        more, more_insts, loop = witness[v].lasso_from(v)
        loop_start = len(nodes) - 1 + loop
        nodes.extend(more)
        insts.extend(more_insts)
        return Lasso(nodes, insts, loop_start)
    if v not in owner:
        return Lasso(nodes, insts, None)  # a deadlock
    loop_start = len(nodes) - 1
    cycle_nodes, cycle_insts = _cycle(graph, owner[v], v, groups, enabled)
    nodes.extend(cycle_nodes)
    insts.extend(cycle_insts)
    return Lasso(nodes, insts, loop_start)



def _cycle(graph: StateGraph, comp: Component, start: int, groups: Fairness,
           enabled: Sequence[int]) -> tuple[list[int], list[int]]:
    """A cycle from `start` back to it inside the component, fair and time-divergent."""
    nodes: list[int] = []
    insts: list[int] = []
    current = start
    taken_so_far = 0
    ticked = False

    def go(goal: Callable[[int], bool]) -> None:
        nonlocal current
        found = shortest_path(graph, comp.nodes, current, goal)
        assert found is not None, "a component is strongly connected"
        path, path_insts = found
        nodes.extend(path)
        insts.extend(path_insts)
        if path:
            current = path[-1]

    def take(edge_ok: Callable[[int], bool]) -> None:
        """Walk to an edge inside the component whose instance passes edge_ok; take it."""
        nonlocal current, taken_so_far, ticked

        def has_edge(v: int) -> bool:
            return any(t in comp.nodes and edge_ok(inst) for t, inst in graph.edges(v))

        go(has_edge)
        for t, inst in graph.edges(current):
            if t in comp.nodes and edge_ok(inst):
                nodes.append(t)
                insts.append(inst)
                if inst == TICK:
                    ticked = True
                else:
                    taken_so_far |= groups.of_instance[inst]
                current = t
                return

    for g in range(len(groups.kinds)):
        bit = 1 << g
        if comp.taken & bit and not taken_so_far & bit:
            take(lambda inst, bit=bit: inst != TICK  # type: ignore[misc]
                 and bool(groups.of_instance[inst] & bit))
    if comp.tick and not ticked:
        take(lambda inst: inst == TICK)
    # weak groups enabled all along the cycle so far and not taken: pass a state where each
    # is disabled (one exists, or the component would not be fair)
    visited = [start] + nodes
    always = -1
    for v in visited:
        always &= enabled[v]
    for g in range(len(groups.kinds)):
        bit = 1 << g
        if groups.kinds[g] == "weak" and always & bit and not taken_so_far & bit:
            go(lambda v, bit=bit: not enabled[v] & bit)  # type: ignore[misc]
    # and back to the start (at least one step, so the cycle is a real cycle)
    if not nodes:
        take(lambda inst: True)
    go(lambda v: v == start)
    return nodes, insts



@nodeclass
class _ProductCycle:
    """A fair, time-divergent cycle of a product graph (zones with a tick clock) whose nodes
    are labelled with nodes of the time-abstract graph."""

    graph: StateGraph
    owner: dict[int, Component]
    starts: dict[int, int]  # entry node of the abstract graph -> its product node
    label: list[int]  # product node -> abstract node
    groups: Fairness
    enabled: Sequence[int]
    entries: set[int]

    def lasso_from(self, node: int) -> tuple[list[int], list[int], int]:
        src = self.starts[node]
        everywhere = range(len(self.graph))
        found = shortest_path(self.graph, everywhere, src, lambda v: v in self.owner)  # type: ignore[arg-type]
        assert found is not None, "an entry reaches a fair cycle"
        path, insts = found
        start = path[-1] if path else src
        cyc_nodes, cyc_insts = _cycle(self.graph, self.owner[start], start, self.groups,
                                      self.enabled)
        return [self.label[x] for x in path + cyc_nodes], insts + cyc_insts, len(path)


@nodeclass
class _IdleCycle:
    """A component holding a node where time can pass forever and no fair group is
    enabled: idling there is a fair, time-divergent run."""

    graph: StateGraph
    nodes: set[int]
    idle: int
    entries: set[int]

    def lasso_from(self, node: int) -> tuple[list[int], list[int], int]:
        found = shortest_path(self.graph, self.nodes, node, lambda v: v == self.idle)
        assert found is not None, "a component is strongly connected"
        path, insts = found
        return path + [self.idle], insts + [TICK], len(path)


def idle_cycle(graph: StateGraph, comp: Component, enabled: Sequence[int]) -> _IdleCycle | None:
    for v in sorted(comp.nodes):
        if not enabled[v] and any(t == v and inst == TICK for t, inst in graph.edges(v)):
            return _IdleCycle(graph, comp.nodes, v, set(comp.nodes))
    return None


def divergent_cycle(graph: StateGraph, groups: Fairness, enabled: Sequence[int],
                    starts: dict[int, int], label: list[int]) -> _ProductCycle | None:
    """In a product graph with tick edges (time passing by at least a fixed amount): the
    fair cycles with a tick, and the entries (`starts`: abstract node -> product node)
    from which one is reachable; None if there is none."""
    comps = fair_components(graph, set(range(len(graph))), groups, enabled, timed=True)
    if not comps:
        return None
    owner = {v: comp for comp in comps for v in comp.nodes}
    preds: list[list[int]] = [[] for _ in range(len(graph))]
    for v in range(len(graph)):
        for t, _inst in graph.edges(v):
            preds[t].append(v)
    back = set(owner)
    queue = deque(back)
    while queue:
        v = queue.popleft()
        for u in preds[v]:
            if u not in back:
                back.add(u)
                queue.append(u)
    entries = {a for a, v in starts.items() if v in back}
    return _ProductCycle(graph, owner, starts, label, groups, enabled, entries)


