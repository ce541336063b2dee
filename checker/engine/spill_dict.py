"""The dict store's states on disk, when memory runs out (docs/checkpoint.md, "Spill").

The dict search (explicit/search.py, `--memory fast` and discrete time) keeps a dict from
each state to its parent; at the memory limit it hands the dict to a `SpilledDict`: every
state in discovery order with its parent's index, in files (checker.engine.spill's
DiskArray, packed as the compact store packs them, store.Packing), and the visited set as
the compact store's sorted runs on disk (SortedRuns). The search then goes on level by
level with *delayed* duplicate detection (`SpilledSearch`), as the spilled compact store
does: a level's successors are computed first and remembered per state, checked against
the runs in one pass, and then replayed in the order of the in-memory search (run-time
errors, transitions, deadlocks, each new state's parent and property check, the state
bound and `--fail-fast` at exactly the same state), so the counts, verdicts, first
findings and traces are those of the search that did not spill.

A discrete-time level, where a tick's state joins the level it was found in, is replayed in
rounds: the frontier's states, then the ticked states the first round added, and so on:
the order in which the in-memory search reaches them (its frontier is a queue).

The switch can happen in the middle of a level: the search's poll raises `SpillNow`, the
level loop records how far it got, and the rest of the level runs here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

from model import RuntimeFault, lazy_module

from .budget import CHECK_EVERY, Stop, StopReason
from .checkpoint import Session, state_arrays
from .spill import DiskArray, SortedRuns, spill_directory, trim_memory, write_disk_array
from .store import ROOT, Packing

if TYPE_CHECKING:
    import numpy as np

    from model import TransitionSystem

    from .budget import Meter
    from .findings import Findings
else:
    np = lazy_module("numpy")  # loaded on first use: a zone check never needs numpy


class DictSearch(Protocol):
    """What this module reads and calls of the dict search (explicit/search.py)."""

    system: TransitionSystem
    ex: Findings[int]
    meter: Meter
    parent: dict[int, int]
    active: set[int]
    max_states: int | None
    max_depth: int | None
    props_fn: Any
    mark: tuple[dict[str, Any], int, list[int], int] | None

    def note(self, state: int) -> None: ...
    def save(self, session: Session, finished: bool) -> None: ...
    def boundary(self, stored: int, frontier: list[int], session: Session | None) -> bool: ...

__all__ = ["SpillNow", "SpilledDict", "SpilledSearch", "DictSearch", "spill_dict"]

SEGMENT = 1 << 16  # states per block when reading the store back
OUTSIDE: Any = ("outside",)  # marks a state beyond the boundary (checked, not expanded)


class SpillNow(Exception):
    """Raised by the memory callback inside a level: the level loop fills in how far it
    got (`at`: frontier states done; `found`: the new states of the level so far)."""

    at = 0
    found: list[int] = []


class SpilledDict:
    """The dict store on disk (see the module docstring): the Store API (len, states,
    path, parent_map) over segments of states and parent indices, plus the visited set."""

    def __init__(self, parent: dict[int, int], width: int, directory: str | None,
                 lookups: tuple[list[int], ...] = ()):
        """The store of `parent` (a DictStore's dict); `self.found` then holds the index of
        each state of each list of `lookups` (the frontier, the level's new states)."""
        self.packing = packing = Packing(width)
        self.dir = spill_directory(directory)
        self.states_parts: list[DiskArray] = []
        self.parent_parts: list[DiskArray] = []
        self.starts: list[int] = []
        self.count = 0
        self.runs = SortedRuns(self.dir.name, packing.dtype)
        self.bytes_written = 0
        # indices by sorting, not by a dict of every state (memory is short right now)
        count = len(parent)
        if packing.wide:
            packed = packing.array(list(parent))
            parents = packing.array([s if p == ROOT else p for s, p in parent.items()])
        else:
            packed = np.fromiter(parent, dtype=np.uint64, count=count)
            parents = np.fromiter((s if p == ROOT else p for s, p in parent.items()),
                                  dtype=np.uint64, count=count)
        roots = np.fromiter((p == ROOT for p in parent.values()), dtype=bool, count=count)
        order = np.argsort(packed, kind="stable")
        ordered = packed[order]

        def where(states: Any) -> np.ndarray:
            if not isinstance(states, np.ndarray):
                states = packing.array(list(states))
            return order[np.searchsorted(ordered, states)]

        links = where(parents)
        links[roots] = ROOT
        del parents, roots
        self.found = [where(states).tolist() for states in lookups]
        self._write(packed, links)

    def __len__(self) -> int:
        return self.count

    def append(self, states: list[int], links: list[int]) -> None:
        """More states in discovery order, each with its parent's index (-1: none); none
        of them in the store yet."""
        if states:
            self._write(self.packing.array(states), np.array(links, dtype=np.int64))

    def _write(self, packed: np.ndarray, links: np.ndarray,
               ordered: np.ndarray | None = None) -> None:
        """Append states (distinct, none in the store: `ordered`, the same sorted, if
        known) and their parents' indices."""
        k = len(self.states_parts)
        where = self.dir.name
        self.states_parts.append(write_disk_array(where, f"states-{k}", packed))
        self.parent_parts.append(write_disk_array(where, f"parents-{k}",
                                                  links.astype(np.int64)))
        self.starts.append(self.count)
        self.count += len(packed)
        self.runs.add(np.sort(packed) if ordered is None else ordered)
        self.bytes_written += 2 * packed.nbytes + 8 * len(packed)

    def seen(self, states: list[int]) -> set[int]:
        """Those of `states` the store holds."""
        if not states:
            return set()
        values = np.unique(self.packing.array(states))
        return set(self.packing.ints(values[self.runs.seen(values)]))

    def states(self) -> Iterator[int]:
        ints = self.packing.ints
        for part in self.states_parts:
            for start in range(0, len(part), SEGMENT):
                yield from ints(part[start:start + SEGMENT])

    def _at(self, index: int) -> tuple[int, int]:
        """The state and parent index at `index`."""
        k = int(np.searchsorted(np.array(self.starts), index, "right")) - 1
        at = index - self.starts[k]
        return self.packing.one(self.states_parts[k][at]), int(self.parent_parts[k][at])

    def index(self, state: int) -> int:
        """The index of a state of the store (a pass over the files)."""
        target = self.packing.array([state])
        for start, part in zip(self.starts, self.states_parts):
            for begin in range(0, len(part), SEGMENT):
                hit = np.flatnonzero(part[begin:begin + SEGMENT] == target[0])
                if len(hit):
                    return start + begin + int(hit[0])
        raise KeyError(state)

    def path(self, state: int) -> list[int]:
        index = self.index(state)
        path = []
        while index != ROOT:
            s, index = self._at(index)
            path.append(s)
        path.reverse()
        return path

    def parent_map(self) -> dict[int, int]:
        states = list(self.states())
        links: list[int] = []
        for part in self.parent_parts:
            links.extend(part.tolist())
        return {s: ROOT if p == ROOT else states[p] for s, p in zip(states, links)}

    def arrays(self, count: int, frontier: list[int], width: int) -> dict[str, np.ndarray]:
        """The first `count` states as a dict-store checkpoint holds them
        (checkpoint.dict_arrays), `frontier` given as indices."""
        states = list(self.states())[:count]
        links = np.concatenate([p[0:len(p)] for p in self.parent_parts])[:count]
        return {"parents": links.astype(np.int64),
                "frontier": np.array(frontier, dtype=np.int64), **state_arrays(states, width)}


class SpilledSearch:
    """The rest of a dict search once its store is on disk (see the module docstring)."""

    def __init__(self, search: DictSearch, store: SpilledDict, ticked: bool):
        self.search = search
        self.store = store
        self.ticked = ticked
        self.ex = search.ex

    def run(self, frontier: list[int], fidx: list[int], at: int,
            found: tuple[list[int], list[int]], session: Session | None) -> None:
        """Finish the level the spill interrupted, then every later level (the level
        loop of the dict search, explicit/search.py, with the store on disk)."""
        frontier, fidx = self.level(frontier, fidx, at, found)
        while frontier:
            self.mark_index = fidx  # (a ticked level appends to both)
            if not self.search.boundary(len(self.store), frontier, session):
                return
            frontier, fidx = self.level(frontier, fidx)
        self.ex.complete = True

    def arrays(self, finished: bool) -> dict[str, np.ndarray]:
        """What the dict search's save() writes: the store at the last level boundary,
        or all of it."""
        width = self.search.system.layout.width
        if finished:
            return self.store.arrays(len(self.store), [], width)
        assert self.search.mark is not None
        _header, count, _frontier, length = self.search.mark
        return self.store.arrays(count, self.mark_index[:length], width)

    # ------------------------------------------------------------ one level
    def level(self, frontier: list[int], fidx: list[int], at: int = 0,
              found: tuple[list[int], list[int]] = ([], [])) -> tuple[list[int], list[int]]:
        """Expand frontier[at:] (`fidx`: each frontier state's index; `found`: the new
        states the level found before the spill and their indices) and return the next
        frontier and its indices."""
        store = self.store
        nxt, nidx = list(found[0]), list(found[1])
        # this level's candidates: -1 for those on disk, else the index of a state this
        # level added (not yet on disk)
        known: dict[int, int] = {}
        new_states: list[int] = []
        new_links: list[int] = []
        try:
            while at < len(frontier):
                batch = range(at, len(frontier))
                expanded = self._expand(frontier, batch)
                candidates = [t for _fails, succ, _tick in expanded for t in succ]
                candidates += [tick for _fails, _succ, tick in expanded if tick is not None]
                known.update(dict.fromkeys(store.seen(
                    [t for t in candidates if t not in known]), -1))
                del candidates
                self._replay(frontier, fidx, batch, expanded, known, new_states, new_links,
                             nxt, nidx)
                at = batch.stop
        finally:
            store.append(new_states, new_links)
        return nxt, nidx

    def _expand(self, frontier: list[int], batch: range) -> list[tuple[Any, list[int],
                                                                         int | None]]:
        """Each state's failing instances (or "outside"), successors and tick."""
        system = self.search.system
        successors = system.successors
        outside = system.outside
        tick = getattr(system, "tick", None) if self.ticked else None
        meter, ex = self.search.meter, self.ex
        out: list[tuple[Any, list[int], int | None]] = []
        append = out.append
        none: tuple[int, ...] = ()  # no failing instance (the usual case: one shared tuple)
        for done, k in enumerate(batch, 1):
            s = frontier[k]
            if outside is not None and outside(s):
                append((OUTSIDE, [], None))
                continue
            fails: Any = none
            try:
                succ = successors(s)
            except RuntimeFault:
                succ, fails = [], []
                for inst, _choices, nxt in system.labeled(s):
                    if nxt is None:
                        fails.append(inst)
                    else:
                        succ.append(nxt)
            append((fails, succ, None if tick is None else tick(s)))
            if done % CHECK_EVERY == 0:
                meter.poll(len(self.store), ex.transitions, ex.depth, len(batch) - done)
        return out

    def _replay(self, frontier: list[int], fidx: list[int], batch: range,
                expanded: list[tuple[Any, list[int], int | None]], known: dict[int, int],
                new_states: list[int], new_links: list[int], nxt: list[int],
                nidx: list[int]) -> None:
        """What the in-memory level does for each state of the batch, in its order
        (explicit/search.py: the level loops, level() and ticked_level())."""
        search, ex = self.search, self.ex
        max_states = search.max_states
        room = None if max_states is None else max_states - self.store.count
        base = self.store.count
        ticked = self.ticked
        for k, (fails, succ, tick) in zip(batch, expanded):
            s = frontier[k]
            if fails is OUTSIDE:
                ex.outside += 1
                continue
            for inst in fails:
                ex.runtime_error(s, "action", inst)
            ex.transitions += len(succ)
            link = fidx[k]
            if ticked:
                if tick is not None:
                    ex.ticks += 1
                    if tick != s and tick not in known:
                        if room is not None and len(new_states) >= room:
                            raise Stop(StopReason.MAX_STATES)
                        index = known[tick] = base + len(new_states)
                        new_states.append(tick)
                        new_links.append(link)
                        frontier.append(tick)  # the same level: a later round
                        fidx.append(index)
                        if search.props_fn is not None:
                            search.note(tick)
                if not succ:
                    if tick is None:
                        ex.stuck(s, True)
                    elif tick == s:
                        ex.stuck(s, False)
            elif not succ:
                ex.stuck(s, False)
            for t in succ:
                if t in known:
                    continue
                if room is not None and len(new_states) >= room:
                    raise Stop(StopReason.MAX_STATES)
                index = known[t] = base + len(new_states)
                new_states.append(t)
                new_links.append(link)
                nxt.append(t)
                nidx.append(index)
                props = search.props_fn
                if props is not None:
                    if ticked:
                        search.note(t)
                        continue
                    try:
                        hit = props(t)
                    except RuntimeFault:
                        hit = 1
                    if hit:
                        search.note(t)


def spill_dict(search: DictSearch, frontier: list[int], found: list[int],
               directory: str | None) -> tuple[SpilledDict, list[int], list[int]]:
    """Move the search's dict to disk (the dict is emptied), record the spill and set the
    cap from then on (docs/checkpoint.md: the limit, or a quarter of it above what the
    process holds after the spill); the store and the indices of `frontier` and
    `found`."""
    meter = search.meter
    budget = meter.budget
    before = budget.memory()
    store = SpilledDict(search.parent, search.system.layout.width, directory,
                        (frontier, found))
    fidx, nidx = store.found
    store.found = []
    search.parent.clear()
    trim_memory()
    after = budget.memory()
    budget.spills.append((meter.phase, len(store), before, after))
    budget.spilled[meter.phase] = (1, store.bytes_written / 2**20)
    meter.memory_cap = max(budget.memory_cap, after + budget.memory_cap / 4)

    def again() -> float:
        trim_memory()  # nothing more to move: the search stops unless memory fell
        return meter.memory_cap

    meter.on_memory = again
    return store, fidx, nidx
