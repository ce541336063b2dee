"""Traces: paths rebuilt from parent links, labelled by re-running the model, replayed
against the reference interpreter."""

from __future__ import annotations

from collections.abc import Sequence

from model.types import ArrayT, BoolT, EnumT, IntT, QueueT, RecordT, SetT, Type, Value, format_value

from .explore import ROOT
from .report import Step, Trace

__all__ = ["path_to", "build_trace", "TraceError", "json_value"]


class TraceError(Exception):
    """A trace that cannot be labelled or does not replay: an internal error."""


def path_to(parent: dict[int, int], state: int) -> list[int]:
    """The states from an initial state to `state`, following parent links."""
    path = [state]
    while True:
        prev = parent[path[-1]]
        if prev == ROOT:
            break
        path.append(prev)
    path.reverse()
    return path


def json_value(typ: Type, value: Value) -> object:
    """A value as JSON data: arrays and records as objects, sets and queues as lists,
    durations as seconds."""
    if isinstance(typ, BoolT):
        return bool(value)
    if isinstance(typ, IntT):
        if typ.time:
            ms = int(value)  # type: ignore[call-overload]
            return ms // 1000 if ms % 1000 == 0 else ms / 1000
        return int(value)  # type: ignore[call-overload]
    if isinstance(typ, EnumT):
        return str(value)
    if isinstance(typ, ArrayT):
        return {format_value(typ.index, k): json_value(typ.elem, v)
                for k, v in zip(typ.index.values(), value)}  # type: ignore[call-overload]
    if isinstance(typ, RecordT):
        return {n: json_value(t, v) for (n, t), v in zip(typ.fields, value)}  # type: ignore[call-overload]
    if isinstance(typ, SetT):
        return [json_value(typ.elem, v) for v in sorted(value, key=typ.elem.ordinal)]  # type: ignore[call-overload]
    if isinstance(typ, QueueT):
        return [json_value(typ.elem, v) for v in value]  # type: ignore[attr-defined]
    return str(value)


def _state_data(system, values: tuple) -> dict[str, object]:
    return {var.name: json_value(var.type, value)
            for var, value in zip(system.model.variables, values) if not var.hidden}


def _step(system, label, values: tuple, before: tuple | None, time=None, error=None) -> Step:  # noqa: ANN001
    layout = system.layout
    changes = tuple(layout.diff(before, values)) if before is not None else ()
    if label is None:
        return Step(None, None, (), (), None, _state_data(system, values),
                    tuple(layout.show(values)), changes, time, error)
    return Step(label.action, label.process, label.args, label.choices, str(label),
                _state_data(system, values), tuple(layout.show(values)), changes, time, error)


def find_transition(system, before: int, after: int, inst: int | None = None
                    ) -> tuple[int, tuple]:
    """The first action instance (in declaration order; or instance `inst`) leading from
    `before` to `after`."""
    for k, choices, nxt in system.labeled(before):
        if nxt == after and (inst is None or k == inst):
            return k, choices
    raise TraceError("no transition leads from a trace state to the next one")


def build_trace(system, path: Sequence[int], *, failing_instance: int | None = None,
                error: str | None = None, replay: bool = True, via=None,
                instances: Sequence[int] | None = None,
                loop_start: int | None = None) -> Trace:  # noqa: ANN001
    """Label each step of `path`, check it against the reference interpreter, and describe
    each state. With `failing_instance`, the trace ends in that instance's run-time error.
    `via` is a product system (a scenario) whose states `path` holds; its `base()` projects
    them onto `system`."""
    labeler = via or system
    base = via.base if via is not None else (lambda s: s)
    states = [base(s) for s in path]
    decoded = [system.decode(s) for s in states]
    steps = [_step(system, None, decoded[0], None)]
    for k in range(1, len(path)):
        inst, choices = find_transition(labeler, path[k - 1], path[k],
                                        instances[k - 1] if instances is not None else None)
        if replay and not system.replay_step(states[k - 1], inst, choices, states[k]):
            raise TraceError(f"step {k} ({system.transition(inst, choices)}) does not replay "
                             "in the reference interpreter")
        steps.append(_step(system, system.transition(inst, choices), decoded[k],
                           decoded[k - 1]))
    if failing_instance is not None:
        steps.append(_step(system, system.transition(failing_instance), decoded[-1],
                           decoded[-1], error=error))
    return Trace(tuple(steps), loop_start)
