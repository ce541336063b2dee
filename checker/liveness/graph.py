"""The reachable graph of an engine as liveness checking reads it: nodes with edges in
compressed rows, labelled by transition instance (TICK for time passing), and its strongly
connected components."""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from model import lazy_module

if TYPE_CHECKING:
    from model import Fairness, TransitionSystem

    from ..engine.zones import kernel
else:  # loaded by the first graph built (an untimed check need not load the DBM kernel)
    kernel = lazy_module("checker.engine.zones.kernel")

__all__ = ["TICK", "StateGraph", "build_graph", "sccs", "shortest_path", "edge_between"]

TICK = -1  # the instance of a tick edge (time passing, discrete engine)
Poll = Callable[[int, int, int, int, int], None]  # states, transitions, depth, left, total


class StateGraph:
    """The reachable graph in compressed rows: node i's edges are targets[start[i]:start[i+1]]
    with instances insts[...] (TICK for time passing). A node's state is any hashable key
    (a packed state; a discrete state with a zone)."""

    def __init__(self, states: list | array, initial: list):
        self.states = states
        # node -> state in `states`, state -> node in `ids`: for packed states of at most
        # 64 bits an array('Q') and the native kernel's map (about 30 bytes a node, against
        # 150 for a list of int objects and a dict); else a list and a dict
        self.ids: Any = _compact_ids(states) if isinstance(states, array) else None
        if self.ids is None:
            self.ids = {s: i for i, s in enumerate(states)}
        self.initial = [self.ids[s] for s in initial]
        self.start = array("l", [0])
        # int32: node numbers and instances (TICK = -1); a graph of 2**31 nodes would need
        # far more than the memory limit lets a check take
        self.targets = array("i")
        self.insts = array("i")
        # zones: per node, the fair groups enabled for every clock valuation of its zone
        self.enabled_everywhere: list[int] | None = None
        self._enabled: tuple[int, list[int], list[bool]] | None = None
        self._forward: tuple[int, int, tuple[array, array, array]] | None = None
        self._grouped: tuple[int, list, array] | None = None

    def __len__(self) -> int:
        return len(self.states)

    def add_node(self, state: object) -> int:
        """A new node (its edges are added when it is closed, in node order; not of a
        compact graph, which is built whole)."""
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

    def enabled_groups(self, groups: Fairness) -> tuple[list[int], list[bool]]:
        """Per node: the fairness groups of its edges, and whether it has no edge at all
        (worked out once per graph: every leads-to property asks)."""
        key = id(groups)
        if self._enabled is None or self._enabled[0] != key:
            of_instance = groups.of_instance
            start, insts = self.start, self.insts
            enabled = [0] * len(self.states)
            dead = [False] * len(self.states)
            for v in range(len(self.states)):
                lo, hi = start[v], start[v + 1]
                dead[v] = lo == hi
                mask = 0
                for inst in insts[lo:hi]:
                    if inst != TICK:
                        mask |= of_instance[inst]
                enabled[v] = mask
            self._enabled = (key, enabled, dead)
        return self._enabled[1], self._enabled[2]

    def grouped(self, key: Callable[[object], object]) -> tuple[list, array]:
        """The distinct `key`s of the nodes' states (zones: their discrete states), in
        node order, and per node the index of its own (worked out once per graph, for the
        one `key` the graph is read with: every leads-to property asks)."""
        n = len(self.states)
        if self._grouped is None or self._grouped[0] != n:
            index: dict[object, int] = {}
            setdefault = index.setdefault
            of_node = array("l", [setdefault(key(s), len(index)) for s in self.states])
            self._grouped = (n, list(index), of_node)
        return self._grouped[1], self._grouped[2]

    def forward(self) -> tuple[array, array, array]:
        """Breadth first from the initial nodes: per node its depth (-1: unreachable), its
        BFS parent (-1: none) and the instance of the edge from it (worked out once per
        graph: every leads-to counterexample starts with such a path)."""
        n = len(self.states)
        if self._forward is None or self._forward[:2] != (n, len(self.targets)):
            depth = array("l", [-1]) * n
            parent = array("l", [-1]) * n
            via = array("l", [0]) * n
            start, targets, insts = self.start, self.targets, self.insts
            queue: deque[int] = deque()
            for v in self.initial:
                if depth[v] < 0:
                    depth[v] = 0
                    queue.append(v)
            while queue:
                v = queue.popleft()
                dv = depth[v] + 1
                for k in range(start[v], start[v + 1]):
                    t = targets[k]
                    if depth[t] < 0:
                        depth[t] = dv
                        parent[t] = v
                        via[t] = insts[k]
                        queue.append(t)
            self._forward = (n, len(self.targets), (depth, parent, via))
        return self._forward[2]

    def edges(self, node: int) -> Iterable[tuple[int, int]]:
        lo, hi = self.start[node], self.start[node + 1]
        return zip(self.targets[lo:hi], self.insts[lo:hi])



