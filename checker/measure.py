"""Timing queries (`measure`): the interval of a clock, or of a delay, with its witnesses.

A measure is read on a product (model.products.measure) that gives the measured clock the
extrapolation constant K. On zones a bound of that clock is exact up to K (the question "is
a state with cond and x >= c reachable" is answered exactly for c <= K), so: start with K
the largest constant of the model, read both ends (zones: checker.engine.zones.measure;
discrete time: checker.engine.discrete.discrete_extremes), and while an end lies beyond K,
double K and read again. For a delay, an upper end beyond K first asks whether some
time-divergent run waits forever (the leads-to `@wait ~> not @wait` on the monitor, without
fairness): then the longest delay is unbounded and that run is the witness. Otherwise the
longest delay is finite and the doubling reaches it. For a clock measure with a discrete
condition, a time-divergent run that stays in the condition forever without resetting the
clock shows its upper end unbounded (a sufficient condition only). Every doubling stops at
a cap: the answer is then reported as not exact (status unknown), with the bound found,
never as an answer.

Each end has a witness: the run to a symbolic state where the end is met, with the clock
at that end (closed) or within a millisecond of it (open), its times from the schedule
solver.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from model import MeasureInfo

from .engine.driver import engine_for
from .errors import UsageError
from .lazy import lazy_module
from .report import Measured, MeasureEnd, PropertyResult, Trace, duration_text
from .trace import TraceError

if TYPE_CHECKING:
    from model import MeasureProduct, TransitionSystem

    from .engine import discrete, zones
    from .engine.findings import Findings
    from .engine.interface import Engine, Job, Run
    from .engine.zones import measure as zone_measure
else:  # only timed specs have measures
    discrete = lazy_module("checker.engine.discrete")
    zones = lazy_module("checker.engine.zones")
    zone_measure = lazy_module("checker.engine.zones.measure")

__all__ = ["measure_results", "interval_text", "DOUBLINGS"]

DOUBLINGS = 12  # K goes up to 4096 times the largest constant before the answer is refused

Runner = Callable[["Job"], "Run"]


def interval_text(expected: object) -> str:
    """An expected interval (model.ir.Interval) as `expect` writes it."""
    lo, lo_closed, hi, hi_closed = (getattr(expected, a) for a in
                                    ("lo", "lo_closed", "hi", "hi_closed"))
    return Measured("clock", MeasureEnd(lo, lo_closed), MeasureEnd(hi, hi_closed), True).text


def measure_results(job: Job, run: Runner) -> list[PropertyResult]:
    """The answers to the job's measures (every one, or those named by --property)."""
    names = job.options.properties
    return [_measure(job, info, run) for info in job.system.measures
            if names is None or info.name in names]


def _start(system: TransitionSystem) -> int:
    constants = [k for k in system.time_constants() if k > 0]
    return max(constants) if constants else 1000


def _measure(job: Job, info: MeasureInfo, run: Runner) -> PropertyResult:
    system = job.system
    k = _start(system)
    cap = k << DOUBLINGS
    unbounded: MeasureEnd | None = None  # the longest delay, once known to be unbounded
    asked_unbounded = False
    found: tuple[MeasureEnd | None, MeasureEnd | None] = (None, None)
    while True:
        product = system.measure_product(info.name, k)
        pjob = job.for_product(product.system, f"measure {info.name}")
        try:
            engine = engine_for(product.system, job.options)
            findings = engine.explore(pjob)
        except UsageError:
            if k == _start(system):
                raise  # the spec's own constants do not fit: the main search says so too
            # the doubled constant no longer fits the zone engine's 32-bit bounds
            hi, lo = found
            return _answer(job, info, lo, unbounded or hi, False,
                           f"an end lies beyond {duration_text(k // 2)}, and a larger constant "
                           "does not fit the zone engine")
        hi, lo = found = _ends(engine, product, findings)
        if not findings.complete:
            return _answer(job, info, lo, unbounded or hi, False,
                           "the search stopped at a bound before every state was seen: the "
                           "interval is what was found so far")
        if hi is None:
            return _answer(job, info, None, None, True, None)
        hi_over = unbounded is None and (hi.ms is None or hi.ms > k)
        lo_over = lo is not None and (lo.ms is None or lo.ms > k or
                                      (lo.ms == k and not lo.closed))
        if hi_over and not asked_unbounded:
            asked_unbounded = True
            unbounded = _waits_forever(job, info, run)
            hi_over = unbounded is None
        if not hi_over and not lo_over:
            return _answer(job, info, lo, unbounded or hi, True, None)
        if k >= cap:
            return _answer(job, info, lo, unbounded or hi, False,
                           f"an end lies beyond {duration_text(k)}, where the doubling of the "
                           "measured clock's constant stops")
        k *= 2


