"""What a search found: one record for every engine.

A *handle* names a state the way its engine does (a packed state for the explicit and
discrete engines, a node number for zones); the engine's tracer turns a handle into a
trace. Searches record what they see through the methods here, which also apply
`--fail-fast`: the search stops (Stop(FAIL_FAST)) as soon as a recorded finding makes
some verdict differ from the spec's expectation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import Any, Generic, Literal, TypeVar

from model import nodeclass

from ..report import Stats
from .budget import Stop, StopReason

__all__ = ["Findings", "RuntimeFinding", "Handle"]

Handle = TypeVar("Handle")


@nodeclass(frozen=True, slots=True)
class RuntimeFinding(Generic[Handle]):
    """The first run-time error: where, in what (an action instance or a property) and
    which one; `guard` is the clock guard of a failing instance (zones)."""

    handle: Handle
    what: Literal["action", "property"]
    index: int
    guard: tuple[tuple[int, int, int], ...] = ()


@nodeclass
class Findings(Generic[Handle]):
    """The first state found for each property, deadlock, timelock and run-time error, the
    counts, and whether the search was exhaustive. `store` is the engine's own record of
    the states it saw (its tracer and graph read it)."""

    initial: list[Handle] = field(default_factory=list)
    store: Any = None
    found: dict[int, Handle] = field(default_factory=dict)  # property index -> handle
    deadlock: Handle | None = None
    timelock: Handle | None = None
    runtime: RuntimeFinding[Handle] | None = None
    runtime_count: int = 0
    deadlocks: int = 0
    timelocks: int = 0
    states: int = 0
    transitions: int = 0
    ticks: int = 0  # discrete time: tick steps, counted with the transitions
    outside: int = 0  # states outside the spec's boundary: checked, not expanded
    depth: int = 0
    seconds: float = 0.0
    complete: bool = False
    stop_reason: StopReason | None = None
    symbolic: bool = False
    stuck_counted: bool = True  # False: the abstraction cannot tell stuck states apart
    check_deadlock: bool = True
    has_boundary: bool = False  # the spec declares a boundary (the report says what it cut)
    stop_when: Callable[[Findings[Any]], bool] | None = field(default=None, repr=False)

    # -------------------------------------------------------------- recording
    def hits(self, fired: list[tuple[int, Handle]]) -> None:
        """Each property k of `fired` fired at its handle (an invariant false, a reachable
        true)."""
        for k, handle in fired:
            self.found[k] = handle
        self._maybe_stop()

    def stuck(self, handle: Handle, timelock: bool) -> None:
        """A state with no successor: a timelock when time cannot pass either."""
        if timelock:
            self.timelocks += 1
            if self.timelock is None:
                self.timelock = handle
                self._maybe_stop()
        else:
            self.deadlocks += 1
            if self.deadlock is None and self.check_deadlock:
                self.deadlock = handle
                self._maybe_stop()

    def runtime_error(self, handle: Handle, what: Literal["action", "property"], index: int,
                      guard: tuple[tuple[int, int, int], ...] = (), count: int = 1) -> None:
        """`count` more run-time errors, the first of them at `handle`."""
        self.runtime_count += count
        if self.runtime is None:
            self.runtime = RuntimeFinding(handle, what, index, guard)
            self._maybe_stop()

    def _maybe_stop(self) -> None:
        if self.stop_when is not None and self.stop_when(self):
            raise Stop(StopReason.FAIL_FAST)

    # -------------------------------------------------------------- summary
    def stats(self) -> Stats:
        return Stats(self.states - self.outside, self.transitions + self.ticks, self.depth,
                     self.deadlocks if self.stuck_counted else None, self.seconds,
                     self.complete, symbolic=self.symbolic,
                     outside=self.outside if self.has_boundary else None)
