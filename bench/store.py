"""The compact store's own cost, and the workers' split of the work (docs/performance.md,
"The compact store: wide states, tiers and workers").

usage: python bench/store.py [--repeat N] [--tree DIR ...] [--case TEXT] [--quick]
       python bench/store.py --one TREE SPEC [NAME=VALUE ...] [--workers N] [--memory M]

Each measurement is one fresh process (`--one`), which loads the spec, compiles it, then
checks it with the store's methods wrapped in timers; it prints one JSON line:

* `cpu_us_per_state`: the search's CPU time (this process and its workers) per state;
* `store_us_per_state`: the CPU time in LevelStore.seen (duplicate detection) and
  LevelStore.add_level (the visited set's merge) per state: the part of the search that
  grows with the store, the rest being the successor code; `seen_us_per_state` the
  first of the two alone;
* `main_cpu_share`: with workers, the main process's share of the search's CPU (it merges,
  the workers expand); `merge_share`: the share of the search's CPU the main process
  spends merging (np.unique and the store: duplicate detection and the levels' merges);
  `level_end_share` the part of it at each level's end (np.unique over the level and
  add_level), which the workers wait for: on N busy cores, at most N times this share of
  the wall time is what a merge in the workers could take off;
* `bytes_per_state`: peak resident memory over what the process held before the search;
  `store_bytes_per_state`: what the store's own arrays hold at the end (levels, parents,
  visited set), per state.

With `--tree DIR` (repeatable) the same runs are made with the code of each tree (a
checkout of another commit, for a before/after pair), alternately, `--repeat` times.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the tree whose code is measured: this one, or the one a measuring process is given
sys.path.insert(0, os.environ.get("TOCK_BENCH_TREE", HERE))

from checker.api import check_system  # noqa: E402
from checker.engine import store as store_module  # noqa: E402
from checker.engine.explicit import levels as levels_module  # noqa: E402
from checker.options import Options  # noqa: E402
from model import load_spec  # noqa: E402

CASES: list[tuple[str, str, list[str]]] = [
    # (name, spec, arguments)
    ("TwoPhase RM=8", "specs/conformance/twophase.tock", ["RM=8"]),
    ("TwoPhase RM=9", "specs/conformance/twophase.tock", ["RM=9"]),
    ("TwoPhase RM=8, 2 workers", "specs/conformance/twophase.tock", ["RM=8", "--workers", "2"]),
    ("narrow levels: big N=120 (361 levels)", "tests/fixtures/big/big_with_scenarios.tock",
     ["N=120", "--property", "bounded"]),
    ("abd (3,584 bits: 56 words a state)", "specs/conformance/abd.tock", []),
    ("abd, dict store", "specs/conformance/abd.tock", ["--memory", "fast"]),
]
QUICK = [("TwoPhase RM=6", "specs/conformance/twophase.tock", ["RM=6"]),
         ("abd (3,584 bits: 56 words a state)", "specs/conformance/abd.tock", [])]


class _Numpy:
    """numpy, with np.unique timed (for levels.py's merge)."""

    def __init__(self, unique: Any):
        self.unique = unique

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)


