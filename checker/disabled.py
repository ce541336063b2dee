"""The disabled-actions diagnostic as reports show it: the instances the blocked-actions
pass found (checker.engine.blocked), grouped by action and reasons, with each bound named
by its line and its text as the spec writes it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .report import Blocker, DisabledAction

if TYPE_CHECKING:
    from model import TransitionSystem

    from .engine.blocked import Blocked, Reason

__all__ = ["disabled_actions", "summary"]

SHOWN = 5  # actions the CLI's warning line names; the reports list them all


def disabled_actions(system: TransitionSystem, blocked: Blocked) -> tuple[DisabledAction, ...]:
    """One entry per action and set of reasons, in declaration order (instances in order)."""
    groups: dict[tuple[int, frozenset[Reason]], list[int]] = {}
    for inst, reasons in sorted(blocked.reasons.items()):
        groups.setdefault((system.instances[inst][0], reasons), []).append(inst)
    out = []
    for (a, reasons), insts in sorted(groups.items(), key=lambda item: (item[0][0],
                                                                         item[1][0])):
        name, process, location, count, clock = system.action_info(a)
        out.append(DisabledAction(
            name, process, location, tuple(str(system.transition(inst)) for inst in insts),
            len(insts) == count, clock,
            tuple(_blocker(system, r, clock) for r in sorted(reasons))
            or (Blocker("unknown", "the check stopped before the reason was worked out"),)))
    return tuple(out)


def _blocker(system: TransitionSystem, reason: Reason, clock: str | None) -> Blocker:
    guard = f"`{clock}`" if clock else "its clock condition"
    if reason.bound < 0:
        if reason.kind == "late":
            return Blocker("late", f"its clock condition {guard} is already over whenever "
                           "its condition holds")
        return Blocker("time", f"the bounds active where its condition holds stop time "
                       f"before {guard} can hold (no one of them alone)")
    info = system.bound_info(reason.bound)
    what = (f"the deadline of timeout {info.timeout} (`{info.limit}`" if info.timeout
            else f"the bound `{info.limit}`")
    if info.condition:
        what += f" while `{info.condition}`" if info.timeout is None else \
            f", while `{info.condition}`"
    what += f", {info.location})" if info.timeout else f" ({info.location})"
    if reason.kind == "bound":
        message = (f"firing it would enter a state that already exceeds {what}, so the "
                   "transition is suppressed")
    else:
        message = f"{what} stops time before {guard} can hold"
    return Blocker(reason.kind, message, info.location, info.limit, info.condition,
                   info.timeout)


def summary(disabled: tuple[DisabledAction, ...], complete: bool) -> str | None:
    """The CLI's one warning line (None: nothing is disabled): each action with the lines
    of the bounds that block it."""
    if not disabled:
        return None
    named: dict[str, list[str]] = {}
    for entry in disabled:
        label = entry.action if entry.all_instances else ", ".join(entry.instances)
        causes = named.setdefault(label, [])
        for b in entry.blockers:
            if b.location is not None:
                what = "deadline" if b.timeout else "bound"
                cause = f"the {what} at {b.location.rsplit(':', 1)[0]}"
            elif b.kind == "late":
                cause = "its clock condition is already over"
            elif b.kind == "time":
                cause = "the bounds together"
            else:
                cause = "not worked out"
            if cause not in causes:
                causes.append(cause)
    count = len({(e.process, e.action) for e in disabled})
    one = count == 1
    shown = [f"{label} ({', '.join(causes)})" for label, causes in named.items()]
    if len(shown) > SHOWN:
        shown = shown[:SHOWN] + [f"and {len(shown) - SHOWN} more"]
    text = (f"{count} action{'' if one else 's'} never fire{'s' if one else ''} though "
            f"{'its' if one else 'their'} condition holds in a reachable state, blocked by "
            "time: " + "; ".join(shown))
    if not complete:
        text += " (the search was not exhaustive: the list may be incomplete)"
    return text + "; see the report's disabled actions"
