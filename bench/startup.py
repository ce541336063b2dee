"""Start-up cost: the whole-process CPU time (user + sys, from os.wait4) of `tock check` on
small specs, where everything before the first state dominates.

    .venv/bin/python bench/startup.py                        # this tree alone
    .venv/bin/python bench/startup.py --baseline DIR         # paired against another tree
    .venv/bin/python bench/startup.py --repeat 9 specs/conformance/paxos.tock
    .venv/bin/python bench/startup.py bench/fischer_tchecker.tock --set N=6 --set K=10

DIR is a source tree of Tock (e.g. `git archive <commit> | tar -x -C DIR`) run by this
tree's Python and libraries, from DIR (so `python -m checker` finds DIR's packages first).
Runs alternate, A B A B, so a busy machine slows both alike; each figure is the median of
--repeat runs and the ratio the median of the per-pair ratios. One untimed run of each
comes first (byte code written, caches filled), as on any machine after its first run;
`--cold` gives every run an empty cache folder instead (XDG_CACHE_HOME), as the first run
of a spec edited since its last run (then its parse and generated code are not cached).
`--set` options go to every spec's command.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SPECS = ["specs/conformance/increment.tock", "specs/conformance/peterson.tock"]


def cpu_seconds(argv: list[str], env: dict[str, str], cwd: str) -> float:
    """User + system CPU of one child process running `argv` in `cwd`, its output
    discarded."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.chdir(cwd)
        os.execve(argv[0], argv, env)
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # 1: a verdict failed, still timed
        raise RuntimeError(f"{' '.join(argv)} exited with {status}")
    return usage.ru_utime + usage.ru_stime


def environment(tree: str | None, cache: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # start-up as users see it: with byte code
    if tree is not None:
        env["PYTHONPATH"] = os.path.abspath(tree)
    if cache is not None:
        env["XDG_CACHE_HOME"] = cache
    return env


def fresh_cache(env: dict[str, str], cold: bool) -> None:
    """With --cold, point `env` at a new, empty cache folder (the last one removed)."""
    if cold:
        old = env.get("XDG_CACHE_HOME", "")
        if os.path.basename(old).startswith("tock-startup-"):
            shutil.rmtree(old, ignore_errors=True)
        env["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="tock-startup-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("specs", nargs="*", default=SPECS)
    parser.add_argument("--baseline", metavar="DIR", help="a source tree to compare against")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--set", dest="sets", action="append", default=[],
                        metavar="NAME=VALUE", help="passed to every `tock check`")
    parser.add_argument("--cold", action="store_true",
                        help="every run with an empty cache folder (no cached parse or code)")
    args = parser.parse_args()
    trees: list[tuple[str, str | None]] = [("this tree", None)]
    if args.baseline:
        trees.insert(0, ("baseline", args.baseline))
    print(f"{'spec':40s} " + " ".join(f"{name:>10s}" for name, _ in trees)
          + ("  this/baseline" if args.baseline else ""))
    for spec in args.specs:
        argv = [sys.executable, "-m", "checker", "check", os.path.join(ROOT, spec)]
        for value in args.sets:
            argv += ["--set", value]
        envs = [environment(tree) for _, tree in trees]
        dirs = [os.path.abspath(tree) if tree else ROOT for _, tree in trees]
        for env, cwd in zip(envs, dirs):  # warm: byte code written, caches filled
            cpu_seconds(argv, env, cwd)
        times: list[list[float]] = [[] for _ in trees]
        for _ in range(args.repeat):
            for k, (env, cwd) in enumerate(zip(envs, dirs)):
                fresh_cache(env, args.cold)
                times[k].append(cpu_seconds(argv, env, cwd))
        shown = " ".join([spec] + [f"--set {v}" for v in args.sets])
        row = f"{shown:40s} " + " ".join(f"{statistics.median(t):9.3f}s" for t in times)
        if args.baseline:
            ratio = statistics.median(b / a for a, b in zip(times[0], times[1]))
            row += f"  {ratio:12.2f}"
        print(row)
        for env in envs:
            if os.path.basename(env.get("XDG_CACHE_HOME", "")).startswith("tock-startup-"):
                shutil.rmtree(env["XDG_CACHE_HOME"], ignore_errors=True)


if __name__ == "__main__":
    main()
