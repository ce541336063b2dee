"""The explicit engine against SPIN, Rumur and hand-written CPython explorers, side by side.

    .venv/bin/python bench/explicit_peers.py              # Mesos N=3 E=2 and N=4 E=1,
                                                          # philosophers N=12 and N=16
    .venv/bin/python bench/explicit_peers.py --quick      # Mesos N=2 E=2, philosophers N=12
    .venv/bin/python bench/explicit_peers.py --repeat 5 --json bench/explicit_peers.json
    .venv/bin/python bench/explicit_peers.py --case "mesos N=4 E=1"   # one case

The models: bench/mesos_family.tock and bench/philo.tock, the Tock versions of the peer
models in /work/shared/peers (override with --peers DIR): mesos/mesos.pml, mesos/mesos.m,
mesos_bfs.py; philo/philo.pml, philo/philo.m, philo_bfs.py. Every tool's state count is
checked against the known one (SPIN counts one state more: its init process).

Method (docs/performance.md): each repetition runs every tool once, in a fixed order, each
as a fresh process, and its CPU time (user + system) is what the OS accounted to the reaped
child (os.wait4). SPIN's and Rumur's compile steps (spin -a / rumur, then the C compiler)
are timed as processes of their own, and shown separately and included. A ratio is the
median over the repetitions of the per-repetition ratio, so that the drift of a busy
machine affects both sides of each ratio alike. A tool that is not installed is skipped,
and the output says so.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOCK = os.path.join(os.path.dirname(sys.executable), "tock")
sys.path.insert(0, HERE)
from machine import describe  # noqa: E402

CASES = {
    # name: (tock spec, constants, expected states, peer dir, SPIN defines, pan flags,
    #        Rumur constants, CPython explorer and its arguments)
    "mesos N=3 E=2": ("mesos_family.tock", {"N": 3, "E": 2}, 891_595, "mesos",
                      ["-DN=3", "-DE=2", "-DK=5"], [], {"N": 3, "E": 2},
                      ["mesos_bfs.py", "3", "2"]),
    "mesos N=4 E=1": ("mesos_family.tock", {"N": 4, "E": 1}, 2_168_657, "mesos",
                      ["-DN=4", "-DE=1", "-DK=5"], [], {"N": 4, "E": 1},
                      ["mesos_bfs.py", "4", "1"]),
    "philosophers N=12": ("philo.tock", {"N": 12}, 39_202, "philo", ["-DN=12"], ["-E"],
                          {"N": 12}, ["philo_bfs.py", "12", "--full"]),
    "philosophers N=16": ("philo.tock", {"N": 16}, 1_331_714, "philo", ["-DN=16"], ["-E"],
                          {"N": 16}, ["philo_bfs.py", "16", "--full"]),
}
QUICK = {
    "mesos N=2 E=2": ("mesos_family.tock", {"N": 2, "E": 2}, 9_577, "mesos",
                      ["-DN=2", "-DE=2", "-DK=5"], [], {"N": 2, "E": 2},
                      ["mesos_bfs.py", "2", "2"]),
    "philosophers N=12": ("philo.tock", {"N": 12}, 39_202, "philo", ["-DN=12"], ["-E"],
                          {"N": 12}, ["philo_bfs.py", "12", "--full"]),
}


def timed(argv: list[str], cwd: str) -> tuple[float, str]:
    """Run a process to its end: (CPU seconds of the reaped child, its output)."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if proc.returncode not in (0,):
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}:\n{text[-2000:]}")
    return usage.ru_utime + usage.ru_stime, text


def _count(pattern: str, text: str) -> int:
    """The last match of `pattern` (progress lines come before the final count)."""
    found = re.findall(pattern, text)
    if not found:
        raise RuntimeError(f"no state count in:\n{text[-2000:]}")
    return int(found[-1].replace(",", ""))


