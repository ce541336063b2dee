"""The vectorised frontier against the per-state path: the whole-process CPU time (user +
sys of the reaped child, os.wait4) of `tock check SPEC` and of `tock check SPEC --no-vector`,
alternating (A B A B) so that a busy machine slows both alike.

    env -u PYTHONDONTWRITEBYTECODE .venv/bin/python bench/vector_paired.py
    env -u PYTHONDONTWRITEBYTECODE .venv/bin/python bench/vector_paired.py --repeat 9 SPEC...

One untimed pair comes first (byte code written, caches filled); each figure is the median
of --repeat runs and the ratio (vector / per state) the median of the per-pair ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SPECS = ["specs/conformance/paxos.tock", "specs/conformance/abd.tock"]


def cpu_seconds(argv: list[str]) -> float:
    """User + system CPU of one child process running `argv`, its output discarded."""
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # 1: a property violated
        raise SystemExit(f"{' '.join(argv)} failed")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", default=SPECS)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tock = [sys.executable, "-m", "checker", "check"]
    for spec in args.specs:
        vector, per_state = tock + [spec], tock + [spec, "--no-vector"]
        cpu_seconds(vector)
        cpu_seconds(per_state)
        a, b = [], []
        for _ in range(args.repeat):
            a.append(cpu_seconds(vector))
            b.append(cpu_seconds(per_state))
        ratio = statistics.median(x / y for x, y in zip(a, b))
        print(f"{spec}: vector {statistics.median(a):.2f} s, per state (--no-vector) "
              f"{statistics.median(b):.2f} s, vector / per state {ratio:.2f}")


if __name__ == "__main__":
    main()