def one(tree: str, spec: str, sets: list[str], workers: int, memory: str | None,
        properties: tuple[str, ...] | None) -> dict:
    """One measured check with the code of `tree` (in this process)."""
    assert os.path.dirname(os.path.dirname(store_module.__file__)) == \
        os.path.join(tree, "checker"), "the measured tree's code is not the one imported"
    spent = {"store": 0.0, "seen": 0.0, "add": 0.0}
    stores: list[Any] = []

    def timed(method: Any, part: str = "") -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not stores or stores[-1] is not args[0]:
                stores.append(args[0])
            start = time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                took = time.process_time() - start
                spent["store"] += took
                if part:
                    spent[part] += took
        return wrapper

    cls = store_module.LevelStore
    cls.seen = timed(cls.seen, "seen")  # type: ignore[method-assign]
    cls.add_level = timed(cls.add_level, "add")  # type: ignore[method-assign]
    # the level's end in the main process: the level's merge (np.unique, in levels.py
    # only: the workers' own np.unique are theirs) and add_level
    ends = {"time": 0.0}
    real_unique = np.unique

    def unique(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return real_unique(*args, **kwargs)
        finally:
            ends["time"] += time.process_time() - start

    levels_module.np = _Numpy(unique)  # type: ignore[assignment]
    constants = dict(item.split("=", 1) for item in sets)
    system = load_spec(os.path.join(tree, spec), constants)
    _ = system.successors
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    self0 = resource.getrusage(resource.RUSAGE_SELF)
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    report = check_system(system, Options(workers=workers, memory=memory,
                                          properties=properties))
    wall = time.perf_counter() - wall
    self1 = resource.getrusage(resource.RUSAGE_SELF)
    kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    main_cpu = self1.ru_utime + self1.ru_stime - self0.ru_utime - self0.ru_stime
    kids_cpu = kids1.ru_utime + kids1.ru_stime - kids0.ru_utime - kids0.ru_stime
    states = report.stats.states
    peak_mb = self1.ru_maxrss / 1024
    # the store's own arrays at the end: levels, parents and the visited set
    store = stores[-1] if stores else None
    held = 0
    if store is not None and not getattr(store, "spilled", False):
        tiers = getattr(store, "tiers", None)
        # the store before the tiers: one sorted array; with tiers: (keys, numbers or None)
        visited = [store.visited] if tiers is None else \
            [a for tier in tiers for a in tier if a is not None]
        held = sum(a.nbytes for a in [*store.levels, *store.parents, *visited])
    return {"states": states, "transitions": report.stats.transitions,
            "engine": report.engine, "outcome": report.outcome, "wall": wall,
            "cpu": main_cpu + kids_cpu,
            "cpu_us_per_state": (main_cpu + kids_cpu) / states * 1e6,
            "store_us_per_state": spent["store"] / states * 1e6,
            "seen_us_per_state": spent["seen"] / states * 1e6,
            "main_cpu_share": main_cpu / (main_cpu + kids_cpu) if workers > 1 else 1.0,
            "merge_share": (ends["time"] + spent["store"]) / (main_cpu + kids_cpu)
            if workers > 1 else 0.0,
            "level_end_share": (ends["time"] + spent["add"]) / (main_cpu + kids_cpu)
            if workers > 1 else 0.0,
            "bytes_per_state": (peak_mb - base_mb) * 2**20 / states,
            "store_bytes_per_state": held / states}


def measure(tree: str, spec: str, args: list[str]) -> dict:
    env = dict(os.environ, TOCK_BENCH_TREE=tree)
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", tree, spec,
                           *args], capture_output=True, text=True, check=True, cwd=tree,
                          env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--one", nargs="+", metavar="ARG")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--memory", default=None)
    parser.add_argument("--property", action="append", default=[])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tree", action="append", default=[])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--case", default="", help="only the cases whose name has this")
    args = parser.parse_args()
    if args.one:
        tree, spec, *sets = args.one
        print(json.dumps(one(tree, spec, sets, args.workers, args.memory,
                             tuple(args.property) or None)))
        return
    trees = [os.path.abspath(t) for t in args.tree] or [HERE]
    rows = []
    for name, spec, extra in (QUICK if args.quick else CASES):
        if args.case not in name:
            continue
        runs: dict[str, list[dict]] = {t: [] for t in trees}
        for _ in range(args.repeat):
            for tree in trees:  # alternately: a slow moment of the machine hits every tree
                runs[tree].append(measure(tree, spec, extra))
        for tree in trees:
            got = runs[tree]
            row = {"case": name, "tree": tree, "states": got[0]["states"],
                   "transitions": got[0]["transitions"]}
            for key in ("cpu_us_per_state", "store_us_per_state", "seen_us_per_state",
                        "main_cpu_share",
                        "merge_share", "level_end_share",
                        "bytes_per_state", "store_bytes_per_state", "wall"):
                row[key] = statistics.median(r[key] for r in got)
            rows.append(row)
            print(json.dumps(row), flush=True)
    print()
    print("| case | tree | states | CPU µs/state | store µs/state (seen) | main CPU share | "
          "merge CPU share (level ends) | peak bytes/state | store bytes/state |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['case']} | {os.path.basename(r['tree'])} | {r['states']:,} | "
              f"{r['cpu_us_per_state']:.2f} | {r['store_us_per_state']:.3f} "
              f"({r['seen_us_per_state']:.3f}) | "
              f"{r['main_cpu_share']:.3f} | {r['merge_share']:.3f} "
              f"({r['level_end_share']:.3f}) | "
              f"{r['bytes_per_state']:.0f} | "
              f"{r['store_bytes_per_state']:.0f} |")


if __name__ == "__main__":
    main()
