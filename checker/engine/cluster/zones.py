"""The zone engine, distributed (`--cluster` on a spec with clocks): symbolic states
partitioned across owners by a stable hash of their *discrete* state, so that each
discrete state's passed list (the zones no other subsumes) lives in one owner.

Why the counts come out the same as in one process.  The one-process search
(zones/search.py) adds the successors of a level to the passed list in one order: by the
position of their parent in the frontier, then by the successor entry. Whether a zone is
kept, and which stored zones it retires, depends only on the adds made before it *to the
same discrete state*. So each owner, having received a level's successors, adds them in
that order (their key: parent node number, entry), and every add meets exactly the zones
it met in one process. A kept zone's node number is the number of nodes before the level
plus its rank among every owner's kept keys; the next frontier is, as in one process, the
level's nodes that no later zone of the level retired. Expansion needs no passed list, so
any owner may expand its nodes in any order: only the keys say where their successors go.

What each step records is what one process records, with its key: the transitions and
instance counts, the instances time suppressed, deadlocks and timelocks (the first by node
number), run-time errors in actions (at the parent's key), the first node where each
property fires and where a property fails to evaluate (at the node's key). The driver
replays the level's findings in key order with the properties still open at each key, as
one process meets them. A stale clock (a clock that becomes live without a reset) restarts
the search with that clock's constants global, as in one process: the driver takes the
stale transition with the smallest key, the one one process meets first.

After the search the driver gathers every symbolic state (discrete state, zone, parent,
entry) in node order, so traces, measures and the blocked-actions pass read them as they
read one process's nodes, and the edges while there are few enough to draw.

The exact zone graph (for an unbounded leads-to, and a measure's unbounded search): no
subsumption, equal symbolic states merge in the owner of their discrete state; each
expanded node's row (its transitions' keys and instances, whether time may pass forever,
the fair groups enabled everywhere in its zone) goes to the driver, and the owners say
which node each key led to; the driver closes the rows in node order as explore_zones
does, and the zone engine's leads-to runs on that graph.

Bounds that stop one process in the middle of a level (--max-states: after the first node
whose expansion brings the nodes to the bound; --fail-fast: at the first finding that makes
a verdict unexpected) cut the level where one process stops. Everything one process does
in a level has a position, (parent node, entry, step), in the order it does it (`Position`).
The owners expand and add the whole level as usual; the driver then finds the stop from
what they report (the node numbers' keys for --max-states; the level's first findings,
replayed in position order on a copy of what is found so far, for --fail-fast), and each
owner cuts its part of the level there (`truncate`: the expansion counted again up to the
stop, the successors added after it never numbered, their findings and edges dropped).
The adds after the stop did change the passed lists, but the search ends with that level,
and nothing after it reads them. A stale clock after the stop is not met (no restart).

A `boundary`: a node outside it is checked when it is added, counted, and not expanded (nor
tested for being stuck), as in one process.
"""

from __future__ import annotations

import threading
import time
from array import array
from typing import TYPE_CHECKING, Any

import numpy as np

from model import RuntimeFault

from ...errors import UsageError
from ...liveness import unbounded
from ...liveness.graph import TICK, StateGraph
from ...options import Options, resident_mb
from ...verdicts import unexpected
from ..budget import CHECK_EVERY, Meter, Stop, StopReason
from ..findings import Findings
from ..initial import initial_states
from ..store import ROOT
from ..zones import ZoneEngine, kernel
from ..zones.extrapolation import ExtraLU, ExtraLUStuck, ExtraM, Extrapolation, initial_zone
from ..zones.search import StaleClock, ZoneNodes
from .backend import (
    NO_RAY,
    Address,
    Backend,
    Coordinator,
    backend_for,
    is_started,
    parse_address,
    ray_available,
)
from .owner import INDEX_BITS

if TYPE_CHECKING:
    from model import TransitionSystem, ZoneCode

    from ..interface import Job

__all__ = ["ClusterZoneEngine", "ZoneOwner"]

_M64 = (1 << 64) - 1


def owner_of_discrete(d: int, owners: int) -> int:
    """The owner of discrete state `d`: owner.owner_of's splitmix64 finaliser, on the state
    folded to 64 bits (xor of its 64-bit words) when it is wider."""
    x = 0
    while True:
        x ^= d & _M64
        d >>= 64
        if not d:
            break
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _M64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _M64
    x ^= x >> 31
    return x % owners


Outbox = tuple[bytes, Any, bytes, bytes, bytes]


def _first_hits(parts: list) -> dict[int, int]:
    """Per property, the smallest key at which any owner's part of a level found it."""
    hits: dict[int, int] = {}
    for p in parts:
        for k, key in p[3].items():
            if k not in hits or key < hits[k]:
                hits[k] = key
    return hits


def _stuck_free(ex: Extrapolation, d: int, z: bytes, n: int) -> bool:
    """Whether no valuation of z (a zone of d before extrapolation) is stuck: the one-process
    search's test (zones/search.py)."""
    pres = []
    for _inst, _choices, d2, guard, resets in ex.entries[d]:
        if d2 is None:
            continue
        try:
            inv2 = ex.invariant(d2)
        except RuntimeFault:
            continue
        pre, z3 = kernel.successor(z, n, guard, resets, inv2)
        if z3 is not None and pre is not None:
            pres.append(pre)
    return kernel.is_stuck_free(z, pres, n)


