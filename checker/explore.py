"""Breadth-first exploration over packed states.

The store is a dict from each state to its parent state (-1 for initial states); its
insertion order is the BFS discovery order, so it doubles as the list of states with stable
ids. BFS order makes the first state found for each property one at the smallest depth: the
trace rebuilt from parent links is a shortest one.

A system may also offer `tick(s)`: a zero-cost successor (time passing in the discrete time
engine). Ticked states join the current level, so depth counts actions, not ticks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from model.compile import RuntimeFault

from .options import Options, memory_limit_mb, resident_mb

__all__ = ["Exploration", "Progress", "explore", "ROOT"]

ROOT = -1
_CHECK_EVERY = 2048  # states between clock checks (time limit, progress)


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


class _Stop(Exception):
    pass


def explore(system, options: Options, *, active: set[int], check_deadlock: bool,
            stop_when: Callable[[Exploration], bool] | None = None,
            progress: Callable[[Progress], None] | None = None) -> Exploration:
    """Explore `system` breadth first, checking the properties whose indexes are `active`."""
    start = time.perf_counter()
    initial = list(dict.fromkeys(system.initial_states()))
    parent: dict[int, int] = {s: ROOT for s in initial}
    ex = Exploration(parent, initial)
    successors = system.successors
    tick = getattr(system, "tick", None)
    active = set(active)
    props_fn = system.props_for(frozenset(active)) if active else None
    max_states = options.max_states
    max_depth = options.max_depth
    deadline = start + options.time_limit if options.time_limit else None
    memory_cap = memory_limit_mb(options)
    next_report = start + 2.0
    checked = 0

    def note(state: int) -> None:
        """Check the active properties in a new state."""
        nonlocal props_fn
        try:
            hits = props_fn(state)  # type: ignore[misc]
        except RuntimeFault:
            failing = system.property_error(state)
            if failing is not None and ex.runtime is None:
                ex.runtime = (state, "property", failing[0])
                _maybe_stop()
            ex.runtime_count += 1
            return
        if hits:
            for k in list(active):
                if hits >> k & 1:
                    ex.found[k] = state
                    active.discard(k)
            props_fn = system.props_for(frozenset(active)) if active else None
            _maybe_stop()

    def _maybe_stop() -> None:
        if stop_when is not None and stop_when(ex):
            ex.stop_reason = "fail-fast"
            raise _Stop

    def expand_failing(state: int) -> list[int]:
        """Successors of a state where some instance fails at run time."""
        out = []
        for inst, _choices, nxt in system.labeled(state):
            if nxt is None:
                ex.runtime_count += 1
                if ex.runtime is None:
                    ex.runtime = (state, "action", inst)
                    _maybe_stop()
            else:
                out.append(nxt)
        return out

    frontier = initial
    try:
        if props_fn is not None:
            for s in initial:
                if props_fn is not None:
                    note(s)
        if not initial:
            ex.complete = True
        while frontier:
            if max_depth is not None and ex.depth >= max_depth:
                ex.stop_reason = "max-depth"
                break
            ex.depth += 1
            nxt: list[int] = []
            i = 0
            while i < len(frontier):
                s = frontier[i]
                i += 1
                try:
                    succ = successors(s)
                except RuntimeFault:
                    succ = expand_failing(s)
                n = len(succ)
                ex.transitions += n
                stuck = n == 0
                if tick is not None:
                    t = tick(s)
                    if t is not None:
                        ex.ticks += 1
                        if t == s:
                            pass  # time passes and nothing changes: stuck if no action
                        else:
                            stuck = False
                            if t not in parent:
                                parent[t] = s
                                frontier.append(t)  # same level: time passing costs no step
                                if props_fn is not None:
                                    note(t)
                    elif stuck:
                        # no action and time cannot pass: a timelock, not a deadlock
                        stuck = False
                        ex.timelocks += 1
                        if ex.timelock is None:
                            ex.timelock = s
                            _maybe_stop()
                if stuck:
                    ex.deadlocks += 1
                    if ex.deadlock is None and check_deadlock:
                        ex.deadlock = s
                        _maybe_stop()
                for t in succ:
                    if t not in parent:
                        parent[t] = s
                        nxt.append(t)
                        if props_fn is not None:
                            note(t)
                checked += 1
                if checked % _CHECK_EVERY == 0:
                    now = time.perf_counter()
                    if max_states is not None and len(parent) >= max_states:
                        ex.stop_reason = "max-states"
                        raise _Stop
                    if deadline is not None and now >= deadline:
                        ex.stop_reason = "time-limit"
                        raise _Stop
                    if checked % (8 * _CHECK_EVERY) == 0 and resident_mb() > memory_cap:
                        ex.stop_reason = "memory"
                        raise _Stop
                    if progress is not None and now >= next_report:
                        progress(Progress(len(parent), ex.transitions + ex.ticks, ex.depth,
                                          len(frontier) - i + len(nxt), now - start))
                        next_report = now + 1.0
                elif max_states is not None and len(parent) >= max_states:
                    ex.stop_reason = "max-states"
                    raise _Stop
            frontier = nxt
        else:
            ex.complete = True
    except _Stop:
        pass
    except KeyboardInterrupt:
        ex.stop_reason = "interrupted"
    except MemoryError:
        ex.stop_reason = "memory"
    ex.states = len(parent)
    ex.seconds = time.perf_counter() - start
    if ex.stop_reason is not None:
        ex.complete = False
    return ex

