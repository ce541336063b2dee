"""The explicit-state engine: breadth-first search over packed states.

Two stores, the same search order and results: the compact LevelStore (any state width,
optionally with worker processes; levels.py) and the DictStore (search.py, which also
explores discrete time). Traces follow parent links.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import UsageError
from ...graph import action_coverage, state_graph
from ...liveness import leads_to, unbounded
from ...options import Options
from ...report import PropertyResult, Trace
from ...trace import build_trace
from ...verdicts import runtime_failure
from ..findings import Findings
from .levels import explore_levels
from .search import explore_dict
from .vector import SMALL_CHUNK, vector_expander

if TYPE_CHECKING:
    import networkx as nx

    from model import LivenessInfo, TransitionSystem

    from ..interface import Job

__all__ = ["ExplicitEngine", "ExplicitTracer", "explore_dict", "explore_levels"]


class ExplicitEngine:
    """Explicit states: the compact store unless the fast one is asked for."""

    timed = False

    def __init__(self, system: TransitionSystem, options: Options):
        self.system = system
        self.workers = options.workers
        self.compact = options.memory != "fast"
        self.vector = options.vector
        # which expansion ran: "vector, ...", "per state (why)" (options.vector and the spec)
        self.path = "per state"
        if options.workers > 1 and not self.compact:
            raise UsageError("--workers needs the compact store (--memory compact)")

    def describe(self, findings: Findings[Any]) -> str:
        if not self.compact:
            return "explicit"
        return "explicit, compact store" + (f", {self.workers} workers"
                                            if self.workers > 1 else "")

    def explore(self, job: Job) -> Findings[int]:
        if not self.compact:
            return explore_dict(job)
        expander = None
        if self.vector:
            expander, why = vector_expander(job.system)
            # small chunks go per state whatever the spec (vector.SMALL_CHUNK): say so
            self.path = f"vector, per state under {SMALL_CHUNK} states a chunk" \
                if expander is not None else f"per state ({why})"
        else:
            self.path = "per state (--no-vector)"
        job.budget.expansion[job.phase] = self.path
        return explore_levels(job, expander)

    def tracer(self, findings: Findings[int]) -> ExplicitTracer:
        return ExplicitTracer(self.system, findings)

    def leads_to(self, job: Job, findings: Findings[int],
                 props: list[LivenessInfo]) -> list[PropertyResult]:
        system = self.system
        return leads_to(job, system, unbounded(props), findings.store.states(), findings.initial,
                        findings.complete,
                        lambda path, insts, loop: build_trace(system, path, instances=insts,
                                                              loop_start=loop), timed=False)

    def coverage(self, findings: Findings[int]) -> tuple[tuple[str, int], ...]:
        return action_coverage(self.system, findings.store.states())

    def graph(self, findings: Findings[int], limit: int) -> nx.DiGraph:
        return state_graph(self.system, findings.store, limit)

    def symbolic_states(self, findings: Findings[int]) -> None:
        """None: without clocks there are no bounds and no clock guards, so every action
        whose condition holds fires (checker.engine.blocked)."""
        return None


class ExplicitTracer:
    """Traces of the explicit-state engine: parent links, labelled and replayed."""

    def __init__(self, system: TransitionSystem, findings: Findings[int]):
        self.system = system
        self.store = findings.store
        self._cache: dict[int, Trace] = {}

    def property_trace(self, state: int, index: int) -> Trace:
        if state not in self._cache:
            self._cache[state] = build_trace(self.system, self.store.path(state))
        return self._cache[state]

    def stuck_trace(self, state: int) -> Trace:
        return build_trace(self.system, self.store.path(state))

    def final_values(self, state: int) -> tuple[Any, ...]:
        return self.system.decode(state)

    def runtime(self, state: int, what: str, index: int) -> tuple[Trace, str, str]:
        inst, message, where = runtime_failure(self.system, state, what, index)
        path = self.store.path(state)
        return build_trace(self.system, path, failing_instance=inst, error=message), message, \
            where
