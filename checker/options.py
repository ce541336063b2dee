"""How hard to look: run options, kept apart from the model (the spec says *what*)."""

from __future__ import annotations

import os

from model import nodeclass

__all__ = ["Options", "conflict", "moot", "resident_mb", "memory_limit_mb"]


@nodeclass(frozen=True, slots=True)
class Options:
    """Options of one run.

    max_states / max_depth / time_limit bound the search (a bounded run that finds nothing
    is INCOMPLETE). check_deadlock None lets the spec decide (`allow deadlock`). properties
    restricts checking to the named properties. fail_fast stops at the first verdict that
    differs from its expectation. time_engine picks "zones" or "discrete" for timed specs;
    tick overrides the discrete engine's tick (in milliseconds). graph_limit caps
    `Report.graph()`. memory_limit (MB) stops the search, INCOMPLETE, before the machine
    runs out of memory (the stores first spill to disk: `spill`). cluster
    distributes the search over Ray actors: explicit states, or zones partitioned by
    discrete state (checker.engine.cluster; docs/cluster.md). Options that contradict each
    other (`conflict`) are refused by `check` with a UsageError; options a spec makes moot
    (`moot`: workers or memory on a spec with clocks, time_engine on one without) are
    ignored, and the CLI warns.
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
    # at the memory limit the store (compact, dict, or the zone engine's passed list or
    # exact zone graph) moves its states to disk and goes on ("auto")
    # or the search stops, INCOMPLETE ("never"); spill_dir: where (None: the system's
    # temporary directory). docs/checkpoint.md
    spill: str = "auto"
    spill_dir: str | None = None
    cluster: str | None = None  # distribute the search on Ray: local:N, auto, ray://HOST:PORT
    # expand chunks of states with generated numpy code where the spec allows it (the
    # compact store; checker/engine/explicit/vector.py), else per state
    vector: bool = True

    def describe(self) -> dict[str, object]:
        """The options that differ from the defaults (for reports; not `spill_dir`, which
        says where the disk files go, nor `graph_limit`, how large a Report.graph() may
        be: neither changes how the search runs or what it finds)."""
        out: dict[str, object] = {}
        for name in self.__slots__:
            if name in ("spill_dir", "graph_limit"):
                continue
            value = getattr(self, name)
            if value != getattr(Options(), name):
                out[name] = list(value) if isinstance(value, tuple) else value
        return out


def conflict(options: Options) -> str | None:
    """Why two of these options contradict each other (the run is refused: the user drops
    one), or None. Each message names the flags and says what to do."""
    if options.tick is not None and options.time_engine != "discrete":
        return ("--tick sets the tick of the discrete time engine, which runs only with "
                "--time discrete; add --time discrete, or drop --tick")
    if options.spill not in ("auto", "never"):
        return f"--spill takes auto or never, not '{options.spill}'"
    if options.spill_dir is not None and options.spill == "never":
        return "--spill-dir says where to spill, but --spill never forbids it; drop one"
    if options.workers > 1 and options.memory == "fast":
        return ("--workers needs the compact store, but --memory fast asks for the dict "
                "store; drop one of them")
    if options.cluster is not None and options.workers > 1:
        return ("--cluster spreads the search over the cluster's owners, and --workers over "
                "processes of this machine; drop one of them (local:N runs N owners here)")
    if options.cluster is not None and options.memory == "fast":
        return ("--cluster keeps states in arrays as the compact store does, but --memory "
                "fast asks for the dict store; drop one of them")
    return None


def moot(options: Options, has_clocks: bool) -> list[str]:
    """The options this spec makes moot (the run goes on without them, and the CLI warns):
    a flag that only one kind of spec uses, so that one command line fits every spec."""
    out: list[str] = []
    if has_clocks:
        if options.workers > 1:
            out.append(f"--workers {options.workers} has no effect: this spec has clocks, and "
                       "only the explicit engine (specs without clocks) expands states in "
                       "several processes")
        if options.memory is not None:
            out.append(f"--memory {options.memory} has no effect: this spec has clocks, and "
                       "the time engines keep their own store")
    elif options.time_engine is not None:
        flags = f"--time {options.time_engine}"
        if options.tick is not None:
            flags += " and --tick have"
        else:
            flags += " has"
        out.append(f"{flags} no effect: this spec has no clocks, so no time engine runs")
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
