"""One Tock run in a fresh process, measured: prints one JSON line.

usage: python bench/run_tock.py SPEC [NAME=VALUE ...] [--workers N] [--memory fast|compact]
                                [--time zones|discrete] [--repeat-id K]

Memory is the process's peak resident set (ru_maxrss) minus what it held after compiling
the spec, divided by the distinct states: the cost of the store, the frontier and the
transient arrays of the search itself.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from checker import Options  # noqa: E402
from checker.api import check_system  # noqa: E402
from model import load_spec  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("spec")
    parser.add_argument("sets", nargs="*")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--memory", default=None)
    parser.add_argument("--time", dest="time_engine", default=None)
    args = parser.parse_args()
    constants = dict(item.split("=", 1) for item in args.sets)
    wall = time.perf_counter()
    system = load_spec(args.spec, constants)
    # compile everything the search will use, so the baseline includes it
    _ = system.successors if not system.has_clocks else None
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    options = Options(workers=args.workers, memory=args.memory, time_engine=args.time_engine)
    report = check_system(system, options)
    wall = time.perf_counter() - wall
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stats = report.stats
    print(json.dumps({
        "states": stats.states, "transitions": stats.transitions, "depth": stats.depth,
        "outcome": report.outcome, "engine": report.engine, "seconds": stats.seconds,
        "wall": wall, "peak_rss_mb": peak_mb, "base_rss_mb": base_mb,
        "bytes_per_state": (peak_mb - base_mb) * 2**20 / max(1, stats.states),
    }))


if __name__ == "__main__":
    main()
