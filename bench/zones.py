"""Zone benchmarks: Tock against TChecker on Fischer, and the phases of the Mesos flagship.

    .venv/bin/python bench/zones.py [--tchecker /work/peers/tchecker-build/src/tck-reach]
                                    [--n 4..10] [--k 10] [--pairs 5] [--timeout 240]
                                    [--flagship] [--flagship-runs 3] [--versus TOCK]
                                    [--check-discrete] [--no-fischer] [--label latest]
                                    [--no-write]

Fischer (issue 11): for each N, the same model runs in TChecker (`tck-reach -a covreach -s
bfs`, the model its examples/fischer.sh writes, generated here by `tchecker_fischer`) and
in Tock (bench/fischer_tchecker.tock) in two ways:

* **default**: `tock check bench/fischer_tchecker.tock --set N=.. --set K=..` as a user runs
  it: the mutex invariant, deadlocks (a zone subtraction per symbolic state), timelocks and
  run-time errors, with parent links kept for shortest traces;
* **mutex**: the same with `--property mutex --no-deadlock`: only what tck-reach is asked,
  except for timelocks and run-time errors, which the CLI cannot switch off.

tck-reach is given no label, so it explores the whole zone graph, which is the mutual
exclusion question for every pair at once; it checks nothing else.

Method (/work/shared/peers/README.md): whole processes, timed by the OS: each child is
reaped with os.wait4, and its CPU time is user + system of its rusage; also wall time and
peak RSS (ru_maxrss; through GNU time's %M when installed, see measure()). One warm-up run
of each command at the first N (not counted; `--no-warmup` skips it), then
`--pairs` rounds at each N, each round running TChecker, Tock default and Tock mutex one
after the other; a ratio is the median over the rounds of Tock's CPU / TChecker's CPU in the
same round. A run that has used `--timeout` seconds of CPU is stopped (RLIMIT_CPU) and
marked "not done in T s"; that command is then not run again at that N or any larger N
(the ratio is then a lower bound, "> T / TChecker's CPU"). CPU, not wall time: on the
shared machine a busy moment doubles the wall time of a run but not its CPU time.

Symbolic states: Tock's `stats.states` from its JSON report (every symbolic state it
stored, including those later covered by a larger zone of the same discrete state: they
were expanded too); TChecker's VISITED_STATES (nodes taken from the waiting list; a node
covered while waiting is removed and not visited), with STORED_STATES and COVERED_STATES
kept in the JSON.

Memory per symbolic state: the slope of peak RSS over stored states, between the same
command stopped by `--max-states` at a tenth and at nine tenths of its symbolic states
(both runs import, compile and search the same way, and stop the same way, so what they do
not store costs the same in both), divided by the states between; the issue's budget is
200 bytes + the DBM's n²·4 bytes, n = clocks + 1. (Until 2026-12-02 it was the whole run's
peak minus a `--max-states 1` run's, which also counts what the first thousand states
allocate once: code caches, the allocator's first arenas, a megabyte or two; and which
had counted less than that while a stopped run imported modules a complete one did not.
That figure is still in the JSON, as "whole_bytes_per_state".)

`--check-discrete` compares, for N = 2..6 of those given, the set of discrete states
(locations and id) of Tock's zone graph (Report.graph(), via bench/zone_child.py) with
that of `tck-reach -C graph`; they must be equal.

`--flagship` times `tock check specs/mesos/agent_recovery.tock` (plain, and with `--out DIR`
as `make flagship` runs it: HTML, SVGs, coverage), `--flagship-runs` times each, alternating,
and once more through the Python API with a timer per phase (bench/zone_child.py phases:
load, main zone search, verdicts and traces, leads-to with its exact zone graph, the
bounded-response product, the scenarios, reports). It records each property's verdict and
counterexample length and compares them with the record labelled "baseline", if any.
The flagship has no other tool to pair with; `--versus TOCK` (another installation's tock,
e.g. a worktree of the baseline commit after `make setup`) joins each round with its plain
run, which gives a paired speed-up and a verdict-by-verdict comparison on this machine now.

Results go to bench/zones.json under `--label` (default "latest"; the committed record
"baseline" is today's code before the zone engine rework), and a table to stdout.
TChecker is skipped, with a message, when `--tchecker` is not given or not executable;
nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from machine import describe  # noqa: E402

FISCHER = os.path.join(HERE, "fischer_tchecker.tock")
FLAGSHIP = os.path.join(ROOT, "specs", "mesos", "agent_recovery.tock")
RESULTS = os.path.join(HERE, "zones.json")
DEFAULT_TCHECKER = "/work/peers/tchecker-build/src/tck-reach"
MODES = ("default", "mutex")
MODE_ARGS = {"default": [], "mutex": ["--property", "mutex", "--no-deadlock"]}


# ------------------------------------------------------------------------ measuring

@dataclass
class Measured:
    """One child process, as the OS accounted for it."""

    argv: list[str]
    returncode: int | None = None
    cpu: float = 0.0          # user + system seconds (rusage of the reaped child)
    user: float = 0.0
    system: float = 0.0
    wall: float = 0.0
    maxrss_kb: int = 0        # ru_maxrss (kilobytes on Linux)
    timed_out: bool = False
    stdout: str = field(default="", repr=False)
    stderr: str = field(default="", repr=False)

    def summary(self) -> dict:
        out = asdict(self)
        del out["stdout"], out["stderr"]
        out["argv"] = " ".join(self.argv)
        return out


GNU_TIME = "/usr/bin/time"


def measure(argv: list[str], timeout: float | None, cwd: str = ROOT) -> Measured:
    """Run argv to its end and return its CPU time, wall time and peak RSS from os.wait4.

    `timeout` is CPU seconds, like the figures (on a shared machine wall time is twice
    the CPU time when it is busy): the child gets RLIMIT_CPU, so the kernel stops it
    (SIGXCPU, then SIGKILL 5 s later) once it has used that much; a child that uses
    little CPU but does not end is killed, with its process group, after 4 × timeout +
    60 s of wall time. Either way the run is marked timed out. (A run killed by that
    wall-time guard has no CPU figure: GNU time is killed with it, before it reaps the
    command, so its CPU reads 0.)

    Linux carries a process's peak RSS across fork and exec, so a child forked from this
    harness starts with the harness's own peak (~15 MB, more than a small tck-reach run
    needs). When GNU time is installed the command is started through it: it forks the
    command from its own small image and reports the command's own peak (%M), which is
    then used; CPU time is still the wait4 figure (GNU time's children included)."""
    launcher = os.path.exists(GNU_TIME)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        full = [GNU_TIME, "-f", "%M", "-o", rss.name, *argv] if launcher else list(argv)
        limit = None if timeout is None else max(1, math.ceil(timeout))

        def cpu_limit() -> None:  # in the child, before exec; inherited by GNU time's child
            if limit is not None:
                resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 5))

        start = time.perf_counter()
        proc = subprocess.Popen(full, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True, preexec_fn=cpu_limit)
        timed_out = False
        pause = 0.005
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if limit is not None and time.perf_counter() - start > 4 * limit + 60:
                timed_out = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(pause)
            pause = min(0.05, pause * 2)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        cpu = usage.ru_utime + usage.ru_stime
        maxrss = usage.ru_maxrss
        notes = rss.read() if launcher else ""
        killed = (proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL,  # GNU time: 128 + sig
                                      128 + signal.SIGXCPU, 128 + signal.SIGKILL)
                  or re.search(r"terminated by signal (24|9)\b", notes) is not None)
        xcpu = proc.returncode in (-signal.SIGXCPU, 128 + signal.SIGXCPU)  # the rlimit sent it
        if limit is not None and killed and (cpu >= limit - 1 or xcpu):
            timed_out = True
        if launcher and not timed_out:
            text = notes.strip().splitlines()
            if text and text[-1].strip().isdigit():
                maxrss = int(text[-1])
        out.seek(0)
        err.seek(0)
        return Measured(argv=list(argv), returncode=proc.returncode,
                        cpu=cpu, user=usage.ru_utime,
                        system=usage.ru_stime, wall=wall, maxrss_kb=maxrss,
                        timed_out=timed_out,
                        stdout=out.read().decode("utf-8", "replace"),
                        stderr=err.read().decode("utf-8", "replace"))


