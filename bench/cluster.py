"""One process against `--cluster local:N` on the same spec (docs/performance.md,
"Distributed search").

    .venv/bin/python bench/cluster.py --set RM=7 --rounds 3

Each round runs the check in one process and then with `--cluster local:N`, each in a
fresh process (A B A B ...), through the Python API (bench/cluster.py --child). Per run:
the wall time and CPU time (user + system) of the whole process with every descendant it
reaped (the harness's `os.times()` children; a local Ray's processes are stopped and
reaped when the run exits), the search's wall time, and the search's CPU time: the
driver's (Budget.searches) plus, for the cluster, what the owners' processes used during
the search (each owner is asked its process CPU time before and after). Ray's start-up is
reported apart. Figures are medians over the rounds; the ratio is the median of the
per-round ratios of search wall times (one process / cluster). Both runs must find the
same states, transitions and outcome, or the harness stops.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from checker import Options  # noqa: E402
from checker.api import check_system, load  # noqa: E402
from checker.engine import Budget  # noqa: E402
from checker.engine.cluster.backend import started  # noqa: E402


def child(spec: str, sets: list[str], cluster: str | None) -> dict:
    constants = dict(s.split("=", 1) for s in sets)
    system = load(spec, constants)
    options = Options(cluster=cluster)
    owners_cpu = 0.0
    startup = 0.0
    if cluster is not None:  # start Ray and the owners on a tiny search first
        start = time.perf_counter()
        check_system(load(spec, constants), Options(cluster=cluster, max_depth=1))
        startup = time.perf_counter() - start
        backend = started()[0]
        before = backend.get([backend.call(k, "cpu")[0] for k in range(backend.owners)])
    budget = Budget(options)
    report = check_system(system, options, budget=budget)
    if cluster is not None:
        after = backend.get([backend.call(k, "cpu")[0] for k in range(backend.owners)])
        owners_cpu = sum(after) - sum(before)
    main = [s for s in budget.searches if s[0] == "main"][0]
    return {"states": report.stats.states, "transitions": report.stats.transitions,
            "outcome": report.outcome, "search": main[1], "search_cpu": main[2] + owners_cpu,
            "driver_cpu": main[2], "owners_cpu": owners_cpu, "startup": startup}


def timed(argv: list[str]) -> dict:
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", *argv], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = os.times()
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    result["cpu"] = (after.children_user - before.children_user
                     + after.children_system - before.children_system)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default="specs/conformance/twophase.tock")
    parser.add_argument("--set", dest="sets", action="append", default=[])
    parser.add_argument("--owners", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cluster", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.spec, args.sets, args.cluster)))
        return
    base = ["--spec", args.spec] + [w for s in args.sets for w in ("--set", s)]
    rows: dict[str, list[dict]] = {"one": [], "cluster": []}
    for k in range(args.rounds):
        one = timed(base)
        many = timed(base + ["--cluster", f"local:{args.owners}"])
        for key in ("states", "transitions", "outcome"):
            if one[key] != many[key]:
                raise SystemExit(f"the runs differ in {key}: {one[key]} against {many[key]}")
        rows["one"].append(one)
        rows["cluster"].append(many)
        print(f"round {k + 1}: one: search {one['search']:.2f} s ({one['search_cpu']:.2f} s "
              f"CPU), process {one['wall']:.2f} s ({one['cpu']:.2f} s CPU); cluster: search "
              f"{many['search']:.2f} s ({many['search_cpu']:.2f} s CPU: driver "
              f"{many['driver_cpu']:.2f}, owners {many['owners_cpu']:.2f}), start-up "
              f"{many['startup']:.2f} s, process {many['wall']:.2f} s ({many['cpu']:.2f} s "
              "CPU)", file=sys.stderr)
    states = rows["one"][0]["states"]
    out: dict[str, object] = {"spec": args.spec, "sets": args.sets, "owners": args.owners,
                              "rounds": args.rounds, "states": states,
                              "transitions": rows["one"][0]["transitions"]}
    for name, runs in rows.items():
        for key in ("search", "search_cpu", "startup", "wall", "cpu", "driver_cpu",
                    "owners_cpu"):
            out[f"{name}_{key}"] = round(statistics.median(r[key] for r in runs), 3)
        out[f"{name}_states_per_s"] = round(statistics.median(states / r["search"]
                                                              for r in runs))
    pairs = list(zip(rows["one"], rows["cluster"]))
    out["ratio"] = round(statistics.median(o["search"] / c["search"] for o, c in pairs), 3)
    out["cpu_overhead_us_per_state"] = round(statistics.median(
        (c["search_cpu"] - o["search_cpu"]) / states * 1e6 for o, c in pairs), 2)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
