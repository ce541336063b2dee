"""`simulate()`: random runs of a spec (checker.engine.simulate) through the one driver.

The main system, the product of its bounded responses and each scenario's product are run by
the same driver as `check` (checker.engine.driver.run) with the simulation engine in place
of the exhaustive one, so verdicts, traces and reports are the ones `check` gives: what a run
met is "violated" (or "reached"), everything else "unknown". A clean simulation proves
nothing, and the report says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from model import TransitionSystem

from .api import Constant, load, make_report
from .engine import Budget, Job, Progress, run
from .engine.interface import Engine, Run
from .engine.simulate import SimSettings, SimStats, SimulationEngine
from .errors import UsageError
from .options import Options, conflict
from .products import check_scenario
from .report import Report

__all__ = ["simulate", "simulate_system", "SimulationReport", "SimSettings", "SimStats"]


@dataclass(frozen=True)
class SimulationReport:
    """A simulation: the report (as `check` gives it, never exhaustive), the settings it ran
    with, and per simulated system (the main one first, then each scenario's product) what
    the runs did."""

    report: Report
    settings: SimSettings
    systems: tuple[tuple[str, SimStats], ...]

    @property
    def exit_code(self) -> int:
        return self.report.exit_code

    def data(self) -> dict[str, Any]:
        """The simulation's part of the reports, as plain data (docs/simulate.md)."""
        settings = self.settings
        main = self.systems[0][1] if self.systems else SimStats()
        return {
            "runs_asked": settings.runs, "runs": main.runs, "depth": settings.depth,
            "seed": settings.seed,
            "systems": [{
                "phase": "main" if phase == "main" else phase,
                "runs_asked": stats.runs_asked, "runs": stats.runs, "steps": stats.steps,
                "states": stats.states, "max_depth": stats.max_depth,
                "deadlocks": stats.deadlocks, "timelocks": stats.timelocks,
                "fired": dict(stats.fired),
                "shrunk": [{"finding": s.goal, "run": s.run, "found_steps": s.found_steps,
                            "steps": s.steps, "replays": s.replays} for s in stats.shrunk],
            } for phase, stats in self.systems],
        }

    @property
    def found(self) -> bool:
        """Whether some run met a violation."""
        return self.report.outcome == "violation"


def simulate(spec: str, constants: Mapping[str, Constant] | None = None,
             options: Options | None = None, settings: SimSettings | None = None,
             progress: Callable[[Progress], None] | None = None) -> SimulationReport:
    """Random runs of a spec (a path or spec text): `settings` says how many runs, how deep,
    from which seed and in how many processes (the report is the same whatever their
    number). `options` bound the whole simulation (time, memory, distinct states) and pick
    the properties, as for `check`."""
    return simulate_system(load(spec, constants), options or Options(),
                           settings or SimSettings(), progress)


def simulate_system(system: TransitionSystem, options: Options, settings: SimSettings,
                    progress: Callable[[Progress], None] | None = None,
                    budget: Budget | None = None) -> SimulationReport:
    """Simulate a compiled system: the main system, then each scenario, under one budget."""
    refused = conflict(options)
    if refused is not None:
        raise UsageError(refused)
    if settings.runs < 1 or settings.depth < 0 or settings.workers < 1:
        raise UsageError("a simulation needs --runs >= 1, --depth >= 0 and --workers >= 1")
    if options.workers != 1 or options.max_depth is not None:
        raise UsageError("give a simulation's processes and run length as SimSettings "
                         "(--workers, --depth), not as Options")
    budget = budget or Budget(options, progress)
    engines: list[tuple[str, SimulationEngine]] = []
    names = [p.name for p in system.properties]
    selected = [k for k, n in enumerate(names)
                if options.properties is None or n in options.properties]
    known = set(names) | set(system.scenario_names) | {p.name for p in system.liveness} \
        | {"deadlock", "timelock", "runtime"}
    for name in options.properties or ():
        if name not in known:
            raise UsageError(f"no property named '{name}' (this spec has: "
                             f"{', '.join(sorted(known))})")
    named = options.properties
    check_deadlock = options.check_deadlock
    if check_deadlock is None:
        check_deadlock = (not system.allow_deadlock or "deadlock" in system.expects) and \
            (named is None or "deadlock" in named)
    job = Job(system, options, budget, tuple(selected), check_deadlock, coverage=True,
              check_timelock=named is None or "timelock" in named, blocked=False)

    def factory(phase: str, sys: TransitionSystem, opts: Options) -> Engine:
        engine = SimulationEngine(sys, opts, settings)
        engines.append((phase, engine))
        return engine

    main = run(job, partial(factory, "main"))
    results = list(main.results)
    for name in system.scenario_names:
        if named is None or name in named:
            results.append(check_scenario(job, name, partial(_scenario_run, factory,
                                                             f"scenario {name}")))
    report = make_report(system, options, main.engine, results, main.stats,
                         None if main.stop_reason is None else main.stop_reason.value,
                         None, main.coverage)
    report = replace(report, options={**report.options, "runs": settings.runs,
                                      "depth": settings.depth, "seed": settings.seed})
    return SimulationReport(report, settings, tuple((phase, e.stats) for phase, e in engines))


def _scenario_run(factory: Callable[[str, TransitionSystem, Options], Engine], phase: str,
                  job: Job) -> Run:
    return run(job, partial(factory, phase))
