"""The one driver: run a job on the engine its system needs, and judge what it found.

Every engine's findings are judged by the same rules (checker.verdicts); unbounded
leads-to runs on the engine's own graph; bounded responses are a product run by this same
driver (checker.products). A product's job is derived from the job that asks for it, so
every search of a check shares its options and its budget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import UsageError
from ..products import check_responses
from ..verdicts import judge
from .discrete import DiscreteEngine
from .explicit import ExplicitEngine
from .interface import Engine, Job, Run
from .zones import ZoneEngine

if TYPE_CHECKING:
    from model import TransitionSystem

    from ..options import Options

__all__ = ["run", "engine_for", "ENGINES"]

ENGINES = ("explicit", "discrete", "zones")


def engine_for(system: TransitionSystem, options: Options) -> Engine:
    """The engine for this system: explicit states without clocks; zones with clocks, or
    discrete time when asked for (`--time discrete`)."""
    if not system.has_clocks:
        return ExplicitEngine(system, options)
    if options.time_engine == "discrete":
        return DiscreteEngine(system, options)
    if options.time_engine not in (None, "zones"):
        raise UsageError(f"no time engine named '{options.time_engine}' (zones, discrete)")
    return ZoneEngine(system)


def run(job: Job) -> Run:
    """Explore the job's system, judge every verdict it asks for, and say how it went."""
    engine = engine_for(job.system, job.options)
    findings = engine.explore(job)
    system = engine.system
    results = judge(system, findings, job.active, job.check_deadlock, engine.tracer(findings),
                    timed=engine.timed)
    props = job.liveness()
    results += engine.leads_to(job, findings, props)
    results += check_responses(job, props, run)
    coverage = engine.coverage(findings) if job.coverage else ()
    return Run(engine.describe(findings), results, findings.stats(), findings.stop_reason,
               lambda: engine.graph(findings, job.options.graph_limit), coverage)
