"""The result of a run, as data: verdicts, statistics and traces. Renderers format it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

__all__ = ["Change", "Step", "Trace", "PropertyResult", "Stats", "Report", "stop_reason_text",
           "OUTCOME_EXIT", "TOOL", "VERSION", "SCHEMA", "format_time", "Blocker",
           "DisabledAction"]

TOOL = "tock"
VERSION = "0.1.0"
SCHEMA = 1  # version of the JSON report format (docs/json-report.md)

OUTCOME_EXIT = {"ok": 0, "violation": 1, "error": 2, "incomplete": 3, "internal": 4}


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Step:
    """A state of a trace and the transition that led to it (None for the initial state).

    `state` is the whole valuation as JSON-ready data keyed by variable; `values` the same
    as (leaf, text) pairs; `changes` the leaves this step changed (`Change`: typed old and
    new values, and their text); `time` the absolute time in seconds for timed specs (a
    float; the JSON report's `time`), and `time_text` the same time exactly, as the reports
    write it (`75`, `0.001`, `75+1/3` for a time that is no finite decimal); `error` a
    run-time error this step ran into (the state is then the state before it)."""

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

    @property
    def shown_time(self) -> str | None:
        """The time as the reports write it (seconds, without the unit)."""
        if self.time_text is not None or self.time is None:
            return self.time_text
        return format_time(Fraction(self.time).limit_denominator(1_000_000))


@dataclass(frozen=True, slots=True)
class Trace:
    """Steps from an initial state. `loop_start` marks the first state of a lasso's cycle."""

    steps: tuple[Step, ...]
    loop_start: int | None = None

    def __len__(self) -> int:
        """The number of transitions: steps with an action (not the initial state, and not
        a closing "(time passes)" entry)."""
        return sum(1 for step in self.steps if step.action is not None)


@dataclass(frozen=True, slots=True)
class PropertyResult:
    """The verdict on one property.

    status: holds | violated | reached | unreached | unknown | skipped (a scenario not run:
    it names a value that the constants set leave out; `message` says which, and
    as_expected is True: it is not a failure). expected: the spec's
    `expect` (holds | fails) or None. as_expected: whether the verdict meets the
    expectation (no expect means: invariants hold, reachables are reached). why: for a
    violated invariant or a reached reachable, its sub-expressions (as the spec wrote
    them) with their values in the trace's last state."""

    name: str
    kind: str
    status: str
    expected: str | None
    as_expected: bool
    message: str | None = None
    location: str | None = None
    trace: Trace | None = None
    why: tuple[tuple[str, str], ...] = ()  # parts of the property and their values at the end


@dataclass(frozen=True, slots=True)
class Stats:
    states: int
    transitions: int
    depth: int
    deadlocks: int | None  # None: not counted (an abstraction exact for reachability only)
    seconds: float
    exhaustive: bool
    symbolic: bool = False  # states are zones (the zone engine)


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


def stop_reason_text(reason: str) -> str:
    """Why a search stopped early, in words (the renderers share it)."""
    return _STOP_REASONS.get(reason, reason)


def format_time(t: Fraction) -> str:
    """Seconds as a short exact decimal: 75, 75.5, 0.001; a repeating fraction as 75+1/3."""
    if t.denominator == 1:
        return str(t.numerator)
    scaled = t * 1000
    if scaled.denominator == 1:
        return f"{float(t):.3f}".rstrip("0").rstrip(".")
    whole = t.numerator // t.denominator
    rest = t - whole
    return f"{whole}+{rest.numerator}/{rest.denominator}"
