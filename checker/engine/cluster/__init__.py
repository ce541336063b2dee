"""The distributed explicit-state engine (`--cluster ADDRESS`): the state space partitioned
across Ray actors by a stable hash of the packed state, explored breadth first one level
at a time (see owner.py for the three steps of a level).

Each level's states are ranked exactly as the one-process search (explicit/levels.py)
discovers them, so the counts, the first state found for every property, deadlock and
run-time error, and every trace are the same as in one process. Parent links stay with
the owner of each state; a trace is rebuilt by asking the owners backward from the state
found, then labelled and replayed by the one tracer of the explicit engine. This module
runs in the driver process: it records what the owners found through the one `Findings`,
under the one `Budget`, and leaves verdicts to the one driver (checker.engine.driver).

Supported: specs without clocks, of any state width (the owners keep states as the
compact store does: one uint64, or several 64-bit words when wider) and with a `boundary`
(a state outside it is checked, not expanded, as in one process). Leads-to is judged in
the driver on the states gathered from the owners after a complete search; coverage is
counted by the owners. A spec with clocks runs the zone engine's distributed search
instead (zones.py, partitioned by discrete state).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ...errors import UsageError
from ...liveness import unbounded
from ...options import Options
from ...report import PropertyResult
from ...verdicts import unexpected
from ..budget import Meter, StopReason
from ..explicit import ExplicitEngine, ExplicitTracer
from ..findings import Findings
from ..initial import initial_states
from ..store import ROOT, Packing
from .backend import (
    NO_RAY,
    Address,
    Backend,
    Coordinator,
    backend_for,
    is_started,
    parse_address,
    ray_available,
    shutdown,
)
from .owner import owner_of

if TYPE_CHECKING:
    import networkx as nx

    from model import LivenessInfo, TransitionSystem

    from ..interface import Job

__all__ = ["ClusterEngine", "ClusterStore", "parse_address", "shutdown", "ray_available",
           "refusal"]



def refusal(system: TransitionSystem) -> str | None:
    """Why --cluster cannot check this system (None: it can)."""
    if system.has_clocks:
        return ("--cluster distributes the explicit engine and the zone engine; this spec "
                "has clocks and --time discrete asks for the discrete-time engine, which "
                "runs in one process only (docs/cluster.md says why; drop --cluster or "
                "--time discrete)")
    return None


class ClusterStore:
    """The driver's view of the states the owners hold: how many, the path of every state
    a finding names (asked from the owners when the search ends), and, when the check
    needs them (leads-to, a small state graph), every state in discovery order with its
    parent."""

    def __init__(self) -> None:
        self.count = 0
        self.paths: dict[int, list[int]] = {}
        self.order: list[int] | None = None
        self.parent: dict[int, int] | None = None

    def __len__(self) -> int:
        return self.count

    def states(self) -> Iterator[int]:
        if self.order is None:
            raise RuntimeError("the cluster's states were not gathered for this check")
        yield from self.order

    def path(self, state: int) -> list[int]:
        return self.paths[state]

    def parent_map(self) -> dict[int, int]:
        if self.parent is None:
            raise RuntimeError("the cluster's states were not gathered for this check")
        return self.parent


class ClusterEngine:
    """The explicit engine, distributed: explores on the owners; traces, leads-to and the
    graph are the explicit engine's, on what the owners give back."""

    timed = False

    def __init__(self, system: TransitionSystem, options: Options):
        refused = refusal(system)
        if refused is not None:
            raise UsageError(refused)
        assert options.cluster is not None
        self.address: Address = parse_address(options.cluster)
        if not self.address.direct and not ray_available():
            raise UsageError(NO_RAY)
        self.system = system
        self.inner = ExplicitEngine(system, replace(options, workers=1, memory=None,
                                                    cluster=None))
        self.owners_text = f"Ray cluster ({self.address.text}), not started"
        self._coverage: tuple[tuple[str, int], ...] = ()

    def describe(self, findings: Findings[Any]) -> str:
        return f"explicit, {self.owners_text}"

    def explore(self, job: Job) -> Findings[int]:
        system = self.system
        store = ClusterStore()
        # the same initial states, cut the same way, as one process (checker.engine.initial)
        initial, cut = initial_states(system, job)
        ex: Findings[int] = Findings(initial, store, check_deadlock=job.check_deadlock,
                                     stop_when=unexpected(system) if job.fail_fast else None)
        ex.has_boundary = system.outside is not None
        backend = None
        if is_started(self.address):
            backend = backend_for(self.address, lambda: None)
        else:  # starting Ray and the owners: a phase of its own in the timings
            with job.budget.search("cluster start-up") as start:
                start.poll(0, 0, 0, 0)
                backend = backend_for(self.address, lambda: start.poll(0, 0, 0, 0))
            if start.stop_reason is not None:  # a time limit or Ctrl-C while starting
                ex.stop_reason = start.stop_reason
                return ex
        assert backend is not None
        self.owners_text = backend.describe
        with job.budget.search(job.phase, ex) as meter:
            meter.poll(len(initial), 0, 0, len(initial))
            search = _Search(job, backend, ex, store, meter)
            try:
                search.start(initial)
                search.run(cut)
            finally:  # also after a stop: the partial report's traces come from the owners
                search.finish(job)
                self._coverage = search.coverage
        ex.states = len(store)
        return ex

    def tracer(self, findings: Findings[int]) -> ExplicitTracer:
        return ExplicitTracer(self.system, findings)

    def leads_to(self, job: Job, findings: Findings[int],
                 props: list[LivenessInfo]) -> list[PropertyResult]:
        return self.inner.leads_to(job, findings, props)

    def coverage(self, findings: Findings[int]) -> tuple[tuple[str, int], ...]:
        return self._coverage

    def graph(self, findings: Findings[int], limit: int) -> nx.DiGraph:
        return self.inner.graph(findings, limit)

    def symbolic_states(self, findings: Findings[int]) -> None:
        return None


