"""The initial states of a search, under the budget: the enumeration itself is cut at
`--max-states` (an `init` predicate can describe a large initial set), and a cut says so.
With `init` predicates the enumeration is a phase of its own ("initial states"), which
`--time-limit`, the memory limit and Ctrl-C stop like a search."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .budget import StopReason

if TYPE_CHECKING:
    from model import TransitionSystem

    from .interface import Job

__all__ = ["initial_states"]


def initial_states(system: TransitionSystem, job: Job) -> tuple[list[int], StopReason | None]:
    """The distinct initial states in order, at most `--max-states` of them, and why the
    enumeration stopped early (MAX_STATES: there were more; else a budget's reason), or
    None when it went through."""
    limit = job.options.max_states
    if not system.has_inits:
        states = list(dict.fromkeys(system.initial_states(limit)))
    else:
        found: list[int] = []
        with job.budget.search("initial states") as meter:
            system.initial_states_polled(
                limit, lambda tried: meter.poll(len(found), 0, 0, 0), found)
        if meter.stop_reason is not None:
            return list(dict.fromkeys(found))[:limit], meter.stop_reason
        states = list(dict.fromkeys(found))
    if limit is not None and len(states) > limit:
        return states[:limit], StopReason.MAX_STATES
    return states, None
