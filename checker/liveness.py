"""Leads-to under fairness: `P ~> Q` holds when every fair run through a P state reaches a
Q state. A counterexample is a lasso: a path to a P state, on through states without Q,
into a cycle of states without Q that a fair run can repeat forever; or a path that ends
in a deadlock without reaching Q (a run that stops is a complete run).

Fairness groups (model `fair`, `strong fair`): one group per instance of a fair action and
one per instance of a fair process (all its actions). A cycle is *weakly fair* for a group
if the group is taken on it or is disabled somewhere on it; *strongly fair* if taken or
disabled everywhere on it. In timed specs (the discrete engine) only time-divergent runs
count: the cycle must let time pass (contain a tick); a run where time stops is no
counterexample.

Algorithm: the graph restricted to states without Q is split into strongly connected
components (iterative Tarjan). A component where a weak group is enabled in every state
but never taken has no fair cycle. A component where a strong group is enabled somewhere
but never taken loses the states where it is enabled and is split again (Emerson-Lei).
What survives holds a fair cycle through all its states. The counterexample is the
shortest path to a P state from which such a cycle (or a deadlock) is reachable without Q,
then a cycle through the component that takes every group the component takes, passes a
state where each weak group it does not take is disabled, and lets time pass.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["StateGraph", "FairnessGroups", "fairness_groups", "build_graph", "find_lasso",
           "Lasso", "TICK"]

TICK = -1  # the instance of a tick edge (time passing, discrete engine)


@dataclass
class FairnessGroups:
    kinds: list[str]  # "weak" | "strong", per group
    of_instance: list[int]  # per transition instance: a bit mask of its groups

    @property
    def weak(self) -> int:
        return sum(1 << g for g, k in enumerate(self.kinds) if k == "weak")

    @property
    def strong(self) -> int:
        return sum(1 << g for g, k in enumerate(self.kinds) if k == "strong")


def fairness_groups(system) -> FairnessGroups:  # noqa: ANN001
    model = system.model
    kinds: list[str] = []
    masks = [0] * len(system.instances)
    for inst, (a, _args) in enumerate(system.instances):
        action = model.actions[a]
        if action.fairness:
            masks[inst] |= 1 << len(kinds)
            kinds.append(action.fairness)
    for process in model.processes:
        if not process.fairness:
            continue
        k = len(process.locals)
        groups: dict[tuple, int] = {}
        for inst, (a, args) in enumerate(system.instances):
            if model.actions[a].process != process.name:
                continue
            key = tuple(args[:k])
            if key not in groups:
                groups[key] = len(kinds)
                kinds.append(process.fairness)
            masks[inst] |= 1 << groups[key]
    return FairnessGroups(kinds, masks)


class StateGraph:
    """The reachable graph in compressed rows: node i's edges are targets[start[i]:start[i+1]]
    with instances insts[...] (TICK for time passing). A node's state is any hashable key
    (a packed state; a discrete state with a zone)."""

    def __init__(self, states: list, initial: list):
        self.states = states
        self.ids = {s: i for i, s in enumerate(states)}
        self.initial = [self.ids[s] for s in initial]
        self.start = array("l", [0])
        self.targets = array("l")
        self.insts = array("l")
        # zones: per node, the fair groups enabled for every clock valuation of its zone
        self.enabled_everywhere: list[int] | None = None

    def __len__(self) -> int:
        return len(self.states)

    def add_node(self, state: object) -> int:
        """A new node (its edges are added when it is closed, in node order)."""
        node = len(self.states)
        self.states.append(state)
        self.ids[state] = node
        return node

    def close_node(self, edges: Iterable[tuple[int, int]]) -> None:
        """The edges (target, instance) of the next node in order."""
        for t, inst in edges:
            self.targets.append(t)
            self.insts.append(inst)
        self.start.append(len(self.targets))

    def edges(self, node: int) -> Iterable[tuple[int, int]]:
        lo, hi = self.start[node], self.start[node + 1]
        return zip(self.targets[lo:hi], self.insts[lo:hi])


def build_graph(system, states: Iterable[int], initial: list[int]) -> StateGraph:  # noqa: ANN001
    """Every state's transitions (labelled successors, and the tick in discrete time)."""
    graph = StateGraph(list(states), initial)
    ids = graph.ids
    tick = getattr(system, "tick", None)
    for s in graph.states:
        for inst, _choices, t in system.labeled(s):
            if t is not None and t in ids:
                graph.targets.append(ids[t])
                graph.insts.append(inst)
        if tick is not None:
            t = tick(s)
            if t is not None and t in ids:
                graph.targets.append(ids[t])
                graph.insts.append(TICK)
        graph.start.append(len(graph.targets))
    return graph


