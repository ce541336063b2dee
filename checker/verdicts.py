"""From what a search found to verdicts: one place for every engine.

An engine hands over an exploration (what was found first for each property, and whether
the search was exhaustive) and a *tracer* that turns a finding into a Trace. The verdict
rules are the same for all engines: an invariant holds only after an exhaustive search;
a reachable is unreached only then; a violation or a witness is definite either way.
"""

from __future__ import annotations

from typing import Protocol

from model.explain import explain

from .report import PropertyResult, Trace

__all__ = ["Tracer", "Findings", "judge", "result", "as_expected", "runtime_failure", "GOOD"]

GOOD = {"holds", "reached"}


class Tracer(Protocol):
    def property_trace(self, handle: object, index: int) -> Trace: ...
    def final_values(self, handle: object) -> tuple: ...
    def stuck_trace(self, handle: object) -> Trace: ...
    def runtime(self, handle: object, what: str, index: int) -> tuple[Trace, str, str]: ...


class Findings(Protocol):
    found: dict[int, object]
    deadlock: object | None
    timelock: object | None
    runtime: tuple[object, str, int] | None
    runtime_count: int
    deadlocks: int
    timelocks: int
    complete: bool


def as_expected(status: str, expected: str | None) -> bool:
    want_good = (expected or "holds") == "holds"
    return (status in GOOD) == want_good


def result(system, name: str, kind: str, status: str, message: str | None,
           location: str | None, trace: Trace | None,
           why: tuple[tuple[str, str], ...] = ()) -> PropertyResult:  # noqa: ANN001
    expected = system.expects.get(name)
    ok = status != "unknown" and as_expected(status, expected)
    return PropertyResult(name, kind, status, expected, ok, message, location, trace, why)


def runtime_failure(system, state: int, what: str, index: int
                    ) -> tuple[int | None, str, str]:  # noqa: ANN001
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


def judge(system, ex: Findings, selected: list[int], check_deadlock: bool, tracer: Tracer,
          timed: bool = False) -> list[PropertyResult]:  # noqa: ANN001
    """Verdicts for the selected properties, deadlock, timelock (timed specs) and runtime."""
    out: list[PropertyResult] = []

    def why(k: int) -> tuple[tuple[str, str], ...]:
        values = tracer.final_values(ex.found[k])
        return explain(system.model.properties[k].expr, values, system.sources)

    for k in selected:
        prop = system.properties[k]
        where = str(prop.span)
        if prop.kind == "invariant":
            if k in ex.found:
                trace = tracer.property_trace(ex.found[k], k)
                out.append(result(system, prop.name, "invariant", "violated",
                                  f"invariant {prop.name} is false after {_steps(trace)}", where,
                                  trace, why(k)))
            else:
                out.append(result(system, prop.name, "invariant",
                                  "holds" if ex.complete else "unknown", None, where, None))
        elif k in ex.found:
            trace = tracer.property_trace(ex.found[k], k)
            out.append(result(system, prop.name, "reachable", "reached",
                              f"{prop.name} is reached in {_steps(trace)}", where, trace,
                              why(k)))
        elif ex.complete:
            out.append(result(system, prop.name, "reachable", "unreached",
                              f"no reachable state satisfies {prop.name}", where, None))
        else:
            out.append(result(system, prop.name, "reachable", "unknown", None, where, None))
    if check_deadlock:
        if ex.deadlock is not None:
            trace = tracer.stuck_trace(ex.deadlock)
            what = "no action is enabled, now or later," if timed else "no action is enabled"
            out.append(result(system, "deadlock", "deadlock", "violated",
                              f"{what} after {_steps(trace)} ({ex.deadlocks} deadlock state"
                              f"{'s' if ex.deadlocks != 1 else ''} in all)", None, trace))
        else:
            out.append(result(system, "deadlock", "deadlock",
                              "holds" if ex.complete else "unknown", None, None, None))
    if timed:
        if ex.timelock is not None:
            trace = tracer.stuck_trace(ex.timelock)
            out.append(result(system, "timelock", "timelock", "violated",
                              f"time cannot pass and no action is enabled after {_steps(trace)}"
                              f" ({ex.timelocks} timelock state{'s' if ex.timelocks != 1 else ''}"
                              " in all)", None, trace))
        else:
            out.append(result(system, "timelock", "timelock",
                              "holds" if ex.complete else "unknown", None, None, None))
    if ex.runtime is None:
        out.append(result(system, "runtime", "runtime", "holds" if ex.complete else "unknown",
                          None, None, None))
    else:
        handle, what, index = ex.runtime
        trace, message, where = tracer.runtime(handle, what, index)
        more = ex.runtime_count - 1
        if more > 0:
            message += f" (and {more} more run-time error{'s' if more > 1 else ''})"
        out.append(result(system, "runtime", "runtime", "violated", message, where, trace))
    return out
