"""The engine interface: what every engine implements, and the job it is given.

An engine explores one `Job` (a system, the options, the properties to check, the shared
budget) and returns `Findings`; from those it provides a tracer (findings to traces),
unbounded leads-to on its state graph, action coverage, the state graph for users, its
reachable states as symbolic states (for the pass that finds the actions time silently
disables, checker.engine.blocked), and a one-line description for reports. The driver
(checker.engine.driver.run) judges every engine's findings with the same rules
(checker.verdicts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import field, replace
from typing import TYPE_CHECKING, Any, Protocol

from model import nodeclass

from ..options import Options
from ..report import DisabledAction, PropertyResult, Stats, Trace
from .budget import Budget, StopReason
from .findings import Findings

if TYPE_CHECKING:
    import networkx as nx

    from model import LivenessInfo, TransitionSystem

__all__ = ["Engine", "Tracer", "Job", "Run", "SymbolicStates"]


class Tracer(Protocol):
    """Turns what a search found into traces (every trace is replayed before it is given)."""

    def property_trace(self, handle: Any, index: int) -> Trace: ...
    def stuck_trace(self, handle: Any) -> Trace: ...
    def final_values(self, handle: Any) -> tuple[Any, ...]: ...
    def runtime(self, handle: Any, what: str, index: int) -> tuple[Trace, str, str]: ...


@nodeclass(frozen=True)
class Job:
    """One search to run: the system, how hard to look (options, the shared budget), which
    properties to check (indices into `system.properties`), whether deadlocks count, and
    whether to stop at the first unexpected verdict; `check_timelock` whether timelocks are
    asked about (timed systems). `phase` names the search in progress
    reports. A product's job is derived from its parent's (`for_product`), never built by
    hand, so it keeps the options and the budget."""

    system: TransitionSystem
    options: Options
    budget: Budget
    active: tuple[int, ...]
    check_deadlock: bool
    fail_fast: bool = False
    coverage: bool = False
    phase: str = "main"
    check_timelock: bool = True
    blocked: bool = True  # look for the actions time silently disables (checker.engine.blocked)
    # the properties whose traces the asker reads, from the set of those found (None: all);
    # the others are judged without a trace (a scenario reads one of its product's traces)
    traced: Callable[[set[int]], set[int]] | None = None

    def for_product(self, system: TransitionSystem, phase: str) -> Job:
        """The job of a product of this job's system: every property of the product, no
        deadlock or timelock check (a product's runs end where its script does), no
        fail-fast, no coverage, no blocked actions (the main search answers for those)."""
        return replace(self, system=system, active=tuple(range(len(system.properties))),
                       check_deadlock=False, check_timelock=False, fail_fast=False,
                       coverage=False, phase=phase, blocked=False, traced=None)

    def liveness(self) -> list[LivenessInfo]:
        """The leads-to properties this job asks about (bounded and unbounded)."""
        names = self.options.properties
        return [p for p in self.system.liveness if names is None or p.name in names]


@nodeclass(frozen=True)
class SymbolicStates:
    """An engine's reachable states for the blocked-actions pass (checker.engine.blocked):
    `total` pairs of a packed discrete state and a zone (the kernel's bytes) or, with
    `points`, the DBM constraints of its clock values (the pass lets time run from there
    within the state's bounds); `candidates`: the only action instances that can be
    blocked, when the search already knows (None: any); `unit`: the ms of one unit of the
    zones (or points) given, which divides every constant (discrete time: its tick, so
    that constants too large for the DBM kernel in ms still fit in ticks)."""

    states: Iterable[tuple[int, Any]]
    total: int
    candidates: set[int] | None = None
    points: bool = False
    unit: int = 1


class Engine(Protocol):
    """An exploration engine (explicit, discrete time, zones, ...)."""

    system: TransitionSystem  # the system it explores (for discrete time: the ticked one)
    timed: bool  # whether its runs carry time (deadlock messages, timelock verdicts)

    def explore(self, job: Job) -> Findings[Any]: ...
    def tracer(self, findings: Findings[Any]) -> Tracer: ...
    def leads_to(self, job: Job, findings: Findings[Any],
                 props: list[LivenessInfo]) -> list[PropertyResult]: ...
    def coverage(self, findings: Findings[Any]) -> tuple[tuple[str, int], ...]: ...
    def graph(self, findings: Findings[Any], limit: int) -> nx.DiGraph: ...
    def symbolic_states(self, findings: Findings[Any]) -> SymbolicStates | None: ...
    def describe(self, findings: Findings[Any]) -> str: ...


@nodeclass
class Run:
    """One engine's run of one job: verdicts, statistics, and the graph on demand."""

    engine: str
    results: list[PropertyResult]
    stats: Stats
    stop_reason: StopReason | None
    graph: Callable[[], object] | None
    coverage: tuple[tuple[str, int], ...] = field(default=())
    disabled: tuple[DisabledAction, ...] = field(default=())  # checker.engine.blocked
    disabled_complete: bool = True
