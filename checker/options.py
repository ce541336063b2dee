"""How hard to look: run options, kept apart from the model (the spec says *what*)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Options"]


@dataclass(frozen=True, slots=True)
class Options:
    """Options of one run.

    max_states / max_depth / time_limit bound the search (a bounded run that finds nothing
    is INCOMPLETE). check_deadlock None lets the spec decide (`allow deadlock`). properties
    restricts checking to the named properties. fail_fast stops at the first verdict that
    differs from its expectation. time_engine picks "zones" or "discrete" for timed specs;
    tick overrides the discrete engine's tick (in milliseconds). graph_limit caps
    `Report.graph()`.
    """

    max_states: int | None = None
    max_depth: int | None = None
    time_limit: float | None = None
    check_deadlock: bool | None = None
    properties: tuple[str, ...] | None = None
    fail_fast: bool = False
    time_engine: str | None = None
    tick: int | None = None
    graph_limit: int = 20_000

    def describe(self) -> dict[str, object]:
        """The options that differ from the defaults (for reports)."""
        out: dict[str, object] = {}
        for name in self.__slots__:  # type: ignore[attr-defined]
            value = getattr(self, name)
            if value != getattr(Options(), name):
                out[name] = list(value) if isinstance(value, tuple) else value
        return out