def pack(candidates: list[tuple[int, int, bytes, int, int]]) -> Outbox:
    """Successors on their way to their owner, (key, discrete state, zone, parent, entry)
    each, as flat arrays (cheap to send): keys uint64, the discrete states as uint64 (a
    list when one is wider), the zones one after the other, parents int64, entries
    int32."""
    states = [c[1] for c in candidates]
    wide = any(d >> 64 for d in states)
    return (array("Q", [c[0] for c in candidates]).tobytes(),
            states if wide else array("Q", states).tobytes(),
            b"".join(c[2] for c in candidates),
            array("q", [c[3] for c in candidates]).tobytes(),
            array("i", [c[4] for c in candidates]).tobytes())


def unpack(box: Outbox, size: int) -> list[tuple[int, int, bytes, int, int]]:
    """The successors of an outbox (pack), each zone `size` bytes."""
    keys_raw, states_raw, zones, parents_raw, entries_raw = box
    keys = array("Q")
    keys.frombytes(keys_raw)
    if isinstance(states_raw, list):
        states = states_raw
    else:
        packed = array("Q")
        packed.frombytes(states_raw)
        states = packed.tolist()
    parents = array("q")
    parents.frombytes(parents_raw)
    entries = array("i")
    entries.frombytes(entries_raw)
    return [(keys[i], states[i], zones[size * i:size * (i + 1)], parents[i], entries[i])
            for i in range(len(keys))]


def _key(parent: int, entry: int) -> int:
    """Where one process meets a successor: after its parent's earlier entries."""
    return (parent + 1) << INDEX_BITS | entry


# Where one process meets an event of a level: (parent node, entry, step), in its order.
# A stop (--max-states, --fail-fast) is such a position: the level is cut after it.
Position = tuple[int, int, int]
# the steps at one entry of a parent: its action error, or its transition (the successor
# added), then the new node's discrete properties failing to evaluate, their hits, each
# clock property k (CLOCK + k: a hit or a failure), the new node's stuck-state test
# (ExtraLUStuck) and the edge kept for the state graph
ACTION, ADD, FAILING, HITS, CLOCK = 0, 1, 2, 3, 4
LATE = 1 << 30
EDGE = LATE + 1
# after a parent's entries: its row of the exact zone graph closed, its stuck-state test,
# the --max-states test
END = 1 << INDEX_BITS
CLOSE, STUCK, FULL = 0, 1, 2
_ENTRY_MASK = (1 << INDEX_BITS) - 1


def position(key: int, step: int) -> Position:
    """The position of a step at the entry a successor's key names."""
    return ((key >> INDEX_BITS) - 1, key & _ENTRY_MASK, step)


