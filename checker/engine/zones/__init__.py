"""The zone engine: symbolic states of a discrete state and a zone of clock valuations.

    dbm.py            difference-bound matrices: the reference, pure Python, exact
    kernel.py         the DBMs the search uses: int32 matrices, native (_dbm.c) when built,
                      else fallback.py on the reference
    extrapolation.py  Extra+_M / aM and Extra+_LU / aLU with per-state constants
    search.py         breadth-first search over symbolic states, the passed list
    schedule.py       exact firing times for a symbolic path
    tracer.py         traces with times; lassos of the zone graph
    leadsto.py        unbounded leads-to on the exact zone graph, time divergence
    keeper.py         checkpoints of the search at level boundaries, and resuming them
    spill.py          the passed list (or the exact graph's zones), parent links and levels
                      on disk at the memory limit

Extra+_LU with aLU subsumption is used for every search but the exact zone graph: with
per-state L and U when no stuck state needs finding (deadlocks and timelocks not asked
about, or no bound that could stop time), and with those bounds raised where the stuck-state
test reads a clock when one does (ExtraLUStuck, which keeps deadlocks and timelocks exact);
the exact zone graph for leads-to uses Extra+_M (see extrapolation.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from model import format_duration

from ...errors import UsageError
from ...graph import check_graph_size
from ...lazy import lazy_module
from ...report import PropertyResult
from ..findings import Findings
from ..interface import SymbolicStates
from ..store import ROOT
from . import dbm, kernel
from .extrapolation import ExtraLU, ExtraLUStuck, ExtraM, Extrapolation
from .search import StaleClock, ZoneNodes, explore_zones
from .tracer import ZoneTracer

# what only some checks need loads when first used: leads-to and its exact zone graph,
# and checkpoints
if TYPE_CHECKING:
    import networkx as nx

    from model import LivenessInfo, TransitionSystem

    from ... import liveness
    from ..interface import Job
    from . import keeper as _keeper
    from . import leadsto
else:
    liveness = lazy_module("checker.liveness")
    _keeper = lazy_module("checker.engine.zones.keeper")
    leadsto = lazy_module("checker.engine.zones.leadsto")

__all__ = ["ZoneEngine"]


class ZoneEngine:
    """Zones (see the module docstring)."""

    timed = True

    def __init__(self, system: TransitionSystem):
        self.system = system
        self.zc = system.zone_target
        self.always: frozenset[int] = frozenset()
        self.extrapolation: Extrapolation | None = None

    def describe(self, findings: Findings[Any]) -> str:
        assert self.extrapolation is not None
        ex = self.extrapolation
        nodes: ZoneNodes = findings.store
        merged = "the exact zone graph" if nodes.graph is not None \
            else f"{ex.subsumption} subsumption"
        text = f"zones ({ex.name}, {merged}, per-state constants)"
        if self.always:
            names = self.system.clock_names
            text += "; global constants for " + ", ".join(names[x] for x in sorted(self.always))
        return text

    def explore(self, job: Job) -> Findings[int]:
        stuck_states = job.check_deadlock or (job.check_timelock and self.system.has_bounds)
        # unbounded leads-to is judged on the exact zone graph: the search builds it
        props = job.liveness()
        exact = bool(props) and bool(liveness.unbounded(props)) and \
            self.system.clock_guarded_fairness() is None
        # checkpoints (keeper.py): a resumed search has the checkpoint's global clocks
        keeper = None if job.budget.checkpoint is None else \
            _keeper.ZoneKeeper.open(job, self.zc.n)
        if keeper is not None:
            self.always = self.always | keeper.always()
        while True:
            kind = ExtraM if exact else ExtraLUStuck if stuck_states else ExtraLU
            self.extrapolation = kind(self.zc, self.always)
            if keeper is not None:
                keeper.global_clocks = self.always
            try:
                findings = explore_zones(job, self.zc, self.extrapolation, stuck_states,
                                         exact, keeper)
            except StaleClock as stale:
                self.always = self.always | frozenset(stale.clocks)
                if keeper is not None:
                    keeper.forget()  # the search starts again: its checkpoint is stale
                continue
            except OverflowError:
                raise UsageError(
                    "a clock constant is too large for the zone engine's 32-bit difference "
                    f"bounds at {self.zc.n - 1} clocks (at most "
                    f"{kernel.max_constant(self.zc.n):,} ms); use smaller constants or "
                    "--time discrete") from None
            if keeper is not None:
                keeper.finish(findings, job, exact)
            return findings

    def tracer(self, findings: Findings[int]) -> ZoneTracer:
        return ZoneTracer(self.system, self.zc, findings)

    def leads_to(self, job: Job, findings: Findings[int],
                 props: list[LivenessInfo]) -> list[PropertyResult]:
        return leadsto.zone_leads_to(job, self.zc, findings, self.always,
                                     liveness.unbounded(props))

    def coverage(self, findings: Findings[int]) -> tuple[tuple[str, int], ...]:
        nodes: ZoneNodes = findings.store
        names = self.system.action_names
        instances = self.system.instances
        counts = [0] * len(names)
        for inst, count in enumerate(nodes.instance_counts):
            counts[instances[inst][0]] += count
        return tuple(zip(names, counts))

    def symbolic_states(self, findings: Findings[int]) -> SymbolicStates:
        """Its nodes; the candidates are the instances that never fired though the search
        saw their condition hold (none, most often: the pass then costs nothing)."""
        nodes: ZoneNodes = findings.store
        counts = nodes.instance_counts
        candidates = {inst for inst, flag in enumerate(nodes.suppressed)
                      if flag and not counts[inst]}
        return SymbolicStates(((nodes.discrete(i), nodes.zone(i)) for i in range(len(nodes))),
                              len(nodes), candidates)

    def graph(self, findings: Findings[int], limit: int) -> nx.DiGraph:
        import networkx as nx

        system = self.system
        nodes: ZoneNodes = findings.store
        check_graph_size(len(nodes), limit, "symbolic states")
        assert nodes.edges is not None  # kept up to the graph limit
        names = system.clock_names
        n = self.zc.n
        graph = nx.DiGraph(spec=system.name, symbolic=True)
        for i in range(len(nodes)):
            shown = system.layout.show(system.decode(nodes.discrete(i)))
            zone = dbm.format_dbm(kernel.decode(nodes.zone(i), n), n, names, format_duration)
            graph.add_node(i, initial=nodes.parent[i] == ROOT, state=dict(shown), zone=zone,
                           label=", ".join(f"{a}={b}" for a, b in shown) + f" | {zone}")
        edges = nodes.edges
        for a, b, entry in zip(edges[0::3], edges[1::3], edges[2::3]):
            inst, choices, _d2, _guard, _resets = self.zc.succ(nodes.discrete(a))[entry]
            label = str(system.transition(inst, choices))
            if graph.has_edge(a, b):
                graph.edges[a, b]["actions"].append(label)
            else:
                graph.add_edge(a, b, action=label, actions=[label])
        return graph
