"""`check()`: load a spec, explore it with the right engine, judge every property, check
every scenario, and return a Report."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from model import TransitionSystem, load_spec, load_text
from model.products import scenario_product

from .explore import Exploration, Progress, explore
from .options import Options
from .report import PropertyResult, Report, Stats, Trace
from .trace import build_trace
from .verdicts import as_expected, judge, result, runtime_failure

__all__ = ["check", "check_system", "load", "UsageError", "run"]


class UsageError(Exception):
    """The options do not fit the spec (e.g. --property names no property)."""


def load(spec: str, constants: dict[str, str] | None = None) -> TransitionSystem:
    """A spec path (an existing file or a name ending in .tock) or spec text, compiled."""
    if spec.endswith(".tock") or (os.path.exists(spec) and "\n" not in spec):
        return load_spec(spec, constants)
    return load_text(spec, "<text>", constants)


def check(spec: str, constants: dict[str, str] | None = None, options: Options | None = None,
          progress: Callable[[Progress], None] | None = None) -> Report:
    """Check a spec (a path or spec text) and return its Report. Raises SpecError for a
    faulty spec and UsageError for options that do not fit it."""
    return check_system(load(spec, constants), options or Options(), progress)


@dataclass
class Run:
    """One engine's run over one system: verdicts, statistics, and the graph (if any)."""

    engine: str
    results: list[PropertyResult]
    stats: Stats
    stop_reason: str | None
    graph: Callable[[], object] | None
    coverage: tuple[tuple[str, int], ...] = ()


def check_system(system: TransitionSystem, options: Options,
                 progress: Callable[[Progress], None] | None = None) -> Report:
    selected = _selected(system, options)
    check_deadlock = options.check_deadlock
    if check_deadlock is None:
        check_deadlock = not system.allow_deadlock or "deadlock" in system.expects
    main = run(system, options, selected, check_deadlock, progress)
    results = list(main.results)
    for scenario in system.model.scenarios:
        if options.properties is None or scenario.name in options.properties:
            results.append(check_scenario(system, scenario, options))
    return make_report(system, options, main.engine, results, main.stats, main.stop_reason,
                       main.graph, main.coverage)


def run(system: TransitionSystem, options: Options, selected: list[int], check_deadlock: bool,
        progress: Callable[[Progress], None] | None = None, fail_fast: bool | None = None) -> Run:
    """Explore `system` with the engine its time semantics needs."""
    if system.has_clocks:
        from .timed import run_timed

        return run_timed(system, options, selected, check_deadlock, progress, fail_fast)
    expects = system.expects

    def unexpected(ex: Exploration) -> bool:
        for k in ex.found:
            kind = system.properties[k].kind
            status = "violated" if kind == "invariant" else "reached"
            if not as_expected(status, expects.get(system.properties[k].name)):
                return True
        if ex.deadlock is not None and not as_expected("violated", expects.get("deadlock")):
            return True
        return ex.runtime is not None and not as_expected("violated", expects.get("runtime"))

    stop = options.fail_fast if fail_fast is None else fail_fast
    compact = _use_compact(system, options)
    if compact:
        from .levels import explore_levels

        ex = explore_levels(system, options, active=set(selected), check_deadlock=check_deadlock,
                            stop_when=unexpected if stop else None, progress=progress,
                            workers=options.workers)
        engine = "explicit, compact store" + (f", {options.workers} workers"
                                              if options.workers > 1 else "")
    else:
        ex = explore(system, options, active=set(selected), check_deadlock=check_deadlock,
                     stop_when=unexpected if stop else None, progress=progress)
        engine = "explicit"
    tracer = ExplicitTracer(system, ex)
    results = judge(system, ex, selected, check_deadlock, tracer)
    if system.model.liveness:
        from .liveness import liveness_results

        results += liveness_results(
            system, set(options.properties) if options.properties else None,
            ex.store.states(), ex.initial, ex.complete,
            lambda path, insts, loop: build_trace(system, path, instances=insts,
                                                  loop_start=loop), timed=False)
    stats = Stats(ex.states, ex.transitions, ex.depth, ex.deadlocks, ex.seconds, ex.complete)
    coverage = action_coverage(system, ex.store.states()) if options.coverage else ()
    return Run(engine, results, stats, ex.stop_reason, lambda: _graph(system, ex, options),
               coverage)


def _use_compact(system: TransitionSystem, options: Options) -> bool:
    """The compact store (checker.levels) unless the fast one is asked for or the states
    do not fit in 64 bits."""
    fits = system.layout.width <= 64
    if options.memory == "compact" and not fits:
        raise UsageError(f"--memory compact stores a state in 64 bits; this spec's states "
                         f"take {system.layout.width}; use --memory fast")
    compact = options.memory != "fast" and fits
    if options.workers > 1 and not compact:
        raise UsageError("--workers needs the compact store (--memory compact), which "
                         f"stores a state in 64 bits; this spec's states take "
                         f"{system.layout.width}")
    return compact