# ------------------------------------------------------------------------ parsing

def parse_n(text: str) -> list[int]:
    """`4..10`, `4-10`, `4,6,8` or `6` -> the list of N."""
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)\s*(?:\.\.|-)\s*(\d+)", part)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if lo > hi:
                raise ValueError(f"empty range {part}")
            out.extend(range(lo, hi + 1))
        elif part.isdigit():
            out.append(int(part))
        else:
            raise ValueError(f"not an N or a range of N: {part!r}")
    if not out or min(out) < 1:
        raise ValueError("N must be at least 1")
    return sorted(dict.fromkeys(out))


def parse_tchecker_stats(text: str) -> dict:
    """tck-reach's statistics (`KEY VALUE` lines before any certificate) -> a dict with
    ints, floats and bools; raises ValueError without VISITED_STATES."""
    stats: dict[str, object] = {}
    for line in text.splitlines():
        m = re.fullmatch(r"([A-Z][A-Z_]*) (\S+)", line.strip())
        if not m:
            if stats:
                break  # the certificate (a dot graph) follows the statistics
            continue
        key, value = m.groups()
        if value in ("true", "false"):
            stats[key] = value == "true"
        elif re.fullmatch(r"-?\d+", value):
            stats[key] = int(value)
        else:
            try:
                stats[key] = float(value)
            except ValueError:
                stats[key] = value
    if "VISITED_STATES" not in stats:
        raise ValueError("no VISITED_STATES in tck-reach's output")
    return stats


