"""Level-synchronous breadth-first search over a LevelStore, on one core or several.

Each level's frontier is cut into chunks of states. *Expanding* a chunk (the expensive,
pure-Python part) generates every successor into a C array (states wider than 64 bits
into a list, packed into 64-bit words when the chunk is done: store.Packing), counts them
per state, and checks the active properties on the chunk's own states; chunks can be
expanded by worker processes. *Merging* a chunk (cheap, vectorised: a few per cent of the
search, so it stays in one process; docs/performance.md) happens in the main process, in
chunk order: duplicates within the chunk are removed keeping the first occurrence, states seen
before are dropped, and the rest become the next level in discovery order, each with the
index of its first parent. So the search visits states in the same order, finds the same
first state for every property and counts the same states and transitions whatever the
number of workers, and in the same order as the dict engine (explicit/search.py).

Properties are checked when a state is expanded, which is in the order of discovery; the
states of the last level that is not expanded (a depth bound) are checked on their own.
"""

from __future__ import annotations

import os
import signal
from array import array
from collections.abc import Callable, Iterator
from dataclasses import field
from typing import TYPE_CHECKING, Any, Literal

from model import RuntimeFault, lazy_module, nodeclass

from ...verdicts import unexpected
from ..budget import StopReason
from ..checkpoint import findings_header, level_arrays, restore_findings, restore_levels
from ..findings import Findings
from ..initial import initial_states
from ..spill import contains, trim_memory
from ..store import LevelStore, Packing

if TYPE_CHECKING:
    import multiprocessing

    import numpy as np

    from model import TransitionSystem

    from ..interface import Job
else:
    np = lazy_module("numpy")  # loaded on first use: a zone check never needs numpy
    multiprocessing = lazy_module("multiprocessing")  # only --workers: ~5 ms of start-up

__all__ = ["explore_levels", "CHUNK", "available_workers", "Expanded", "PerStateExpander", "Task"]

Task = tuple[bytes, tuple[int, ...], bool]  # states, active properties, expand or not
CHUNK = 16384  # at most this many states per chunk: bounds a chunk's memory
MIN_CHUNK = 1024  # chunks per level shrink to about 8 per worker, down to this size


@nodeclass
class _Expanded:
    """A chunk's successors without duplicates, sorted (so the main process searches
    them in order), each with the position of its first occurrence among the chunk's
    successors (its discovery order) and the chunk position of that first parent; and
    what the chunk's own states showed."""

    successors: bytes
    owners: bytes
    first: bytes = b""
    transitions: int = 0
    deadlocks: list[int] = field(default_factory=list)  # chunk positions with no successor
    hits: list[tuple[int, int]] = field(default_factory=list)  # (property, position)
    runtime: tuple[int, Literal["action", "property"], int] | None = None  # (position, what, index)
    runtime_count: int = 0
    outside: int = 0  # states beyond the boundary: checked, not expanded


class PerStateExpander:
    """Expands chunks of one system; lives in the main process or in a worker."""

    def __init__(self, system: TransitionSystem, packing: Packing):
        self.system = system
        self.packing = packing

    def __call__(self, task: tuple[bytes, tuple[int, ...], bool]) -> _Expanded:
        states_bytes, active, expand = task
        system = self.system
        packing = self.packing
        states: Any
        succ_out: Any
        if packing.wide:  # ints of any size, packed into words once the chunk is done
            states = packing.bytes_ints(states_bytes)
            succ_out = []
        else:
            states = array("Q")
            states.frombytes(states_bytes)
            succ_out = array("Q")
        props = system.props_for(frozenset(active)) if active else None
        counts = array("I")
        out = _Expanded(b"", b"")
        extend = succ_out.extend
        count = counts.append
        successors = system.successors
        outside = system.outside
        for pos, s in enumerate(states):
            if props is not None:
                try:
                    hits = props(s)
                    error = None
                except RuntimeFault:
                    hits, error = system.property_hits(s, active)
                    out.runtime_count += 1
                    if error is not None and out.runtime is None:
                        out.runtime = (pos, "property", error[0])
                if hits:
                    for k in active:
                        if hits >> k & 1:
                            out.hits.append((k, pos))
            if not expand:
                continue
            if outside is not None and outside(s):
                out.outside += 1
                count(0)
                continue
            try:
                succ = successors(s)
            except RuntimeFault:
                succ = []
                for inst, _choices, nxt in system.labeled(s):
                    if nxt is None:
                        out.runtime_count += 1
                        if out.runtime is None:
                            out.runtime = (pos, "action", inst)
                    else:
                        succ.append(nxt)
            if not succ:
                out.deadlocks.append(pos)
            extend(succ)
            count(len(succ))
        out.transitions = len(succ_out)
        if out.transitions:
            found = packing.from_bytes(packing.ints_bytes(succ_out)) if packing.wide \
                else np.frombuffer(succ_out, dtype=np.uint64)
            unique, first = np.unique(found, return_index=True)
            owners = np.repeat(np.arange(len(counts), dtype=np.int32),
                               np.frombuffer(counts, dtype=np.uint32))
            out.successors = unique.tobytes()
            out.first = first.astype(np.int64).tobytes()
            out.owners = owners[first].tobytes()
        return out


