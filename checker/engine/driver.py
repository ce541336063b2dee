"""The one driver: run a job on the engine its system needs, and judge what it found.

Every engine's findings are judged by the same rules (checker.verdicts); unbounded leads-to
runs on the engine's own graph, and one pass over the engine's reachable states
(checker.engine.blocked) finds the actions that a bound or a timeout always blocks. When the
spec has bounded responses, the search runs on the product of the system with their monitors
(model.products), which carries the system's own properties too: one pass answers the safety
properties, the leads-to and the responses. A product's job is derived from the job that
asks for it, so every search of a check shares its options and its budget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from model import lazy_module

from ..disabled import disabled_actions
from ..errors import UsageError
from ..products import response_results
from ..verdicts import judge, judge_properties
from .interface import Engine, Job, Run

if TYPE_CHECKING:
    from model import TransitionSystem

    from ..options import Options
    from . import blocked, cluster, discrete, explicit, zones
    from .cluster import zones as cluster_zones
else:  # the engines a system without clocks never needs load when first asked for
    blocked = lazy_module("checker.engine.blocked")
    cluster = lazy_module("checker.engine.cluster")
    cluster_zones = lazy_module("checker.engine.cluster.zones")
    discrete = lazy_module("checker.engine.discrete")
    explicit = lazy_module("checker.engine.explicit")
    zones = lazy_module("checker.engine.zones")

__all__ = ["run", "engine_for", "ENGINES", "EngineFactory"]

ENGINES = ("explicit", "discrete", "zones")


def engine_for(system: TransitionSystem, options: Options) -> Engine:
    """The engine for this system: explicit states without clocks; zones with clocks, or
    discrete time when asked for (`--time discrete`); with `--cluster`, the explicit engine
    distributed over Ray actors, or with clocks the zone engine distributed by discrete
    state (checker.engine.cluster.zones; `--time discrete` is refused there)."""
    if options.cluster is not None:
        if system.has_clocks and options.time_engine in (None, "zones"):
            return cluster_zones.ClusterZoneEngine(system, options)
        return cluster.ClusterEngine(system, options)
    if not system.has_clocks:
        return explicit.ExplicitEngine(system, options)
    if options.time_engine == "discrete":
        return discrete.DiscreteEngine(system, options)
    if options.time_engine not in (None, "zones"):
        raise UsageError(f"no time engine named '{options.time_engine}' (zones, discrete)")
    return zones.ZoneEngine(system)


EngineFactory = Callable[["TransitionSystem", "Options"], Engine]


def run(job: Job, make_engine: EngineFactory | None = None) -> Run:
    """Explore the job's system, judge every verdict it asks for, and say how it went.
    `make_engine` picks the engine for the searched system (default `engine_for`; a
    wrapper such as simulation, checker.engine.simulate, gives its own)."""
    bounded = [p for p in job.liveness() if p.within is not None]
    searched = job
    first_monitor = len(job.system.properties)
    if bounded:
        product = job.system.response_product([p.name for p in bounded], carry=True)
        monitors = tuple(range(first_monitor, first_monitor + len(bounded)))
        searched = replace(job, system=product, active=job.active + monitors)
    engine = (make_engine or engine_for)(searched.system, job.options)
    findings = engine.explore(searched)
    tracer = engine.tracer(findings)
    system = engine.system
    traced = None if job.traced is None else job.traced(set(findings.found))
    results = judge(system, findings, job.active, job.check_deadlock, tracer,
                    timed=engine.timed, check_timelock=job.check_timelock, traced=traced)
    results += engine.leads_to(searched, findings, searched.liveness())
    if bounded:
        verdicts = judge_properties(system, findings, searched.active[len(job.active):],
                                    tracer)
        results += response_results(job, bounded, verdicts)
    coverage: tuple[tuple[str, int], ...] = ()
    if job.coverage:
        with job.budget.timed("coverage"):
            coverage = engine.coverage(findings)
    # the actions time silently disables: one pass for every engine (checker.engine.blocked)
    blocked_states = blocked.blocked_instances(searched, system, engine.symbolic_states(findings)
                                if job.blocked else None, findings.complete)
    return Run(engine.describe(findings), results, findings.stats(), findings.stop_reason,
               lambda: engine.graph(findings, job.options.graph_limit), coverage,
               disabled_actions(system, blocked_states), blocked_states.complete)