def _sccs(graph: StateGraph, nodes: set[int]) -> list[list[int]]:
    """Strongly connected components of the subgraph on `nodes` (iterative Tarjan)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter([t for t, _ in graph.edges(root) if t in nodes]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter([t for t, _ in graph.edges(w) if t in nodes])))
                    advanced = True
                    break
                if w in on_stack and index[w] < low[v]:
                    low[v] = index[w]
            if advanced:
                continue
            work.pop()
            if work:
                u = work[-1][0]
                if low[v] < low[u]:
                    low[u] = low[v]
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                out.append(component)
    return out


@dataclass
class _Component:
    nodes: set[int]
    taken: int  # groups taken on edges inside
    tick: bool  # a tick edge inside


class Divergence(Protocol):
    """Zones: whether a fair component of the time-abstract graph holds a run along which
    time diverges (see checker.timed); None if not."""

    def __call__(self, comp: _Component, enabled: Sequence[int]) -> DivergentCycle | None: ...


class DivergentCycle(Protocol):
    entries: set[int]  # the nodes of the component from which the cycle is reachable

    def lasso_from(self, node: int) -> tuple[list[int], list[int], int]:
        """From an entry: the nodes after it, the instance of each step (TICK for time
        passing), and the index in those nodes where the repeated cycle begins."""
        ...


def _fair_components(graph: StateGraph, nodes: set[int], groups: FairnessGroups,
                     enabled: Sequence[int], timed: bool) -> list[_Component]:
    """The components of `nodes` that hold a fair (and, timed, time-divergent) cycle."""
    weak, strong = groups.weak, groups.strong
    result: list[_Component] = []
    work = [nodes]
    while work:
        part = work.pop()
        for comp in _sccs(graph, part):
            members = set(comp)
            taken = 0
            tick = False
            cyclic = len(comp) > 1
            for v in comp:
                for t, inst in graph.edges(v):
                    if t in members:
                        if t == v:
                            cyclic = True
                        if inst == TICK:
                            tick = True
                        else:
                            taken |= groups.of_instance[inst]
            if not cyclic or (timed and not tick):
                continue
            every = -1
            some = 0
            for v in comp:
                every &= enabled[v]
                some |= enabled[v]
            if weak & every & ~taken:
                continue  # a weak group enabled throughout, never taken: no fair cycle
            starving = strong & some & ~taken
            if starving:
                rest = {v for v in comp if not enabled[v] & starving}
                if rest:
                    work.append(rest)
                continue
            result.append(_Component(members, taken, tick))
    return result


@dataclass
class Lasso:
    """A counterexample: node path and the instance of each step; `loop_start` is the
    index in `nodes` where the repeated cycle begins (None: the run ends in a deadlock)."""

    nodes: list[int]
    insts: list[int]
    loop_start: int | None


def find_lasso(graph: StateGraph, p: Callable[[object], bool], q: Callable[[object], bool],
               groups: FairnessGroups, timed: bool, divergence: Divergence | None = None
               ) -> Lasso | None:
    """A shortest-prefix counterexample to `P ~> Q`, or None when it holds. With
    `divergence` (zones), the graph has no tick edges and each fair component is asked
    whether time can diverge in it."""
    states = graph.states
    n = len(states)
    not_q = [not q(s) for s in states]
    enabled = [0] * n
    dead = [False] * n
    for v in range(n):
        mask = 0
        has = False
        for _t, inst in graph.edges(v):
            has = True
            if inst != TICK:
                mask |= groups.of_instance[inst]
        enabled[v] = mask
        dead[v] = not has
    # only what a run from a P state can reach before Q matters
    candidates = {v for v in range(n) if not_q[v] and p(states[v])}
    queue = deque(candidates)
    while queue:
        v = queue.popleft()
        for t, _inst in graph.edges(v):
            if not_q[t] and t not in candidates:
                candidates.add(t)
                queue.append(t)
    # zones: a group counts as enabled here only if it is so for every valuation of the
    # zone, so no component is dropped that a time-divergent fair run could stay in; the
    # divergence check then judges fairness in finer zones
    components = _fair_components(graph, candidates, groups,
                                  graph.enabled_everywhere or enabled,
                                  timed and divergence is None)
    owner: dict[int, _Component] = {}
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
    targets = set(owner) | set(witness) | \
        ({v for v in candidates if dead[v]} if not timed else set())
    if not targets:
        return None
    # backwards from the targets, through states without Q
    preds: list[list[int]] = [[] for _ in range(n)]
    for v in candidates:
        for t, _inst in graph.edges(v):
            if not_q[t]:
                preds[t].append(v)
    toward: dict[int, int] = {v: -1 for v in targets}
    queue = deque(sorted(targets))
    distance = {v: 0 for v in targets}
    while queue:
        v = queue.popleft()
        for u in preds[v]:
            if u not in distance:
                distance[u] = distance[v] + 1
                toward[u] = v
                queue.append(u)
    # forwards from the initial states: depth and parent
    depth = {v: 0 for v in graph.initial}
    parent: dict[int, tuple[int, int]] = {}
    queue = deque(graph.initial)
    while queue:
        v = queue.popleft()
        for t, inst in graph.edges(v):
            if t not in depth:
                depth[t] = depth[v] + 1
                parent[t] = (v, inst)
                queue.append(t)
    best = None
    for v in range(n):
        if not_q[v] and v in distance and v in depth and p(states[v]):
            key = (depth[v] + distance[v], depth[v], v)
            if best is None or key < best:
                best = key
    if best is None:
        return None
    start = best[2]
    nodes = [start]
    insts: list[int] = []
    v = start
    while v in parent:
        u, inst = parent[v]
        nodes.append(u)
        insts.append(inst)
        v = u
    nodes.reverse()
    insts.reverse()
    v = start
    while toward[v] != -1:
        w = toward[v]
        inst = _edge(graph, v, w)
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


def _edge(graph: StateGraph, v: int, w: int, want: Callable[[int], bool] | None = None) -> int:
    for t, inst in graph.edges(v):
        if t == w and (want is None or want(inst)):
            return inst
    raise ValueError("no such edge")


def _path(graph: StateGraph, nodes: set[int], src: int, goal: Callable[[int], bool]
          ) -> tuple[list[int], list[int]] | None:
    """A shortest path within `nodes` from src to a node satisfying goal (src included)."""
    if goal(src):
        return [], []
    back: dict[int, tuple[int, int]] = {src: (-1, -1)}
    queue = deque([src])
    while queue:
        v = queue.popleft()
        for t, inst in graph.edges(v):
            if t in nodes and t not in back:
                back[t] = (v, inst)
                if goal(t):
                    path, insts = [t], [inst]
                    u = v
                    while u != src:
                        pu, pinst = back[u]
                        path.append(u)
                        insts.append(pinst)
                        u = pu
                    path.reverse()
                    insts.reverse()
                    return path, insts
                queue.append(t)
    return None


def _cycle(graph: StateGraph, comp: _Component, start: int, groups: FairnessGroups,
           enabled: Sequence[int]) -> tuple[list[int], list[int]]:
    """A cycle from `start` back to it inside the component, fair and time-divergent."""
    nodes: list[int] = []
    insts: list[int] = []
    current = start
    taken_so_far = 0
    ticked = False

    def go(goal: Callable[[int], bool]) -> None:
        nonlocal current
        found = _path(graph, comp.nodes, current, goal)
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
            take(lambda inst, bit=bit: inst != TICK and bool(groups.of_instance[inst] & bit))
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
            go(lambda v, bit=bit: not enabled[v] & bit)
    # and back to the start (at least one step, so the cycle is a real cycle)
    if not nodes:
        take(lambda inst: True)
    go(lambda v: v == start)
    return nodes, insts


# ---------------------------------------------------------------------------- time divergence


@dataclass
class _ProductCycle:
    """A fair, time-divergent cycle of a product graph (zones with a tick clock) whose nodes
    are labelled with nodes of the time-abstract graph."""

    graph: StateGraph
    owner: dict[int, _Component]
    starts: dict[int, int]  # entry node of the abstract graph -> its product node
    label: list[int]  # product node -> abstract node
    groups: FairnessGroups
    enabled: Sequence[int]
    entries: set[int]

    def lasso_from(self, node: int) -> tuple[list[int], list[int], int]:
        src = self.starts[node]
        everywhere = range(len(self.graph))
        found = _path(self.graph, everywhere, src, lambda v: v in self.owner)  # type: ignore[arg-type]
        assert found is not None, "an entry reaches a fair cycle"
        path, insts = found
        start = path[-1] if path else src
        cyc_nodes, cyc_insts = _cycle(self.graph, self.owner[start], start, self.groups,
                                      self.enabled)
        return [self.label[x] for x in path + cyc_nodes], insts + cyc_insts, len(path)


@dataclass
class _IdleCycle:
    """A component holding a node where time can pass forever and no fair group is
    enabled: idling there is a fair, time-divergent run."""

    graph: StateGraph
    nodes: set[int]
    idle: int
    entries: set[int]

    def lasso_from(self, node: int) -> tuple[list[int], list[int], int]:
        found = _path(self.graph, self.nodes, node, lambda v: v == self.idle)
        assert found is not None, "a component is strongly connected"
        path, insts = found
        return path + [self.idle], insts + [TICK], len(path)


def idle_cycle(graph: StateGraph, comp: _Component, enabled: Sequence[int]) -> _IdleCycle | None:
    for v in sorted(comp.nodes):
        if not enabled[v] and any(t == v and inst == TICK for t, inst in graph.edges(v)):
            return _IdleCycle(graph, comp.nodes, v, set(comp.nodes))
    return None


def divergent_cycle(graph: StateGraph, groups: FairnessGroups, enabled: Sequence[int],
                    starts: dict[int, int], label: list[int]) -> _ProductCycle | None:
    """In a product graph with tick edges (time passing by at least a fixed amount): the
    fair cycles with a tick, and the entries (`starts`: abstract node -> product node)
    from which one is reachable; None if there is none."""
    comps = _fair_components(graph, set(range(len(graph))), groups, enabled, timed=True)
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


# ---------------------------------------------------------------------------- verdicts


def liveness_results(system, names: set[str] | None, states: Iterable[int], initial: list[int],
                     complete: bool, make_trace, timed: bool) -> list:  # noqa: ANN001
    """Verdicts for the spec's unbounded leads-to properties (bounded ones: see
    response_results)."""
    props = leads_to_properties(system, names)
    if not props:
        return []
    if not complete:
        return [incomplete(system, p) for p in props]
    graph = build_graph(system, states, initial)
    return leads_to_results(system, props, graph, make_trace, timed)


def leads_to_properties(system, names: set[str] | None) -> list:  # noqa: ANN001
    return [p for p in system.model.liveness if p.within is None
            and (names is None or p.name in names)]


def incomplete(system, prop, why: str = "the search stopped early"):  # noqa: ANN001, ANN201
    from .verdicts import result

    return result(system, prop.name, "leadsto", "unknown",
                  f"leads-to needs the whole state graph; {why}", str(prop.span), None)


def leads_to_results(system, props: list, graph: StateGraph, make_trace, timed: bool,
                     discrete: Callable[[object], int] | None = None,
                     divergence: Divergence | None = None) -> list:  # noqa: ANN001
    """Verdicts of `props` on a complete graph. `discrete` maps a node's state to the
    discrete state the predicates read (zones: a node is a discrete state and a zone)."""
    from model.codegen import RuntimeFault

    from .verdicts import result

    out = []
    groups = fairness_groups(system)
    for prop in props:
        p_fn, q_fn = system.predicate(prop.p), system.predicate(prop.q)

        def safe(fn):  # noqa: ANN001, ANN202
            def test(state) -> bool:  # noqa: ANN001
                try:
                    return fn(state if discrete is None else discrete(state))
                except RuntimeFault:
                    return False
            return test

        lasso = find_lasso(graph, safe(p_fn), safe(q_fn), groups, timed, divergence)
        if lasso is None:
            out.append(result(system, prop.name, "leadsto", "holds", None, str(prop.span), None))
            continue
        path = [graph.states[v] for v in lasso.nodes]
        trace = make_trace(path, lasso.insts, lasso.loop_start)
        if lasso.loop_start is None:
            message = (f"{prop.name}: from a state where the left side holds, a run reaches a "
                       "deadlock without the right side ever holding")
        else:
            message = (f"{prop.name}: from a state where the left side holds, a fair run "
                       "goes round a cycle forever without the right side holding")
        out.append(result(system, prop.name, "leadsto", "violated", message, str(prop.span),
                          trace))
    return out


def response_results(system, names: set[str] | None, options, run) -> list:  # noqa: ANN001
    """Verdicts for bounded response `P ~> Q within T`: each an invariant of one product
    of the spec with a monitor per property (model.monitor), explored once by the spec's
    own time engine."""
    from model import TransitionSystem
    from model.products import response_product
    from model.types import format_duration

    from .verdicts import result

    props = [p for p in system.model.liveness
             if p.within is not None and (names is None or p.name in names)]
    if not props:
        return []
    product = TransitionSystem(response_product(system.model, props), system.sources)
    outcome = run(product, options, list(range(len(props))), False, None, False)
    verdicts = {r.name: r for r in outcome.results}
    out = []
    for prop in props:
        verdict = verdicts[prop.name]
        if verdict.status == "violated":
            message = (f"{prop.name}: the right side does not follow within "
                       f"{format_duration(prop.within)} of the left side")
            out.append(result(system, prop.name, "response", "violated", message,
                              str(prop.span), verdict.trace))
        else:
            out.append(result(system, prop.name, "response", verdict.status, None,
                              str(prop.span), None))
    return out
