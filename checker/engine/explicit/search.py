"""Breadth-first search over packed states with a dict store (any state width).

The store is a dict from each state to its parent state (-1 for initial states); its
insertion order is the BFS discovery order, so it doubles as the list of states with stable
ids. BFS order makes the first state found for each property one at the smallest depth: the
trace rebuilt from parent links is a shortest one.

A system may also offer `tick(s)`: a zero-cost successor (time passing in the discrete time
engine). Ticked states join the current level, so depth counts actions, not ticks.

The level loop is the hot path: it keeps its counters in locals, calls the generated
property function only on new states, and polls the budget every few thousand states.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from model import RuntimeFault

from ...verdicts import unexpected
from ..budget import CHECK_EVERY, Meter, Stop, StopReason
from ..checkpoint import (
    Saved,
    Session,
    dict_arrays,
    findings_header,
    restore_dict,
    restore_findings,
)
from ..findings import Findings
from ..initial import initial_states
from ..spill_dict import SpilledSearch, SpillNow, spill_dict
from ..store import ROOT, DictStore

if TYPE_CHECKING:
    from model import TransitionSystem

    from ..interface import Job

__all__ = ["explore_dict"]

SPILL_AT = 0.75  # of the memory limit: where the dict store spills


class _Search:
    """One breadth-first search; see explore_dict()."""

    def __init__(self, job: Job, system: TransitionSystem, findings: Findings[int],
                 meter: Meter):
        self.system = system
        self.max_states = job.options.max_states
        self.max_depth = job.options.max_depth
        self.active = set(job.active)
        self.ex = findings
        self.meter = meter
        self.parent: dict[int, int] = findings.store.parent
        self.props_fn = system.props_for(frozenset(self.active)) if self.active else None
        self.initial_cut: StopReason | None = None  # why the initial states were cut
        self.finished = False  # resumed from a checkpoint of a search that had ended
        # the last level boundary: (findings header, states then, frontier, its length)
        # (None until the initial states are checked: a search stopped before that has no
        # checkpoint to go on from)
        self.mark: tuple[dict[str, Any], int, list[int], int] | None = None
        # at the memory limit the store goes to disk (spill_dict.py), unless --spill never
        self.spill_dir = job.options.spill_dir
        self.leveling = False  # a level's loop runs (a spill can start in it)
        self.spill_due = False  # memory ran short between levels: spill at the next
        self.spilled: SpilledSearch | None = None
        if job.options.spill == "auto":
            meter.on_memory = self.on_memory
            # spill when memory nears the limit: moving the dict to disk briefly needs
            # about half its size again (spill_dict.SpilledDict)
            meter.memory_cap = SPILL_AT * meter.memory_cap

    # -------------------------------------------------------------- findings
    def note(self, state: int) -> None:
        """A new state where some active property fired, or whose check failed."""
        ex = self.ex
        try:
            hits = self.props_fn(state)  # type: ignore[misc]
        except RuntimeFault:
            # one property failed: judge each with the interpreter, so the others still count
            hits, failing = self.system.property_hits(state, self.active)
            if failing is not None:
                ex.runtime_error(state, "property", failing[0])
            else:
                ex.runtime_count += 1
        if hits:
            fired = [k for k in sorted(self.active) if hits >> k & 1]
            self.active.difference_update(fired)
            self.props_fn = (self.system.props_for(frozenset(self.active)) if self.active
                             else None)
            ex.hits([(k, state) for k in fired])

    def expand_failing(self, state: int) -> list[int]:
        """Successors of a state where some instance fails at run time."""
        out = []
        for inst, _choices, nxt in self.system.labeled(state):
            if nxt is None:
                self.ex.runtime_error(state, "action", inst)
            else:
                out.append(nxt)
        return out

    def add(self, state: int, parent: int) -> None:
        if self.max_states is not None and len(self.parent) >= self.max_states:
            raise Stop(StopReason.MAX_STATES)  # exactly at the bound
        self.parent[state] = parent

    # -------------------------------------------------------------- levels
    def level(self, frontier: list[int]) -> list[int]:
        """Expand one BFS level (no ticks): the hot loop."""
        ex = self.ex
        parent = self.parent
        successors = self.system.successors
        outside = self.system.outside
        max_states = self.max_states
        transitions = 0
        nxt: list[int] = []
        append = nxt.append
        count = 0
        try:
            for s in frontier:
                if outside is not None and outside(s):
                    ex.outside += 1  # beyond the boundary: checked, not expanded
                    count += 1
                    continue
                try:
                    succ = successors(s)
                except RuntimeFault:
                    succ = self.expand_failing(s)
                transitions += len(succ)
                if not succ:
                    ex.stuck(s, False)
                props = self.props_fn
                for t in succ:
                    if t not in parent:
                        if max_states is not None and len(parent) >= max_states:
                            raise Stop(StopReason.MAX_STATES)  # exactly at the bound
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
                if count % CHECK_EVERY == 0:
                    ex.transitions += transitions
                    transitions = 0
                    self.meter.poll(len(parent), ex.transitions, ex.depth,
                                    len(frontier) - count + len(nxt))
        except SpillNow as now:  # memory is short: the rest of the level goes on on disk
            now.at, now.found = count, nxt
            raise
        finally:
            ex.transitions += transitions
        return nxt

    def ticked_level(self, frontier: list[int]) -> list[int]:
        """Expand one level of a discrete-time system: ticked states join this level."""
        ex = self.ex
        parent = self.parent
        successors = self.system.successors
        tick = self.system.tick  # type: ignore[attr-defined]
        outside = self.system.outside
        nxt: list[int] = []
        i = 0
        while i < len(frontier):
            s = frontier[i]
            i += 1
            if outside is not None and outside(s):
                ex.outside += 1  # beyond the boundary: checked, not expanded (no tick)
                continue
            try:
                succ = successors(s)
            except RuntimeFault:
                succ = self.expand_failing(s)
            ex.transitions += len(succ)
            t = tick(s)
            if t is not None:
                ex.ticks += 1
                if t != s and t not in parent:
                    self.add(t, s)
                    frontier.append(t)  # same level: time passing costs no step
                    if self.props_fn is not None:
                        self.note(t)
            if not succ:
                if t is None:
                    ex.stuck(s, True)  # no action and time cannot pass
                elif t == s:
                    ex.stuck(s, False)  # time passes and nothing ever happens
            for t in succ:
                if t not in parent:
                    self.add(t, s)
                    nxt.append(t)
                    if self.props_fn is not None:
                        self.note(t)
            if i % CHECK_EVERY == 0:
                try:
                    self.meter.poll(len(parent), ex.transitions + ex.ticks, ex.depth,
                                    len(frontier) - i + len(nxt))
                except SpillNow as now:  # the rest of the level goes on on disk
                    now.at, now.found = i, nxt
                    raise
        return nxt

    # -------------------------------------------------------------- the search
    def run(self, session: Session | None, saved: Saved | None) -> None:
        ex = self.ex
        ticked = getattr(self.system, "tick", None) is not None
        width = self.system.layout.width
        if saved is not None:
            name = os.path.basename(session.path) if session is not None else ""
            parent, frontier = restore_dict(saved, width, ex.initial, name)
            self.parent.clear()
            self.parent.update(parent)
            self.active = restore_findings(ex, saved.header, name)
            self.props_fn = (self.system.props_for(frozenset(self.active)) if self.active
                             else None)
            self.meter.poll(len(self.parent), ex.transitions + ex.ticks, ex.depth,
                            len(frontier))
            if saved.finished:
                ex.complete = bool(saved.header.get("complete"))
                reason = saved.header.get("stop_reason")
                ex.stop_reason = None if reason is None else StopReason(reason)
                self.finished = True
                return
        else:
            frontier = list(ex.initial)
            self.meter.poll(len(self.parent), 0, 0, len(frontier))
            if self.props_fn is not None:
                for s in frontier:
                    if self.props_fn is not None:
                        self.note(s)
            if self.initial_cut is not None:  # a bound cut the initial states already
                ex.stop_reason = self.initial_cut
                return
        while frontier:
            if not self.boundary(len(self.parent), frontier, session):
                return
            try:
                if self.spill_due:
                    raise SpillNow()
                self.leveling = True
                frontier = self.ticked_level(frontier) if ticked else self.level(frontier)
            except SpillNow as now:
                store, fidx, nidx = spill_dict(self, frontier, now.found,
                                               self.spill_dir)
                self.ex.store = store
                self.spilled = SpilledSearch(self, store, ticked)
                self.spilled.run(frontier, fidx, now.at, (now.found, nidx), session)
                return
            finally:
                self.leveling = False
        ex.complete = True

    def on_memory(self) -> float:
        """Memory is over the cap: spill the store to disk (spill_dict.py), now if a
        level runs (its loop records how far it got), else when the next one starts."""
        if self.leveling:
            raise SpillNow()
        self.spill_due = True
        return self.meter.budget.memory() + 1.0

    def boundary(self, stored: int, frontier: list[int], session: Session | None) -> bool:
        """A level boundary, in memory or spilled (spill_dict.py): note what a checkpoint
        holds (a ticked level appends to its frontier, so its length now is noted), write
        one when due, and go one level deeper; False when --max-depth stops the search."""
        ex = self.ex
        self.mark = (findings_header(ex, self.active), stored, frontier, len(frontier))
        if session is not None and session.due():
            self.save(session, finished=False)
        if self.max_depth is not None and ex.depth >= self.max_depth:
            ex.stop_reason = StopReason.MAX_DEPTH
            return False
        ex.depth += 1
        return True

    def save(self, session: Session, finished: bool) -> None:
        """A checkpoint: the search at the last level boundary, or (`finished`) as it
        ended."""
        width = self.system.layout.width
        if self.spilled is not None:
            header = findings_header(self.ex, self.active) if finished else self.mark[0] \
                if self.mark is not None else {}
            session.save(header, self.spilled.arrays(finished), finished)
            return
        if finished:
            header = findings_header(self.ex, self.active)
            session.save(header, dict_arrays(self.parent, len(self.parent), [], width), True)
            return
        assert self.mark is not None
        header, count, frontier, length = self.mark
        session.save(header, dict_arrays(self.parent, count, frontier[:length], width), False)


def explore_dict(job: Job, system: TransitionSystem | None = None) -> Findings[int]:
    """Explore `system` (default: the job's) breadth first, checking the job's active
    properties. A system with `tick` is explored in discrete time. Checkpointed at level
    boundaries when the check takes checkpoints (checker.engine.checkpoint)."""
    system = system or job.system
    initial, cut = initial_states(system, job)
    findings: Findings[int] = Findings(initial, DictStore({s: ROOT for s in initial}),
                                       check_deadlock=job.check_deadlock,
                                       stop_when=unexpected(system) if job.fail_fast else None)
    findings.has_boundary = system.outside is not None
    checkpointer = job.budget.checkpoint
    session = None if checkpointer is None else checkpointer.session(job.phase, "dict")
    saved = None if session is None else session.load()
    search = None
    with job.budget.search(job.phase, findings) as meter:
        search = _Search(job, system, findings, meter)
        search.initial_cut = cut
        search.run(session, saved)
    findings.states = len(findings.store)
    if session is not None and search is not None and not search.finished \
            and search.mark is not None:
        reason = findings.stop_reason
        search.save(session, finished=not (reason is not None and reason.ends_the_check))
    return findings