def _ends(engine: Engine, product: MeasureProduct, findings: Findings[int]
          ) -> tuple[MeasureEnd | None, MeasureEnd | None]:
    """The upper and the lower end found on this product, with witnesses; None: no state
    where the clock is read (the lower end None: nothing measured at all)."""
    (hi_where, hi_clock), (lo_where, lo_clock) = product.reads
    system = engine.system
    tracer = engine.tracer(findings)
    hi: MeasureEnd | None = None
    lo: MeasureEnd | None = None
    if isinstance(engine, zones.ZoneEngine):
        zc = engine.zc
        top, _ = zone_measure.zone_extremes(system, zc, findings, hi_where, hi_clock)
        _, bottom = zone_measure.zone_extremes(system, zc, findings, lo_where, lo_clock)
        if top is not None:
            ms, closed = zone_measure.end_value(top[0], True)
            hi = MeasureEnd(ms, closed, _zone_witness(tracer, top[1], hi_clock, ms, closed,
                                                     True))
        if bottom is not None:
            ms, closed = zone_measure.end_value(bottom[0], False)
            lo = MeasureEnd(ms, closed, _zone_witness(tracer, bottom[1], lo_clock, ms, closed,
                                                      False))
    else:
        assert isinstance(engine, discrete.DiscreteEngine)
        dtop, _ = discrete.discrete_extremes(system, findings, hi_where, hi_clock)
        _, dbottom = discrete.discrete_extremes(system, findings, lo_where, lo_clock)
        if dtop is not None:
            hi = MeasureEnd(dtop[0], True, _witness(lambda: tracer.property_trace(dtop[1], 0)))
        if dbottom is not None:
            lo = MeasureEnd(dbottom[0], True,
                            _witness(lambda: tracer.property_trace(dbottom[1], 0)))
    zero = product.zero
    if zero is not None and zero in findings.found:
        lo = MeasureEnd(0, True, _witness(lambda: tracer.property_trace(findings.found[zero],
                                                                         zero)))
    return hi, lo


def _witness(make: Callable[[], Trace]) -> Trace | None:
    try:
        return make()
    except TraceError:
        return None


def _zone_witness(tracer: object, node: int, x: int, ms: int | None, closed: bool,
                  upper: bool) -> Trace | None:
    """The run to `node` ending with clock x at the end `ms` (closed) or within 1 ms of it
    (open). None for no upper end (the unbounded case has its own witness)."""
    if ms is None:
        return None
    if closed:
        final = ((x, 0, (ms << 1) | 1), (0, x, (-ms << 1) | 1))
    elif upper:  # c - 1ms <= x < c
        final = ((x, 0, ms << 1), (0, x, (-(ms - 1) << 1) | 1))
    else:  # c < x <= c + 1ms
        final = ((0, x, (-ms) << 1), (x, 0, ((ms + 1) << 1) | 1))
    return _witness(lambda: tracer.trace_to(node, final))  # type: ignore[attr-defined]


def _waits_forever(job: Job, info: MeasureInfo, run: Runner) -> MeasureEnd | None:
    """Whether some time-divergent run shows the upper end unbounded (for a delay: it waits
    for Q forever after P; for a clock: it stays in the condition forever without resetting
    the clock), with that run; None if none does (for a clock: or none was found)."""
    product = job.system.unbounded_product(info.name)
    if product is None:
        return None
    asks = replace(job, options=replace(job.options, properties=None))  # its own leads-to
    outcome = run(asks.for_product(product, f"measure {info.name} (unbounded?)"))
    for verdict in outcome.results:
        if verdict.kind == "leadsto" and verdict.status == "violated":
            return MeasureEnd(None, False, verdict.trace)
    return None


def _answer(job: Job, info: MeasureInfo, lo: MeasureEnd | None, hi: MeasureEnd | None,
            exact: bool, note: str | None) -> PropertyResult:
    if hi is None:
        lo = None
    answer = Measured(info.kind, lo, hi, exact, note)
    expected = None if info.expected is None else interval_text(info.expected)
    status = "measured" if exact else "unknown"
    as_expected = exact and (expected is None or expected == answer.text)
    if hi is None:
        message = ("the left side never holds: there is no delay to measure"
                   if info.kind == "delay"
                   else "no reachable state satisfies the condition: nothing to measure")
    elif lo is None:
        message = ("the right side never follows the left side: there is no delay to "
                   "measure; the wait lasts up to " +
                   ("forever" if hi.ms is None else duration_text(hi.ms)))
    else:
        message = f"{answer.text}: {answer.words}"
    if not exact:
        message = f"not exact ({note}): {message}"
    trace = hi.witness if hi is not None else None
    return PropertyResult(info.name, "measure", status, expected, as_expected, message,
                          str(info.span), trace, measure=answer)