# ------------------------------------------------------------------ an owner
class ZoneOwner:
    """The symbolic states of the discrete states whose hash picks this owner, with their
    passed lists (a kernel ZoneStore), and its part of each level (module docstring)."""

    def __init__(self, index: int, owners: int):
        self.index = index
        self.owners = owners
        self.cancelled = threading.Event()
        self.system: TransitionSystem | None = None
        self._clear()

    def _clear(self) -> None:
        self.store: Any = None
        self.ids: dict[int, int] = {}
        self.discrete_of: list[int] = []
        self.gid: list[int] = []  # local node -> global node number (-1: not committed)
        self.parent: list[int] = []  # global numbers
        self.entry: list[int] = []
        self.frontier: list[int] = []  # local nodes, in global order
        self.pending: list[int] = []  # the level's new local nodes, in key order
        self.keys: list[int] = []
        self.events: list[tuple] = []
        # while the search is small enough to draw: every transition's (key, parent,
        # target as the store gave it: a new local node, or -1 - the local subsumer, entry)
        self.edges: list[tuple[int, int, int, int]] | None = []
        # the exact zone graph (an unbounded leads-to): nodes merged only when equal
        self.exact = False
        self.exact_ids: dict[tuple[int, bytes], int] = {}
        self.local_d: list[int] = []
        self.local_z: list[bytes] = []
        self.targets: list[tuple[int, int]] = []  # the level's (key, target as added)
        # what receive found, kept for a cut of the level (truncate)
        self.first_hit: dict[int, int] = {}
        self.stuck_kept: list[tuple[int, bool]] = []
        self.clock_props: tuple[int, ...] = ()
        self.edge_mark = 0

    def ping(self) -> int:
        return self.index

    def cpu(self) -> float:
        return time.process_time()

    def cancel(self) -> None:
        self.cancelled.set()

    def release(self) -> int:
        self.system = None
        self._clear()
        return self.index

    def reset(self, system: TransitionSystem, always: tuple[int, ...], stuck_kind: bool,
              stuck_states: bool, exact: bool = False) -> int:
        """A new search: zones of `system` with these global clocks (stuck_kind: Extra+_M,
        else Extra+_LU), checked for stuck states when `stuck_states`; with `exact`, the
        exact zone graph (no subsumption, every edge)."""
        self.system = system
        self.cancelled.clear()
        self._clear()
        zc = system.zone_code
        self.zc = zc
        self.n = zc.n
        # as the one-process engine (zones/__init__.py): with stuck states and no exact
        # graph, ExtraLUStuck, whose stuck test is on the zone before extrapolation: the
        # sender sends that zone and the owner extrapolates it and tests it when it keeps it
        kind = ExtraM if stuck_kind else ExtraLUStuck if stuck_states else ExtraLU
        self.extrapolation: Extrapolation = kind(zc, frozenset(always))
        self.store = kernel.ZoneStore(zc.n)
        self.stuck_states = stuck_states
        self.exact = exact
        self.of_instance = system.fairness.of_instance
        return self.index

    def _dz(self, local: int) -> tuple[int, bytes]:
        if self.exact:
            return self.local_d[local], self.local_z[local]
        store = self.store
        return self.discrete_of[store.did(local)], store.zone(local)

    def _did(self, d: int) -> int:
        did = self.ids.get(d)
        if did is None:
            did = self.ids[d] = len(self.discrete_of)
            self.discrete_of.append(d)
        return did

    def expand(self) -> list[Any]:
        """Expand the frontier: the summary of what it met, then one outbox per owner
        (the successors whose discrete state it owns, with their keys)."""
        return self._expand(None)

    def _expand(self, stop: Position | None) -> list[Any]:
        """expand; with `stop`, only what one process meets up to that position (no
        successors sent: the level is being cut there, see `truncate`)."""
        assert self.system is not None
        outside = self.system.outside
        first_expanded = -1  # the first node of the frontier inside the boundary
        outside_count = 0
        zc, n, ex = self.zc, self.n, self.extrapolation
        successor, satisfies = kernel.successor, kernel.satisfies
        counts = [0] * len(self.system.instances)
        suppressed = bytearray(len(counts))
        outboxes: list[list[tuple[int, int, bytes, int, int]]] = \
            [[] for _ in range(self.owners)]
        transitions = 0
        action_errors = 0
        first_error: tuple | None = None  # (key, node, inst, guard)
        # deadlocks, timelocks: how many, the first node (-1: none yet)
        stuck = [[0, -1], [0, -1]]
        stale: tuple[int, list[int]] | None = None
        recent: dict[int, list] = {}
        summary: dict[str, Any] = {}
        exact, of_instance = self.exact, self.of_instance
        late = ex.tests_successors and self.stuck_states  # the owner extrapolates and tests
        rows: list[tuple[int, list[tuple[int, int]], bool, int]] = []
        try:
            for pos, local in enumerate(self.frontier):
                if pos % CHECK_EVERY == 0 and self.cancelled.is_set():
                    return [None] + [pack([]) for _ in range(self.owners)]
                node = self.gid[local]
                if stop is not None and node > stop[0]:
                    break
                d, z = self._dz(local)
                if outside is not None and outside(d):
                    outside_count += 1  # beyond the boundary: checked, not expanded
                    if exact:
                        rows.append((node, [], False, 0))
                    continue
                if first_expanded < 0:
                    first_expanded = node
                # cut at this node: its entries up to the stop's (an entry's events are
                # those of one transition or one action error), and what follows them
                # only if the stop is after them
                cut = stop if stop is not None and node == stop[0] else None
                mask = ex.key(d)
                enabled: list[bytes] = []
                pairs: list[tuple[int, int]] = []  # exact: (key, instance) per transition
                fair_here = 0
                entries = recent.get(d)
                if entries is None:
                    entries = zc.succ(d)
                    if len(recent) >= 256:
                        del recent[next(iter(recent))]
                    recent[d] = entries
                for k, (inst, _choices, d2, guard, resets) in enumerate(entries):
                    if cut is not None and k > cut[1]:
                        break
                    key = _key(node, k)
                    if d2 is None:
                        if guard is not None and not satisfies(z, n, guard):
                            continue
                        action_errors += 1
                        if first_error is None:
                            first_error = (key, node, inst, tuple(guard or ()))
                        continue
                    try:
                        inv2 = ex.invariant(d2)
                    except RuntimeFault:
                        if guard is not None and not satisfies(z, n, guard):
                            continue
                        action_errors += 1
                        if first_error is None:
                            first_error = (key, node, inst, tuple(guard or ()))
                        continue
                    pre, z3 = successor(z, n, guard, resets, inv2)
                    if z3 is None:
                        suppressed[inst] = 1
                        continue
                    if pre is not None:
                        enabled.append(pre)
                        if exact and pre == z:
                            fair_here |= of_instance[inst]
                    mask2 = ex.key(d2)
                    if mask2 != mask:
                        grown = ex.stale(mask, mask2).difference(resets)
                        if grown:
                            stale = (key, sorted(grown))
                            raise StopIteration
                    transitions += 1
                    counts[inst] += 1
                    outboxes[owner_of_discrete(d2, self.owners)].append(
                        (key, d2, z3 if late else ex.extrapolate(z3, d2), node, k))
                    if exact:
                        pairs.append((key, inst))
                if cut is not None and cut < (node, END, CLOSE):
                    break
                if exact:  # the node's row of the zone graph, closed by the driver
                    rows.append((node, pairs, not ex.invariant(d), fair_here))
                if cut is not None and cut < (node, END, STUCK):
                    break
                if self.stuck_states and not late and not kernel.is_stuck_free(z, enabled, n):
                    timelock = bool(ex.invariant(d))
                    slot = stuck[timelock]
                    slot[0] += 1
                    if slot[1] < 0:
                        slot[1] = node
        except StopIteration:
            pass
        except OverflowError:
            summary["overflow"] = True
        summary.update({"transitions": transitions, "counts": counts,
                        "suppressed": bytes(suppressed), "action_errors": action_errors,
                        "first_error": first_error, "stuck": stuck, "stale": stale,
                        "rows": rows, "outside": outside_count,
                        "first_expanded": first_expanded, "memory": resident_mb()})
        if stop is not None:
            return [summary]
        return [summary] + [pack(box) for box in outboxes]

    def receive(self, active_discrete: tuple[int, ...], active_clock: tuple[int, ...],
                keep_edges: bool, *inboxes: Outbox) -> list[Any]:
        """Add the level's successors sent here to the passed lists in key order (one
        process's order). Returns how many were kept, their keys (sorted), the properties
        failing to evaluate and the first key where each property fires."""
        assert self.system is not None
        if not keep_edges:
            self.edges = None
        edges = self.edges
        system = self.system
        size = 4 * self.n * self.n
        candidates = sorted(c for box in inboxes for c in unpack(box, size))
        store, bounds, n = self.store, self.extrapolation.bounds, self.n
        props_fn = system.props_for(frozenset(active_discrete)) if active_discrete else None
        first_hit: dict[int, int] = {}
        events: list[tuple] = []  # (key, discrete properties failing, clock ones failing)
        self.pending, self.keys, self.targets = [], [], []
        self.edge_mark = 0 if edges is None else len(edges)
        exact = self.exact
        ex = self.extrapolation
        late = ex.tests_successors and self.stuck_states
        stuck: list[tuple[int, bool]] = []  # late: (key, timelock) of each stuck node kept
        try:
            for pos, (key, d2, z, parent, entry) in enumerate(candidates):
                if pos % CHECK_EVERY == 0 and self.cancelled.is_set():
                    return [0, b"", [], {}, []]
                if exact:  # equal symbolic states merge, nothing else
                    local = self.exact_ids.get((d2, z), -1)
                    if local >= 0:
                        local = -1 - local
                    else:
                        local = self.exact_ids[(d2, z)] = len(self.local_d)
                        self.local_d.append(d2)
                        self.local_z.append(z)
                    if parent != ROOT:
                        self.targets.append((key, local))
                else:
                    did = self._did(d2)
                    lower, upper = bounds(d2)
                    pre_zone = z
                    if late:
                        z = ex.extrapolate(z, d2)
                    local = store.add(did, z, lower, upper, kernel.ALU)
                    if late and local >= 0 and ex.may_stick(d2) and \
                            (system.outside is None or not system.outside(d2)) and \
                            not _stuck_free(ex, d2, pre_zone, n):
                        stuck.append((key, bool(ex.invariant(d2))))
                if edges is not None and parent != ROOT:
                    edges.append((key, parent, local, entry))
                if local < 0:
                    continue
                self.gid.append(-1)
                self.parent.append(parent)
                self.entry.append(entry)
                self.pending.append(local)
                self.keys.append(key)
                failing_d: list[int] = []
                if props_fn is not None:
                    try:
                        hits = props_fn(d2)
                    except RuntimeFault:
                        hits = 0
                        for k in active_discrete:
                            mask, error = system.property_hits(d2, (k,))
                            hits |= mask
                            if error is not None:
                                failing_d.append(k)
                    for k in active_discrete:
                        if hits >> k & 1 and k not in first_hit:
                            first_hit[k] = key
                failing_c: list[int] = []
                for k in active_clock:
                    try:
                        formula = system.clock_formula(k, d2)
                    except RuntimeFault:
                        failing_c.append(k)
                        continue
                    if k not in first_hit and any(kernel.satisfies(z, n, c) for c in formula):
                        first_hit[k] = key
                if failing_d or failing_c:
                    events.append((key, failing_d, failing_c))
        except OverflowError:
            return [0, b"", [], {"overflow": True}, []]
        self.events = events
        self.first_hit, self.stuck_kept, self.clock_props = first_hit, stuck, active_clock
        return [len(self.keys), np.array(self.keys, dtype=np.uint64).tobytes(), events,
                first_hit, stuck]

    def truncate(self, stop: Position) -> list[Any]:
        """Cut the level received at `stop`, as one process stops there: the expansion
        summary counted again up to it, and receive's results for the successors added up
        to it; those added after it are forgotten (never numbered). What they did to the
        passed lists stays, but no later level is explored (the search ends here)."""
        summary = self._expand(stop)[0]

        def before(key: int, step: int) -> bool:
            return position(key, step) <= stop

        keep = 0
        while keep < len(self.keys) and before(self.keys[keep], ADD):
            keep += 1
        del self.keys[keep:], self.pending[keep:]
        events = []
        for key, failing_d, failing_c in self.events:
            failing_d = failing_d if before(key, FAILING) else []
            failing_c = [k for k in failing_c if before(key, CLOCK + k)]
            if failing_d or failing_c:
                events.append((key, failing_d, failing_c))
        self.events = events
        clock = set(self.clock_props)
        first_hit = {k: key for k, key in self.first_hit.items()
                     if before(key, CLOCK + k if k in clock else HITS)}
        stuck = [(key, timelock) for key, timelock in self.stuck_kept if before(key, LATE)]
        if self.edges is not None:
            self.edges[self.edge_mark:] = [e for e in self.edges[self.edge_mark:]
                                           if before(e[0], EDGE)]
        self.targets = [(key, t) for key, t in self.targets if before(key, ADD)]
        return [summary, len(self.keys), np.array(self.keys, dtype=np.uint64).tobytes(),
                events, first_hit, stuck]

    def commit(self, base: int, filtered: bool, wanted: list[int],
               *all_keys: bytes) -> list[Any]:
        """Number the level's new nodes (base + rank among every owner's keys), make the
        ones still in their passed list the frontier (all of them: the initial level), and
        give the numbers of the `wanted` keys held here."""
        keys = np.array(self.keys, dtype=np.uint64)
        rank = np.zeros(len(keys), dtype=np.int64)
        for other in all_keys:
            if other:
                rank += np.searchsorted(np.frombuffer(other, dtype=np.uint64), keys)
        numbers = (rank + base).tolist()
        of_key = dict(zip(self.keys, numbers))
        frontier = []
        store = self.store
        for local, number in zip(self.pending, numbers):
            self.gid[local] = number
            if not filtered or self.exact or local in store.active(store.did(local)):
                frontier.append((number, local))
        frontier.sort()
        self.frontier = [local for _number, local in frontier]
        self.pending, self.keys = [], []
        gid = self.gid
        targets = {key: gid[t if t >= 0 else -1 - t] for key, t in self.targets}
        self.targets = []
        return [len(self.frontier), {k: of_key[k] for k in wanted if k in of_key}, targets]

    def drop_pending(self) -> int:
        """Forget an uncommitted level (a stop while it ran)."""
        self.pending, self.keys = [], []
        return 0

    def gather(self) -> list[Any]:
        """Every committed node: numbers, discrete states, zones, parents, entries; and
        the edges kept, as (key, parent, target, entry) in node numbers (None: not
        kept)."""
        store = self.store
        out: list[Any] = [[], [], [], [], [], None]
        if store is None:
            return out
        if self.edges is not None:
            gid = self.gid
            out[5] = [(key, parent, gid[t if t >= 0 else -1 - t], entry)
                      for key, parent, t, entry in self.edges
                      if gid[t if t >= 0 else -1 - t] >= 0]
        for local, number in enumerate(self.gid):
            if number < 0:
                continue
            d, z = self._dz(local)
            out[0].append(number)
            out[1].append(d)
            out[2].append(z)
            out[3].append(self.parent[local])
            out[4].append(self.entry[local])
        return out


