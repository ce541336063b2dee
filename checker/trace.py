"""Traces: one builder for every engine.

A tracer (one per engine) finds the path of a finding and, for timed engines, the time of
each step; `TraceBuilder` turns that into a `Trace`: it labels each step by re-running the
model, replays it in the reference interpreter (an independent check: a step that does not
replay is an internal error, `TraceError`), shows each state, and for timed traces the
clock values and the clocks each step reset. Times are exact (`Fraction` seconds) while a
trace is built; a `Step` carries them as a float and as exact text, and says when a strict
bound makes a time open ("just after 75 s", `Step.time_open`). Clock values are
milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from model import exact_text, format_duration, format_value, json_value, open_duration

from .report import Change, Step, Trace

if TYPE_CHECKING:
    from model import Transition, TransitionSystem

__all__ = ["TraceBuilder", "build_trace", "find_transition", "TraceError", "format_duration",
           "end_clock_texts"]


class TraceError(Exception):
    """A trace that cannot be labelled or does not replay: an internal error."""


def find_transition(system: TransitionSystem, before: int, after: int,
                    inst: int | None = None) -> tuple[int, tuple]:
    """The first action instance (in declaration order; or instance `inst`) leading from
    `before` to `after`."""
    for k, choices, nxt in system.labeled(before):
        if nxt == after and (inst is None or k == inst):
            return k, choices
    raise TraceError("no transition leads from a trace state to the next one")


Clocks = Sequence[int | Fraction]  # clock values in ms, clock 1 first
Open = tuple[str, Fraction] | None  # ("after" | "before", the limit in seconds): Step.time_open


class TraceBuilder:
    """Steps with, for timed traces (`timed=True`), absolute times and clock values."""

    def __init__(self, system: TransitionSystem, timed: bool = False):
        self.system = system
        self.names = system.clock_names if timed else None
        self.steps: list[Step] = []
        self.prev_values: tuple = ()
        self.prev_clocks: tuple[int | Fraction, ...] = ()
        self.last_time = Fraction(0)
        self.last_clocks: tuple[Fraction, ...] = ()  # those of the last step made
        # open times: a time's slack past its open limit (seconds; 0 for a closed time), and
        # per clock the slack of its last reset, so a clock reads "5001ms (just after 5s)"
        self.reset_slack: dict[int, Fraction] = {}

    # -------------------------------------------------------------- building
    def start(self, state: int, clocks: Clocks = ()) -> None:
        """The initial state (at time 0 in a timed trace)."""
        values = self.system.decode(state)
        time = None if self.names is None else Fraction(0)
        self.steps.append(self.make_step(None, values, clocks, time, ()))
        self.prev_values = values
        self.prev_clocks = tuple(clocks)

    def step(self, before: int, after: int, inst: int, choices: tuple,
             time: Fraction | None = None, clocks: Clocks = (),
             resets: Sequence[int] = (), open_time: Open = None) -> None:
        """Instance `inst` (with its `choose` values) leads from `before` to `after`, at
        `time` (seconds), after which the clocks read `clocks`; it reset `resets`.
        `open_time`: the time is open (see Step.time_open)."""
        system = self.system
        if not system.replay_step(before, inst, choices, after):
            raise TraceError(f"step {len(self.steps)} ({system.transition(inst, choices)}) "
                             "does not replay in the reference interpreter")
        values = system.decode(after)
        changes = self.changes(self.prev_values, values)
        slack = _slack(time, open_time)
        if self.names is not None and time is not None:
            elapsed = (time - self.last_time) * 1000
            for x in resets:
                name = self.names[x]
                old = Fraction(self.prev_clocks[x - 1]) + elapsed
                if not name.startswith("@") and old != 0:
                    changes.append(reset_change(name, old,
                                                (slack - self.reset_slack.get(x, 0)) * 1000))
            for x in resets:
                self.reset_slack[x] = slack
            self.last_time = time
        self.steps.append(self.make_step(system.transition(inst, choices), values, clocks, time,
                                         changes, open_time=open_time))
        self.prev_values = values
        self.prev_clocks = tuple(clocks)

    def fail(self, state: int, inst: int, message: str, time: Fraction | None = None,
             open_time: Open = None) -> None:
        """The trace ends in instance `inst`'s run-time error, from `state`."""
        values = self.system.decode(state)
        clocks: tuple[int | Fraction, ...] = self.prev_clocks
        if time is not None:
            elapsed = (time - self.last_time) * 1000
            clocks = tuple(Fraction(c) + elapsed for c in self.prev_clocks)
        self.steps.append(self.make_step(self.system.transition(inst), values, clocks, time, (),
                                         message, open_time))

    def finish(self, state: int, time: Fraction, clocks: Clocks, open_time: Open = None
               ) -> None:
        """Time passing after the last step (a deadline reached, a clock property true)."""
        if time > self.last_time and not (self.steps and self.steps[-1].error):
            values = self.system.decode(state)
            step = self.make_step(None, values, clocks, time, (), open_time=open_time)
            self.steps.append(Step(None, None, (), (), "(time passes)", step.state,
                                   step.values, step.changes, step.time, None,
                                   step.time_text, step.time_open, step.derived))

    def trace(self, loop_start: int | None = None) -> Trace:
        return Trace(tuple(self.steps), loop_start, self.last_clocks)

    # -------------------------------------------------------------- one step
    def changes(self, before: tuple, after: tuple) -> list[Change]:
        """The leaves that changed, typed (as in `Step.state`) and as text."""
        layout = self.system.layout
        out = []
        for leaf in layout.leaves:
            a = layout.leaf_value(leaf, before)
            b = layout.leaf_value(leaf, after)
            if a != b:
                out.append(Change(leaf.name, json_value(leaf.type, a), json_value(leaf.type, b),
                                  format_value(leaf.type, a), format_value(leaf.type, b)))
        return out

    def make_step(self, label: Transition | None, values: tuple, clocks: Clocks,
                  time: Fraction | None, changes: Sequence[Change],
                  error: str | None = None, open_time: Open = None) -> Step:
        system = self.system
        state = system.state_data(values)
        shown = tuple(system.layout.show(values))
        if self.names is not None:
            self.last_clocks = tuple(Fraction(c) for c in clocks)
            slack = _slack(time, open_time)
            for x, (name, value) in enumerate(zip(self.names[1:], clocks), 1):
                if name.startswith("@"):
                    continue
                since = (slack - self.reset_slack.get(x, 0)) * 1000
                shown += ((name, open_duration(value, since)),)
                state[name] = _seconds(value)
        seconds = None if time is None else float(time)
        text = None if time is None else exact_text(time)
        if time is None:
            open_time = None
        derived, changed = self.derive(values, clocks)
        shown += tuple((name, shown_text) for name, _data, shown_text in derived)
        if label is None:
            return Step(None, None, (), (), None, state, shown, tuple(changed), seconds, error,
                        text, open_time, derived)
        return Step(label.action, label.process, label.args, label.choices, str(label), state,
                    shown, tuple(changes) + tuple(changed), seconds, error, text, open_time,
                    derived)

    def derive(self, values: tuple, clocks: Clocks
               ) -> tuple[tuple[tuple[str, object, str], ...], list[Change]]:
        """The spec's `show` columns in this state, and those that changed since the trace's
        last step (none for its first step)."""
        if not self.system.has_derived:
            return (), []
        exact = [Fraction(c) for c in clocks] if self.names is not None else None
        derived = tuple(self.system.derived_columns(values, exact))
        changed = []
        if self.steps:
            before = {name: (data, text) for name, data, text in self.steps[-1].derived}
            for name, data, text in derived:
                old_data, old_text = before[name]
                if old_text != text:
                    changed.append(Change(name, old_data, data, old_text, text))
        return derived, changed


