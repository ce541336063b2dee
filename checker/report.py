"""The result of a run, as data: verdicts, statistics and traces. Renderers format it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import field
from fractions import Fraction
from typing import Any

from model import exact_text, format_duration, format_time, nodeclass, open_text

__all__ = ["Change", "Step", "Trace", "MeasureEnd", "Measured", "duration_text",
           "PropertyResult", "Stats", "Report", "stop_reason_text",
           "OUTCOME_EXIT", "TOOL", "VERSION", "SCHEMA", "format_time", "exact_text",
           "open_text", "format_duration", "expectation_note", "Blocker",
           "DisabledAction", "DiffResult", "Direction", "Divergence", "Row", "rows_iter",
           "DIFF_VERSION"]

TOOL = "tock"
VERSION = "0.1.0"
SCHEMA = 1  # version of the JSON report format (docs/json-report.md)

OUTCOME_EXIT = {"ok": 0, "violation": 1, "error": 2, "incomplete": 3, "internal": 4}


@nodeclass(frozen=True, slots=True)
class Change:
    """A leaf that a step changed: `var` names it as the reports do (`tmState`,
    `rmState[2]`, `client[1].since`, a clock); `old` and `new` are its values as Python
    data, as in `Step.state` (bool, int, an enum member's name as str, a duration or a
    clock in seconds as int or float, a set or queue as a list, an array or record as a
    dict); `old_text` and `new_text` are the same values as the reports write them."""

    var: str
    old: object
    new: object
    old_text: str
    new_text: str


@nodeclass(frozen=True, slots=True)
class Step:
    """A state of a trace and the transition that led to it (None for the initial state).

    `state` is the whole valuation as JSON-ready data keyed by variable; `values` the same
    as (leaf, text) pairs; `changes` the leaves this step changed (`Change`: typed old and
    new values, and their text); `time` the absolute time in seconds for timed specs (a
    float; the JSON report's `time`), and `time_text` the same time exactly, as the reports
    write it (`75`, `0.001`, `75+1/3` for a time that is no finite decimal); `error` a
    run-time error this step ran into (the state is then the state before it).
    `derived`: the spec's `show` columns in this state, (name, value as data, text); they
    are also in `values` (after the variables and clocks) and, where they changed, in
    `changes`, so every report shows them like variables; `state` holds variables only."""

    action: str | None
    process: str | None
    args: tuple[tuple[str, str], ...]
    choices: tuple[tuple[str, str], ...]
    label: str | None
    state: dict[str, object]
    values: tuple[tuple[str, str], ...]
    changes: tuple[Change, ...]
    time: float | None = None
    error: str | None = None
    time_text: str | None = None
    time_open: tuple[str, Fraction] | None = None
    derived: tuple[tuple[str, object, str], ...] = ()

    @property
    def exact_time(self) -> Fraction | None:
        """The time exactly, in seconds (from `time_text`; else from the float)."""
        if self.time_text is not None:
            whole, plus, rest = self.time_text.partition("+")  # `75+1/3`: an older text
            return Fraction(whole) + Fraction(rest) if plus else Fraction(self.time_text)
        if self.time is None:
            return None
        return Fraction(self.time).limit_denominator(1_000_000)

    @property
    def shown_time(self) -> str | None:
        """The time as the reports write it: a decimal in seconds, without the unit."""
        exact = self.exact_time
        return None if exact is None else format_time(exact)

    @property
    def shown_open(self) -> str | None:
        """An open time in words (`just after 75 s`), or None."""
        if self.time_open is None:
            return None
        return open_text(*self.time_open)

    def time_label(self, unit: str = " s") -> str | None:
        """The time as every report writes it: `75 s`, or `75.001 s (just after 75 s)` for
        an open one (`unit` follows the number: the text report's `t=75` has none)."""
        shown = self.shown_time
        if shown is None:
            return None
        words = self.shown_open
        return f"{shown}{unit}" + (f" ({words})" if words else "")


@nodeclass(frozen=True, slots=True)
class Trace:
    """Steps from an initial state. `loop_start` marks the first state of a lasso's cycle.
    `clocks`: the exact clock values (ms, clock 1 first) in the last step's state, for a
    timed trace (empty otherwise); what the "why" of a clock property reads.
    `clock_ranges`: where the zone engine knows it, the interval of each clock (ms) over
    every run along the trace's path that ends where the property is violated, as
    (low, low strict, high or None for unbounded, high strict); empty otherwise."""

    steps: tuple[Step, ...]
    loop_start: int | None = None
    clocks: tuple[Fraction, ...] = ()
    clock_ranges: tuple[tuple[Fraction, bool, Fraction | None, bool], ...] = ()

    def __len__(self) -> int:
        """The number of transitions: steps with an action (not the initial state, and not
        a closing "(time passes)" entry)."""
        return sum(1 for step in self.steps if step.action is not None)


@nodeclass(frozen=True, slots=True)
class MeasureEnd:
    """One end of a measure's interval: `ms` (None: no upper end, the value is unbounded),
    whether the end is attained (`closed`) or only approached, and the witness: a run that
    attains it, or comes within a millisecond of it (for no upper end: a run that waits
    forever, a lasso)."""

    ms: int | None
    closed: bool
    witness: Trace | None = None


def duration_text(ms: int) -> str:
    """A duration as the spec language writes it: 90s, 349999ms, 15min (model's one
    formatter of durations)."""
    return format_duration(ms)


@nodeclass(frozen=True, slots=True)
class Measured:
    """The answer to a timing query (`measure`): the interval [lo, hi] of a clock over the
    states where a condition holds (kind "clock") or of the delay from P to Q (kind
    "delay"). `exact` False: a bound stopped the computation, and `lo`/`hi` are what was
    found so far (`note` says why); `lo` None: no state satisfies the condition."""

    kind: str
    lo: MeasureEnd | None
    hi: MeasureEnd | None
    exact: bool
    note: str | None = None

    @property
    def text(self) -> str:
        """The interval as `expect` writes it: `[335s, 350s]`, `(75s, 90s]`, `[0s, inf)`;
        `none` when nothing was measured."""
        if self.lo is None or self.hi is None:
            return "none"
        left = f"{'[' if self.lo.closed else '('}{duration_text(self.lo.ms or 0)}"
        right = "inf)" if self.hi.ms is None else \
            f"{duration_text(self.hi.ms)}{']' if self.hi.closed else ')'}"
        return f"{left}, {right}"

    def describe(self, end: MeasureEnd, upper: bool) -> str:
        """What one end is and what its witness shows (text and HTML reports)."""
        if not self.exact:
            return "found so far (not exact)"
        if end.ms is None:
            return "unbounded: this run waits forever (it never reaches the right side)"
        value = duration_text(end.ms)
        waits = self.kind == "delay" and upper  # the run ends while still waiting
        if end.closed:
            return f"{value}, attained: " + ("this run has waited that long at its end"
                                             if waits else "by this run, at its end")
        side = "below" if upper else "above"
        return (f"{value}, not attained: this run comes within 1ms of it from {side}"
                + (" (it has waited that long at its end)" if waits else ""))

    @property
    def words(self) -> str:
        """The interval as a sentence part: `335s <= d <= 350s`, `75s < d <= 90s`."""
        if self.lo is None or self.hi is None:
            return "never measured (no reachable state satisfies the condition)"
        what = "delay" if self.kind == "delay" else "value"
        left = f"{duration_text(self.lo.ms or 0)} {'<=' if self.lo.closed else '<'} {what}"
        if self.hi.ms is None:
            return f"{left}, unbounded above"
        return f"{left} {'<=' if self.hi.closed else '<'} {duration_text(self.hi.ms)}"


@nodeclass(frozen=True, slots=True)
class PropertyResult:
    """The verdict on one property.

    status: holds | violated | reached | unreached | unknown | measured (a timing query's
    exact answer, in `measure`; `expected` is then the interval the spec expects, as `expect`
    writes it) | skipped (a scenario not run:
    it names a value that the constants set leave out; `message` says which, and
    as_expected is True: it is not a failure). expected: the spec's
    `expect` (holds | fails) or None. as_expected: whether the verdict meets the
    expectation (no expect means: invariants hold, reachables are reached). why: for a
    violated invariant or a reached reachable, its sub-expressions (as the spec wrote
    them) with their values in the trace's last state. reads: the leaves the property
    reads (as Step.values names them), for a property with a trace: the pictures show
    their values at the end."""

    name: str
    kind: str
    status: str
    expected: str | None
    as_expected: bool
    message: str | None = None
    location: str | None = None
    trace: Trace | None = None
    why: tuple[tuple[str, str], ...] = ()  # parts of the property and their values at the end
    reads: tuple[str, ...] = ()  # leaves the property reads (Step.values names)
    measure: Measured | None = None  # a timing query's answer (kind "measure")
    # a leads-to that holds only because runs are maximal (fails under stuttering)
    warning: str | None = None


@nodeclass(frozen=True, slots=True)
class Stats:
    states: int
    transitions: int
    depth: int
    deadlocks: int | None  # None: not counted (an abstraction exact for reachability only)
    seconds: float
    exhaustive: bool
    symbolic: bool = False  # states are zones (the zone engine)
    # states outside the spec's `boundary` (checked, not expanded, not counted in
    # `states`); None: the spec has no boundary
    outside: int | None = None


@nodeclass(frozen=True, slots=True)
class Blocker:
    """One reason a disabled action never fires. `kind`: "bound" (the state it would lead
    to already exceeds a bound active there, so the transition is suppressed), "time" (a
    bound stops time before its clock condition can hold) or "late" (its clock condition
    is already over whenever its condition holds); "unknown": the check stopped before the
    reason was worked out. For "bound" and "time": the bound's `location` (`file:line:col`;
    a timeout's deadline: its `after` clause), `limit` and `condition` as the spec writes
    them, and the `timeout` whose deadline it is (None: a `bound`; for "time", a limit of
    None means the active bounds together, none alone). `message`: one sentence."""

    kind: str
    message: str
    location: str | None = None
    limit: str | None = None
    condition: str | None = None
    timeout: str | None = None


@nodeclass(frozen=True, slots=True)
class DisabledAction:
    """An action whose condition holds in some reachable state but that never fires there
    (checker.engine.blocked): its name, process, declaration (`file:line:col`), the
    instances concerned as steps are labelled (`renew(c=1)`; all of them when
    `all_instances`), its clock condition as the spec writes it, and why (`blockers`). One
    entry per action and set of reasons."""

    action: str
    process: str | None
    location: str
    instances: tuple[str, ...]
    all_instances: bool
    clock_condition: str | None
    blockers: tuple[Blocker, ...]


@nodeclass(frozen=True, slots=True)
class Report:
    """A whole run. `outcome`: ok | violation | incomplete | error (see OUTCOME_EXIT)."""

    spec: str
    file: str
    constants: tuple[tuple[str, str], ...]
    options: dict[str, object]
    engine: str
    outcome: str
    stop_reason: str | None
    stats: Stats
    properties: tuple[PropertyResult, ...]
    coverage: tuple[tuple[str, int], ...] = ()  # transitions per action (with --coverage)
    processes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # name, index parameter names
    # actions a bound or a timeout always blocks (DisabledAction); `disabled_complete`:
    # every reachable state was gone through (else the list may be incomplete)
    disabled: tuple[DisabledAction, ...] = ()
    disabled_complete: bool = True
    tool: str = TOOL
    version: str = VERSION
    boundaries: tuple[str, ...] = ()  # the spec's `boundary` names (stats.outside: what they cut)
    # which runs leads-to was judged on ("maximal" | "stuttering"); None: no leads-to
    liveness: str | None = None
    _graph: Callable[[], Any] | None = field(default=None, compare=False, repr=False)

    @property
    def exit_code(self) -> int:
        return OUTCOME_EXIT[self.outcome]

    def property(self, name: str) -> PropertyResult:
        for p in self.properties:
            if p.name == name:
                return p
        raise KeyError(name)

    def graph(self) -> Any:
        """The reachable state graph as a networkx.DiGraph (see checker.graph)."""
        if self._graph is None:
            raise ValueError("this report has no state store (it was not produced by check())")
        return self._graph()


_STOP_REASONS = {
    "max-states": "the state bound (--max-states) was reached",
    "max-depth": "the depth bound (--max-depth) was reached",
    "time-limit": "the time limit (--time-limit) was reached",
    "interrupted": "interrupted (Ctrl-C)",
    "fail-fast": "stopped at the first unexpected verdict (--fail-fast)",
    "memory": "the memory limit (--memory-limit) was reached",
}


def expectation_note(p: PropertyResult) -> str | None:
    """What every report writes beside a verdict: `as expected` for a violated or unreached
    property the spec expects to fail, `expected to hold` / `expected to fail` for a verdict
    against the spec's expectation, None otherwise (a good verdict as expected, no
    verdict)."""
    if p.status in ("unknown", "skipped"):
        return None
    if p.measure is not None:  # a timing query: its interval against the spec's
        if p.expected is None:
            return None
        return "as expected" if p.as_expected else f"expected {p.expected}"
    if not p.as_expected:
        return f"expected to {'hold' if (p.expected or 'holds') == 'holds' else 'fail'}"
    if p.expected == "fails":
        return "as expected"
    return None


LIVENESS_TEXT = {
    "maximal": "maximal runs (a run stops only where no action is enabled: every action "
               "is implicitly weakly fair)",
    "stuttering": "stuttering (TLA+: a run may stop in any state where no fair action is "
                  "enabled)",
}


def liveness_text(report: Report) -> str | None:
    """The liveness semantics line of a report's header, for a spec with leads-to."""
    return None if report.liveness is None else LIVENESS_TEXT[report.liveness]


def boundary_text(report: Report) -> str | None:
    """What every report says when the spec has a boundary: how many states lay beyond it
    (checked, not expanded), and that the verdicts are for the bounded space; None without
    a boundary."""
    outside = report.stats.outside
    if outside is None:
        return None
    names = ", ".join(report.boundaries)
    if outside == 0:
        return f"boundary {names}: no state lies outside it, so it cut nothing"
    return (f"boundary {names}: {outside:,} state{'s' if outside != 1 else ''} outside it "
            "checked but not expanded; every verdict is for the bounded state space")


def stop_reason_text(reason: str) -> str:
    """Why a search stopped early, in words (the renderers share it)."""
    return _STOP_REASONS.get(reason, reason)


# ---------------------------------------------------------------------------- tock diff
# The result of `tock diff` (checker.compare), read by its renderers (checker.render.diff).

DIFF_VERSION = 1  # the JSON schema of `tock diff --json` (docs/diff.md)



@nodeclass(frozen=True)
class Row:
    """One observable step of a run as the report shows it: its number (0: the initial
    observation), the time (seconds as text; None untimed), the action (None: a tick or
    the start), the observed values it changed (name, old, new), and the hidden steps (their
    actions) that came just before it."""

    index: int
    time: str | None
    action: str | None
    changes: tuple[tuple[str, str, str], ...]
    hidden: tuple[str, ...] = ()


@nodeclass(frozen=True)
class Divergence:
    """Where one side (`allows`) parts from the other (`lacks`): after `step - 1` common
    observable steps, `allows` does `event`; `lacks` cannot. `run` is the allowing side's
    whole run (its last row is the divergent step), `other` the lacking side's run that
    matched up to there; `instead`: the observable steps `lacks` could take there (at most
    a few, as text). `run_trace` / `other_trace`: the full traces (every variable)."""

    allows: str
    lacks: str
    step: int
    event: str
    time: str | None
    run: tuple[Row, ...]
    other: tuple[Row, ...]
    instead: tuple[str, ...]
    run_trace: Trace = field(repr=False, compare=False)
    other_trace: Trace | None = field(repr=False, compare=False)


@nodeclass(frozen=True)
class Direction:
    """One direction of the comparison: does `allows` have a behaviour `lacks` has not?
    `status`: "difference", "none" (no observable difference: the search was exhaustive)
    or "incomplete" (a bound stopped it first: `stop_reason`, `depth` levels searched)."""

    allows: str
    lacks: str
    status: str
    divergence: Divergence | None
    pairs: int
    depth: int
    stop_reason: str | None = None


@nodeclass(frozen=True)
class DiffResult:
    """A `tock diff`: the spec, both configurations' constants as set, what was compared
    (observed names, whether actions were), the time semantics and how exact it is, and
    both directions. `outcome`: "difference", "no difference" or "incomplete"."""

    spec: str
    file: str
    left: tuple[tuple[str, str], ...]
    right: tuple[tuple[str, str], ...]
    observed: tuple[str, ...]
    observe_actions: bool
    time: str
    exactness: str
    directions: tuple[Direction, Direction]
    seconds: float = field(default=0.0, compare=False)
    notes: tuple[str, ...] = ()  # what the comparison left out (steps that fail at run time)

    @property
    def outcome(self) -> str:
        statuses = [d.status for d in self.directions]
        if "difference" in statuses:
            return "difference"
        return "incomplete" if "incomplete" in statuses else "no difference"

    @property
    def exit_code(self) -> int:
        """As `tock check`: 1 a finding (a difference), 3 incomplete, 0 none."""
        return {"difference": 1, "incomplete": 3, "no difference": 0}[self.outcome]


def rows_iter(div: Divergence) -> Iterator[tuple[Row | None, Row | None]]:
    """The two runs side by side, row by row."""
    for k in range(max(len(div.run), len(div.other))):
        yield (div.run[k] if k < len(div.run) else None,
               div.other[k] if k < len(div.other) else None)