# ------------------------------------------------------------------ the driver's side
class GatheredNodes(ZoneNodes):
    """The symbolic states the owners found, in node order, as ZoneNodes presents them."""

    def __init__(self, zc: ZoneCode):
        super().__init__(zc, 0)
        self.edges = None
        self.states: list[int] = []
        self.zones: list[bytes] = []

    def discrete(self, node: int) -> int:
        return self.states[node]

    def zone(self, node: int) -> bytes:
        return self.zones[node]


class ClusterZoneEngine(ZoneEngine):
    """The zone engine on owners (module docstring): its own search; traces, measures,
    leads-to, coverage and the blocked-actions pass are the zone engine's, on the nodes
    gathered from the owners."""

    def __init__(self, system: TransitionSystem, options: Options):
        super().__init__(system)
        assert options.cluster is not None
        self.address: Address = parse_address(options.cluster)
        if not self.address.direct and not ray_available():
            raise UsageError(NO_RAY)
        self.owners_text = f"Ray cluster ({self.address.text}), not started"

    def describe(self, findings: Findings[Any]) -> str:
        return f"{super().describe(findings)}, {self.owners_text}"

    def explore(self, job: Job) -> Findings[int]:
        system = self.system
        stuck_states = job.check_deadlock or (job.check_timelock and system.has_bounds)
        # unbounded leads-to is judged on the exact zone graph: the owners build it
        exact = bool(unbounded(job.liveness())) and system.clock_guarded_fairness() is None
        kind = ExtraM if exact else ExtraLUStuck if stuck_states else ExtraLU
        backend = self._backend(job)
        if backend is None:  # stopped while the owners started
            self.extrapolation = kind(self.zc, self.always)
            ex: Findings[int] = Findings([], GatheredNodes(self.zc), symbolic=True)
            ex.stop_reason = job.budget.spent
            return ex
        while True:
            self.extrapolation = kind(self.zc, self.always)
            try:
                return _ZoneSearch(job, backend, self.extrapolation, stuck_states,
                                   exact).run()
            except StaleClock as stale:
                self.always = self.always | frozenset(stale.clocks)

    def _backend(self, job: Job) -> Backend | None:
        if is_started(self.address, ZoneOwner):
            backend = backend_for(self.address, lambda: None, ZoneOwner)
        else:
            with job.budget.search("cluster start-up") as start:
                start.poll(0, 0, 0, 0)
                backend = backend_for(self.address, lambda: start.poll(0, 0, 0, 0),
                                      ZoneOwner)
            if start.stop_reason is not None:
                return None
        self.owners_text = backend.describe
        return backend

