"""From what a search found to verdicts: one place for every engine.

An engine hands over its findings (what was found first for each property, and whether
the search was exhaustive) and a *tracer* that turns a finding into a Trace. The verdict
rules are the same for all engines: an invariant holds only after an exhaustive search;
a reachable is unreached only then; a violation or a witness is definite either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from model import ClockInterval

from .report import PropertyResult, Trace
from .trace import end_clock_texts, format_duration

if TYPE_CHECKING:
    from model import TransitionSystem

    from .engine.findings import Findings
    from .engine.interface import Tracer

__all__ = ["judge", "judge_properties", "result", "as_expected", "unexpected", "runtime_failure",
           "GOOD"]

GOOD = {"holds", "reached"}


def as_expected(status: str, expected: str | None) -> bool:
    want_good = (expected or "holds") == "holds"
    return (status in GOOD) == want_good


def result(system: TransitionSystem, name: str, kind: str, status: str, message: str | None,
           location: str | None, trace: Trace | None,
           why: tuple[tuple[str, str], ...] = ()) -> PropertyResult:
    expected = system.expects.get(name)
    ok = status != "unknown" and as_expected(status, expected)
    reads = system.property_leaves(name) if trace is not None else ()
    return PropertyResult(name, kind, status, expected, ok, message, location, trace, why,
                          reads)


def unexpected(system: TransitionSystem) -> Callable[[Findings[Any]], bool]:
    """For --fail-fast: whether what a search has found so far already makes a verdict
    differ from the spec's expectation."""
    expects = system.expects

    def check(findings: Findings[Any]) -> bool:
        for k in findings.found:
            prop = system.properties[k]
            status = "violated" if prop.kind == "invariant" else "reached"
            if not as_expected(status, expects.get(prop.name)):
                return True
        for name, handle in (("deadlock", findings.deadlock), ("timelock", findings.timelock)):
            if handle is not None and not as_expected("violated", expects.get(name)):
                return True
        return findings.runtime is not None and \
            not as_expected("violated", expects.get("runtime"))

    return check


def runtime_failure(system: TransitionSystem, state: int, what: str, index: int
                    ) -> tuple[int | None, str, str]:
    """What a run-time error found by the engine was, from the reference interpreter: the
    failing action instance (None when a property failed to evaluate), the message and the
    source location. For the Tracer.runtime of every engine."""
    if what == "action":
        err = system.runtime_error(state, index)
        if err is None:
            raise RuntimeError("the compiled model failed where the interpreter does not")
        return index, f"error[{err.code}]: {err.message}", str(err.span)
    failing = system.property_error(state)
    assert failing is not None
    k, err = failing
    message = f"error[{err.code}]: evaluating {system.properties[k].name}: {err.message}"
    return None, message, str(err.span)


def _steps(trace: Trace) -> str:
    return f"{len(trace)} step{'s' if len(trace) != 1 else ''}"


def judge_properties(system: TransitionSystem, ex: Findings[Any], selected: Iterable[int],
                     tracer: Tracer, traced: set[int] | None = None) -> list[PropertyResult]:
    """Verdicts for the selected invariants and reachables; with `traced`, a property
    found outside it is judged without a trace (nor message, nor why)."""
    out: list[PropertyResult] = []

    def why(k: int, trace: Trace) -> tuple[tuple[str, str], ...]:
        ranges = [ClockInterval(lo, hi, lo_strict, hi_strict)
                  for lo, lo_strict, hi, hi_strict in trace.clock_ranges]
        return system.explain_property(k, tracer.final_values(ex.found[k]),
                                       trace.clocks or None, format_duration, ranges or None,
                                       end_clock_texts(system, trace))

    for k in selected:
        prop = system.properties[k]
        where = str(prop.span)
        if traced is not None and k in ex.found and k not in traced:
            status = "violated" if prop.kind == "invariant" else "reached"
            out.append(result(system, prop.name, prop.kind, status, None, where, None))
            continue
        if prop.kind == "invariant":
            if k in ex.found:
                trace = tracer.property_trace(ex.found[k], k)
                out.append(result(system, prop.name, "invariant", "violated",
                                  f"invariant {prop.name} is false after {_steps(trace)}", where,
                                  trace, why(k, trace)))
            else:
                out.append(result(system, prop.name, "invariant",
                                  "holds" if ex.complete else "unknown", None, where, None))
        elif k in ex.found:
            trace = tracer.property_trace(ex.found[k], k)
            out.append(result(system, prop.name, "reachable", "reached",
                              f"{prop.name} is reached in {_steps(trace)}", where, trace,
                              why(k, trace)))
        elif ex.complete:
            out.append(result(system, prop.name, "reachable", "unreached",
                              f"no reachable state satisfies {prop.name}", where, None))
        else:
            out.append(result(system, prop.name, "reachable", "unknown", None, where, None))
    return out


def judge(system: TransitionSystem, ex: Findings[Any], selected: Iterable[int],
          check_deadlock: bool, tracer: Tracer, timed: bool = False,
          check_timelock: bool = True, traced: set[int] | None = None) -> list[PropertyResult]:
    """Verdicts for the selected properties, deadlock, timelock (timed specs, when asked)
    and runtime; `traced` as for judge_properties."""
    out = judge_properties(system, ex, selected, tracer, traced)
    if check_deadlock:
        if ex.deadlock is not None:
            trace = tracer.stuck_trace(ex.deadlock)
            what = "no action is enabled, now or later," if timed else "no action is enabled"
            out.append(result(system, "deadlock", "deadlock", "violated",
                              f"{what} after {_steps(trace)} ({ex.deadlocks} deadlock state"
                              f"{'s' if ex.deadlocks != 1 else ''} in all)", None, trace,
                              system.explain_stuck(tracer.final_values(ex.deadlock),
                                                   trace.clocks or None, format_duration)))
        else:
            out.append(result(system, "deadlock", "deadlock",
                              "holds" if ex.complete else "unknown", None, None, None))
    if timed and check_timelock:
        if ex.timelock is not None:
            trace = tracer.stuck_trace(ex.timelock)
            out.append(result(system, "timelock", "timelock", "violated",
                              f"time cannot pass and no action is enabled after {_steps(trace)}"
                              f" ({ex.timelocks} timelock state{'s' if ex.timelocks != 1 else ''}"
                              " in all)", None, trace,
                              system.explain_stuck(tracer.final_values(ex.timelock),
                                                   trace.clocks or None, format_duration,
                                                   timelock=True)))
        else:
            out.append(result(system, "timelock", "timelock",
                              "holds" if ex.complete else "unknown", None, None, None))
    if ex.runtime is None:
        out.append(result(system, "runtime", "runtime", "holds" if ex.complete else "unknown",
                          None, None, None))
    else:
        trace, message, where = tracer.runtime(ex.runtime.handle, ex.runtime.what,
                                               ex.runtime.index)
        more = ex.runtime_count - 1
        if more > 0:
            message += f" (and {more} more run-time error{'s' if more > 1 else ''})"
        why = system.explain_runtime(tracer.final_values(ex.runtime.handle), ex.runtime.what,
                                     ex.runtime.index)
        out.append(result(system, "runtime", "runtime", "violated", message, where, trace,
                          why))
    return out
