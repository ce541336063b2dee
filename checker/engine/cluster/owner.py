"""One owner of the distributed search: the states whose stable hash picks it.

An owner is a plain object; the cluster engine runs each one as a Ray actor (or, for tests
without Ray, in the calling process). It keeps, for every state it owns, the state's
parent state (the link a trace is rebuilt from), its BFS level and its rank in that level
(its position in the order one process would have discovered it), all in arrays sorted by
state. A level is explored in three steps, each run by every owner before the next:

``expand``: check the active properties on the owner's states of the current level (in
rank order), generate their successors, and key each successor by (rank of its parent,
index among that parent's successors): the order of its first discovery by a sequential
BFS. The successors go out to their owners, one outbox per owner, each deduplicated
keeping the smallest key.
``receive``: merge the outboxes sent to this owner, keep the smallest key of each state,
drop the states it has seen, and hold the rest as the candidates of the next level.
``commit``: with every owner's sorted candidate keys, compute each candidate's global rank
in the next level (a state's rank is how many keys of all owners are smaller), keep the
first `room` of the level (a --max-states bound), and make them the current level.

States of any width: up to 64 bits a state is one uint64, wider it is several 64-bit
words held as one fixed-width item (store.Packing, as the compact store keeps them); the
partition hashes every word (`owner_of`).

Everything here is deterministic: the same system gives the same ranks, findings and
parent links whatever the number of owners.
"""

from __future__ import annotations

import threading
import time
from array import array
from typing import TYPE_CHECKING, Any

import numpy as np

from model import RuntimeFault

from ...graph import action_coverage
from ...options import resident_mb
from ..budget import CHECK_EVERY
from ..store import NARROW, Packing, contains

if TYPE_CHECKING:
    from model import TransitionSystem

__all__ = ["Owner", "owner_of", "INDEX_BITS", "empty_outbox", "fold", "split_outbox"]

INDEX_BITS = 24  # a key is rank << 24 | index: at most 2**24 successors per state
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def fold(states: np.ndarray) -> np.ndarray:
    """Packed states as one uint64 each: the state itself up to 64 bits, the xor of its
    64-bit words when wider (store.Packing's items), so the partition depends on every
    word."""
    if states.dtype == np.uint64:
        return np.array(states, dtype=np.uint64)
    words = states.dtype.itemsize // 8
    columns = np.ascontiguousarray(states).view(">u8").reshape(len(states), words)
    return np.bitwise_xor.reduce(columns.astype(np.uint64), axis=1)


def owner_of(states: np.ndarray, owners: int) -> np.ndarray:
    """The owner of each packed state: a fixed 64-bit mix (splitmix64's finaliser) of the
    state (folded to 64 bits when wider: `fold`) modulo the number of owners; the same on
    every machine and in every run, unlike Python's salted hash()."""
    x = fold(states)
    x ^= x >> np.uint64(30)
    x *= _MIX1
    x ^= x >> np.uint64(27)
    x *= _MIX2
    x ^= x >> np.uint64(31)
    return (x % np.uint64(owners)).astype(np.int64)


def empty_outbox() -> bytes:
    return b""