def reset_change(name: str, old: int | Fraction, slack: int | Fraction = 0) -> Change:
    """The change of a clock reset from `old` ms to 0 (`slack`: ms past the open limit of
    the old value, see model.open_duration)."""
    return Change(name, _seconds(old), 0, open_duration(old, slack), "0s")


def _slack(time: Fraction | None, open_time: Open) -> Fraction:
    """How far past (or, negative, before) its open limit a time is, in seconds."""
    if time is None or open_time is None:
        return Fraction(0)
    return time - open_time[1]


def end_clock_texts(system: TransitionSystem, trace: Trace) -> list[str | None]:
    """Each clock's value (clock 1 first) as the trace's last step shows it, None for a
    clock it does not show: what a "why" writes, so that both read the same."""
    if not trace.steps or not trace.clocks:
        return []
    shown = dict(trace.steps[-1].values)
    return [shown.get(name) for name in system.clock_names[1:]]


def exact_seconds(step: Step) -> Fraction | None:
    """A step's time exactly (Step.exact_time)."""
    return step.exact_time


def _seconds(ms: int | Fraction) -> int | float:
    """A clock value given in milliseconds as data: whole seconds as an int, else a float."""
    v = Fraction(ms)
    return float(v / 1000) if v.denominator != 1 or int(v) % 1000 else int(v) // 1000


def build_trace(system: TransitionSystem, path: Sequence[int], *,
                failing_instance: int | None = None, error: str | None = None,
                instances: Sequence[int] | None = None,
                loop_start: int | None = None) -> Trace:
    """The untimed trace along `path` (packed states): each step is the first instance
    leading on (or `instances[k]`); with `failing_instance`, the trace ends in that
    instance's run-time error `error`."""
    builder = TraceBuilder(system)
    builder.start(path[0])
    for k in range(1, len(path)):
        inst, choices = find_transition(system, path[k - 1], path[k],
                                        instances[k - 1] if instances is not None else None)
        builder.step(path[k - 1], path[k], inst, choices)
    if failing_instance is not None:
        builder.fail(path[-1], failing_instance, error or "")
    return builder.trace(loop_start)