def parse_tchecker_graph(text: str) -> set[tuple[tuple[str, ...], tuple[tuple[str, int], ...]]]:
    """The discrete states (location vector, integer variables) of the nodes of a
    `tck-reach -C graph` certificate."""
    out = set()
    for line in text.splitlines():
        if "->" in line or "vloc=" not in line:
            continue
        vloc = re.search(r'vloc="<([^">]*)>"', line)
        intval = re.search(r'intval="([^"]*)"', line)
        if not vloc:
            raise ValueError(f"a graph node without a location vector: {line.strip()}")
        locs = tuple(vloc.group(1).split(","))
        ints = []
        if intval and intval.group(1):
            for item in intval.group(1).split(","):
                name, _, value = item.partition("=")
                ints.append((name.strip(), int(value)))
        out.add((locs, tuple(sorted(ints))))
    return out


def tock_discrete_as_tchecker(states: list[dict[str, str]], n: int
                              ) -> set[tuple[tuple[str, ...], tuple[tuple[str, int], ...]]]:
    """Tock's discrete states of bench/fischer_tchecker.tock ({'id': '0', 'P[1].loc': 'A',
    ...}) in the shape of parse_tchecker_graph's."""
    return {(tuple(s[f"P[{p}].loc"] for p in range(1, n + 1)), (("id", int(s["id"])),))
            for s in states}


def parse_tock_report(text: str) -> dict:
    """The parts of Tock's JSON report the benchmarks use."""
    report = json.loads(text)
    stats = report["stats"]
    return {
        "outcome": report["outcome"],
        "engine": report.get("engine"),
        "states": stats["states"],
        "transitions": stats["transitions"],
        "depth": stats["depth"],
        "exhaustive": stats.get("exhaustive"),
        "symbolic": stats.get("symbolic"),
        "verdicts": {p["name"]: verdict(p) for p in report["properties"]},
    }


def verdict(prop: dict) -> dict:
    """A property's verdict and the length of its trace (steps, the initial state
    included), and for a lasso where its cycle starts."""
    trace = prop.get("trace")
    return {"kind": prop["kind"], "status": prop["status"],
            "trace": None if trace is None else len(trace),
            "loop_start": prop.get("loop_start")}


def parse_tock_stderr(text: str) -> dict:
    """`tock: checked in 69.66 s (load and compile 1.2 s, search 15.24 s, ...)` (or, from
    older runs, `(search 15.24 s)`) and the progress lines (`tock: [search] 14,911 states,
    ...`, or unlabelled from older runs)."""
    out: dict[str, object] = {}
    # `(load and compile 0.8 s, search 7.25 s, leads-to 1.2 s, scenarios (20) 1.62 s, ...)`
    m = re.search(r"^tock: checked in ([\d.]+) s \((?:[^)]*?, )?search ([\d.]+) s[,)]",
                  text, re.M)
    if m:
        out["checked_seconds"] = float(m.group(1))
        out["search_seconds"] = float(m.group(2))
    out["progress_lines"] = len(re.findall(r"^tock: (?:\[search\] )?[\d,]+ states, ", text,
                                           re.M))
    return out


def compare_verdicts(now: dict[str, dict], then: dict[str, dict]) -> list[str]:
    """The differences between two runs' verdicts (status, trace length, loop start)."""
    out = []
    for name in sorted(set(now) | set(then)):
        a, b = now.get(name), then.get(name)
        if a is None or b is None:
            out.append(f"{name}: {'only in the baseline' if a is None else 'new'}")
            continue
        for key in ("status", "trace", "loop_start"):
            if a.get(key) != b.get(key):
                out.append(f"{name}: {key} {b.get(key)} -> {a.get(key)}")
    return out


# ------------------------------------------------------------------------ the models