class Tools:
    """The command of each tool for one case, prepared in a scratch directory."""

    def __init__(self, case: tuple, peers: str, work: str):
        (self.spec, self.constants, self.states, sub, self.defines, self.pan_flags,
         self.rumur_constants, self.cpython) = case
        self.peers = peers
        self.sub = os.path.join(peers, sub)
        self.work = work
        self.skipped: dict[str, str] = {}

    def available(self) -> list[str]:
        out = []
        for tool, needs in (("spin", ["spin", "gcc"]), ("rumur", ["rumur", "cc"])):
            missing = [n for n in needs if shutil.which(n) is None]
            if missing:
                self.skipped[tool] = f"{', '.join(missing)} not installed"
            else:
                out.append(tool)
        if os.path.exists(os.path.join(self.peers, self.cpython[0])):
            out.append("cpython")
        else:
            self.skipped["cpython"] = f"{self.cpython[0]} not found in {self.peers}"
        return out + ["tock per-state", "tock vector"]

    def run(self, tool: str) -> dict[str, float]:
        """One run: {"search": CPU s, "compile": CPU s (SPIN, Rumur)}, counts checked."""
        if tool == "spin":
            name = os.path.basename(self.sub) + ".pml"
            shutil.copy(os.path.join(self.sub, name), self.work)
            c1, _ = timed(["spin", "-a", *self.defines, name], self.work)
            c2, _ = timed(["gcc", "-O2", "-DSAFETY", "-DNOREDUCE", "-DMEMLIM=20000", "-o", "pan",
                           "pan.c"], self.work)
            search, text = timed(["./pan", *self.pan_flags, "-w22", "-m2000000"], self.work)
            self._check(_count(r"(\d+) states, stored", text) - 1, tool)
            return {"search": search, "compile": c1 + c2}
        if tool == "rumur":
            name = os.path.basename(self.sub) + ".m"
            with open(os.path.join(self.sub, name), encoding="utf-8") as handle:
                text = handle.read()
            for key, value in self.rumur_constants.items():
                text = re.sub(rf"(?m)^(\s*{key}:\s*)\d+;", rf"\g<1>{value};", text)
            with open(os.path.join(self.work, name), "w", encoding="utf-8") as handle:
                handle.write(text)
            c1, _ = timed(["rumur", "--threads", "1", "--deadlock-detection", "off", "-o", "m.c",
                           name], self.work)
            c2, _ = timed(["cc", "-std=c11", "-O3", "-o", "m", "m.c", "-lpthread"], self.work)
            search, text = timed(["./m"], self.work)
            self._check(_count(r"([\d,]+) states", text), tool)
            return {"search": search, "compile": c1 + c2}
        if tool == "cpython":
            script, *args = self.cpython
            search, text = timed([sys.executable, os.path.join(self.peers, script), *args],
                                 self.work)
            self._check(_count(r"states=(\d+)", text), tool)
            return {"search": search}
        sets = [a for k, v in self.constants.items() for a in ("--set", f"{k}={v}")]
        report = os.path.join(self.work, "report.json")
        extra = ["--no-vector"] if tool == "tock per-state" else []
        search, _ = timed([TOCK, "check", os.path.join(HERE, self.spec), *sets, *extra,
                           "--quiet", "--json", report], ROOT)
        with open(report, encoding="utf-8") as handle:
            self._check(json.load(handle)["stats"]["states"], tool)
        return {"search": search}

    def _check(self, states: int, tool: str) -> None:
        if states != self.states:
            raise RuntimeError(f"{tool}: {states} states, expected {self.states}")


def measure(name: str, case: tuple, peers: str, repeat: int, log) -> dict:  # noqa: ANN001
    with tempfile.TemporaryDirectory(prefix="tock-peers-") as work:
        tools = Tools(case, peers, work)
        names = tools.available()
        for tool, why in tools.skipped.items():
            log(f"{name}: skipped {tool} ({why})")
        tools.run("tock vector")  # warm-up: the generated code's cache, the page cache
        runs: dict[str, list[dict[str, float]]] = {t: [] for t in names}
        for r in range(repeat):
            for tool in names:
                runs[tool].append(tools.run(tool))
                log(f"{name} #{r + 1} {tool}: {runs[tool][-1]}")
    vector = [run["search"] for run in runs["tock vector"]]
    rows = {}
    for tool in names:
        search = [run["search"] for run in runs[tool]]
        total = [run["search"] + run.get("compile", 0.0) for run in runs[tool]]
        row = {"search_s": statistics.median(search),
               "vector_over_search": statistics.median(v / s for v, s in zip(vector, search))}
        if "compile" in runs[tool][0]:
            row["compile_s"] = statistics.median(run["compile"] for run in runs[tool])
            row["vector_over_total"] = statistics.median(v / t for v, t in zip(vector, total))
        rows[tool] = row
    return {"states": case[2], "repeat": repeat, "tools": rows, "skipped": tools.skipped}


def table(results: dict) -> str:
    lines = ["| model | tool | CPU s (search) | compile s | Tock vector / tool (search) | "
             "Tock vector / tool (with compile) |", "|---|---|---|---|---|---|"]
    for name, result in results.items():
        for tool, row in result["tools"].items():
            compile_s = f"{row['compile_s']:.2f}" if "compile_s" in row else ""
            total = f"{row['vector_over_total']:.2f}" if "vector_over_total" in row else ""
            lines.append(f"| {name} ({result['states']:,} states) | {tool} | "
                         f"{row['search_s']:.2f} | {compile_s} | "
                         f"{row['vector_over_search']:.2f} | {total} |")
        for tool, why in result["skipped"].items():
            lines.append(f"| {name} | {tool} | skipped: {why} | | | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="the small sizes, once")
    parser.add_argument("--peers", default="/work/shared/peers",
                        help="the folder of the peer models (mesos/, philo/, *_bfs.py)")
    parser.add_argument("--json", metavar="FILE", help="write the figures to FILE")
    parser.add_argument("--case", action="append", metavar="NAME",
                        help=f"only this case (repeatable): {', '.join(CASES)}")
    args = parser.parse_args()
    cases = QUICK if args.quick else CASES
    if args.case:
        unknown = [name for name in args.case if name not in {**CASES, **QUICK}]
        if unknown:
            parser.error(f"no case {', '.join(unknown)}")
        cases = {name: {**CASES, **QUICK}[name] for name in args.case}
    repeat = 1 if args.quick else args.repeat

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    if not os.path.isdir(args.peers):
        log(f"skipped everything but Tock's own counts: no peer models in {args.peers}")
        return
    results = {name: measure(name, case, args.peers, repeat, log) for name, case in cases.items()}
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"machine": describe(), "cases": results}, handle, indent=2,
                      sort_keys=True)
            handle.write("\n")
    print(table(results))


if __name__ == "__main__":
    main()