class _ZoneSearch(Coordinator):
    """One distributed zone search, level by level (module docstring)."""

    def __init__(self, job: Job, backend: Backend, extrapolation: Extrapolation,
                 stuck_states: bool, exact: bool = False):
        self.job = job
        self.exact = exact
        # exact: each expanded node's row of the zone graph, and where each key led
        self.rows: list[tuple[int, list[tuple[int, int]], bool, int]] = []
        self.targets: dict[int, int] = {}
        self.backend = backend
        self.k = backend.owners
        self.extrapolation = extrapolation
        self.stuck_states = stuck_states
        system = job.system
        self.system = system
        self.nodes = GatheredNodes(system.zone_code)
        self.ex: Findings[int] = Findings([], self.nodes, symbolic=True,
                                          check_deadlock=job.check_deadlock)
        self.ex.stuck_counted = stuck_states
        self.ex.has_boundary = system.outside is not None
        # --fail-fast: the search stops where a finding first makes a verdict unexpected
        self.stop_when = unexpected(system) if job.fail_fast else None
        # a bound that stops one process in the middle of a level: each level is then cut
        # where one process would stop in it (stop_at)
        self.cuts = job.fail_fast or job.options.max_states is not None
        selected = sorted(job.active)
        self.active_clock = [k for k in selected if system.properties[k].mentions_clock]
        self.active_discrete = {k for k in selected if k not in self.active_clock}
        self.count = 0  # nodes committed
        self.frontier = 0
        self.counts = [0] * len(system.instances)
        self.suppressed = bytearray(len(system.instances))
        self.meter: Meter | None = None

    # -------------------------------------------------------------- owners
    def poll(self) -> None:
        assert self.meter is not None
        ex = self.ex
        self.meter.poll(self.count, ex.transitions, ex.depth, self.frontier)

    # -------------------------------------------------------------- the search
    def run(self) -> Findings[int]:
        job, ex = self.job, self.ex
        system = self.system
        self.wait([h[0] for h in self.all("reset", self.backend.put(system),
                                          tuple(sorted(self.extrapolation.always)),
                                          isinstance(self.extrapolation, ExtraM),
                                          self.stuck_states, self.exact)])
        try:
            with job.budget.search(job.phase, ex) as meter:
                self.meter = meter
                meter.poll(0, 0, 0, 0)
                starts, cut = initial_states(system, job)
                if cut is not None:
                    ex.stop_reason = cut
                boxes: list[list[tuple]] = [[] for _ in range(self.k)]
                zc = system.zone_code
                for i, d in enumerate(starts):
                    z = initial_zone(zc, d)
                    if z is None:
                        continue
                    late = self.extrapolation.tests_successors and self.stuck_states
                    boxes[owner_of_discrete(d, self.k)].append(
                        (_key(ROOT, i), d, z if late else self.extrapolation.extrapolate(z, d),
                         ROOT, -1))
                self.add_level([[pack(box)] for box in boxes], [], filtered=False)
                # a stop at an initial node (a finding there) is before it joins the
                # initial nodes in one process; it is the last node numbered
                ex.initial = list(range(self.count - (ex.stop_reason is StopReason.FAIL_FAST)))
                self.levels()
        finally:
            self.gather()
        ex.states = self.count
        return ex

    def levels(self) -> None:
        ex = self.ex
        options = self.job.options
        while self.frontier:
            if ex.stop_reason is not None:
                break
            if options.max_depth is not None and ex.depth >= options.max_depth:
                ex.stop_reason = StopReason.MAX_DEPTH
                break
            ex.depth += 1
            calls = self.all("expand", returns=self.k + 1)
            summaries = self.wait([c[0] for c in calls])
            if any(s is None for s in summaries):
                raise RuntimeError("an owner abandoned its step")
            if any(s.get("overflow") for s in summaries):
                raise self._overflow()
            stale = [s["stale"] for s in summaries if s["stale"] is not None]
            if stale and not self.cuts:
                raise StaleClock(set(min(stale)[1]))
            self.add_level([[c[1 + j] for c in calls] for j in range(self.k)], summaries,
                           filtered=True, stale=min(stale) if stale else None)
            self.poll()
        else:
            ex.complete = True

    def add_level(self, inboxes: list[list[Any]], summaries: list[dict[str, Any]],
                  filtered: bool, stale: tuple[int, list[int]] | None = None) -> None:
        """The adds of one level on every owner (`summaries`: what their expansion met),
        cut where one process stops in it (a bound), their numbering, then the level's
        findings in one process's order."""
        ex = self.ex
        keep_edges = self.count <= self.job.options.graph_limit
        received = [self.backend.call(j, "receive", tuple(sorted(self.active_discrete)),
                                      tuple(self.active_clock), keep_edges, *inboxes[j],
                                      returns=5)
                    for j in range(self.k)]
        results = self.wait([h for r in received for h in r])
        parts = [results[5 * j:5 * j + 5] for j in range(self.k)]
        if any("overflow" in p[3] for p in parts):
            raise self._overflow()
        if self.cuts:
            stop, reason = self.stop_at(summaries, parts)
            if stale is not None and (stop is None or position(stale[0], ACTION) < stop):
                raise StaleClock(set(stale[1]))  # one process meets the stale clock first
            if stop is not None:
                cut = [self.backend.call(j, "truncate", stop, returns=6)
                       for j in range(self.k)]
                results = self.wait([h for c in cut for h in c])
                if summaries:
                    summaries = [results[6 * j] for j in range(self.k)]
                parts = [results[6 * j + 1:6 * j + 6] for j in range(self.k)]
                ex.stop_reason = reason
        expansion: list[tuple] = []
        rows = [row for s in summaries for row in s["rows"]]
        for s in summaries:
            ex.transitions += s["transitions"]
            ex.outside += s["outside"]
            self.counts = [a + b for a, b in zip(self.counts, s["counts"])]
            self.suppressed = bytearray(a | b for a, b in zip(self.suppressed,
                                                               s["suppressed"]))
            for timelock, (count, first) in enumerate(s["stuck"]):
                if count:
                    expansion.append(("stuck", bool(timelock), count, first))
            if s["first_error"] is not None:
                expansion.append(("action", s["first_error"], s["action_errors"]))
        memory = sum(s["memory"] for s in summaries)
        if memory and self.backend.separate:
            assert self.meter is not None
            self.meter.reserve(memory)  # the owners' memory counts against the limit
        keys = [p[1] for p in parts]
        found = sum(p[0] for p in parts)
        wanted = sorted({key for p in parts for key in p[3].values()} |
                        {e[0] for p in parts for e in p[2]} |
                        {key for p in parts for key, _timelock in p[4]})
        calls = [self.backend.call(j, "commit", self.count, filtered, wanted, *keys,
                                   returns=3) for j in range(self.k)]
        commits = self.wait([h for c in calls for h in c])
        numbers: dict[int, int] = {}
        self.frontier = 0
        for j in range(self.k):
            self.frontier += commits[3 * j]
            numbers.update(commits[3 * j + 1])
            if self.exact:
                self.targets.update(commits[3 * j + 2])
        if self.exact:  # the level's expanded nodes, closed once their targets are known
            self.rows.extend(rows)
        self.count += found
        self.findings(parts, numbers, expansion)

    def stop_at(self, summaries: list[dict[str, Any]], parts: list[list[Any]]
                ) -> tuple[Position | None, StopReason | None]:
        """Where one process stops in this level (None: it does not), and why: after the
        first node whose expansion brings the nodes to --max-states, or at the first
        finding that makes a verdict unexpected (--fail-fast)."""
        options = self.job.options
        stops: list[tuple[Position, StopReason]] = []
        if options.max_states is not None and summaries:
            needed = options.max_states - self.count
            if needed <= 0:  # already at the bound: the first node expanded stops it
                firsts = [s["first_expanded"] for s in summaries if s["first_expanded"] >= 0]
                if firsts:
                    stops.append(((min(firsts), END, FULL), StopReason.MAX_STATES))
            else:
                keys = np.sort(np.concatenate([np.frombuffer(p[1], dtype=np.uint64)
                                               for p in parts]))
                if len(keys) >= needed:  # the parent of the node that reaches the bound
                    parent = position(int(keys[needed - 1]), ADD)[0]
                    stops.append(((parent, END, FULL), StopReason.MAX_STATES))
        if self.stop_when is not None:
            first = self.first_unexpected(summaries, parts)
            if first is not None:
                stops.append((first, StopReason.FAIL_FAST))
        if not stops:
            return None, None
        return min(stops)

    def first_unexpected(self, summaries: list[dict[str, Any]], parts: list[list[Any]]
                         ) -> Position | None:
        """The position of the first finding of this level that makes a verdict
        unexpected: the level's first findings replayed in one process's order on a copy
        of what is found so far."""
        events: list[tuple[Position, str, Any]] = []
        for s in summaries:
            if s["first_error"] is not None:
                events.append((position(s["first_error"][0], ACTION), "action", None))
            for timelock, (count, first) in enumerate(s["stuck"]):
                if count:
                    events.append(((first, END, STUCK), "stuck", bool(timelock)))
        clock = set(self.active_clock)
        hits = _first_hits(parts)
        for p in parts:
            for key, failing_d, failing_c in p[2]:
                events.append((position(key, FAILING), "discrete", failing_d))
                for k in failing_c:
                    events.append((position(key, CLOCK + k), "clock", k))
            for key, timelock in p[4]:
                events.append((position(key, LATE), "stuck", timelock))
        together: dict[int, list[int]] = {}  # one process records a node's discrete hits
        for k, key in hits.items():           # at once
            if k in clock:
                events.append((position(key, CLOCK + k), "hit", [k]))
            else:
                together.setdefault(key, []).append(k)
        for key, ks in together.items():
            events.append((position(key, HITS), "hit", sorted(ks)))
        events.sort(key=lambda e: e[0])
        ex = self.ex
        shadow: Findings[int] = Findings(
            found=dict(ex.found), deadlock=ex.deadlock, timelock=ex.timelock,
            runtime=ex.runtime, check_deadlock=ex.check_deadlock, stop_when=self.stop_when)
        active = set(self.active_discrete) | clock
        for at, what, arg in events:
            try:
                if what == "action":
                    shadow.runtime_error(0, "action", 0)
                elif what == "discrete":
                    if any(k in active for k in arg):
                        shadow.runtime_error(0, "property", 0)
                elif what == "clock":
                    if arg in active:
                        active.discard(arg)
                        shadow.runtime_error(0, "property", arg)
                elif what == "stuck":
                    shadow.stuck(0, arg)
                else:
                    fired = [k for k in arg if k in active]
                    active.difference_update(fired)
                    if fired:
                        shadow.hits([(k, 0) for k in fired])
            except Stop:
                return at
        return None

    def findings(self, parts: list[list[Any]], numbers: dict[int, int],
                 expansion: list[tuple]) -> None:
        """Record a level's findings as one process meets them (module docstring)."""
        ex = self.ex
        # ExtraLUStuck: the stuck nodes the owners kept, in node (key) order
        for key, timelock in sorted(item for p in parts for item in p[4]):
            ex.stuck(numbers[key], timelock)
        for kind, timelock, count, first in (e for e in expansion if e[0] == "stuck"):
            del kind
            ex.stuck(first, timelock)
            if timelock:
                ex.timelocks += count - 1
            else:
                ex.deadlocks += count - 1
        events: list[tuple] = []
        for kind_, first_error, count in (e for e in expansion if e[0] == "action"):
            del kind_
            key, node, inst, guard = first_error
            events.append((key, 0, "action", node, inst, guard, count))
        hits = _first_hits(parts)
        for p in parts:
            for key, failing_d, failing_c in p[2]:
                events.append((key, 1, "discrete", numbers[key], failing_d))
                for k in failing_c:
                    events.append((key, 3 + k, "clock", numbers[key], k))
        for k, key in hits.items():
            events.append((key, 2, "hit", numbers[key], k))
        events.sort(key=lambda e: (e[0], e[1]))
        for event in events:
            what = event[2]
            if what == "action":
                _key_, _sub, _what, node, inst, guard, count = event
                ex.runtime_error(node, "action", inst, guard, count=count)
            elif what == "discrete":
                open_ = [k for k in event[4] if k in self.active_discrete]
                if open_:
                    ex.runtime_error(event[3], "property", min(open_))
            elif what == "clock":
                k = event[4]
                if k in self.active_clock:
                    self.active_clock.remove(k)
                    ex.runtime_error(event[3], "property", k)
            else:
                node, k = event[3], event[4]
                if k in self.active_discrete:
                    self.active_discrete.discard(k)
                    ex.hits([(k, node)])
                elif k in self.active_clock:
                    self.active_clock.remove(k)
                    ex.hits([(k, node)])

    def _graph(self, rows: list[tuple]) -> StateGraph:
        """The exact zone graph, as explore_zones builds it: nodes (discrete state, zone)
        in node order, each expanded node's edges (target, instance) in entry order
        without repeats, a time-passing loop where no bound is active, and the fair groups
        enabled everywhere in its zone."""
        graph = StateGraph([(r[1], r[2]) for r in rows], [])
        graph.initial = list(self.ex.initial)
        graph.enabled_everywhere = []
        targets = self.targets
        for node, pairs, tick, fair_here in sorted(self.rows):
            assert node == len(graph.start) - 1, "the expanded nodes are not a prefix"
            out: dict[tuple[int, int], None] = {}
            for key, inst in pairs:
                out[(targets[key], inst)] = None
            if tick:
                out[(node, TICK)] = None
            graph.close_node(out)
            graph.enabled_everywhere.append(fair_here)
        return graph

    def _overflow(self) -> UsageError:
        zc = self.system.zone_code
        return UsageError(
            "a clock constant is too large for the zone engine's 32-bit difference bounds "
            f"at {zc.n - 1} clocks (at most {kernel.max_constant(zc.n):,} ms); use smaller "
            "constants or --time discrete")

    def gather(self) -> None:
        """Every committed node, in node order (the owners then free their memory)."""
        backend = self.backend
        try:
            parts = backend.get([h[0] for h in self.all("gather")])
        finally:
            backend.get([h[0] for h in self.all("release")])
        rows = sorted(zip(*[[x for p in parts for x in p[i]] for i in range(5)]))
        rows = [r for r in rows if r[0] < self.count]
        nodes = self.nodes
        if self.exact:
            nodes.graph = self._graph(rows)
        # the edges for the state graph, in one process's order, while it keeps them
        if self.count <= self.job.options.graph_limit and all(p[5] is not None
                                                              for p in parts):
            edges = sorted(e for p in parts for e in p[5])
            # flat, three ints per edge, as ZoneNodes keeps them (search.py)
            nodes.edges = array("i", [x for _key, parent, target, entry in edges
                                      for x in (parent, target, entry)])
        nodes.states = [r[1] for r in rows]
        nodes.zones = [r[2] for r in rows]
        nodes.parent = array("i", [r[3] for r in rows])
        nodes.entry = array("i", [r[4] for r in rows])
        nodes.instance_counts = self.counts
        nodes.suppressed = self.suppressed
