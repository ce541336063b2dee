"""`check()`: load a spec, explore it, judge every property, and return a Report."""

from __future__ import annotations

import os
from collections.abc import Callable

from model import TransitionSystem, load_spec, load_text

from .explore import Exploration, Progress, explore
from .options import Options
from .report import PropertyResult, Report, Stats
from .scenario import ScenarioSystem
from .trace import build_trace, path_to

__all__ = ["check", "check_system", "load", "UsageError"]

GOOD = {"holds", "reached"}


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


def check_system(system: TransitionSystem, options: Options,
                 progress: Callable[[Progress], None] | None = None) -> Report:
    selected = _selected(system, options)
    expects = system.expects
    check_deadlock = options.check_deadlock
    if check_deadlock is None:
        check_deadlock = not system.allow_deadlock or "deadlock" in expects
    if system.has_clocks:
        from .timed import check_timed  # the time engines

        return check_timed(system, options, selected, check_deadlock, progress)

    def unexpected(ex: Exploration) -> bool:
        for k in ex.found:
            kind = system.properties[k].kind
            status = "violated" if kind == "invariant" else "reached"
            if not _as_expected(status, expects.get(system.properties[k].name)):
                return True
        if ex.deadlock is not None and not _as_expected("violated", expects.get("deadlock")):
            return True
        return ex.runtime is not None and not _as_expected("violated", expects.get("runtime"))

    ex = explore(system, options, active=set(selected), check_deadlock=check_deadlock,
                 stop_when=unexpected if options.fail_fast else None, progress=progress)
    results = judge(system, ex, selected, check_deadlock)
    if options.properties is None or any(s.name in options.properties
                                         for s in system.model.scenarios):
        for scenario in system.model.scenarios:
            if options.properties is None or scenario.name in options.properties:
                results.append(check_scenario(system, scenario, options))
    stats = Stats(ex.states, ex.transitions, ex.depth, ex.deadlocks, ex.seconds, ex.complete)
    return make_report(system, options, "explicit", results, stats, ex.stop_reason,
                       lambda: _graph(system, ex, options))


def _selected(system: TransitionSystem, options: Options) -> list[int]:
    names = [p.name for p in system.properties]
    if options.properties is None:
        return list(range(len(names)))
    known = set(names) | {s.name for s in system.model.scenarios} | {"deadlock", "runtime"}
    for name in options.properties:
        if name not in known:
            raise UsageError(f"no property named '{name}' (this spec has: "
                             f"{', '.join(sorted(known))})")
    return [k for k, n in enumerate(names) if n in options.properties]


def _as_expected(status: str, expected: str | None) -> bool:
    want_good = (expected or "holds") == "holds"
    return (status in GOOD) == want_good


def result(system, name: str, kind: str, status: str, message: str | None,
           location: str | None, trace) -> PropertyResult:  # noqa: ANN001
    expected = system.expects.get(name)
    ok = status != "unknown" and _as_expected(status, expected)
    return PropertyResult(name, kind, status, expected, ok, message, location, trace)


def judge(system, ex: Exploration, selected: list[int], check_deadlock: bool) -> list[PropertyResult]:  # noqa: ANN001
    """Verdicts for the properties of an (explicit-state) exploration."""
    out: list[PropertyResult] = []
    for k in selected:
        prop = system.properties[k]
        where = str(prop.span)
        if prop.kind == "invariant":
            if k in ex.found:
                trace = build_trace(system, path_to(ex.parent, ex.found[k]))
                out.append(result(system, prop.name, "invariant", "violated",
                                  f"invariant {prop.name} is false after {len(trace)} step"
                                  f"{'s' if len(trace) != 1 else ''}", where, trace))
            else:
                out.append(result(system, prop.name, "invariant",
                                  "holds" if ex.complete else "unknown", None, where, None))
        else:
            if k in ex.found:
                trace = build_trace(system, path_to(ex.parent, ex.found[k]))
                out.append(result(system, prop.name, "reachable", "reached",
                                  f"{prop.name} is reached in {len(trace)} step"
                                  f"{'s' if len(trace) != 1 else ''}", where, trace))
            elif ex.complete:
                out.append(result(system, prop.name, "reachable", "unreached",
                                  f"no reachable state satisfies {prop.name}", where, None))
            else:
                out.append(result(system, prop.name, "reachable", "unknown", None, where, None))
    if check_deadlock:
        if ex.deadlock is not None:
            trace = build_trace(system, path_to(ex.parent, ex.deadlock))
            out.append(result(system, "deadlock", "deadlock", "violated",
                              f"no action is enabled after {len(trace)} step"
                              f"{'s' if len(trace) != 1 else ''} "
                              f"({ex.deadlocks} deadlock state{'s' if ex.deadlocks != 1 else ''}"
                              " in all)", None, trace))
        else:
            out.append(result(system, "deadlock", "deadlock",
                              "holds" if ex.complete else "unknown", None, None, None))
    out.append(runtime_result(system, ex))
    return out


