"""The initial states of a search, under the state bound: the enumeration itself is cut at
`--max-states` (an `init` predicate can describe a large initial set), and a cut says so."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from model import TransitionSystem

    from ..options import Options

__all__ = ["initial_states"]


def initial_states(system: TransitionSystem, options: Options) -> tuple[list[int], bool]:
    """The distinct initial states in order, at most `options.max_states` of them, and
    whether there were more (then the search stops with MAX_STATES at once)."""
    limit = options.max_states
    states = list(dict.fromkeys(system.initial_states(limit)))
    if limit is not None and len(states) > limit:
        return states[:limit], True
    return states, False