def tchecker_fischer(n: int, k: int) -> str:
    """Fischer's protocol for N processes and delay K in TChecker's input format, the
    model TChecker's examples/fischer.sh N K writes (same declarations in the same
    order)."""
    lines = ["#labels=" + ":".join(f"cs{p}" for p in range(1, n + 1)),
             f"system:fischer_{n}_{k}", "", "event:tau", "", f"int:1:0:{n}:0:id", ""]
    for p in range(1, n + 1):
        lines += [
            f"# Process {p}",
            f"process:P{p}",
            f"clock:1:x{p}",
            f"location:P{p}:A{{initial:}}",
            f"location:P{p}:req{{invariant:x{p}<={k}}}",
            f"location:P{p}:wait{{}}",
            f"location:P{p}:cs{{labels:cs{p}}}",
            f"edge:P{p}:A:req:tau{{provided:id==0 : do:x{p}=0}}",
            f"edge:P{p}:req:wait:tau{{provided:x{p}<={k} : do:x{p}=0;id={p}}}",
            f"edge:P{p}:wait:req:tau{{provided:id==0 : do:x{p}=0}}",
            f"edge:P{p}:wait:cs:tau{{provided:x{p}>{k}&&id=={p}}}",
            f"edge:P{p}:cs:A:tau{{do:id=0}}",
            "",
        ]
    return "\n".join(lines) + "\n"


def dbm_budget_bytes(clocks: int) -> int:
    """Issue 11's memory budget per symbolic state: 200 bytes + the DBM's n²·4 bytes."""
    return 200 + 4 * (clocks + 1) ** 2


# ------------------------------------------------------------------------ commands

class Tools:
    def __init__(self, tock: str, tchecker: str | None, workdir: str):
        self.tock = tock
        self.python = os.path.join(os.path.dirname(tock), "python")
        self.tchecker = tchecker
        self.workdir = workdir

    def tock_fischer(self, n: int, k: int, mode: str, *extra: str) -> list[str]:
        return [self.tock, "check", FISCHER, "--set", f"N={n}", "--set", f"K={k}",
                *MODE_ARGS[mode], "--json", os.path.join(self.workdir, "tock.json"), *extra]

    def tchecker_model(self, n: int, k: int) -> str:
        path = os.path.join(self.workdir, f"fischer_{n}_{k}.txt")
        if not os.path.exists(path):
            with open(path, "w", encoding="ascii") as handle:
                handle.write(tchecker_fischer(n, k))
        return path

    def tchecker_fischer(self, n: int, k: int, *extra: str) -> list[str]:
        assert self.tchecker is not None
        return [self.tchecker, "-a", "covreach", "-s", "bfs", *extra, self.tchecker_model(n, k)]

    def read_tock_json(self) -> dict:
        with open(os.path.join(self.workdir, "tock.json"), encoding="utf-8") as handle:
            return parse_tock_report(handle.read())


def run_tock(tools: Tools, argv: list[str], timeout: float) -> dict:
    path = os.path.join(tools.workdir, "tock.json")
    if os.path.exists(path):
        os.remove(path)
    m = measure(argv, timeout)
    row = m.summary()
    if m.timed_out:
        return row
    if m.returncode not in (0, 1, 3) or not os.path.exists(path):
        raise RuntimeError(f"tock failed (exit {m.returncode}): {' '.join(argv)}\n{m.stderr}")
    row["report"] = tools.read_tock_json()
    row.update(parse_tock_stderr(m.stderr))
    return row


def run_tchecker(argv: list[str], timeout: float) -> dict:
    m = measure(argv, timeout)
    row = m.summary()
    if m.timed_out:
        return row
    if m.returncode != 0:
        raise RuntimeError(f"tck-reach failed (exit {m.returncode}): {' '.join(argv)}\n"
                           f"{m.stderr}")
    row["stats"] = parse_tchecker_stats(m.stdout)
    return row


# ------------------------------------------------------------------------ Fischer

def fischer(tools: Tools, ns: list[int], k: int, pairs: int, timeout: float,
            log=print, warmup: bool = True) -> list[dict]:  # noqa: ANN001
    given_up: dict[str, int] = {}       # command -> the N where it did not finish
    commands = (["tchecker"] if tools.tchecker else []) + [f"tock {m}" for m in MODES]
    rows = []
    for index, n in enumerate(ns):
        runs: dict[str, list[dict]] = {c: [] for c in commands}

        def once(command: str, n: int = n) -> dict | None:
            if command in given_up:
                return None
            if command == "tchecker":
                r = run_tchecker(tools.tchecker_fischer(n, k), timeout)
            else:
                r = run_tock(tools, tools.tock_fischer(n, k, command.split()[1]), timeout)
            if r["timed_out"]:
                given_up[command] = n
                log(f"  N={n} {command}: not done in {timeout:g} s")
            return r

        if index == 0 and warmup:
            for command in commands:  # warm-up: page cache, bytecode cache
                once(command)
        for _ in range(pairs):
            for command in commands:
                r = once(command)
                if r is not None:
                    runs[command].append(r)
            if all(c in given_up for c in commands):
                break
        row = summarise_n(n, k, runs, given_up, timeout)
        for rs in runs.values():
            for r in rs:
                r.get("report", {}).pop("verdicts", None)
        if "tock default" not in given_up:
            row["memory"] = tock_memory(tools, n, k, row, timeout)
        rows.append(row)
        log(format_row(row))
    return rows