def split_outbox(box: bytes, packing: Packing) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An outbox's successors, their keys and their parents (`Owner.expand` lays them out
    one after the other: states, uint64 keys, parents)."""
    size = packing.itemsize
    n = len(box) // (2 * size + 8)
    return (np.frombuffer(box, dtype=packing.dtype, count=n),
            np.frombuffer(box, dtype=np.uint64, count=n, offset=n * size),
            np.frombuffer(box, dtype=packing.dtype, count=n, offset=n * (size + 8)))


class Owner:
    """The states one owner holds, and its part of each level (see the module docstring)."""

    def __init__(self, index: int, owners: int):
        self.index = index
        self.owners = owners
        self.cancelled = threading.Event()
        self.system: TransitionSystem | None = None
        self.packing = NARROW
        self._clear()

    def _clear(self) -> None:
        empty = self.packing.empty()
        # every state held, sorted, with its parent, level and rank at the same positions
        self.seen = empty
        self.parents = empty
        self.level_of = np.empty(0, dtype=np.int32)
        self.rank_of = np.empty(0, dtype=np.int64)
        self.roots = np.empty(0, dtype=bool)
        # the current level, in rank order
        self.level = 0
        self.frontier = empty
        self.ranks = np.empty(0, dtype=np.int64)
        # the candidates of the next level, in key order
        self.pending: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    # -------------------------------------------------------------- set-up
    def ping(self) -> int:
        return self.index

    def cpu(self) -> float:
        """The CPU seconds this owner's process has used (bench/cluster.py)."""
        return time.process_time()

    def reset(self, system: TransitionSystem) -> int:
        """A new search of `system`: forget everything held."""
        self.system = system
        self.packing = Packing(system.layout.width)
        self.cancelled.clear()
        self._clear()
        return self.index

    def release(self) -> int:
        """The search is over: free its memory (the actor stays for the next search)."""
        self.system = None
        self._clear()
        return self.index

    def cancel(self) -> None:
        """Stop the step in progress at its next look (the search is over: a bound, Ctrl-C);
        runs beside it in the actor's second thread."""
        self.cancelled.set()

    def seed(self, states: bytes, ranks: bytes) -> int:
        """The initial states this owner holds, with their ranks among all initial states."""
        level = self.packing.from_bytes(states).copy()
        rank = np.frombuffer(ranks, dtype=np.int64).copy()
        self._store(level, np.zeros(len(level), dtype=level.dtype), rank, root=True)
        return len(level)

    # -------------------------------------------------------------- one level
    def expand(self, active: tuple[int, ...], expand: bool = True) -> list[Any]:
        """Check the current level's states and (with `expand`) generate their successors.
        Returns the summary (see `_summary`) followed by one outbox per owner."""
        system = self.system
        assert system is not None
        packing = self.packing
        states = packing.ints(self.frontier)
        ranks = self.ranks
        props = system.props_for(frozenset(active)) if active else None
        successors = system.successors
        outside = system.outside
        outside_count = 0
        succ_out: Any = [] if packing.wide else array("Q")  # wide: ints, packed at the end
        counts = array("I")
        extend = succ_out.extend
        count = counts.append
        hits: dict[int, int] = {}  # property -> position of its first hit
        deadlocks: list[int] = []
        runtime: tuple[int, str, int] | None = None
        runtime_count = 0
        cancelled = self.cancelled
        for pos, s in enumerate(states):
            if pos % CHECK_EVERY == 0 and cancelled.is_set():
                return [None] + [empty_outbox()] * self.owners
            if props is not None:
                try:
                    found = props(s)
                    error = None
                except RuntimeFault:
                    found, error = system.property_hits(s, active)
                    runtime_count += 1
                    if error is not None and runtime is None:
                        runtime = (pos, "property", error[0])
                if found:
                    for k in active:
                        if found >> k & 1 and k not in hits:
                            hits[k] = pos
            if not expand:
                continue
            if outside is not None and outside(s):
                outside_count += 1  # beyond the boundary: checked, not expanded
                count(0)
                continue
            try:
                succ = successors(s)
            except RuntimeFault:
                succ = []
                for inst, _choices, nxt in system.labeled(s):
                    if nxt is None:
                        runtime_count += 1
                        if runtime is None:
                            runtime = (pos, "action", inst)
                    else:
                        succ.append(nxt)
            if not succ:
                deadlocks.append(pos)
            extend(succ)
            count(len(succ))
        frontier = self.frontier

        def at(pos: int) -> tuple[int, int]:
            return int(ranks[pos]), packing.one(frontier[pos])

        summary = {
            "transitions": len(succ_out),
            "hits": {k: at(pos) for k, pos in hits.items()},
            "deadlocks": len(deadlocks),
            "first_deadlock": at(deadlocks[0]) if deadlocks else None,
            "runtime": None if runtime is None else at(runtime[0]) + runtime[1:],
            "runtime_count": runtime_count,
            "outside": outside_count,
            "memory": resident_mb(),
        }
        if not len(succ_out):
            return [summary] + [empty_outbox()] * self.owners
        found_states = packing.from_bytes(packing.ints_bytes(succ_out)) if packing.wide \
            else np.frombuffer(succ_out, dtype=np.uint64)
        per_parent = np.frombuffer(counts, dtype=np.uint32).astype(np.int64)
        if int(per_parent.max()) >= 1 << INDEX_BITS:
            raise ValueError(f"a state has more than {1 << INDEX_BITS} successors")
        parent_pos = np.repeat(np.arange(len(per_parent)), per_parent)
        starts = np.cumsum(per_parent) - per_parent
        index = np.arange(len(found_states), dtype=np.int64) - starts[parent_pos]
        keys = ((ranks[parent_pos].astype(np.uint64) << np.uint64(INDEX_BITS))
                | index.astype(np.uint64))  # ascending: parents in rank order, then index
        parents = frontier[parent_pos]
        dest = owner_of(found_states, self.owners)
        outboxes: list[Any] = []
        for j in range(self.owners):
            mine = dest == j
            succ_j = found_states[mine]
            if not len(succ_j):
                outboxes.append(empty_outbox())
                continue
            unique, first = np.unique(succ_j, return_index=True)  # first: the smallest key
            outboxes.append(unique.tobytes() + keys[mine][first].tobytes()
                            + parents[mine][first].tobytes())
        return [summary] + outboxes

    def receive(self, *inboxes: bytes) -> list[Any]:
        """Merge what every owner sent here: the new states of the next level, each with
        its smallest key. Returns their number and their keys, sorted."""
        parts = [split_outbox(box, self.packing) for box in inboxes if box]
        if not parts:
            self.pending = None
            return [0, b""]
        succ, keys, parents = (np.concatenate([p[i] for p in parts]) for i in range(3))
        order = np.argsort(keys, kind="stable")
        order = order[np.argsort(succ[order], kind="stable")]  # by state, then key
        succ, keys, parents = succ[order], keys[order], parents[order]
        first = np.ones(len(succ), dtype=bool)
        first[1:] = succ[1:] != succ[:-1]
        fresh = first.copy()
        fresh[first] = ~contains(self.seen, succ[first])
        succ, keys, parents = succ[fresh], keys[fresh], parents[fresh]
        order = np.argsort(keys, kind="stable")
        self.pending = (succ[order], keys[order], parents[order])
        return [len(succ), keys[order].tobytes()]

    def commit(self, room: int | None, *all_keys: bytes) -> int:
        """Make the candidates the current level, ranked among every owner's (`all_keys`),
        keeping only ranks below `room` when it is given. Returns how many it kept."""
        self.level += 1
        if self.pending is None:
            self._store(self.packing.empty(), self.packing.empty(),
                        np.empty(0, dtype=np.int64))
            return 0
        succ, keys, parents = self.pending
        self.pending = None
        rank = np.zeros(len(keys), dtype=np.int64)
        for other in all_keys:
            if other:
                rank += np.searchsorted(np.frombuffer(other, dtype=np.uint64), keys)
        if room is not None:
            keep = rank < room
            succ, parents, rank = succ[keep], parents[keep], rank[keep]
        self._store(succ, parents, rank)
        return len(succ)

    def _store(self, level: np.ndarray, parents: np.ndarray, ranks: np.ndarray,
               root: bool = False) -> None:
        self.frontier = level
        self.ranks = ranks
        if not len(level):
            return
        seen = np.concatenate((self.seen, level))
        order = np.argsort(seen, kind="stable")
        self.seen = seen[order]
        self.parents = np.concatenate((self.parents, parents))[order]
        self.level_of = np.concatenate(
            (self.level_of, np.full(len(level), self.level, dtype=np.int32)))[order]
        self.rank_of = np.concatenate((self.rank_of, ranks))[order]
        self.roots = np.concatenate((self.roots, np.full(len(level), root)))[order]

    # -------------------------------------------------------------- after the search
    def parent_of(self, state: int) -> int | None:
        """The parent of a state held here (None: an initial state)."""
        packing = self.packing
        pos = int(np.searchsorted(self.seen, packing.array([state]))[0])
        if pos >= len(self.seen) or packing.one(self.seen[pos]) != state:
            raise KeyError(f"state {state} is not held by owner {self.index}")
        return None if bool(self.roots[pos]) else packing.one(self.parents[pos])

    def coverage(self) -> list[int]:
        """How many transitions of each action the states held here have."""
        assert self.system is not None
        return [n for _name, n in action_coverage(self.system, self.packing.ints(self.seen))]

    def gather(self) -> tuple[bytes, bytes, bytes]:
        """Every state held: the states, their parents, and their level, rank and whether
        each is initial (three rows of 64-bit words)."""
        return (self.seen.tobytes(), self.parents.tobytes(),
                np.stack((self.level_of.astype(np.uint64), self.rank_of.astype(np.uint64),
                          self.roots.astype(np.uint64))).tobytes())