class _Search(Coordinator):
    """The driver's side of one distributed search: one level at a time, every owner in
    step; what the owners found is recorded in rank order, as one process records it."""

    def __init__(self, job: Job, backend: Backend, ex: Findings[int], store: ClusterStore,
                 meter: Meter):
        self.job = job
        self.backend = backend
        self.n = backend.owners
        self.ex = ex
        self.store = store
        self.meter = meter
        self.packing = Packing(job.system.layout.width)
        self.active = set(job.active)
        self.frontier = 0  # states in the current level
        self.coverage: tuple[tuple[str, int], ...] = ()
        self.started = False

    # -------------------------------------------------------------- talking to owners
    def poll(self) -> None:
        ex = self.ex
        self.meter.poll(len(self.store), ex.transitions, ex.depth, self.frontier)

    # -------------------------------------------------------------- the search
    def start(self, initial: list[int]) -> None:
        system = self.backend.put(self.job.system)
        self.wait([h[0] for h in self.all("reset", system)])
        self.started = True
        states = self.packing.array(initial)
        ranks = np.arange(len(states), dtype=np.int64)
        dest = owner_of(states, self.n)
        self.wait([self.backend.call(k, "seed", states[dest == k].tobytes(),
                                     ranks[dest == k].tobytes())[0] for k in range(self.n)])
        self.store.count = len(initial)
        self.frontier = len(initial)

    def run(self, cut: StopReason | None = None) -> None:
        """The levels, from the initial ones; `cut`: why the initial states were cut (they
        are then checked, not expanded)."""
        ex = self.ex
        options = self.job.options
        self.poll()
        if cut is not None:
            ex.stop_reason = cut
            calls = self.all("expand", tuple(sorted(self.active)), False, returns=self.n + 1)
            self.note(self.wait([c[0] for c in calls]))
            return
        while self.frontier:
            if options.max_depth is not None and ex.depth >= options.max_depth:
                ex.stop_reason = StopReason.MAX_DEPTH
                break
            ex.depth += 1
            calls = self.all("expand", tuple(sorted(self.active)), True,
                             returns=self.n + 1)
            summaries = self.wait([c[0] for c in calls])
            self.note(summaries)
            received = [self.backend.call(j, "receive", *[c[1 + j] for c in calls],
                                          returns=2) for j in range(self.n)]
            counts = self.wait([r[0] for r in received])
            found = sum(counts)
            room = None
            if found and options.max_states is not None and \
                    len(self.store) + found >= options.max_states:
                ex.stop_reason = StopReason.MAX_STATES  # trimmed exactly below
                room = max(0, options.max_states - len(self.store))
            keys = [r[1] for r in received]
            kept = sum(self.wait([self.backend.call(j, "commit", room, *keys)[0]
                                  for j in range(self.n)]))
            self.store.count += kept
            self.frontier = kept
            self.poll()
            if ex.stop_reason is not None:
                break
        else:
            ex.complete = True
        if not ex.complete and self.frontier and ex.stop_reason in (StopReason.MAX_DEPTH,
                                                                    StopReason.MAX_STATES):
            # the last level was found but not expanded: check its states all the same
            calls = self.all("expand", tuple(sorted(self.active)), False, returns=self.n + 1)
            self.note(self.wait([c[0] for c in calls]))

    def note(self, summaries: list[dict[str, Any] | None]) -> None:
        """Record what a level's states showed, in rank order (the first finding wins), as
        explicit/levels.py records a chunk: properties, then deadlocks, then run-time
        errors."""
        ex = self.ex
        got = [s for s in summaries if s is not None]
        ex.transitions += sum(s["transitions"] for s in got)
        ex.outside += sum(s["outside"] for s in got)
        hits = sorted((rank, k, state) for s in got for k, (rank, state) in s["hits"].items())
        fired = []
        for _rank, k, state in hits:
            if k in self.active:
                fired.append((k, state))
                self.active.discard(k)
        if fired:
            ex.hits(fired)
        deadlocks = sum(s["deadlocks"] for s in got)
        if deadlocks:
            _rank, first = min(s["first_deadlock"] for s in got if s["deadlocks"])
            ex.stuck(first, False)
            ex.deadlocks += deadlocks - 1
        runtimes = [s["runtime"] for s in got if s["runtime"] is not None]
        if runtimes:
            _rank, state, what, index = min(runtimes)
            ex.runtime_error(state, what, index,
                             count=sum(s["runtime_count"] for s in got))
        memory = sum(s["memory"] for s in got)
        if memory and self.backend.separate:
            self.meter.reserve(memory)  # the owners' memory counts against --memory-limit

    # -------------------------------------------------------------- after the search
    def finish(self, job: Job) -> None:
        """Ask the owners what the check needs once the search is over: the path of every
        finding, the coverage counts, and (for leads-to or a small graph) every state;
        then free their memory."""
        if not self.started:
            return
        backend = self.backend
        ex = self.ex
        try:
            handles = {h for h in ex.found.values()}
            for h in (ex.deadlock, ex.runtime.handle if ex.runtime else None):
                if h is not None:
                    handles.add(h)
            for h in sorted(handles):
                self.store.paths[h] = self.path(h)
            if job.coverage:
                counts = backend.get([h[0] for h in self.all("coverage")])
                names = job.system.action_names
                self.coverage = tuple(zip(names, [sum(c) for c in zip(*counts)]))
            wanted = (ex.complete and unbounded(job.liveness())) or \
                len(self.store) <= job.options.graph_limit
            if wanted:
                self.gather()
        finally:
            backend.get([h[0] for h in self.all("release")])

    def path(self, state: int) -> list[int]:
        """From an initial state to `state`, asking each state's owner for its parent."""
        path = [state]
        while True:
            owner = int(owner_of(self.packing.array([path[-1]]), self.n)[0])
            parent = self.backend.get(self.backend.call(owner, "parent_of", path[-1]))[0]
            if parent is None:
                break
            path.append(parent)
        path.reverse()
        return path

    def gather(self) -> None:
        packing = self.packing
        parts = self.backend.get([h[0] for h in self.all("gather")])
        seen = np.concatenate([packing.from_bytes(p[0]) for p in parts])
        up = np.concatenate([packing.from_bytes(p[1]) for p in parts])
        rows = np.concatenate([np.frombuffer(p[2], dtype=np.uint64).reshape(3, -1)
                               for p in parts], axis=1)
        order = np.lexsort((rows[1], rows[0]))  # by level, then rank: discovery order
        states = packing.ints(seen[order])
        parents = packing.ints(up[order])
        roots = rows[2][order].tolist()
        self.store.order = states
        self.store.parent = {s: ROOT if root else p
                             for s, p, root in zip(states, parents, roots)}
