"""Questions answered by a product: scenarios and bounded responses.

Each is "build a product, run it, map the verdicts back": the system builds the product
(model.products: a scenario's script, response monitors), the driver
runs it as a job derived from the check's own (same options, same budget), and the
product's invariants and reachables are read back as the verdict on the question. The
response product also carries the spec's own properties, so the driver runs it *instead
of* the plain search: one pass answers both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from model import FAILING_INSTANCE, format_duration

from .report import PropertyResult
from .verdicts import result

if TYPE_CHECKING:
    from model import LivenessInfo

    from .engine.interface import Job, Run

__all__ = ["check_scenario", "response_results"]

Runner = Callable[["Job"], "Run"]


def _steps(n: int) -> str:
    return f"{n} step{'s' if n != 1 else ''}"


def check_scenario(job: Job, name: str, run: Runner) -> PropertyResult:
    """Scenario `name`: can its script run to its end, and do its asserts hold on every run
    that follows it?"""
    system = job.system
    skipped = system.scenario_skipped(name)
    if skipped is not None:  # not judged, so neither as expected nor against it: not a failure
        why, span = skipped
        return PropertyResult(name, "scenario", "skipped", system.expects.get(name), True, why,
                              str(span))
    product = system.scenario_product(name)
    index = {p.name: k for k, p in enumerate(product.system.properties)}

    def traced(found: set[int]) -> set[int]:
        """The one trace read below: the first violated assert's, else the furthest
        step's the script reaches."""
        for prop, _span in product.asserts:
            if index[prop] in found:
                return {index[prop]}
        reached = [index[at] for at in product.at if index[at] in found]
        return set(reached[-1:])

    outcome = run(replace(job.for_product(product.system, f"scenario {name}"), traced=traced))
    where = str(product.span)
    by_name = {r.name: r for r in outcome.results}
    for prop, span in product.asserts:
        verdict = by_name[prop]
        if verdict.status == "violated":
            trace = verdict.trace
            assert trace is not None
            return result(system, name, "scenario", "violated",
                          f"assert at {span} does not hold after {_steps(len(trace))}",
                          str(span), trace, verdict.why)
    complete = outcome.stats.exhaustive
    last = product.at[-1] if product.at else None
    if last is not None and by_name[last].status == "reached":
        trace = by_name[last].trace
        assert trace is not None
        if not complete:
            return result(system, name, "scenario", "unknown",
                          "the script can run to its end, but its asserts were not checked on "
                          "every run (a bound was hit)", where, trace)
        return result(system, name, "scenario", "reached",
                      f"the script can run to its end in {_steps(len(trace))}", where, trace)
    if not complete:
        return result(system, name, "scenario", "unknown", None, where, None)
    got = 0
    for k, at in enumerate(product.at, start=1):
        if by_name[at].status == "reached":
            got = k
    stuck = product.items[got]
    trace = by_name[product.at[got - 1]].trace if got else None
    return result(system, name, "scenario", "unreached",
                  f"the script cannot get past step {got + 1} ({stuck.what} at {stuck.span}); "
                  "the trace shows the furthest it gets", where, trace)


def response_results(job: Job, props: list[LivenessInfo],
                     monitors: list[PropertyResult]) -> list[PropertyResult]:
    """Bounded responses `P ~> Q within T` from the verdicts on their monitors' invariants
    (`monitors[k]` is prop k's), in a product of the system with a monitor per property."""
    system = job.system
    out = []
    for prop, verdict in zip(props, monitors):
        assert prop.within is not None and verdict.name == prop.name
        if verdict.status == "violated":
            # a `forall` response: the instance that fails is the first row of the why
            label = verdict.why[0][1] if verdict.why and verdict.why[0][0] == FAILING_INSTANCE \
                else None
            name = prop.name if label is None else f"{prop.name} ({label})"
            message = (f"{name}: the right side does not follow within "
                       f"{format_duration(prop.within)} of the left side")
            out.append(result(system, prop.name, "response", "violated", message,
                              str(prop.span), verdict.trace, verdict.why))
        else:
            out.append(result(system, prop.name, "response", verdict.status, None,
                              str(prop.span), None))
    return out