@nodeclass
class _Parts:
    """The new states of one level, chunk by chunk: the states, their parents' indices,
    their discovery order, and how many so far."""

    states: list[np.ndarray] = field(default_factory=list)
    parents: list[np.ndarray] = field(default_factory=list)
    order: list[np.ndarray] = field(default_factory=list)
    count: int = 0


Expanded = _Expanded  # what an expander returns (the vectorised one too: vector.py)

_WORKER_EXPANDER: Callable[[Task], _Expanded] | None = None


def _worker_init(expander: Callable[[Task], _Expanded]) -> None:
    global _WORKER_EXPANDER
    _WORKER_EXPANDER = expander
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's business


def _worker_expand(task: tuple[bytes, tuple[int, ...], bool]) -> _Expanded:
    assert _WORKER_EXPANDER is not None
    return _WORKER_EXPANDER(task)


def explore_levels(job: Job, expander: Callable[[Task], _Expanded] | None = None
                   ) -> Findings[int]:
    """Breadth-first search with a LevelStore (states of any width), expanding chunks
    in `job.options.workers` processes (by `expander`, default the per-state one: see
    vector.py for the other); checkpointed at level boundaries when the check takes
    checkpoints (checker.engine.checkpoint), spilled to disk at the memory limit
    unless `--spill never` (checker.engine.spill)."""
    system = job.system
    options = job.options
    workers = options.workers
    initial, cut = initial_states(system, job)
    packing = Packing(system.layout.width)
    store = LevelStore(initial, packing)
    ex: Findings[int] = Findings(initial, store, check_deadlock=job.check_deadlock,
                                 stop_when=unexpected(system) if job.fail_fast else None)
    ex.has_boundary = system.outside is not None
    if cut is not None:  # a bound cut the initial states already: check them, expand none
        ex.stop_reason = cut
    active = set(job.active)
    checkpointer = job.budget.checkpoint
    session = None if checkpointer is None else checkpointer.session(job.phase, "levels")
    saved = None if session is None else session.load()
    header: dict[str, Any] = {}
    if saved is not None:
        name = os.path.basename(session.path) if session is not None else ""
        restore_levels(store, saved, name)
        active = restore_findings(ex, saved.header, name)
        header = saved.header
    finished = saved is not None and saved.finished
    saved = None  # the levels are views of the file's bytes: a spill can free them
    expander = expander or PerStateExpander(system, packing)  # or the vectorised one (vector.py)
    pool = None
    if workers > 1 and not finished:
        context = multiprocessing.get_context("fork")
        pool = context.Pool(workers, initializer=_worker_init, initargs=(expander,))

    def mapper(tasks: Iterator[Task]) -> Iterator[_Expanded]:
        if pool is None:
            return map(expander, tasks)
        return pool.imap(_worker_expand, tasks)

    def note(level: int, chunk_start: int, res: _Expanded) -> None:
        """Record what a chunk's states showed, in order (the first finding wins)."""
        if res.hits:
            fired = []
            for k, pos in sorted(res.hits, key=lambda h: h[1]):
                if k in active:
                    fired.append((k, store.remember(level, chunk_start + pos)))
                    active.discard(k)
            ex.hits(fired)
        for pos in res.deadlocks:
            handle = store.remember(level, chunk_start + pos) \
                if ex.deadlock is None and ex.check_deadlock else 0
            ex.stuck(handle, False)
        if res.runtime is not None:
            pos, what, index = res.runtime
            handle = store.remember(level, chunk_start + pos) if ex.runtime is None else 0
            ex.runtime_error(handle, what, index, count=res.runtime_count)

    def chunk_size(size: int) -> int:
        """Small enough that every worker gets several chunks a level (the level ends
        with the slowest chunk), large enough to keep the per-chunk overhead small."""
        if workers <= 1:
            return CHUNK
        return max(min(MIN_CHUNK, CHUNK), min(CHUNK, -(-size // (2 * workers))))

    def tasks(frontier: Any, expand: bool, size: int) -> Iterator[Task]:
        for begin in range(0, len(frontier), size):
            yield (frontier[begin:begin + size].tobytes(), tuple(sorted(active)), expand)

    def spill() -> float | None:
        """Memory is over the cap: move the store to disk (once) and say the cap from
        then on (docs/checkpoint.md): the limit, or a quarter of it above what the
        process still holds after the spill, whichever is higher."""
        if store.spilled:
            trim_memory()  # what the allocator holds but no array uses
            return meter.memory_cap
        before = job.budget.memory()
        store.spill(options.spill_dir)
        trim_memory()
        after = job.budget.memory()
        job.budget.spills.append((job.phase, len(store), before, after))
        return max(meter.memory_cap, after + meter.memory_cap / 4)

    def keep(parts: _Parts, index: int, chunk_start: int, res: _Expanded, succ: np.ndarray,
             fresh: np.ndarray) -> bool:
        """Keep a chunk's new states (`fresh`: which of `succ`); True at the state bound."""
        parts.states.append(succ[fresh])
        parts.parents.append(np.frombuffer(res.owners, dtype=np.int32)[fresh] + chunk_start)
        # discovery order: the chunk, then the first occurrence in the chunk
        parts.order.append(np.frombuffer(res.first, dtype=np.int64)[fresh] + (index << 40))
        parts.count += len(parts.states[-1])
        if options.max_states is not None and len(store) + parts.count >= options.max_states:
            ex.stop_reason = StopReason.MAX_STATES  # trimmed exactly below
            return True
        return False

    frontier: Any = store.levels[-1]
    level = len(store.levels) - 1
    mark = findings_header(ex, active)  # the findings at the last level boundary
    try:
        with job.budget.search(job.phase, ex) as meter:
            if options.spill == "auto":
                meter.on_memory = spill
            meter.poll(len(store), ex.transitions, ex.depth, len(frontier))
            if finished:
                ex.complete = bool(header.get("complete"))
                reason = header.get("stop_reason")
                ex.stop_reason = None if reason is None else StopReason(reason)
                frontier = packing.empty()
            while len(frontier):
                if ex.stop_reason is not None:
                    break
                mark = findings_header(ex, active)
                if session is not None and session.due():
                    session.save(mark, level_arrays(store), finished=False)
                if options.max_depth is not None and ex.depth >= options.max_depth:
                    ex.stop_reason = StopReason.MAX_DEPTH
                    break
                ex.depth += 1
                parts = _Parts()

                # once spilled, a chunk's successors are checked against the states on
                # disk only at the level's end, all at once (one pass over the runs); the
                # chunk's findings wait until then, so they are recorded in the same
                # order, and up to the same chunk at the state bound, as without a spill
                deferred: list[tuple[int, _Expanded, np.ndarray]] = []
                size = chunk_size(len(frontier))
                for index, res in enumerate(mapper(tasks(frontier, True, size))):
                    chunk_start = index * size
                    succ = packing.from_bytes(res.successors)
                    if store.spilled:
                        deferred.append((index, res, succ))
                    else:
                        note(level, chunk_start, res)
                        ex.transitions += res.transitions
                        ex.outside += res.outside
                        if len(succ) and keep(parts, index, chunk_start, res, succ,
                                              ~store.seen(succ)):
                            break
                    meter.poll(len(store), ex.transitions, ex.depth, len(frontier) - chunk_start)
                if deferred:
                    candidates = np.unique(np.concatenate([succ for _, _, succ in deferred]))
                    unseen = candidates[~store.seen(candidates)]
                    for index, res, succ in deferred:
                        note(level, index * size, res)
                        ex.transitions += res.transitions
                        ex.outside += res.outside
                        if len(succ) and keep(parts, index, index * size, res, succ,
                                              contains(unseen, succ)):
                            break
                    del candidates, unseen
                new_parts, parent_parts, order_parts = parts.states, parts.parents, parts.order
                if new_parts:
                    # the merge below holds the level three times over and (in memory) the
                    # visited array twice: make sure that fits before starting it
                    found = sum(len(p) for p in new_parts)
                    size_of = packing.itemsize
                    visited = 0 if store.spilled else 2 * size_of * (len(store) + found)
                    meter.reserve((3 * (12 + size_of) * found + visited) / 2**20)
                    # a state found by several chunks: keep the first chunk's, then put the
                    # level in discovery order
                    states = np.concatenate(new_parts)
                    parents = np.concatenate(parent_parts)
                    order = np.concatenate(order_parts)
                    unique, first = np.unique(states, return_index=True)
                    first = first[np.argsort(order[first], kind="stable")]
                    states, parents = states[first], parents[first]
                    # (the initial states alone may pass max_states: keep none of the next level)
                    if options.max_states is not None:
                        room = max(0, options.max_states - len(store))
                        if len(states) >= room:
                            states, parents = states[:room], parents[:room]
                            unique = np.sort(states)
                            ex.stop_reason = StopReason.MAX_STATES
                    if len(states):
                        store.add_level(states, parents, unique)
                        frontier = store.levels[-1]
                        level += 1
                    else:
                        frontier = packing.empty()
                else:
                    frontier = packing.empty()
                if ex.stop_reason is not None:
                    break
            else:
                if not finished:
                    ex.complete = True
            if not finished and not ex.complete and len(frontier) and ex.stop_reason in (
                    StopReason.MAX_DEPTH, StopReason.MAX_STATES):
                # the last level was found but not expanded: check its states all the same
                size = chunk_size(len(frontier))
                for index, res in enumerate(mapper(tasks(frontier, False, size))):
                    note(level, index * size, res)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    ex.states = len(store)
    if session is not None and not finished:
        if ex.stop_reason is not None and ex.stop_reason.ends_the_check:
            # time, memory or Ctrl-C: the state at the last level boundary, to go on from
            session.save(mark, level_arrays(store), finished=False)
        else:
            session.save(findings_header(ex, active), level_arrays(store), finished=True)
    return ex


def available_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))