def summarise_n(n: int, k: int, runs: dict[str, list[dict]], given_up: dict[str, int],
                timeout: float) -> dict:
    row: dict[str, object] = {"n": n, "k": k, "clocks": n}
    for command, rs in runs.items():
        done = [r for r in rs if not r["timed_out"]]
        entry: dict[str, object] = {"runs": rs}
        if given_up.get(command) == n and not done:
            entry["not_done_in"] = timeout
        elif given_up.get(command, n + 1) < n:
            entry["skipped"] = f"not done in {timeout:g} s at N={given_up[command]}"
        if done:
            entry["cpu"] = statistics.median(r["cpu"] for r in done)
            entry["wall"] = statistics.median(r["wall"] for r in done)
            entry["maxrss_kb"] = statistics.median(r["maxrss_kb"] for r in done)
            if command == "tchecker":
                stats = done[0]["stats"]
                entry["visited"] = stats["VISITED_STATES"]
                entry["stored"] = stats.get("STORED_STATES")
                entry["covered"] = stats.get("COVERED_STATES")
                entry["transitions"] = stats.get("VISITED_TRANSITIONS")
            else:
                report = done[0]["report"]
                entry["states"] = report["states"]
                entry["transitions"] = report["transitions"]
                entry["outcome"] = report["outcome"]
                entry["search_seconds"] = statistics.median(
                    r["search_seconds"] for r in done if "search_seconds" in r)
        row[command] = entry
    tck = runs.get("tchecker", [])
    for mode in MODES:
        mine = runs.get(f"tock {mode}", [])
        ratios = [a["cpu"] / b["cpu"] for a, b in zip(mine, tck)
                  if not a["timed_out"] and not b["timed_out"] and b["cpu"] > 0]
        if ratios:
            row[f"ratio {mode}"] = {"median": statistics.median(ratios), "pairs": ratios}
        elif tck and any(r["timed_out"] for r in mine) and not tck[0]["timed_out"]:
            best = statistics.median(r["cpu"] for r in tck if not r["timed_out"])
            row[f"ratio {mode}"] = {"lower_bound": timeout / best if best else None}
    tock_states = row.get("tock default", {}).get("states")
    visited = row.get("tchecker", {}).get("visited")
    if tock_states and visited:
        row["states ratio"] = tock_states / visited
    mutex_states = row.get("tock mutex", {}).get("states")
    if mutex_states and visited:
        row["states ratio mutex"] = mutex_states / visited
    return row


