"""Breadth-first search over symbolic states: a discrete state with a zone.

A transition intersects the zone with the clock guard, resets clocks, applies the
target's bounds and lets time pass (kernel.successor); the zone is then extrapolated and
dropped if a stored zone of the same discrete state subsumes it (extrapolation.py; the
passed list is the kernel's ZoneStore, which also retires the zones a new one subsumes).
BFS over symbolic states gives counterexamples with the fewest actions; the tracer turns
them into runs with exact times.

Per-state constants rest on one assumption: a clock that becomes live is reset by the
transition that makes it live. The search checks it on every transition; where it fails
(`StaleClock`) the engine restarts with that clock's constants applying everywhere.

A node keeps its zone (in the store's arena), its parent and which entry of its parent's
successor list (`zc.succ`) led to it: the tracer re-derives the transition from that, so
a symbolic state costs a few ints beside its zone.

With `exact`, no zone subsumes another (only equal symbolic states are merged) and the
search records every edge: its nodes and edges are then the exact zone graph that
unbounded leads-to is judged on (leadsto.py), so that graph is not explored a second time.
At the memory limit its nodes' zones go to disk like the passed list's (spill.py).
Shortest traces are the same either way: a subsumed zone's subsumer has the same discrete
state, was found no later and satisfies whatever it does.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

from model import RuntimeFault

from ...liveness.graph import TICK, StateGraph
from ...verdicts import unexpected
from ..budget import Stop, StopReason
from ..findings import Findings
from ..initial import initial_states
from ..store import ROOT
from . import kernel
from .extrapolation import Extrapolation, SlotTable, initial_zone, new_slots
from .spill import evict_zones

if TYPE_CHECKING:
    from collections.abc import Sequence

    from model import TransitionSystem, ZoneCode

    from ..interface import Job
    from .keeper import ZoneKeeper
    from .spill import SpilledColumn, ZoneSpill

__all__ = ["ZoneNodes", "StaleClock", "explore_zones", "POLL_EVERY"]

POLL_EVERY = 256  # symbolic states between polls of the budget

Zone = bytes


class StaleClock(Exception):
    """A clock became live without being reset: its constants must apply everywhere."""

    def __init__(self, clocks: set[int]):
        super().__init__(clocks)
        self.clocks = clocks


class ZoneNodes:
    """The symbolic states of a search, in discovery order (see the module docstring)."""

    def __init__(self, zc: ZoneCode, edge_limit: int, exact: bool = False,
                 slots: SlotTable | None = None):
        self.zc = zc
        self.store = kernel.ZoneStore(zc.n)
        # exact: the zone graph itself, nodes keyed (discrete state, zone)
        self.graph: StateGraph | None = StateGraph([], []) if exact else None
        # discrete-state id -> packed discrete state (in an array when they fit 64 bits:
        # no int object per state)
        self.discrete_of: array | list[int] = array("Q") if 0 <= zc.width <= 64 else []
        # packed discrete state -> its id: did_of[slots[d]] (-1: none yet); the slots are
        # the extrapolation's, so a discrete state has one entry in one map in all
        self.slots = new_slots(zc.width) if slots is None else slots
        self.did_of = array("i")
        self.parent: array | SpilledColumn = array("i")
        self.entry: array | SpilledColumn = array("i")  # which entry of zc.succ(parent's
        # state) led here
        self.spill: ZoneSpill | None = None  # what went to disk at the memory limit
        self.instance_counts: list[int] = []  # transitions per action instance
        # per action instance: 1 once its condition held somewhere but the zone let it not
        # fire (its clock guard or the target's bounds): the blocked-actions pass looks
        # only at instances with a 1 here and no transition (checker.engine.blocked)
        self.suppressed = bytearray()
        # every edge (source, target or its subsumer, entry), three ints per edge in a row,
        # while the graph is small enough to be drawn (Engine.graph refuses larger ones)
        self.edge_limit = edge_limit
        self.edges: array | None = array("i")

    def __len__(self) -> int:
        return len(self.parent)

    def did(self, d: int) -> int:
        slot = self.slots[d]
        did_of = self.did_of
        if slot >= len(did_of):
            did_of.extend([-1] * (slot + 1 - len(did_of)))
        did = did_of[slot]
        if did < 0:
            did = did_of[slot] = len(self.discrete_of)
            self.discrete_of.append(d)
        return did

    def discrete(self, node: int) -> int:
        if self.graph is not None:
            return self.graph.states[node][0]
        return self.discrete_of[self.store.did(node)]

    def zone(self, node: int) -> Zone:
        if self.graph is not None:
            return self.graph.states[node][1]
        return self.store.zone(node)

    def path(self, node: int) -> list[int]:
        path = [node]
        while self.parent[path[-1]] != ROOT:
            path.append(self.parent[path[-1]])
        path.reverse()
        return path

    def via(self, node: int) -> tuple[int, tuple, tuple, tuple]:
        """The transition that reached `node`: (instance, choices, guard, resets)."""
        entry = self.zc.succ(self.discrete(self.parent[node]))[self.entry[node]]
        inst, choices, _d2, guard, resets = entry
        return inst, choices, tuple(guard or ()), tuple(resets or ())


def explore_zones(job: Job, zc: ZoneCode, extrapolation: Extrapolation,
                  stuck_states: bool, exact: bool = False,
                  keeper: ZoneKeeper | None = None) -> Findings[int]:
    """Breadth-first search over symbolic states (see the module docstring); with
    `stuck_states`, each symbolic state is checked for deadlocks and timelocks; with
    `exact`, the search is the exact zone graph (module docstring); with `keeper`,
    checkpointed at level boundaries and resumed from its checkpoint (keeper.py)."""
    system: TransitionSystem = job.system
    n = zc.n
    nodes = ZoneNodes(zc, job.options.graph_limit, exact, extrapolation.slots)
    graph = nodes.graph
    of_instance = system.fairness.of_instance
    ex: Findings[int] = Findings([], nodes, symbolic=True, check_deadlock=job.check_deadlock,
                                 stop_when=unexpected(system) if job.fail_fast else None)
    ex.stuck_counted = stuck_states
    options = job.options
    # a checkpoint to go on from: its nodes, counts and findings put back (keeper.py)
    resumed = None if keeper is None else keeper.restore(job, nodes, ex, extrapolation, exact)
    selected = list(job.active) if resumed is None else resumed.active
    clock_props = [k for k in selected if system.properties[k].mentions_clock]
    active_discrete = {k for k in selected if k not in clock_props}
    active_clock = list(clock_props)
    # per clock property: the bits it reads, and its formula by their value (None where
    # it is empty: the property cannot fire in those states whatever the zone)
    formulas: dict[int, tuple[int, dict[int, list | None]]] = {
        k: (system.read_mask(k), {}) for k in clock_props}
    # what note() tests per new node, in order: (property, its read mask, its formulas)
    clock_tests = tuple((k, *formulas[k]) for k in active_clock)
    # one compiled test of the discrete properties, masked as they are found; compiled again
    # only when fewer than half of those it tests are left (compiling costs ~10 ms)
    compiled = len(active_discrete)
    props_fn = system.props_for(frozenset(active_discrete)) if active_discrete else None
    props_mask = sum(1 << k for k in active_discrete)
    key, invariant = extrapolation.lookups()
    bounds = extrapolation.bounds
    stale_clocks = extrapolation.stale
    settle = extrapolation.settle
    successors = extrapolation.entries.__getitem__
    slots = extrapolation.slots
    slot_of = slots.get
    key_of = slots.key_of
    inv_of = slots.inv_of
    invs = extrapolation._invs
    key_bounds = extrapolation.key_bounds
    extrapolate_lu = kernel.extrapolate_lu
    EXTRA_PLUS_LU = kernel.EXTRA_PLUS_LU
    xn = extrapolation.n
    did_of = nodes.did_of
    store = nodes.store
    add_zone = store.add
    active_nodes = store.active
    mode = kernel.ALU
    parent_of = nodes.parent
    entry_of = nodes.entry
    if resumed is None:
        nodes.instance_counts = [0] * len(system.instances)
        nodes.suppressed = bytearray(len(system.instances))
        if graph is not None:
            graph.enabled_everywhere = []
    counts = nodes.instance_counts
    suppressed = nodes.suppressed
    successor = kernel.successor
    satisfies = kernel.satisfies
    # ExtraLUStuck: the stuck-state test is on the zone before extrapolation, when its
    # extrapolation is stored, and only where a valuation may be stuck (extrapolation.py)
    test_successors = stuck_states and extrapolation.tests_successors
    may_stick = extrapolation.may_stick

    def stuck_free(d: int, z: Zone) -> bool:
        """Whether no valuation of z (within the bounds of d, closed under delay there)
        is stuck: the same test the expansion makes of a stored zone."""
        pres = []
        for _inst, _choices, d2, guard, resets in successors(d):
            if d2 is None:
                continue
            try:  # the bounds of a state with a slot straight from the arrays
                s2 = slot_of(d2)
                k2 = -1 if s2 is None else inv_of[s2]
                inv2 = invariant(d2) if k2 < 0 else invs[k2]
            except RuntimeFault:
                continue
            pre, z3 = successor(z, n, guard, resets, inv2)
            if z3 is not None and pre is not None:
                pres.append(pre)
        return kernel.is_stuck_free(z, pres, n)

    def test(node: int, d: int, z: Zone) -> None:
        if (outside is None or not outside(d)) and may_stick(d) and not stuck_free(d, z):
            ex.stuck(node, bool(invariant(d)))

    def add(d: int, z: Zone, parent: int, entry: int,
            lu: tuple[bytes, bytes] | None = None) -> int:
        if graph is not None:
            key = (d, z)
            node = graph.ids.get(key, -1)
            if node >= 0:
                return -1 - node
            node = graph.add_node(key)
            parent_of.append(parent)
            entry_of.append(entry)
            first = d not in judged
            if first:
                judged.add(d)
            note(node, d, first, z)
            return node
        known = len(nodes.discrete_of)
        slot = slots[d]
        did = did_of[slot] if slot < len(did_of) else -1
        if did < 0:
            did = nodes.did(d)
        lower, upper = bounds(d) if lu is None else lu
        node = add_zone(did, z, lower, upper, mode)
        if node >= 0:
            parent_of.append(parent)
            entry_of.append(entry)
            note(node, d, did == known or d in faulty, z)
        return node

    # the discrete properties depend on the discrete state alone: they are evaluated at the
    # first symbolic state of each (later ones could hit nothing the first did not), except
    # where one failed to evaluate (each such state counts as a run-time error)
    judged: set[int] = set()  # exact: the discrete states seen (non-exact: new ids tell)
    faulty: set[int] = set()

    def note(node: int, d: int, first: bool, z: Zone) -> None:
        nonlocal props_fn, props_mask, compiled, clock_tests
        if props_fn is not None and first:
            try:
                hits = props_fn(d) & props_mask
            except RuntimeFault:
                # a property failed: judge each with the interpreter, so the others count
                hits, failing = system.property_hits(d, active_discrete)
                if failing is not None:
                    ex.runtime_error(node, "property", failing[0])
                    faulty.add(d)
                    judged.discard(d)
            if hits:
                fired = [k for k in sorted(active_discrete) if hits >> k & 1]
                active_discrete.difference_update(fired)
                props_mask = sum(1 << k for k in active_discrete)
                if not active_discrete:
                    props_fn = None
                elif 2 * len(active_discrete) <= compiled:
                    compiled = len(active_discrete)
                    props_fn = system.props_for(frozenset(active_discrete))
                ex.hits([(k, node) for k in fired])
        for k, mask, cache in clock_tests:
            read = d & mask
            if read in cache:
                formula = cache[read]
            else:
                try:
                    formula = cache[read] = system.clock_formula(k, d) or None
                except RuntimeFault:
                    active_clock.remove(k)
                    clock_tests = tuple(t for t in clock_tests if t[0] != k)
                    ex.runtime_error(node, "property", k)
                    continue
            if formula is not None and any(satisfies(z, n, conj) for conj in formula):
                active_clock.remove(k)
                clock_tests = tuple(t for t in clock_tests if t[0] != k)
                ex.hits([(k, node)])

    # node numbers as int32 arrays, not lists of int objects (a level can be a tenth of
    # the states)
    frontier: array | list[int] | SpilledColumn = array("i")
    nxt: array | SpilledColumn = array("i")  # the next level (on disk after a spill)
    # the exact graph's nodes (a SpilledGraphNodes after a spill: rebind)
    graph_states: Sequence = graph.states if graph is not None else []

    def spill() -> float | None:
        """Memory is over the cap: the zones, parent links and levels go to disk and the
        search goes on (spill.py: each keeps its API, so only these bindings change)."""
        def rebind() -> None:  # before the old store's memory is counted as freed
            nonlocal store, add_zone, active_nodes, parent_of, entry_of, nxt, graph_states
            store = nodes.store
            add_zone, active_nodes = store.add, store.active
            if graph is not None:  # the exact graph: its nodes went to disk instead
                graph_states = graph.states
            parent_of, entry_of = nodes.parent, nodes.entry
            assert nodes.spill is not None
            nxt = nodes.spill.level(nxt)  # the level under way goes to disk too
        return evict_zones(job, nodes, meter.memory_cap, rebind)

    with job.budget.search(job.phase, ex) as meter:
        if options.spill == "auto":
            meter.on_memory = spill
        meter.poll(0, 0, 0, 0)
        outside = system.outside
        ex.has_boundary = outside is not None
        starts, cut = initial_states(system, job) if resumed is None else ([], None)
        if cut is not None:  # a bound cut the initial states already: check them, expand none
            ex.stop_reason = cut
        for d in starts:
            z = initial_zone(zc, d)
            if z is None:
                continue
            node = add(d, extrapolation.extrapolate(z, d), ROOT, -1)
            if node >= 0:
                if test_successors:
                    test(node, d, z)
                frontier.append(node)
                ex.initial.append(node)
                if graph is not None:
                    graph.initial.append(node)
        if resumed is not None:
            frontier = resumed.frontier
            meter.poll(len(nodes), ex.transitions, ex.depth, len(frontier))
        edges = nodes.edges
        discrete_of = nodes.discrete_of
        while frontier:
            if keeper is not None:  # a level boundary: what a checkpoint holds
                keeper.boundary(nodes, ex, frontier, active_discrete | set(active_clock),
                                exact)
            if ex.stop_reason is not None:
                break
            if options.max_depth is not None and ex.depth >= options.max_depth:
                ex.stop_reason = StopReason.MAX_DEPTH
                break
            ex.depth += 1
            nxt = array("i") if nodes.spill is None else nodes.spill.level()
            for count, node in enumerate(frontier):
                if graph is not None:
                    d, z = graph_states[node]
                else:
                    d = discrete_of[store.did(node)]  # `store`: rebound by a spill
                    z = store.zone(node)
                if outside is not None and outside(d):
                    ex.outside += 1  # beyond the boundary: checked, not expanded
                    if graph is not None:
                        graph.close_node({})
                        assert graph.enabled_everywhere is not None
                        graph.enabled_everywhere.append(0)
                    continue
                key1 = key(d)
                enabled: list[Zone] = []
                out: dict[tuple[int, int], None] = {}  # exact: this node's edges
                fair_here = 0  # exact: fair groups every valuation of the zone can take
                entries = successors(d)
                for k, (inst, _choices, d2, guard, resets) in enumerate(entries):
                    if d2 is None:
                        if guard is not None and not satisfies(z, n, guard):
                            continue  # the instance's clock guard never holds here
                        ex.runtime_error(node, "action", inst, tuple(guard or ()))
                        continue
                    try:
                        # the bounds of a state with a slot straight from the arrays
                        s2 = slot_of(d2)
                        k2 = -1 if s2 is None else inv_of[s2]
                        inv2 = invariant(d2) if k2 < 0 else invs[k2]
                    except RuntimeFault:
                        # a bound's condition fails in the target: the action fails there
                        if guard is not None and not satisfies(z, n, guard):
                            continue
                        ex.runtime_error(node, "action", inst, tuple(guard or ()))
                        continue
                    pre, z3 = successor(z, n, guard, resets, inv2)
                    if z3 is None:
                        suppressed[inst] = 1
                        continue
                    if pre is not None:
                        enabled.append(pre)
                        if graph is not None and pre == z:
                            fair_here |= of_instance[inst]
                    # the first transition into d2 that fires settles its slot
                    slot2 = settle(d2) if s2 is None or k2 < 0 else s2
                    key2 = key_of[slot2]
                    if key2 < 0:
                        key2 = key(d2)
                    if key2 != key1:
                        stale = stale_clocks(key1, key2)
                        if stale:  # mostly empty: no set made per transition
                            stale = stale.difference(resets)
                            if stale:
                                raise StaleClock(set(stale))
                    ex.transitions += 1
                    counts[inst] += 1
                    lu = key_bounds(key2)  # extrapolation.extrapolate(z3, d2), as it is
                    target = add(d2, extrapolate_lu(z3, xn, lu[0], lu[1], EXTRA_PLUS_LU),
                                 node, k, lu)
                    if target >= 0:
                        nxt.append(target)
                        if test_successors:
                            test(target, d2, z3)
                    if edges is not None:
                        edges.extend((node, target if target >= 0 else -1 - target, k))
                    if graph is not None:
                        out[(target if target >= 0 else -1 - target, inst)] = None
                if graph is not None:
                    k1 = inv_of[slots[d]]
                    if not (invs[k1] if k1 >= 0 else invariant(d)):
                        out[(node, TICK)] = None  # no bound is active: time can pass forever
                    graph.close_node(out)
                    assert graph.enabled_everywhere is not None
                    graph.enabled_everywhere.append(fair_here)
                if stuck_states and not test_successors and \
                        not kernel.is_stuck_free(z, enabled, n):
                    ex.stuck(node, bool(invariant(d)))
                if options.max_states is not None and len(nodes) >= options.max_states:
                    raise Stop(StopReason.MAX_STATES)
                if edges is not None and len(nodes) > nodes.edge_limit:
                    edges = nodes.edges = None
                if count % POLL_EVERY == 0:
                    meter.poll(len(nodes), ex.transitions, ex.depth,
                               len(frontier) - count + len(nxt))
            if graph is None:
                # a node of the next level that a node of that same level already subsumes
                # need not be expanded: its subsumer reaches all it reaches, at the same
                # depth (a node subsumed by a deeper one is still expanded: BFS depth is
                # the length of the traces)
                keep = (v for v in nxt if v in active_nodes(store.did(v)))
                nxt = array("i", keep) if nodes.spill is None else nodes.spill.level(keep)
            frontier = nxt
        else:
            ex.complete = True
    if resumed is not None and resumed.finished:  # the checkpoint of an ended search
        ex.complete, ex.stop_reason = resumed.complete, resumed.stop_reason
    ex.states = len(nodes)
    return ex
