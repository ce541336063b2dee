"""One budget for a whole check.

Every search of a check (the main search, each scenario's product, the bounded-response
product, the zone graph for leads-to) draws on the same `Budget`: one deadline
(`--time-limit`), one memory cap (`--memory-limit`, the whole process's resident memory)
and one interruption (Ctrl-C). Once the time, the memory or the user's patience is spent,
every later search of the check stops at once, so the check ends with a partial report.
The state and depth bounds (`--max-states`, `--max-depth`) bound each search on its own.

A search runs inside `with budget.search(phase, findings) as meter:`; it calls
`meter.poll(...)` every few thousand states (and once at the start), raises `Stop(reason)`
at a bound of its own, and the block records how the search ended: normally, at a bound,
on Ctrl-C or when memory ran out. None of these is an error. A search that can move what
it holds to disk (the compact store, checker.engine.spill) sets `meter.on_memory`: at the
memory cap it spills and goes on instead of stopping (docs/checkpoint.md). The budget also
carries the check's checkpoints (`checkpoint`, checker.engine.checkpoint), if it takes any.
"""

from __future__ import annotations

import contextlib
import enum
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING

from model import nodeclass

from ..options import Options, memory_limit_mb, resident_mb

if TYPE_CHECKING:
    from .checkpoint import Checkpointer
    from .findings import Findings

__all__ = ["StopReason", "Stop", "Progress", "Budget", "Meter", "CHECK_EVERY"]

CHECK_EVERY = 4096  # states between polls, for engines whose states are cheap


class StopReason(enum.StrEnum):
    """Why a search ended before it was exhaustive (the value is what reports print)."""

    MAX_STATES = "max-states"
    MAX_DEPTH = "max-depth"
    TIME_LIMIT = "time-limit"
    MEMORY = "memory"
    INTERRUPTED = "interrupted"
    FAIL_FAST = "fail-fast"

    @property
    def ends_the_check(self) -> bool:
        """Whether every later search of the check stops too (the shared budget is spent)."""
        return self in (StopReason.TIME_LIMIT, StopReason.MEMORY, StopReason.INTERRUPTED)


class Stop(Exception):
    """Raised inside a search to end it; `reason` says why."""

    def __init__(self, reason: StopReason):
        super().__init__(reason.value)
        self.reason = reason


@nodeclass(frozen=True, slots=True)
class Progress:
    """A progress report of one search: `phase` names it ("main", "scenario S1", ...).
    `total`: for a pass over states already found (the leads-to graph), how many there
    are (`states` is then how many were gone through, and `queue` how many are left).
    `done`: the last report of a search that reported before, sent when it ends (its
    counts are those of its last report; `stop_reason` says why it ended early, if so)."""

    phase: str
    states: int
    transitions: int
    depth: int
    queue: int
    seconds: float
    total: int | None = None
    done: bool = False
    stop_reason: StopReason | None = None


class Budget:
    """The limits of one check, shared by all its searches (see the module docstring)."""

    def __init__(self, options: Options, progress: Callable[[Progress], None] | None = None,
                 clock: Callable[[], float] = time.perf_counter,
                 checkpoint: Checkpointer | None = None,
                 memory: Callable[[], float] = resident_mb):
        self.options = options
        self.clock = clock
        # the check's checkpoints (checker.engine.checkpoint), if it takes any
        self.checkpoint = checkpoint
        self.memory = memory  # the process's resident MB (a test may count otherwise)
        # (phase, states then, MB before, MB after) of each search that spilled to disk
        self.spills: list[tuple[str, int, float, float]] = []
        # phase -> (evictions, MB written) of each search that spilled more than once
        # (the zone search evicts again each time memory passes the limit: zones/spill.py)
        self.spilled: dict[str, tuple[int, float]] = {}
        # how each explicit search expanded its states: phase -> "vector" or "per state
        # (why)" (checker/engine/explicit/vector.py)
        self.expansion: dict[str, str] = {}
        self.start = clock()
        self.deadline = None if options.time_limit is None else self.start + options.time_limit
        self.memory_cap = memory_limit_mb(options)
        self.progress = progress
        self.spent: StopReason | None = None  # time, memory or Ctrl-C: no search may run on
        # (phase, seconds, CPU seconds) of each search (and timed pass) of the check, in order
        self.searches: list[tuple[str, float, float]] = []

    @property
    def max_states(self) -> int | None:
        return self.options.max_states

    @property
    def max_depth(self) -> int | None:
        return self.options.max_depth

    def interrupt(self) -> None:
        """The user asked to stop (a Ctrl-C handler may call this): every search stops at
        its next poll and no new one starts."""
        self.spent = StopReason.INTERRUPTED

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: no time limit)."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - self.clock())

    def search(self, phase: str, findings: Findings | None = None) -> Meter:
        """A search of this check (`findings`, if given, records how it ended)."""
        return Meter(self, phase, findings)

    @contextlib.contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        """A pass of the check that is not a search (no bounds; coverage): its time is
        recorded with the searches', so a user sees where the time went."""
        start, cpu = self.clock(), time.process_time()
        try:
            yield
        finally:
            self.searches.append((phase, self.clock() - start, time.process_time() - cpu))


