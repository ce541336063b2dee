"""The zone engine: symbolic states of a discrete state and a zone of clock valuations.

    dbm.py            difference-bound matrices (the reference kernel, pure Python)
    extrapolation.py  Extra+_M and Extra+_LU with per-state constants
    search.py         breadth-first search over symbolic states, the passed list
    schedule.py       exact firing times for a symbolic path
    tracer.py         traces with times; lassos of the zone graph
    leadsto.py        unbounded leads-to on the exact zone graph, time divergence

Extra+_LU is used when no stuck state needs finding (deadlocks not checked and no bound
that could stop time); otherwise Extra+_M, which keeps deadlocks and timelocks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from model import format_duration

from ...graph import check_graph_size
from ...liveness import unbounded
from ...report import PropertyResult
from ..findings import Findings
from ..store import ROOT
from . import dbm
from .extrapolation import ExtraLU, ExtraM, Extrapolation
from .leadsto import zone_leads_to
from .search import StaleClock, ZoneNodes, explore_zones
from .tracer import ZoneTracer

if TYPE_CHECKING:
    import networkx as nx

    from model import LivenessInfo, TransitionSystem

    from ..interface import Job

__all__ = ["ZoneEngine"]


class ZoneEngine:
    """Zones (see the module docstring)."""

    timed = True

    def __init__(self, system: TransitionSystem):
        self.system = system
        self.zc = system.zone_code
        self.always: frozenset[int] = frozenset()
        self.extrapolation: Extrapolation | None = None

    def describe(self, findings: Findings[Any]) -> str:
        assert self.extrapolation is not None
        text = f"zones ({self.extrapolation.name}, per-state constants)"
        if self.always:
            names = self.system.clock_names
            text += "; global constants for " + ", ".join(names[x] for x in sorted(self.always))
        return text

    def explore(self, job: Job) -> Findings[int]:
        use_lu = not job.check_deadlock and not self.system.has_bounds
        while True:
            kind = ExtraLU if use_lu else ExtraM
            self.extrapolation = kind(self.zc, self.always)
            try:
                return explore_zones(job, self.zc, self.extrapolation)
            except StaleClock as stale:
                self.always = self.always | frozenset(stale.clocks)

    def tracer(self, findings: Findings[int]) -> ZoneTracer:
        return ZoneTracer(self.system, self.zc, findings)

    def leads_to(self, job: Job, findings: Findings[int],
                 props: list[LivenessInfo]) -> list[PropertyResult]:
        return zone_leads_to(job, self.zc, findings, self.always, unbounded(props))

    def coverage(self, findings: Findings[int]) -> tuple[tuple[str, int], ...]:
        nodes: ZoneNodes = findings.store
        names = self.system.action_names
        instances = self.system.instances
        counts = [0] * len(names)
        for _a, _b, inst, _choices in nodes.edges:
            counts[instances[inst][0]] += 1
        return tuple(zip(names, counts))

    def graph(self, findings: Findings[int], limit: int) -> nx.DiGraph:
        import networkx as nx

        system = self.system
        nodes: ZoneNodes = findings.store
        check_graph_size(len(nodes), limit, "symbolic states")
        names = system.clock_names
        graph = nx.DiGraph(spec=system.name, symbolic=True)
        for i, (d, z) in enumerate(zip(nodes.discrete, nodes.zones)):
            shown = system.layout.show(system.decode(d))
            zone = dbm.format_dbm(z, self.zc.n, names, format_duration)
            graph.add_node(i, initial=nodes.parent[i] == ROOT, state=dict(shown), zone=zone,
                           label=", ".join(f"{a}={b}" for a, b in shown) + f" | {zone}")
        for a, b, inst, choices in nodes.edges:
            label = str(system.transition(inst, choices))
            if graph.has_edge(a, b):
                graph.edges[a, b]["actions"].append(label)
            else:
                graph.add_edge(a, b, action=label, actions=[label])
        return graph
