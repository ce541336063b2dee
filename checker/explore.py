"""Breadth-first exploration over packed states.

The store is a dict from each state to its parent state (-1 for initial states); its
insertion order is the BFS discovery order, so it doubles as the list of states with stable
ids. BFS order makes the first state found for each property one at the smallest depth: the
trace rebuilt from parent links is a shortest one.

A system may also offer `tick(s)`: a zero-cost successor (time passing in the discrete time
engine). Ticked states join the current level, so depth counts actions, not ticks.

The level loop is the hot path: it keeps its counters in locals, calls the generated
property function only on new states, and looks at the clock (time limit, memory,
progress) every few thousand states.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from model.codegen import RuntimeFault

from .options import Options, memory_limit_mb, resident_mb
from .store import ROOT, DictStore

__all__ = ["Exploration", "Progress", "explore", "ROOT", "Stop", "search_ends"]
_CHECK_EVERY = 4096  # states between looks at the clock (time limit, memory, progress)


@dataclass
class Progress:
    states: int
    transitions: int
    depth: int
    queue: int
    seconds: float


@dataclass
class Exploration:
    """What a search found: the store and the first state for each discovery."""

    parent: dict[int, int]
    initial: list[int]
    states: int = 0
    transitions: int = 0
    depth: int = 0
    deadlocks: int = 0
    seconds: float = 0.0
    complete: bool = False
    stop_reason: str | None = None
    found: dict[int, int] = field(default_factory=dict)  # property index -> state
    deadlock: int | None = None
    runtime: tuple[int, str, int] | None = None  # (state, "action"|"property", index)
    runtime_count: int = 0
    ticks: int = 0
    timelock: int | None = None  # discrete time: no action and time cannot pass
    timelocks: int = 0
    store: object = None  # DictStore or LevelStore (checker.store)


class Stop(Exception):
    """Raised inside a search to end it at a bound; the bound sets `stop_reason` first."""


@contextmanager
def search_ends(ex) -> Iterator[None]:  # noqa: ANN001
    """How every engine's search ends: normally, at a bound (Stop), on Ctrl-C or when
    memory runs out. The last three leave a partial result, marked incomplete, with the
    reason; none of them is an error."""
    try:
        yield
    except Stop:
        pass
    except KeyboardInterrupt:
        ex.stop_reason = "interrupted"
    except MemoryError:
        ex.stop_reason = "memory"
    if ex.stop_reason is not None:
        ex.complete = False


class _Search:
    """One breadth-first search; see explore()."""

    def __init__(self, system, options: Options, active: set[int], check_deadlock: bool,
                 stop_when: Callable[[Exploration], bool] | None,
                 progress: Callable[[Progress], None] | None):  # noqa: ANN001
        self.system = system
        self.options = options
        self.active = set(active)
        self.check_deadlock = check_deadlock
        self.stop_when = stop_when
        self.progress = progress
        self.start = time.perf_counter()
        initial = list(dict.fromkeys(system.initial_states()))
        self.ex = Exploration({s: ROOT for s in initial}, initial)
        self.ex.store = DictStore(self.ex.parent)
        self.props_fn = system.props_for(frozenset(self.active)) if self.active else None
        self.deadline = self.start + options.time_limit if options.time_limit else None
        self.memory_cap = memory_limit_mb(options)
        self.next_report = self.start + 2.0
        self.next_memory = self.start

    # -------------------------------------------------------------- findings
    def note(self, state: int) -> None:
        """A new state where some active property fired, or whose check failed."""
        ex = self.ex
        try:
            hits = self.props_fn(state)  # type: ignore[misc]
        except RuntimeFault:
            # one property failed: judge each with the interpreter, so the others still count
            hits, failing = self.system.property_hits(state, self.active)
            ex.runtime_count += 1
            if failing is not None and ex.runtime is None:
                ex.runtime = (state, "property", failing[0])
                self.maybe_stop()
        if hits:
            for k in sorted(self.active):
                if hits >> k & 1:
                    ex.found[k] = state
                    self.active.discard(k)
            self.props_fn = (self.system.props_for(frozenset(self.active)) if self.active
                             else None)
            self.maybe_stop()

    def maybe_stop(self) -> None:
        if self.stop_when is not None and self.stop_when(self.ex):
            self.ex.stop_reason = "fail-fast"
            raise Stop

    def expand_failing(self, state: int) -> list[int]:
        """Successors of a state where some instance fails at run time."""
        ex = self.ex
        out = []
        for inst, _choices, nxt in self.system.labeled(state):
            if nxt is None:
                ex.runtime_count += 1
                if ex.runtime is None:
                    ex.runtime = (state, "action", inst)
                    self.maybe_stop()
            else:
                out.append(nxt)
        return out

    def stuck(self, state: int, timelock: bool) -> None:
        ex = self.ex
        if timelock:
            ex.timelocks += 1
            if ex.timelock is None:
                ex.timelock = state
                self.maybe_stop()
        else:
            ex.deadlocks += 1
            if ex.deadlock is None and self.check_deadlock:
                ex.deadlock = state
                self.maybe_stop()

    def look_at_clock(self, queue: int) -> None:
        """Bounds that are checked now and then: time, memory, progress."""
        ex = self.ex
        now = time.perf_counter()
        if self.deadline is not None and now >= self.deadline:
            ex.stop_reason = "time-limit"
            raise Stop
        if now >= self.next_memory:
            self.next_memory = now + 0.5
            if resident_mb() > self.memory_cap:
                ex.stop_reason = "memory"
                raise Stop
        if self.progress is not None and now >= self.next_report:
            self.progress(Progress(len(ex.parent), ex.transitions + ex.ticks, ex.depth, queue,
                                   now - self.start))
            self.next_report = now + 1.0

    # -------------------------------------------------------------- levels
    def level(self, frontier: list[int]) -> list[int]:
        """Expand one BFS level (no ticks): the hot loop."""
        ex = self.ex
        parent = ex.parent
        successors = self.system.successors
        max_states = self.options.max_states
        check_every = _CHECK_EVERY
        transitions = 0
        nxt: list[int] = []
        append = nxt.append
        count = 0
        try:
            for s in frontier:
                try:
                    succ = successors(s)
                except RuntimeFault:
                    succ = self.expand_failing(s)
                transitions += len(succ)
                if not succ:
                    self.stuck(s, False)
                props = self.props_fn
                for t in succ:
                    if t not in parent:
                        if max_states is not None and len(parent) >= max_states:
                            ex.stop_reason = "max-states"  # exactly at the bound
                            raise Stop
                        parent[t] = s
                        append(t)
                        if props is not None:
                            try:
                                hit = props(t)
                            except RuntimeFault:
                                hit = 1
                            if hit:
                                self.note(t)
                                props = self.props_fn
                count += 1
                if count % check_every == 0:
                    ex.transitions += transitions
                    transitions = 0
                    self.look_at_clock(len(frontier) - count + len(nxt))
        finally:
            ex.transitions += transitions
        return nxt

    def ticked_level(self, frontier: list[int]) -> list[int]:
        """Expand one level of a discrete-time system: ticked states join this level."""
        ex = self.ex
        parent = ex.parent
        successors = self.system.successors
        tick = self.system.tick
        max_states = self.options.max_states
        nxt: list[int] = []
        i = 0
        while i < len(frontier):
            s = frontier[i]
            i += 1
            try:
                succ = successors(s)
            except RuntimeFault:
                succ = self.expand_failing(s)
            ex.transitions += len(succ)
            t = tick(s)
            if t is not None:
                ex.ticks += 1
                if t != s and t not in parent:
                    parent[t] = s
                    frontier.append(t)  # same level: time passing costs no step
                    if self.props_fn is not None:
                        self.note(t)
            if not succ:
                if t is None:
                    self.stuck(s, True)  # no action and time cannot pass
                elif t == s:
                    self.stuck(s, False)  # time passes and nothing ever happens
            for t in succ:
                if t not in parent:
                    if max_states is not None and len(parent) >= max_states:
                        ex.stop_reason = "max-states"
                        raise Stop
                    parent[t] = s
                    nxt.append(t)
                    if self.props_fn is not None:
                        self.note(t)
            if i % _CHECK_EVERY == 0:
                self.look_at_clock(len(frontier) - i + len(nxt))
        return nxt

    # -------------------------------------------------------------- the search
    def run(self) -> Exploration:
        ex = self.ex
        ticked = getattr(self.system, "tick", None) is not None
        frontier = ex.initial
        with search_ends(ex):
            if self.props_fn is not None:
                for s in frontier:
                    if self.props_fn is not None:
                        self.note(s)
            while frontier:
                if self.options.max_depth is not None and ex.depth >= self.options.max_depth:
                    ex.stop_reason = "max-depth"
                    break
                ex.depth += 1
                frontier = self.ticked_level(frontier) if ticked else self.level(frontier)
            else:
                ex.complete = True
        ex.states = len(ex.parent)
        ex.seconds = time.perf_counter() - self.start
        return ex


def explore(system, options: Options, *, active: set[int], check_deadlock: bool,
            stop_when: Callable[[Exploration], bool] | None = None,
            progress: Callable[[Progress], None] | None = None) -> Exploration:
    """Explore `system` breadth first, checking the properties whose indexes are `active`."""
    return _Search(system, options, active, check_deadlock, stop_when, progress).run()
