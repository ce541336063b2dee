"""Running inputs in isolation, and the run loop.

Each input runs `checker.cli.main(argv)` in a process forked from this one (the grammar and
the modules are loaded once, before the fork), in a folder of its own, under limits: an
address-space rlimit (a runaway allocation becomes a MemoryError), a CPU rlimit whose
SIGXCPU makes faulthandler dump the stack (a hang gets a signature), a file-size rlimit,
and a wall-clock deadline after which the worker's process group is killed. So a hang or a
crash costs one input, never the run, and no input can see another's leftovers.
"""

from __future__ import annotations

import faulthandler
import io
import json
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .mutate import VICTIM, VICTIM_TEXT, Case
from .oracle import Outcome, Verdict, classify, display_name

__all__ = ["Limits", "run_case", "run_cases", "prepare"]

_CAPTURE = 2_000_000   # bytes of stdout/stderr kept per input


@dataclass(frozen=True)
class Limits:
    seconds: float = 10.0       # CPU seconds per input; past it the input is a hang
    memory_mb: int = 1536       # address space per worker
    wall_factor: float = 6.0    # wall-clock deadline = seconds * wall_factor + 10 (generous:
    #                             the machine may be shared; CPU time decides what a hang is)


def prepare() -> None:
    """Load everything a run needs before forking, so each worker starts warm."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import checker.cli  # noqa: F401
    from model.parser import _parser

    _parser()


# ---------------------------------------------------------------------------- the worker

def _setup(case: Case, root: str) -> None:
    linked = {path for kind, path, _ in case.files if kind == "link"}
    for kind, path, data in case.files:
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full) or root, exist_ok=True)
        if kind == "dir":
            os.makedirs(full, exist_ok=True)
        elif kind == "file":
            with open(full, "wb") as handle:
                handle.write(data)
        else:
            os.symlink(os.fsdecode(data), full)
    if case.spec_name not in linked:
        with open(os.path.join(root, case.spec_name), "wb") as handle:
            handle.write(case.spec)


def _worker(case: Case, root: str, control: str, limits: Limits) -> None:  # pragma: no cover
    """Runs in the forked process; never returns."""
    try:
        os.setpgid(0, 0)
        os.chdir(root)
        mem = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        cpu = max(1, int(limits.seconds + 0.999))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))
        _setup(case, root)  # before the file-size limit, which is for tock's own writes
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024 * 1024,) * 2)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        out = os.open(os.path.join(control, "stdout"), os.O_WRONLY | os.O_CREAT, 0o600)
        err = os.open(os.path.join(control, "stderr"), os.O_WRONLY | os.O_CREAT, 0o600)
        os.dup2(out, 1)
        os.dup2(err, 2)
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                      errors="strict", write_through=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                      errors="backslashreplace", write_through=True)
        stack = open(os.path.join(control, "stack"), "w")  # noqa: SIM115
        faulthandler.register(signal.SIGXCPU, file=stack, all_threads=False)
        faulthandler.dump_traceback_later(limits.seconds * limits.wall_factor, exit=True,
                                          file=stack)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    except BaseException:  # noqa: BLE001
        with open(os.path.join(control, "escaped"), "w") as handle:
            handle.write("fuzz set-up failed\n" + traceback.format_exc())
        os._exit(0)
    from checker.cli import main

    code: int | None = None
    escaped = ""
    try:
        code = main(list(case.argv))
    except SystemExit as err:
        code = err.code if isinstance(err.code, int) else (0 if err.code is None else 2)
    except BaseException:  # noqa: BLE001 - anything that escapes main is a finding
        escaped = traceback.format_exc()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001
        escaped = escaped or traceback.format_exc()
    with open(os.path.join(control, "result"), "w") as handle:
        json.dump({"exit": code, "cpu": time.process_time()}, handle)
    if escaped:
        with open(os.path.join(control, "escaped"), "w") as handle:
            handle.write(escaped)
    os._exit(0)


# ---------------------------------------------------------------------------- the parent

@dataclass
class _Running:
    case: Case
    pid: int
    base: str
    deadline: float
    limits: Limits
    killed: bool = False


def _start(case: Case, limits: Limits) -> _Running:
    base = tempfile.mkdtemp(prefix="tock-fuzz-")
    root = os.path.join(base, "case")
    control = os.path.join(base, "ctl")
    os.mkdir(root)
    os.mkdir(control)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the worker
        _worker(case, root, control, limits)
    deadline = time.monotonic() + limits.seconds * limits.wall_factor + 10
    return _Running(case, pid, base, deadline, limits)


def _read(path: str, limit: int = _CAPTURE) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(limit)
    except OSError:
        return b""


def _inputs(case: Case) -> dict[str, bytes]:
    """What the input files must still hold after the run."""
    linked = {p for k, p, _ in case.files if k == "link"}
    out = {p: d for k, p, d in case.files if k == "file"}
    if case.spec_name not in linked:
        out[case.spec_name] = case.spec
    return out


def _finish(run: _Running, status: int, usage) -> tuple[Outcome, dict[str, str]]:  # noqa: ANN001
    root = os.path.join(run.base, "case")
    control = os.path.join(run.base, "ctl")
    try:
        os.killpg(run.pid, signal.SIGKILL)  # leftovers: dot, workers
    except (ProcessLookupError, PermissionError):
        pass
    result: dict = {}
    try:
        result = json.loads(_read(os.path.join(control, "result")) or b"{}")
    except ValueError:
        pass
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    stack = _read(os.path.join(control, "stack")).decode("utf-8", "replace")
    cpu = result.get("cpu")
    if cpu is None and usage is not None:
        cpu = usage.ru_utime + usage.ru_stime
    timed_out = (run.killed or sig in (signal.SIGXCPU, signal.SIGKILL)
                 or (bool(stack.strip()) and not result) or float(cpu or 0) > run.limits.seconds)
    files: dict[str, bytes] = {}
    names: dict[str, str] = {}
    svgs: dict[str, bytes] = {}
    for folder, dirs, found in os.walk(root):
        for name in found + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            full = os.path.join(folder, name)
            rel = os.path.relpath(full, root)
            for shown in (rel, display_name(rel), display_name(os.path.normpath(rel))):
                names.setdefault(shown, rel)
            if os.path.isfile(full):
                files[rel] = _read(full, 20_000_000)
                if name.endswith((".svg", ".html")) and not os.path.islink(full):
                    svgs[rel] = files[rel]
    for shown in (run.case.spec_name, display_name(run.case.spec_name)):
        names.setdefault(shown, os.path.normpath(run.case.spec_name))
    clobbered = []
    for path, data in _inputs(run.case).items():
        kept = files.get(os.path.normpath(path))
        if kept is not None and len(kept) < len(data) and os.path.isfile(os.path.join(root, path)):
            kept = _read(os.path.join(root, path), len(data) + 1)   # past the read cap
        if kept != data:
            clobbered.append(path)
    made_victim = any(kind == "file" and path == VICTIM for kind, path, _ in run.case.files)
    if made_victim and _read(os.path.join(root, VICTIM)) != VICTIM_TEXT:
        clobbered.append(VICTIM)
    for kind, path, target in run.case.files:
        full = os.path.join(root, path)
        if kind == "link" and (not os.path.islink(full) or os.fsencode(os.readlink(full))
                               != target):
            clobbered.append(path)
    outcome = Outcome(
        exit=result.get("exit") if result else None, signal=sig, timed_out=bool(timed_out),
        stdout=_read(os.path.join(control, "stdout")).decode("utf-8", "replace"),
        stderr=_read(os.path.join(control, "stderr")).decode("utf-8", "replace"),
        escaped=_read(os.path.join(control, "escaped")).decode("utf-8", "replace"),
        stack=stack, seconds=float(cpu or 0.0), files=files, clobbered=tuple(clobbered),
        svgs=svgs)
    shutil.rmtree(run.base, ignore_errors=True)
    return outcome, names


def run_cases(cases: Iterable[Case], limits: Limits, jobs: int = 1
              ) -> Iterator[tuple[Case, Outcome, Verdict]]:
    """Run every case, at most `jobs` at a time; yields in completion order."""
    pending = iter(cases)
    running: dict[int, _Running] = {}
    exhausted = False
    while True:
        while not exhausted and len(running) < jobs:
            case = next(pending, None)
            if case is None:
                exhausted = True
                break
            run = _start(case, limits)
            running[run.pid] = run
        if not running:
            return
        progressed = False
        for pid in list(running):
            run = running[pid]
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done == 0:
                if time.monotonic() > run.deadline and not run.killed:
                    run.killed = True
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                continue
            del running[pid]
            progressed = True
            outcome, names = _finish(run, status, usage)
            yield run.case, outcome, classify(outcome, names)
        if not progressed:
            time.sleep(0.002)


def run_case(case: Case, limits: Limits) -> tuple[Outcome, Verdict]:
    for _, outcome, verdict in run_cases([case], limits, 1):
        return outcome, verdict
    raise AssertionError("no result")  # pragma: no cover


Progress = Callable[[int, dict[str, int]], None]