def build_graph(system: TransitionSystem, states: Iterable[int], initial: list[int],
                poll: Poll | None = None) -> StateGraph:
    """Every state's transitions (labelled successors, and the tick in discrete time);
    `poll(k, transitions, 0, left, total)` is called every few thousand states (a budget
    may stop the work there, and report progress: k of the total states gone through)."""
    graph = StateGraph(compact_states(states), initial)
    get = graph.ids.get
    tick = getattr(system, "tick", None)
    outside = system.outside
    total = len(graph.states)
    for k, s in enumerate(graph.states):
        if poll is not None and k % 4096 == 0:
            poll(k, len(graph.targets), 0, total - k, total)
        if outside is not None and outside(s):  # beyond the boundary: not expanded
            graph.start.append(len(graph.targets))
            continue
        for inst, _choices, t in system.labeled(s):
            node = None if t is None else get(t)
            if node is not None:
                graph.targets.append(node)
                graph.insts.append(inst)
        if tick is not None:
            t = tick(s)
            node = None if t is None else get(t)
            if node is not None:
                graph.targets.append(node)
                graph.insts.append(TICK)
        graph.start.append(len(graph.targets))
    return graph



def compact_states(states: Iterable[int]) -> list[int] | array:
    """Packed states as an array('Q') when each fits in 64 bits and the native kernel's
    map is there to index them (StateGraph), else as a list."""
    if _slot_map() is None:
        return list(states)
    out = array("Q")
    append = out.append
    it = iter(states)
    for s in it:
        try:
            append(s)
        except (OverflowError, TypeError):  # wider than 64 bits (or not an int): a list
            return [*out, s, *it]
    return out


def _compact_ids(states: array) -> Any:
    """The native map from each state of `states` to its index (None: not built)."""
    slot_map = _slot_map()
    if slot_map is None:
        return None
    ids = slot_map()
    insert = ids.insert
    for s in states:
        insert(s)
    return ids


def _slot_map() -> Any:
    """The native kernel's map of packed states (None: not built)."""
    return kernel.SlotMap


def sccs(graph: StateGraph, nodes: set[int]) -> list[list[int]]:
    """Strongly connected components of the subgraph on `nodes` (iterative Tarjan, roots
    in increasing order; each component in the order Tarjan pops it). Per-node facts live
    in arrays over the whole graph, not dicts: a leads-to check asks this of subgraphs of
    most of a large graph, once per property."""
    n = len(graph.states)
    start, targets = graph.start, graph.targets
    member = bytearray(n)
    for v in nodes:
        member[v] = 1
    index = array("l", [-1]) * n  # -1: not visited yet
    low = array("l", [0]) * n
    on_stack = bytearray(n)
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in sorted(nodes):
        if index[root] >= 0:
            continue
        work = [(root, iter(targets[start[root]:start[root + 1]]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = 1
        while work:
            v, it = work[-1]
            for w in it:
                if not member[w]:
                    continue
                if index[w] < 0:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = 1
                    work.append((w, iter(targets[start[w]:start[w + 1]])))
                    break
                if on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
            else:  # every edge of v seen: v is done
                work.pop()
                lv = low[v]
                if work:
                    u = work[-1][0]
                    if lv < low[u]:
                        low[u] = lv
                if lv == index[v]:
                    w = stack.pop()
                    on_stack[w] = 0
                    if w == v:  # most components are one node
                        out.append([w])
                        continue
                    component = [w]
                    while w != v:
                        w = stack.pop()
                        on_stack[w] = 0
                        component.append(w)
                    out.append(component)
    return out


def edge_between(graph: StateGraph, v: int, w: int,
                 want: Callable[[int], bool] | None = None) -> int:
    for t, inst in graph.edges(v):
        if t == w and (want is None or want(inst)):
            return inst
    raise ValueError("no such edge")


def shortest_path(graph: StateGraph, nodes: set[int], src: int, goal: Callable[[int], bool]
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


