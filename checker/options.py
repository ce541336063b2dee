"""How hard to look: run options, kept apart from the model (the spec says *what*)."""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["Options", "resident_mb", "memory_limit_mb"]


@dataclass(frozen=True, slots=True)
class Options:
    """Options of one run.

    max_states / max_depth / time_limit bound the search (a bounded run that finds nothing
    is INCOMPLETE). check_deadlock None lets the spec decide (`allow deadlock`). properties
    restricts checking to the named properties. fail_fast stops at the first verdict that
    differs from its expectation. time_engine picks "zones" or "discrete" for timed specs;
    tick overrides the discrete engine's tick (in milliseconds). graph_limit caps
    `Report.graph()`. memory_limit (MB) stops the search, INCOMPLETE, before the machine
    runs out of memory.
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
    memory_limit: int | None = None  # MB of resident memory; None: 3/4 of physical memory
    coverage: bool = False  # count the transitions of each action (a second pass)
    memory: str | None = None  # store: "compact" (arrays) or "fast" (dict); None: compact
    workers: int = 1  # processes expanding states (the compact store only)

    def describe(self) -> dict[str, object]:
        """The options that differ from the defaults (for reports)."""
        out: dict[str, object] = {}
        for name in self.__slots__:
            value = getattr(self, name)
            if value != getattr(Options(), name):
                out[name] = list(value) if isinstance(value, tuple) else value
        return out


def resident_mb() -> float:
    """This process's resident memory in MB (Linux; 0 where unknown)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def memory_limit_mb(options: Options) -> float:
    if options.memory_limit is not None:
        return float(options.memory_limit)
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (ValueError, OSError, AttributeError):
        return float("inf")
    return total * 0.75