def tock_memory(tools: Tools, n: int, k: int, row: dict, timeout: float) -> dict | None:
    """Bytes per stored symbolic state, for Tock default: (peak RSS stopped at 9/10 of its
    states - peak RSS stopped at 1/10) / the states between (see the module docstring)."""
    entry = row.get("tock default", {})
    if "maxrss_kb" not in entry or not entry.get("states"):
        return None
    states = entry["states"]
    base = measure(tools.tock_fischer(n, k, "default", "--max-states", "1"), timeout)
    low, high = max(1, states // 10), max(2, states * 9 // 10)
    runs = [measure(tools.tock_fischer(n, k, "default", "--max-states", str(m)), timeout)
            for m in (low, high)]
    if base.timed_out or any(r.timed_out for r in runs):
        return None
    out = {"peak_kb": entry["maxrss_kb"], "base_kb": base.maxrss_kb,
           "low_kb": runs[0].maxrss_kb, "high_kb": runs[1].maxrss_kb,
           "low_states": low, "high_states": high, "budget_bytes": dbm_budget_bytes(n)}
    whole = (entry["maxrss_kb"] - base.maxrss_kb) * 1024
    if whole >= 2**20:
        out["whole_bytes_per_state"] = whole / states
    extra = (runs[1].maxrss_kb - runs[0].maxrss_kb) * 1024
    if extra >= 2**20:  # below a megabyte, allocator slack and page rounding dominate
        out["bytes_per_state"] = extra / (high - low)
    return out


def bytes_per_state(mem: dict) -> str:
    if "bytes_per_state" in mem:
        return f"{mem['bytes_per_state']:,.0f}"
    return "< 1 MB" if "peak_kb" in mem else "-"


def format_row(row: dict) -> str:
    def cpu(command: str) -> str:
        e = row.get(command)
        if e is None:
            return "-"
        if "cpu" in e:
            return f"{e['cpu']:.2f}"
        if "not_done_in" in e:
            return f"not done in {e['not_done_in']:g} s"
        return "skipped"

    def ratio(mode: str) -> str:
        r = row.get(f"ratio {mode}")
        if r is None:
            return "-"
        if "median" in r:
            return f"{r['median']:.1f}"
        return f"> {r['lower_bound']:.0f}" if r.get("lower_bound") else "-"

    def num(value: object, spec: str = ",") -> str:
        return "-" if value is None else format(value, spec)

    tck = row.get("tchecker", {})
    tock = row.get("tock default", {})
    mutex = row.get("tock mutex", {})
    mem = row.get("memory") or {}
    mb = (lambda kb: None if kb is None else kb / 1024)  # noqa: E731
    return (f"| {row['n']} | {num(tck.get('visited'))} | {num(tock.get('states'))} | "
            f"{num(row.get('states ratio'), '.2f')} | {cpu('tchecker')} | "
            f"{cpu('tock default')} | {num(tock.get('search_seconds'), '.2f')} | "
            f"{num(mutex.get('states'))} | {num(mutex.get('search_seconds'), '.2f')} | "
            f"{cpu('tock mutex')} | {ratio('default')} | "
            f"{ratio('mutex')} | {num(mb(tck.get('maxrss_kb')), '.0f')} | "
            f"{num(mb(tock.get('maxrss_kb')), '.0f')} | "
            f"{bytes_per_state(mem)} | {num(mem.get('budget_bytes'))} |")


TABLE_HEAD = ("| N | TChecker visited | Tock symbolic | states ratio | TChecker CPU s | "
              "Tock CPU s | Tock search s | Tock mutex-only symbolic | Tock mutex-only search s | "
              "Tock mutex-only CPU s | CPU ratio | "
              "CPU ratio mutex-only | TChecker peak MB | Tock peak MB | Tock bytes/state | "
              "budget bytes/state |\n"
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def check_discrete(tools: Tools, k: int, log=print) -> list[dict]:  # noqa: ANN001
    """The discrete states of both zone graphs, N = 2..6 (Tock's graph limit allows no
    more): the same set, or the models differ."""
    out = []
    for n in range(2, 7):
        child = measure([tools.python, os.path.join(HERE, "zone_child.py"), "discrete", FISCHER,
                         f"N={n}", f"K={k}"], None)
        if child.returncode != 0:
            raise RuntimeError(f"zone_child.py discrete failed:\n{child.stderr}")
        mine = tock_discrete_as_tchecker(json.loads(child.stdout)["discrete"], n)
        graph = measure(tools.tchecker_fischer(n, k, "-C", "graph"), None)
        theirs = parse_tchecker_graph(graph.stdout)
        entry = {"n": n, "tock": len(mine), "tchecker": len(theirs),
                 "equal": mine == theirs,
                 "only_tock": len(mine - theirs), "only_tchecker": len(theirs - mine)}
        log(f"  discrete states N={n}: Tock {len(mine):,}, TChecker {len(theirs):,}, "
            f"{'the same set' if entry['equal'] else 'DIFFERENT'}")
        out.append(entry)
    return out


# ------------------------------------------------------------------------ the flagship

def flagship(tools: Tools, runs: int, timeout: float, baseline: dict | None,
             log=print, spec: str = FLAGSHIP, versus: str | None = None) -> dict:  # noqa: ANN001
    """The flagship, timed whole (plain and as `make flagship`), each property's verdict
    and trace length, and the phases. With `versus` (another installation's tock, e.g. a
    worktree of the baseline commit), that tock's plain run joins each round and the
    ratio of this tock's CPU to it is the median of the per-round ratios."""
    out_dir = os.path.join(tools.workdir, "flagship-out")
    plain = [tools.tock, "check", spec, "--json", os.path.join(tools.workdir, "tock.json")]
    as_make = [tools.tock, "check", spec, "--out", out_dir,
               "--json", os.path.join(tools.workdir, "tock.json")]
    commands = [("plain", plain), ("as make flagship", as_make)]
    if versus:
        commands.append(("versus plain", [versus, *plain[1:]]))
    result: dict[str, object] = {"spec": os.path.relpath(spec, ROOT),
                                 "commands": {name: " ".join(argv[1:])
                                              for name, argv in commands}}
    if versus:
        result["versus"] = versus
    measured: dict[str, list[dict]] = {name: [] for name, _ in commands}
    for _ in range(runs):
        for name, argv in commands:
            shutil.rmtree(out_dir, ignore_errors=True)
            r = run_tock(tools, argv, timeout)
            measured[name].append(r)
            if r["timed_out"]:
                log(f"  flagship {name}: not done in {timeout:g} s")
            else:
                log(f"  flagship {name}: CPU {r['cpu']:.1f} s, wall {r['wall']:.1f} s, "
                    f"search {r.get('search_seconds', float('nan')):.1f} s, "
                    f"peak {r['maxrss_kb'] / 1024:.0f} MB")
    for name, rs in measured.items():
        done = [r for r in rs if not r["timed_out"]]
        entry: dict[str, object] = {"runs": rs}
        if done:
            entry.update(cpu=statistics.median(r["cpu"] for r in done),
                         wall=statistics.median(r["wall"] for r in done),
                         maxrss_kb=statistics.median(r["maxrss_kb"] for r in done),
                         states=done[0]["report"]["states"],
                         outcome=done[0]["report"]["outcome"])
            searches = [r["search_seconds"] for r in done if "search_seconds" in r]
            if searches:  # an older tock's summary line may not say
                entry["search_seconds"] = statistics.median(searches)
            if name == "versus plain":
                entry["verdicts"] = done[0]["report"]["verdicts"]
            else:
                result["verdicts"] = done[0]["report"]["verdicts"]
        for r in rs:
            r.get("report", {}).pop("verdicts", None)
        result[name] = entry
    if versus:
        ratios = [a["cpu"] / b["cpu"] for a, b in zip(measured["plain"],
                                                      measured["versus plain"])
                  if not a["timed_out"] and not b["timed_out"] and b["cpu"] > 0]
        if ratios:
            result["ratio to versus"] = {"median": statistics.median(ratios), "pairs": ratios}
            log(f"  this tock's CPU / the other's: median {statistics.median(ratios):.3f} "
                f"over {len(ratios)} rounds (speed-up {1 / statistics.median(ratios):.2f}x)")
        theirs = result["versus plain"].get("verdicts")
        if theirs is not None and "verdicts" in result:
            result["differences_from_versus"] = compare_verdicts(result["verdicts"], theirs)
            log("  verdicts and trace lengths: " + (
                "as with the other tock" if not result["differences_from_versus"] else
                "DIFFERENT from the other tock:\n    " + "\n    ".join(
                    result["differences_from_versus"])))
    child = measure([tools.python, os.path.join(HERE, "zone_child.py"), "phases", spec],
                    timeout)
    if child.timed_out:
        result["phases"] = {"not_done_in": timeout}
    elif child.returncode != 0:
        raise RuntimeError(f"zone_child.py phases failed:\n{child.stderr}")
    else:
        phases = json.loads(child.stdout)
        phases["process_cpu"] = child.cpu
        result["phases"] = phases
    if baseline and "verdicts" in baseline and "verdicts" in result:
        result["differences_from_baseline"] = compare_verdicts(result["verdicts"],
                                                               baseline["verdicts"])
    return result


def phase_table(phases: dict) -> list[str]:
    """Flatten zone_child.py's inclusive records into rows: phase, CPU s, calls."""
    lines = ["| phase | CPU s | wall s | calls |", "|---|---:|---:|---:|"]
    for rec in phases.get("phases", []):
        name = " / ".join(rec["path"])
        lines.append(f"| {name} | {rec['cpu']:.2f} | {rec['wall']:.2f} | {rec['calls']} |")
    lines.append(f"| whole child process (start-up included) | {phases.get('process_cpu', 0):.2f}"
                 " | | |")
    return lines


# ------------------------------------------------------------------------ main

def machine(tchecker: str | None) -> dict:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    out = {**describe(), "tock_commit": commit,
           "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    if tchecker:
        src = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(tchecker))),
                           "tchecker-src")
        out["tchecker"] = tchecker
        if os.path.isdir(src):
            out["tchecker_source"] = src
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tchecker", default=None, metavar="TCK_REACH",
                        help=f"tck-reach (e.g. {DEFAULT_TCHECKER}); without it TChecker is "
                        "skipped")
    parser.add_argument("--tock", default=os.path.join(ROOT, ".venv", "bin", "tock"),
                        help="the tock command (default: this checkout's .venv)")
    parser.add_argument("--n", default="4..10", help="Fischer sizes: 4..10, 4,6 or 6")
    parser.add_argument("--k", type=int, default=10, help="Fischer's delay K (default 10)")
    parser.add_argument("--pairs", type=int, default=5, help="rounds per N (default 5)")
    parser.add_argument("--timeout", type=float, default=240.0,
                        help="CPU seconds before a run is stopped (default 240)")
    parser.add_argument("--no-fischer", action="store_true", help="skip the Fischer table")
    parser.add_argument("--no-warmup", action="store_true",
                        help="no warm-up runs (for long runs at one large N)")
    parser.add_argument("--check-discrete", action="store_true",
                        help="compare the discrete states of both zone graphs, N = 2..6")
    parser.add_argument("--flagship", action="store_true",
                        help="also time the Mesos flagship and its phases")
    parser.add_argument("--flagship-runs", type=int, default=3,
                        help="runs of each flagship command (default 3)")
    parser.add_argument("--versus", default=None, metavar="TOCK",
                        help="another tock (e.g. the baseline commit's .venv/bin/tock) run "
                        "in the same rounds as the flagship, for a paired speed-up")
    parser.add_argument("--flagship-spec", default=FLAGSHIP,
                        help="another spec in the flagship's place (for a quick try)")
    parser.add_argument("--label", default="latest",
                        help="the key of this run in bench/zones.json (default latest)")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/zones.json")
    args = parser.parse_args(argv)
    try:
        ns = parse_n(args.n)
    except ValueError as err:
        parser.error(str(err))
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    if not os.access(args.tock, os.X_OK):
        parser.error(f"no tock at {args.tock} (run `make setup`, or give --tock)")
    if args.versus is not None and not os.access(args.versus, os.X_OK):
        parser.error(f"--versus {args.versus} is not an executable")
    tchecker = args.tchecker
    if tchecker is None:
        print(f"TChecker skipped: no --tchecker given (e.g. --tchecker {DEFAULT_TCHECKER})")
    elif not (os.path.isfile(tchecker) and os.access(tchecker, os.X_OK)):
        print(f"TChecker skipped: {tchecker} is not an executable (build it first; this "
              "harness downloads nothing)")
        tchecker = None

    previous: dict = {}
    if os.path.exists(RESULTS):
        with open(RESULTS, encoding="utf-8") as handle:
            previous = json.load(handle)
    record: dict[str, object] = {
        "machine": machine(tchecker),
        "command": " ".join(["bench/zones.py", *(argv if argv is not None else sys.argv[1:])]),
        "method": "whole processes, CPU = user + system from os.wait4; one warm-up; "
                  "median of per-round ratios",
        "pairs": args.pairs, "timeout": args.timeout,
    }
    def save() -> None:  # after each part, so a later failure keeps what was measured
        if args.no_write:
            return
        previous[args.label] = record
        with open(RESULTS, "w", encoding="utf-8") as handle:
            json.dump(previous, handle, indent=1, sort_keys=True)
            handle.write("\n")

    with tempfile.TemporaryDirectory(prefix="tock-zones-") as workdir:
        tools = Tools(args.tock, tchecker, workdir)
        if not args.no_fischer:
            print(f"\nFischer, K={args.k}, {args.pairs} rounds per N, timeout {args.timeout:g} s")
            print(TABLE_HEAD, flush=True)
            record["fischer"] = fischer(tools, ns, args.k, args.pairs, args.timeout,
                                        log=lambda s: print(s, flush=True),
                                        warmup=not args.no_warmup)
            save()
        if args.check_discrete:
            if tchecker is None:
                print("discrete-state check skipped: it needs TChecker")
            else:
                record["discrete"] = check_discrete(tools, args.k)
                save()
        if args.flagship:
            spec = os.path.abspath(args.flagship_spec)
            print(f"\nFlagship {os.path.relpath(spec, ROOT)}, {args.flagship_runs} runs",
                  flush=True)
            base = (previous.get("baseline") or {}).get("flagship")
            if base is not None and base.get("spec") != os.path.relpath(spec, ROOT):
                base = None
            flag = flagship(tools, args.flagship_runs, args.timeout, base,
                            log=lambda s: print(s, flush=True), spec=spec,
                            versus=args.versus)
            record["flagship"] = flag
            save()
            if "phases" in flag and "phases" in flag["phases"]:
                print("\n".join(phase_table(flag["phases"])))
            diffs = flag.get("differences_from_baseline")
            if diffs is not None:
                print("verdicts and trace lengths: " + ("as in the baseline" if not diffs else
                      "DIFFERENT from the baseline:\n  " + "\n  ".join(diffs)))
    if not args.no_write:
        print(f"\nwrote {os.path.relpath(RESULTS)} [{args.label}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