def runtime_result(system, ex: Exploration) -> PropertyResult:  # noqa: ANN001
    if ex.runtime is None:
        return result(system, "runtime", "runtime", "holds" if ex.complete else "unknown",
                      None, None, None)
    state, what, index = ex.runtime
    path = path_to(ex.parent, state)
    if what == "action":
        err = system.runtime_error(state, index)
        if err is None:
            raise RuntimeError("the compiled model failed where the interpreter does not")
        message = f"error[{err.code}]: {err.message}"
        trace = build_trace(system, path, failing_instance=index, error=message)
    else:
        failing = system.property_error(state)
        assert failing is not None
        k, err = failing
        message = (f"error[{err.code}]: evaluating {system.properties[k].name}: "
                   f"{err.message}")
        trace = build_trace(system, path)
    more = ex.runtime_count - 1
    if more > 0:
        message += f" (and {more} more run-time error{'s' if more > 1 else ''})"
    return result(system, "runtime", "runtime", "violated", message, str(err.span), trace)


def check_scenario(system, scenario, options: Options) -> PropertyResult:  # noqa: ANN001
    """Explore the product of the system and the scenario's script."""
    product = ScenarioSystem(system, scenario)
    done = product.n_steps
    goal_index = 0

    def props_for(indices):  # noqa: ANN001, ANN202
        return (lambda s: 1 if s >> product.shift >= done else 0) if indices else None

    product.props_for = props_for  # type: ignore[method-assign]
    bounded = Options(max_states=options.max_states, max_depth=options.max_depth,
                      time_limit=options.time_limit)
    ex = explore(product, bounded, active={goal_index}, check_deadlock=False)
    where = str(scenario.span)
    if product.initial_violation is not None or product.violation is not None:
        item = product.violated_assert
        if product.initial_violation is not None:
            trace = build_trace(system, [product.initial_violation])
        else:
            before, _inst, _choices, after = product.violation
            trace = build_trace(system, path_to(ex.parent, before) + [after], via=product)
        return result(system, scenario.name, "scenario", "violated",
                      f"assert at {item.span} does not hold after {len(trace)} step"
                      f"{'s' if len(trace) != 1 else ''}", str(item.span), trace)
    if goal_index in ex.found:
        trace = build_trace(system, path_to(ex.parent, ex.found[goal_index]), via=product)
        status = "reached" if ex.complete else "unknown"
        message = (f"the script can run to its end in {len(trace)} step"
                   f"{'s' if len(trace) != 1 else ''}")
        if not ex.complete:
            message += "; its asserts were not checked on every run (a bound was hit)"
        return result(system, scenario.name, "scenario", status, message, where, trace)
    if not ex.complete:
        return result(system, scenario.name, "scenario", "unknown", None, where, None)
    reached = product.max_position
    steps = scenario.steps
    stuck = steps[reached] if reached < len(steps) else steps[-1]
    trace = None
    deepest = [s for s in ex.parent if s >> product.shift == reached]
    if deepest:
        trace = build_trace(system, path_to(ex.parent, deepest[0]), via=product)
    return result(system, scenario.name, "scenario", "unreached",
                  f"the script cannot get past step {reached + 1} ({stuck.action.name} at "
                  f"{stuck.span}); the trace shows the furthest it gets", where, trace)


def make_report(system, options: Options, engine: str, results: list[PropertyResult],
                stats: Stats, stop_reason: str | None, graph) -> Report:  # noqa: ANN001
    if any(r.status != "unknown" and not r.as_expected for r in results):
        outcome = "violation"
    elif any(r.status == "unknown" for r in results):
        outcome = "incomplete"
    else:
        outcome = "ok"
    return Report(system.name, system.file, tuple(system.constants()), options.describe(),
                  engine, outcome, stop_reason, stats, tuple(results), _graph=graph)


def _graph(system, ex: Exploration, options: Options):  # noqa: ANN001, ANN202
    from .graph import state_graph

    return state_graph(system, ex.parent, options.graph_limit)
