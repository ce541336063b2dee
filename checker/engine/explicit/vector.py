"""The vectorised frontier: a chunk of a BFS level expanded by numpy code at once.

The level-synchronous search (levels.py) cuts each level into chunks and asks an expander
for each chunk's successors, without duplicates, with the position of each one's first
occurrence and its first parent. `VectorExpander` answers exactly what the per-state
`PerStateExpander` answers, from the vector code of the model (model.codegen.vector): every
outcome's successors with their parents' chunk positions, put in the per-state order
(parent position, then outcome number: the order the per-state successor function emits
them). So the search visits the same states in the same order, with the same parents, and
finds the same first state for every property.

States the vector code marks (some action may fail there) are expanded by the per-state
labeled successor function instead, and states where some property is noteworthy or may
fail are judged by the per-state property function: their errors, hits and traces are
exactly the per-state engine's. A property the vector code cannot judge is judged per
state on every state.

A chunk of fewer than SMALL_CHUNK states is expanded by the per-state expander: the vector
code has a cost per chunk whatever its size (a numpy call for each generated operation:
0.1 to 1 ms), more than the per-state code takes for a few hundred states (the two break
even at about 300 states for Paxos, 150 for TwoPhase RM=4; docs/performance.md). The
answers are the same either way (tests/checker/test_vector.py compares them chunk by
chunk), so the choice changes nothing but the time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from model import RuntimeFault, lazy_module

from ..store import Packing
from .levels import Expanded, PerStateExpander, Task

if TYPE_CHECKING:
    import numpy as np

    from model import TransitionSystem, VectorCode
else:
    np = lazy_module("numpy")  # loaded on first use: a zone check never needs numpy

__all__ = ["VectorExpander", "vector_expander", "SMALL_CHUNK"]

SMALL_CHUNK = 256  # chunks of fewer states are expanded per state (see the docstring)


def vector_expander(system: TransitionSystem) -> tuple[VectorExpander | None, str]:
    """The vector expander of a system, or None and why it cannot have one."""
    if getattr(system, "tick", None) is not None:
        return None, "discrete time"
    code, why = system.vector_code
    if code is None:
        return None, why
    return VectorExpander(system, code), ""


def _mask(value: Any, n: int) -> np.ndarray:
    """A per-state bool array from a value the vector code gave (a scalar: every state)."""
    if isinstance(value, np.ndarray):
        return value
    return np.full(n, bool(value), dtype=np.bool_)


class VectorExpander:
    """Expands chunks with the vector code (see the module docstring)."""

    def __init__(self, system: TransitionSystem, code: VectorCode):
        self.system = system
        self.code = code
        self.packing = Packing(system.layout.width)
        self.per_state = PerStateExpander(system, self.packing)

    def _prop_flags(self, s: np.ndarray, active: tuple[int, ...]) -> np.ndarray | None:
        """Where some active property needs the per-state function (None: everywhere)."""
        n = len(s)
        flags = np.zeros(n, dtype=np.bool_)
        for k in active:
            fn = self.code.props[k]
            if fn is None:
                return None
            value, err = fn(s)
            flags |= _mask(value, n)
            flags |= _mask(err, n)
        return flags

    def __call__(self, task: Task) -> Expanded:
        states_bytes, active, expand = task
        system = self.system
        packing = self.packing
        raw = packing.from_bytes(states_bytes)
        if len(raw) < SMALL_CHUNK:
            return self.per_state(task)
        # the vector code's states: uint64s, or (wide) an (n, words) uint64 array
        s = packing.columns(raw) if packing.wide else raw
        one = packing.one  # a state of the chunk as an int: one(raw[pos])
        n = len(s)
        out = Expanded(b"", b"")
        judge = np.zeros(n, dtype=np.bool_)  # positions whose properties are judged per state
        if active:
            flags = self._prop_flags(s, active)
            judge = np.ones(n, dtype=np.bool_) if flags is None else flags
        redo = np.zeros(n, dtype=np.bool_)  # positions expanded per state
        outside = np.zeros(n, dtype=np.bool_)
        keys: list[np.ndarray] = []
        labeled: dict[int, list[tuple[Any, ...]]] = {}
        width = 1
        found: list[np.ndarray] = []
        if expand:
            rows = None  # the positions expanded (None: all)
            if system.outside is not None:
                if self.code.inside is not None:
                    holds, err = self.code.inside(s)
                    outside = ~_mask(holds, n) | _mask(err, n)
                else:
                    outside = np.array([system.outside(x) for x in packing.ints(raw)],
                                       dtype=np.bool_)
                out.outside = int(outside.sum())
                rows = np.flatnonzero(~outside)
                inner = s[rows]
            else:
                inner = s
            errors, outcomes = self.code.expand(inner)
            if rows is not None:
                redo[rows] = errors
            else:
                redo = errors
            # the successors of a state the vector code marked: the per-state ones
            labeled = {pos: system.labeled(one(raw[pos]))
                       for pos in np.flatnonzero(redo).tolist()}
            width = max([self.code.outcomes, *map(len, labeled.values())])
            for k, succ, parents in outcomes:
                # k: the outcome number, or (an action family's) one per successor
                if not len(succ):
                    continue
                pos = parents if rows is None else rows[parents]
                if labeled:
                    keep = ~redo[pos]
                    succ, pos = succ[keep], pos[keep]
                    if isinstance(k, np.ndarray):
                        k = k[keep]
                found.append(succ)
                keys.append(pos.astype(np.int64) * width + k)
        # the states judged or expanded per state, in chunk order (properties first, as
        # the per-state expander does)
        props = system.props_for(frozenset(active)) if active else None
        for pos in np.flatnonzero(judge | redo).tolist():
            state = one(raw[pos])
            if judge[pos] and props is not None:
                try:
                    hits = props(state)
                except RuntimeFault:
                    hits, error = system.property_hits(state, active)
                    out.runtime_count += 1
                    if error is not None and out.runtime is None:
                        out.runtime = (pos, "property", error[0])
                if hits:
                    for k in active:
                        if hits >> k & 1:
                            out.hits.append((k, pos))
            if redo[pos]:
                listed = []
                for inst, _choices, nxt in labeled[pos]:
                    if nxt is None:
                        out.runtime_count += 1
                        if out.runtime is None:
                            out.runtime = (pos, "action", inst)
                    else:
                        listed.append(nxt)
                if listed:
                    listed_array = packing.array(listed)
                    found.append(packing.columns(listed_array) if packing.wide
                                 else listed_array)
                    keys.append(pos * width + np.arange(len(listed), dtype=np.int64))
        if not expand:
            return out
        # each successor's key: its parent's position, then its outcome number, which is
        # its place in the per-state order; a distinct successor keeps its smallest key,
        # whose order is that of its first occurrence (all the merge needs of `first`)
        key = np.concatenate(keys) if keys else np.empty(0, dtype=np.int64)
        counts = np.bincount(key // width, minlength=n)
        out.deadlocks = np.flatnonzero((counts == 0) & ~outside).tolist()
        out.transitions = len(key)
        if out.transitions:
            succ = np.concatenate(found)
            bits = int(n * width).bit_length()
            if packing.wide:
                # in key order, so that np.unique's first index of each state (a stable
                # sort of the wide items) is its smallest key
                order = np.argsort(key, kind="stable")
                unique, index = np.unique(packing.from_columns(succ[order]), return_index=True)
                first = key[order][index]
                out.successors = unique.tobytes()
                out.first = first.tobytes()
                out.owners = (first // width).astype(np.int32).tobytes()
                return out
            if self.system.layout.width + bits <= 64:
                # state and key side by side in one word: one plain sort orders by state,
                # then by key, so each state's first entry has its smallest key
                packed = np.sort((succ << np.uint64(bits)) | key.astype(np.uint64))
                succ = packed >> np.uint64(bits)
                starts = np.flatnonzero(np.concatenate(([True], succ[1:] != succ[:-1])))
                first = (packed[starts] & np.uint64((1 << bits) - 1)).astype(np.int64)
            else:
                perm = np.argsort(succ)
                succ, key = succ[perm], key[perm]
                starts = np.flatnonzero(np.concatenate(([True], succ[1:] != succ[:-1])))
                first = np.minimum.reduceat(key, starts)
            out.successors = succ[starts].tobytes()
            out.first = first.tobytes()
            out.owners = (first // width).astype(np.int32).tobytes()
        return out
