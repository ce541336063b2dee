"""A fuzz run: inputs 0..count-1 of a seed, classified, with the failures grouped by
signature and each group's smallest input shrunk and saved."""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .driver import Limits, prepare, run_case, run_cases
from .mutate import Case, make_case
from .oracle import CLASSES, FAILURES, Outcome, Verdict
from .shrink import shrink

__all__ = ["Failure", "Summary", "fuzz", "render_summary", "save_repros", "case_to_json",
           "case_from_json", "load_repros"]


@dataclass
class Failure:
    signature: str
    klass: str
    count: int
    first: int
    smallest: Case
    detail: str
    output: str
    shrunk: Case | None = None


@dataclass
class Summary:
    seed: int
    count: int
    seconds: float
    classes: Counter = field(default_factory=Counter)
    failures: dict[str, Failure] = field(default_factory=dict)
    slowest: tuple[float, int] = (0.0, -1)

    @property
    def failed(self) -> int:
        return sum(n for k, n in self.classes.items() if k in FAILURES)


def _output(out: Outcome) -> str:
    text = out.stdout[-3000:] + ("\n--- stderr ---\n" + out.stderr[-6000:] if out.stderr else "")
    if out.escaped:
        text += "\n--- escaped ---\n" + out.escaped[-6000:]
    if out.stack:
        text += "\n--- stack at the time limit ---\n" + out.stack[:6000]
    return text


def fuzz(seed: int, count: int, jobs: int = 1, limits: Limits | None = None, start: int = 0,
         progress: Callable[[int, Summary], None] | None = None,
         shrink_seconds: float = 60.0) -> Summary:
    limits = limits or Limits()
    prepare()
    began = time.monotonic()
    summary = Summary(seed, count, 0.0)
    cases = (make_case(seed, i) for i in range(start, start + count))
    done = 0
    for case, outcome, verdict in run_cases(cases, limits, jobs):
        done += 1
        if verdict.signature == "internal:?:?" and "--debug" not in case.argv:
            # an internal error without its traceback: run it again with --debug to learn where
            again = run_case(replace(case, argv=case.argv + ("--debug",)), limits)[1]
            if again.klass == "internal":
                verdict = again
        summary.classes[verdict.klass] += 1
        if outcome.seconds > summary.slowest[0] and not verdict.failed:
            summary.slowest = (outcome.seconds, case.index)
        if verdict.failed:
            _record(summary, case, outcome, verdict)
        if progress is not None:
            progress(done, summary)
    for failure in summary.failures.values():
        if shrink_seconds > 0:
            failure.shrunk = shrink(failure.smallest, failure.signature,
                                    lambda c: run_case(c, limits)[1].signature,
                                    budget_seconds=shrink_seconds)
    summary.seconds = time.monotonic() - began
    return summary


def _record(summary: Summary, case: Case, outcome: Outcome, verdict: Verdict) -> None:
    old = summary.failures.get(verdict.signature)
    if old is None:
        summary.failures[verdict.signature] = Failure(
            verdict.signature, verdict.klass, 1, case.index, case, verdict.detail,
            _output(outcome))
        return
    old.count += 1
    old.first = min(old.first, case.index)
    if len(case.spec) < len(old.smallest.spec):
        old.smallest = case
        old.detail = verdict.detail
        old.output = _output(outcome)


def render_summary(summary: Summary) -> str:
    total = sum(summary.classes.values()) or 1
    lines = [f"tock fuzz: seed {summary.seed}, {total:,} inputs in {summary.seconds:,.0f} s"
             f" ({total / max(summary.seconds, 1e-9):,.1f}/s)", "",
             f"  {'class':<12} {'inputs':>9} {'share':>7}"]
    for klass in CLASSES:
        n = summary.classes.get(klass, 0)
        mark = "  <- failure" if n and klass in FAILURES else ""
        lines.append(f"  {klass:<12} {n:>9,} {100 * n / total:>6.2f}%{mark}")
    lines.append(f"  {'failures':<12} {summary.failed:>9,}")
    if summary.slowest[1] >= 0:
        lines.append(f"\nslowest passing input: #{summary.slowest[1]} "
                     f"({summary.slowest[0]:.2f} s CPU)")
    if summary.failures:
        lines.append("\nfailure signatures (count, first input, smallest input):")
        for f in sorted(summary.failures.values(), key=lambda f: (-f.count, f.signature)):
            small = f.shrunk or f.smallest
            lines.append(f"  {f.count:>6,}  #{f.first:<7} {f.signature}")
            command = small.command()
            if len(command) > 160:
                command = command[:150] + f"... ({len(command):,} characters)"
            lines.append(f"          smallest #{f.smallest.index}: {len(small.spec):,} bytes, "
                         f"{command!r}" + (f"; {f.detail}" if f.detail else ""))
    return "\n".join(lines) + "\n"


def _slug(signature: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", signature)[:80]


def save_repros(summary: Summary, folder: str) -> list[str]:
    """One folder per signature: the spec, the other files and a README with the command,
    the strategies and the output."""
    written = []
    for f in sorted(summary.failures.values(), key=lambda f: f.signature):
        case = f.shrunk or f.smallest
        where = os.path.join(folder, _slug(f.signature))
        os.makedirs(where, exist_ok=True)
        spec = os.path.join(where, "input.tock")
        with open(spec, "wb") as handle:
            handle.write(case.spec)
        with open(os.path.join(where, "case.json"), "w", encoding="utf-8") as handle:
            json.dump(case_to_json(case), handle, indent=1)
        with open(os.path.join(where, "README.txt"), "w", encoding="utf-8",
                  errors="backslashreplace") as handle:
            handle.write(f"signature: {f.signature}\ninputs: {f.count} (first #{f.first}, "
                         f"seed {summary.seed})\nstrategies: {', '.join(case.strategies)}\n"
                         f"spec file name in the run: {case.spec_name!r} (saved as input.tock)\n"
                         f"command: {case.command()}\nfiles: {case.files!r}\n"
                         f"rerun: .venv/bin/python -m tests.fuzz --seed {summary.seed} "
                         f"--case {case.index}\n\n{f.detail}\n\n{f.output}\n")
        written.append(where)
    return written


def case_to_json(case: Case) -> dict:
    return {"index": case.index, "seed_path": case.seed_path, "spec_name": case.spec_name,
            "argv": list(case.argv), "strategies": list(case.strategies),
            "spec": base64.b64encode(case.spec).decode(),
            "files": [[k, p, base64.b64encode(d).decode()] for k, p, d in case.files]}


def case_from_json(data: dict) -> Case:
    return Case(data["index"], data["seed_path"], data["spec_name"],
                base64.b64decode(data["spec"]), tuple(data["argv"]),
                tuple((k, p, base64.b64decode(d)) for k, p, d in data["files"]),
                tuple(data["strategies"]))


def load_repros(folder: str) -> list[tuple[str, Case]]:
    """The saved failures under `folder` (each signature's case.json), by folder name."""
    out = []
    for root, _, files in sorted(os.walk(folder)):
        if "case.json" in files:
            with open(os.path.join(root, "case.json"), encoding="utf-8") as handle:
                out.append((os.path.relpath(root, folder), case_from_json(json.load(handle))))
    return out
