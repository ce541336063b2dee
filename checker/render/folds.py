"""Folded repetition: a run of identical steps shown once, "× 60, every 5 s".

A controller that ticks every 5 s for five minutes makes a trace of 60 identical steps;
every renderer but the JSON report shows such a run as one row or box (the JSON report
keeps every step and lists the runs as a hint, `folds`). Steps are identical when they
are the same action instance (label, arguments, choices), change the same variables from
the same values to the same values (in practice: reset the same clocks), come the same
delay after the step before them, and are open or not alike; a run is folded from
`MIN_FOLD` steps on. Folding is presentation only: nothing in a Trace changes.
"""

from __future__ import annotations

from fractions import Fraction

from model import nodeclass

from ..report import Step, Trace, format_duration, format_time

__all__ = ["Fold", "MIN_FOLD", "folds", "segments", "fold_words", "span_text"]

MIN_FOLD = 3  # steps: two identical steps are shown as they are


@nodeclass(frozen=True, slots=True)
class Fold:
    """Steps `first..last` (indices into Trace.steps, both included) are identical;
    `every` is the delay before each of them in seconds (None in an untimed trace)."""

    first: int
    last: int
    every: Fraction | None

    @property
    def count(self) -> int:
        return self.last - self.first + 1


def _foldable(step: Step) -> bool:
    """An action of the spec (not time passing, a scenario's wait, or a failing step)."""
    return (step.action is not None and step.error is None
            and (step.process is not None or step.action.isidentifier()))


def _delay(trace: Trace, k: int) -> Fraction | None:
    now, before = trace.steps[k].exact_time, trace.steps[k - 1].exact_time
    return None if now is None or before is None else now - before


def _key(trace: Trace, k: int) -> tuple:
    step = trace.steps[k]
    return (step.action, step.process, step.args, step.choices, step.label,
            tuple((c.var, c.old_text, c.new_text) for c in step.changes),
            _delay(trace, k), None if step.time_open is None else step.time_open[0])


def folds(trace: Trace) -> list[Fold]:
    """The maximal runs of at least MIN_FOLD identical steps, in order. A run never goes on
    past a lasso's marked state (`loop_start`): the marked step may end a run only."""
    out: list[Fold] = []
    steps = trace.steps
    k = 1
    while k < len(steps):
        if not _foldable(steps[k]):
            k += 1
            continue
        key = _key(trace, k)
        end = k
        while (end + 1 < len(steps) and end != trace.loop_start
               and _foldable(steps[end + 1]) and _key(trace, end + 1) == key):
            end += 1
        if end - k + 1 >= MIN_FOLD:
            out.append(Fold(k, end, _delay(trace, k)))
        k = end + 1
    return out


def segments(trace: Trace) -> list[int | Fold]:
    """The trace as renderers show it: step indices, with each fold in place of its steps."""
    by_first = {fold.first: fold for fold in folds(trace)}
    out: list[int | Fold] = []
    k = 0
    while k < len(trace.steps):
        fold = by_first.get(k)
        if fold is None:
            out.append(k)
            k += 1
        else:
            out.append(fold)
            k = fold.last + 1
    return out


def _spaced(duration: str) -> str:
    """`5s` -> `5 s`, `15min` -> `15 min`."""
    cut = len(duration.rstrip("abcdefghijklmnopqrstuvwxyz"))
    return f"{duration[:cut]} {duration[cut:]}"


def fold_words(fold: Fold) -> str:
    """`× 60, every 5 s`; `× 60, at the same instant`; `× 60` (untimed)."""
    text = f"\u00d7 {fold.count}"
    if fold.every is None:
        return text
    if fold.every == 0:
        return text + ", at the same instant"
    return text + f", every {_spaced(format_duration(fold.every * 1000))}"


def span_text(trace: Trace, fold: Fold, unit: str = " s") -> str | None:
    """The fold's times, `5..300 s` (with the open words when its times are open), or None
    in an untimed trace."""
    first, last = trace.steps[fold.first], trace.steps[fold.last]
    if first.exact_time is None or last.exact_time is None:
        return None
    if first.time_open is None:
        return f"{format_time(first.exact_time)}..{format_time(last.exact_time)}{unit}"
    return f"{first.time_label(unit)} .. {last.time_label(unit)}"
