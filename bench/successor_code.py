"""The per-state successor code alone: ns per state of the compiled fast successor function
(`system.successors`, the `--no-vector` path) over every reachable state of a spec.

    .venv/bin/python bench/successor_code.py --baseline DIR specs/conformance/coffeecan.tock MAX=600
    .venv/bin/python bench/successor_code.py --baseline DIR bench/mesos_family.tock N=3 E=1

DIR is another source tree of Tock (e.g. `git archive <commit> | tar -x -C DIR`), run by
this tree's Python and libraries from DIR, as in bench/startup.py. Each run is a fresh
process: it compiles the spec, collects the reachable states by BFS with the same function,
then times --passes passes over them (CPU time of the process, `time.process_time`) and
reports the fastest. Trees alternate, A B A B; each figure is the median of --repeat runs
and the ratio the median of the per-pair ratios, so a busy machine slows both alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CHILD = """
import sys, time
from model import load_spec
system = load_spec(sys.argv[1], dict(a.split("=", 1) for a in sys.argv[3:]))
succ = system.successors
seen = set(system.initial_states())
frontier, states = list(seen), []
while frontier:
    states.extend(frontier)
    nxt = []
    for s in frontier:
        for t in succ(s):
            if t not in seen:
                seen.add(t)
                nxt.append(t)
    frontier = nxt
best = float("inf")
for _ in range(int(sys.argv[2])):
    start = time.process_time()
    for s in states:
        succ(s)
    best = min(best, time.process_time() - start)
print(len(states), best / len(states) * 1e9)
"""


def run(tree: str, spec: str, passes: int, constants: list[str]) -> tuple[int, float]:
    env = dict(os.environ, PYTHONPATH=tree)
    out = subprocess.run([sys.executable, "-c", CHILD, os.path.join(ROOT, spec), str(passes),
                          *constants], cwd=tree, env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0]), float(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spec")
    parser.add_argument("constants", nargs="*", metavar="NAME=VALUE")
    parser.add_argument("--baseline", metavar="DIR", help="a source tree to compare against")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args()
    trees = [("this tree", ROOT)]
    if args.baseline:
        trees.insert(0, ("baseline", os.path.abspath(args.baseline)))
    times: list[list[float]] = [[] for _ in trees]
    counts = set()
    for _ in range(args.repeat):
        for k, (_name, tree) in enumerate(trees):
            states, ns = run(tree, args.spec, args.passes, args.constants)
            counts.add(states)
            times[k].append(ns)
    if len(counts) != 1:
        raise SystemExit(f"the trees reach different numbers of states: {sorted(counts)}")
    print(f"{args.spec} {' '.join(args.constants)}: {counts.pop():,} states")
    for (name, _tree), t in zip(trees, times):
        runs = ', '.join(f'{x:.0f}' for x in t)
        print(f"  {name:10s} {statistics.median(t):8.0f} ns/state  ({runs})")
    if args.baseline:
        ratio = statistics.median(b / a for a, b in zip(times[0], times[1]))
        print(f"  this/baseline {ratio:.2f}")


if __name__ == "__main__":
    main()