class Meter:
    """One search's use of the budget, and the way that search ends (a context manager)."""

    def __init__(self, budget: Budget, phase: str, findings: Findings | None):
        self.budget = budget
        self.phase = phase
        self.findings = findings
        self.stop_reason: StopReason | None = None
        now = budget.clock()
        self.start = now
        self.cpu = time.process_time()
        self.next_report = now + 2.0
        self.next_memory = now
        self.last: Progress | None = None  # the last progress report sent
        self.memory_cap = budget.memory_cap
        # a search that can move what it holds to disk (the compact store's spill) sets
        # this: called when memory is over the cap, it frees what it can and returns the
        # cap that applies from then on, or None (nothing left to free: the search stops)
        self.on_memory: Callable[[], float | None] | None = None

    def elapsed(self) -> float:
        return self.budget.clock() - self.start

    def poll(self, states: int, transitions: int, depth: int, queue: int,
             total: int | None = None) -> None:
        """The bounds looked at now and then: the shared budget, the deadline, memory (every
        half second) and progress (every second, after the first two)."""
        budget = self.budget
        if budget.spent is not None:
            raise Stop(budget.spent)
        now = budget.clock()
        if budget.deadline is not None and now >= budget.deadline:
            budget.spent = StopReason.TIME_LIMIT
            raise Stop(StopReason.TIME_LIMIT)
        if now >= self.next_memory:
            self.next_memory = now + 0.5
            if budget.memory() > self.memory_cap:
                self._memory_spent()
        if budget.progress is not None and now >= self.next_report:
            self.last = Progress(self.phase, states, transitions, depth, queue,
                                 now - self.start, total)
            budget.progress(self.last)
            self.next_report = now + 1.0

    def reserve(self, megabytes: float) -> None:
        """Stop (MEMORY) before a large allocation that would take the process past the
        memory cap; polls see memory only now and then, big merges would overshoot."""
        if self.budget.memory() + megabytes > self.memory_cap:
            self._memory_spent(megabytes)

    def _memory_spent(self, megabytes: float = 0.0) -> None:
        """Memory is over the cap: let the search spill if it can, else stop it."""
        if self.on_memory is not None:
            cap = self.on_memory()
            if cap is not None:
                self.memory_cap = cap
                if self.budget.memory() + megabytes <= cap:
                    return
        self.budget.spent = StopReason.MEMORY
        raise Stop(StopReason.MEMORY)

    def __enter__(self) -> Meter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 _tb: TracebackType | None) -> bool:
        findings = self.findings
        reason = findings.stop_reason if findings is not None else None
        handled = True
        if kind is None:
            pass
        elif isinstance(error, Stop):
            reason = error.reason
        elif isinstance(error, KeyboardInterrupt):
            reason = StopReason.INTERRUPTED
        elif isinstance(error, MemoryError):
            reason = StopReason.MEMORY
        else:
            handled = False
        self.stop_reason = reason
        if reason is not None and reason.ends_the_check:
            self.budget.spent = reason
        seconds = self.elapsed()
        if findings is not None:
            findings.stop_reason = reason
            if reason is not None:
                findings.complete = False
            findings.seconds = seconds
        self.budget.searches.append((self.phase, seconds, time.process_time() - self.cpu))
        if self.last is not None and self.budget.progress is not None and handled:
            last = self.last
            self.budget.progress(Progress(self.phase, last.states, last.transitions, last.depth,
                                          last.queue, seconds, last.total, True, reason))
        return handled