def action_coverage(system, states) -> tuple[tuple[str, int], ...]:  # noqa: ANN001
    """How many transitions each action has in the explored states (zero: it never fired;
    a dead action is usually a modelling mistake)."""
    counts = [0] * len(system.model.actions)
    instances = system.instances
    for state in states:
        for inst, _choices, nxt in system.labeled(state):
            if nxt is not None:
                counts[instances[inst][0]] += 1
    return tuple((action.name, n) for action, n in zip(system.model.actions, counts))


class ExplicitTracer:
    """Traces of the explicit-state engine: parent links, labelled and replayed."""

    def __init__(self, system: TransitionSystem, ex: Exploration):
        self.system = system
        self.ex = ex
        self._cache: dict[int, Trace] = {}

    def property_trace(self, state: int, index: int) -> Trace:
        if state not in self._cache:
            self._cache[state] = build_trace(self.system, self.ex.store.path(state))
        return self._cache[state]

    def stuck_trace(self, state: int) -> Trace:
        return build_trace(self.system, self.ex.store.path(state))

    def final_values(self, state: int) -> tuple:
        return self.system.decode(state)

    def runtime(self, state: int, what: str, index: int) -> tuple[Trace, str, str]:
        inst, message, where = runtime_failure(self.system, state, what, index)
        path = self.ex.store.path(state)
        if inst is None:
            return build_trace(self.system, path), message, where
        return build_trace(self.system, path, failing_instance=inst, error=message), message, \
            where


def _selected(system: TransitionSystem, options: Options) -> list[int]:
    names = [p.name for p in system.properties]
    if options.properties is None:
        return list(range(len(names)))
    known = (set(names) | {s.name for s in system.model.scenarios}
             | {p.name for p in system.model.liveness} | {"deadlock", "timelock", "runtime"})
    for name in options.properties:
        if name not in known:
            raise UsageError(f"no property named '{name}' (this spec has: "
                             f"{', '.join(sorted(known))})")
    return [k for k, n in enumerate(names) if n in options.properties]


def check_scenario(system: TransitionSystem, scenario, options: Options) -> PropertyResult:  # noqa: ANN001
    """Explore the product of the system and the scenario's script (model.product)."""
    product_model, info = scenario_product(system.model, scenario)
    product = TransitionSystem(product_model, system.sources)
    bounded = Options(max_states=options.max_states, max_depth=options.max_depth,
                      time_limit=options.time_limit, time_engine=options.time_engine,
                      tick=options.tick)
    outcome = run(product, bounded, list(range(len(product.properties))), False, fail_fast=False)
    where = str(scenario.span)
    by_name = {r.name: r for r in outcome.results}
    for name, item in info.asserts:
        verdict = by_name[name]
        if verdict.status == "violated":
            trace = verdict.trace
            return result(system, scenario.name, "scenario", "violated",
                          f"assert at {item.span} does not hold after {len(trace)} step"
                          f"{'s' if len(trace) != 1 else ''}", str(item.span), trace,
                          verdict.why)
    complete = outcome.stats.exhaustive
    last = info.at[-1] if info.at else None
    if last is not None and by_name[last].status == "reached":
        trace = by_name[last].trace
        if not complete:
            return result(system, scenario.name, "scenario", "unknown",
                          "the script can run to its end, but its asserts were not checked on "
                          "every run (a bound was hit)", where, trace)
        return result(system, scenario.name, "scenario", "reached",
                      f"the script can run to its end in {len(trace)} step"
                      f"{'s' if len(trace) != 1 else ''}", where, trace)
    if not complete:
        return result(system, scenario.name, "scenario", "unknown", None, where, None)
    got = 0
    for k, name in enumerate(info.at, start=1):
        if by_name[name].status == "reached":
            got = k
    stuck = info.items[got]
    what = (f"{stuck.action.name}" if hasattr(stuck, "action")
            else "the wait")
    trace = by_name[info.at[got - 1]].trace if got else None
    return result(system, scenario.name, "scenario", "unreached",
                  f"the script cannot get past step {got + 1} ({what} at {stuck.span}); "
                  "the trace shows the furthest it gets", where, trace)


def make_report(system, options: Options, engine: str, results: list[PropertyResult],
                stats: Stats, stop_reason: str | None, graph,
                coverage: tuple[tuple[str, int], ...] = ()) -> Report:  # noqa: ANN001
    if any(r.status != "unknown" and not r.as_expected for r in results):
        outcome = "violation"
    elif any(r.status == "unknown" for r in results):
        outcome = "incomplete"
    else:
        outcome = "ok"
    processes = tuple((p.name, tuple(local.name for local in p.locals))
                      for p in system.model.processes)
    return Report(system.name, system.file, tuple(system.constants()), options.describe(),
                  engine, outcome, stop_reason, stats, tuple(results), coverage,
                  processes, _graph=graph)


def _graph(system, ex: Exploration, options: Options):  # noqa: ANN001, ANN202
    from .graph import GraphTooLarge, state_graph

    if len(ex.store) > options.graph_limit:
        raise GraphTooLarge(f"the state graph has {len(ex.store):,} states, more than the limit "
                            f"of {options.graph_limit:,}; shrink the model (smaller constants) "
                            "or raise the limit")
    return state_graph(system, ex.store.parent_map(), options.graph_limit)
