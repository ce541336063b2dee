"""Checkpoint and resume (--checkpoint, --resume), and the compact store's spill to disk.

The central test kills `tock check` with SIGKILL once a checkpoint exists and resumes it:
the text and JSON reports must be byte-identical to an uninterrupted run's (they hold no
times). The spill tests force a spill with a memory reading that says "over the limit"
once, so they do not depend on the machine's memory.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from checker.api import check_system, load
from checker.cli import main
from checker.engine import Budget
from checker.engine import spill as spill_module
from checker.engine.checkpoint import Checkpointer, CheckpointError, read_arrays, write_arrays
from checker.engine.explicit import levels as levels_module
from checker.options import Options
from checker.render.json import render_json
from checker.report import Report

ROOT = Path(__file__).resolve().parents[2]
BIG = ROOT / "tests" / "fixtures" / "big" / "big_with_scenarios.tock"
TWOPHASE = ROOT / "specs" / "conformance" / "twophase.tock"
TOCK = [sys.executable, "-m", "checker"]


def _tock(*args: str | os.PathLike[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`tock ARGS` in this process (a new process costs seconds on a busy machine)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _reports(tmp: Path, name: str, *args: str) -> tuple[int, str, str]:
    """Run a check writing its text and JSON reports; (exit code, text, JSON)."""
    text, data = tmp / f"{name}.txt", tmp / f"{name}.json"
    done = _tock("check", *args, "-q", "--text", text, "--json", data, cwd=tmp)
    assert done.returncode in (0, 1, 3), done.stderr
    return done.returncode, text.read_text(), data.read_text()


def _kill_after_checkpoint(tmp: Path, directory: Path, wanted: str, *args: str) -> None:
    """Start a checkpointing check and SIGKILL it as soon as `wanted` exists in DIR."""
    proc = subprocess.Popen([*TOCK, "check", *args, "-q", "--checkpoint", str(directory),
                             "--every", "0.01s"], cwd=tmp, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not (directory / wanted).exists() and proc.poll() is None:
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert (directory / wanted).exists()


@pytest.mark.parametrize("wanted, extra", [
    # killed in the second search (the first scenario's product), compact store
    ("search-002.ckpt", ("--set", "N=30")),
    # killed in the main search, dict store (--memory fast)
    ("search-001.ckpt", ("--set", "N=60", "-p", "bounded", "--memory", "fast")),
])
def test_a_killed_run_resumes_to_the_same_report(tmp_path: Path, wanted: str,
                                                  extra: tuple[str, ...]) -> None:
    args = (str(BIG), *extra)
    code, text, data = _reports(tmp_path, "whole", *args)
    directory = tmp_path / "ckpt"
    _kill_after_checkpoint(tmp_path, directory, wanted, *args)
    header, _arrays = read_arrays(str(directory / wanted))
    assert not header["finished"]  # the kill came mid-search
    code2, text2, data2 = _reports(tmp_path, "resumed", *args, "--resume", str(directory))
    assert (code2, text2, data2) == (code, text, data)
    # resuming a finished checkpoint gives the same report again, without searching
    code3, text3, data3 = _reports(tmp_path, "again", *args, "--resume", str(directory))
    assert (code3, text3, data3) == (code, text, data)


def test_a_stopped_run_resumes_and_finishes(tmp_path: Path) -> None:
    """A run stopped by --max-depth is over; one stopped by --time-limit (the budget, as
    Ctrl-C would) checkpoints its last level boundary and a resume finishes it."""
    args = (str(BIG), "--set", "N=25", "-p", "bounded")
    code, text, data = _reports(tmp_path, "whole", *args)
    assert code == 0
    directory = tmp_path / "ckpt"
    proc = subprocess.Popen([*TOCK, "check", *args, "-q", "--checkpoint", str(directory)],
                            cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    while not (directory / "manifest.json").exists() and proc.poll() is None:
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    out, _err = proc.communicate(timeout=120)
    if proc.returncode == 3:  # interrupted: the checkpoint says where to go on from
        assert "interrupted" in out
        assert not read_arrays(str(directory / "search-001.ckpt"))[0]["finished"]
    code2, text2, data2 = _reports(tmp_path, "resumed", *args, "--resume", str(directory))
    assert (code2, text2, data2) == (code, text, data)


def test_a_damaged_checkpoint_is_refused(tmp_path: Path) -> None:
    args = (str(BIG), "--set", "N=12", "-p", "bounded")
    directory = tmp_path / "ckpt"
    assert _tock("check", *args, "-q", "--checkpoint", directory, cwd=tmp_path).returncode == 0
    path = directory / "search-001.ckpt"
    whole = path.read_bytes()
    path.write_bytes(whole[:len(whole) - 100])  # truncated
    done = _tock("check", *args, "--resume", directory, cwd=tmp_path)
    assert done.returncode == 2
    assert "tock: error: search-001.ckpt is truncated or damaged" in done.stderr
    assert "Traceback" not in done.stderr
    flipped = bytearray(whole)
    flipped[-5] ^= 0xFF  # one byte of the data
    path.write_bytes(bytes(flipped))
    done = _tock("check", *args, "--resume", directory, cwd=tmp_path)
    assert done.returncode == 2
    assert "damaged: its data does not match its checksum" in done.stderr
    path.write_bytes(b"not a checkpoint at all")
    done = _tock("check", *args, "--resume", directory, cwd=tmp_path)
    assert done.returncode == 2 and "is not a tock checkpoint file" in done.stderr


def test_a_checkpoint_of_another_check_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "big.tock"
    spec.write_text(BIG.read_text())
    directory = tmp_path / "ckpt"
    base = ("--set", "N=12", "-p", "bounded")
    assert _tock("check", spec, *base, "-q", "--checkpoint", directory,
                 cwd=tmp_path).returncode == 0
    done = _tock("check", spec, "--set", "N=13", "-p", "bounded", "--resume", directory,
                 cwd=tmp_path)
    assert done.returncode == 2
    assert "differs in the constant N (checkpoint: 12, now: 13)" in done.stderr
    done = _tock("check", spec, *base, "--max-depth", "5", "--resume", directory,
                 cwd=tmp_path)
    assert done.returncode == 2 and "the option max_depth" in done.stderr
    spec.write_text(BIG.read_text().replace("x + y + z <= 3 * N", "x + y + z <= 3 * N + 1"))
    done = _tock("check", spec, *base, "--resume", directory, cwd=tmp_path)
    assert done.returncode == 2 and "the text of" in done.stderr
    # options that change only where a search may stop or how fast it goes are not
    # part of the fingerprint
    spec.write_text(BIG.read_text())
    done = _tock("check", spec, *base, "--time-limit", "1h", "--resume", directory,
                 cwd=tmp_path)
    assert done.returncode == 0, done.stderr


def test_usage_errors(tmp_path: Path) -> None:
    # the zone engine checkpoints too (tests/checker/test_zone_checkpoint.py)
    timed = ROOT / "tests" / "fixtures" / "ticking_controller.tock"
    done = _tock("check", timed, "-q", "--checkpoint", tmp_path / "c", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert read_arrays(str(tmp_path / "c" / "search-001.ckpt"))[0]["kind"] == "zones"
    done = _tock("check", BIG, "--every", "2s", cwd=tmp_path)
    assert done.returncode == 2 and "--every sets how often" in done.stderr
    done = _tock("check", BIG, "--resume", tmp_path / "nothing", cwd=tmp_path)
    assert done.returncode == 2 and "no checkpoint to resume" in done.stderr
    done = _tock("check", BIG, "--checkpoint", tmp_path / "a", "--resume", tmp_path / "b",
                 cwd=tmp_path)
    assert done.returncode == 2 and "--resume DIR goes on checkpointing" in done.stderr


def test_discrete_time_checkpoints_through_the_dict_search(tmp_path: Path) -> None:
    timed = ROOT / "tests" / "fixtures" / "ticking_controller.tock"
    code, text, data = _reports(tmp_path, "whole", str(timed), "--time", "discrete")
    directory = tmp_path / "c"
    code2, text2, data2 = _reports(tmp_path, "ckpt", str(timed), "--time", "discrete",
                                   "--checkpoint", str(directory), "--every", "0.001")
    code3, text3, data3 = _reports(tmp_path, "resumed", str(timed), "--time", "discrete",
                                   "--resume", str(directory))
    assert (code, text, data) == (code2, text2, data2) == (code3, text3, data3)
    assert read_arrays(str(directory / "search-001.ckpt"))[0]["kind"] == "dict"


def test_the_file_format_round_trips_and_is_atomic(tmp_path: Path) -> None:
    path = str(tmp_path / "x.ckpt")
    arrays = {"a": np.arange(10, dtype=np.uint64), "b": np.array([-1, 5], dtype=np.int32)}
    write_arrays(path, {"note": "first"}, arrays)
    header, back = read_arrays(path)
    assert header["note"] == "first"
    assert np.array_equal(back["a"], arrays["a"]) and np.array_equal(back["b"], arrays["b"])
    # a write that fails half-way leaves the previous file as it was, and no temporary

    class Boom(Exception):
        pass

    class Exploding:
        dtype = np.dtype(np.uint64)

        def __len__(self) -> int:
            return 3

        def __getitem__(self, key: slice) -> np.ndarray:
            raise Boom

    with pytest.raises(Boom):
        write_arrays(path, {"note": "second"}, {"a": Exploding()})
    assert read_arrays(path)[0]["note"] == "first"
    assert sorted(os.listdir(tmp_path)) == ["x.ckpt"]
    with pytest.raises(CheckpointError):
        Path(path).write_bytes(Path(path).read_bytes()[:20])
        read_arrays(path)


# ------------------------------------------------------------------ spill
def _over_once(at: int) -> Callable[[], float]:
    """A memory reading: far over any limit on its `at`-th call, nothing otherwise."""
    calls = itertools.count(1)
    return lambda: 10_000.0 if next(calls) == at else 0.0


def _check(system: object, options: Options, memory: Callable[[], float] | None = None
           ) -> tuple[Report, Budget]:
    ticks = itertools.count()
    budget = Budget(options, clock=lambda: float(next(ticks)),  # every poll reads memory
                    memory=memory or (lambda: 0.0))
    return check_system(system, options, budget=budget), budget  # type: ignore[arg-type]


def _same(a: Report, b: Report) -> None:
    assert a.stats.states == b.stats.states and a.stats.transitions == b.stats.transitions
    assert a.stats.depth == b.stats.depth and a.stats.deadlocks == b.stats.deadlocks
    assert a.outcome == b.outcome and a.stop_reason == b.stop_reason
    assert a.properties == b.properties  # verdicts and traces


@pytest.mark.parametrize("extra", [
    {}, {"workers": 2}, {"max_states": 40_000}, {"fail_fast": True},
])
def test_a_spilled_search_finds_what_an_unspilled_one_does(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, extra: dict[str, object]) -> None:
    monkeypatch.setattr(levels_module, "CHUNK", 700)  # several chunks a level
    monkeypatch.setattr(spill_module, "BLOCK", 1000)  # several blocks a run
    system = load(str(TWOPHASE), {"RM": "6"})
    plain, _ = _check(system, Options(**extra))  # type: ignore[arg-type]
    options = Options(memory_limit=100, spill_dir=str(tmp_path), **extra)  # type: ignore[arg-type]
    for at in (3, 40):  # early, and in the middle of a level
        spilled, budget = _check(system, options, _over_once(at))
        assert budget.spills, "the memory reading never made the search spill"
        _same(spilled, plain)
    stopped, budget = _check(system, Options(memory_limit=100, spill="never", **extra),  # type: ignore[arg-type]
                             _over_once(9))
    assert stopped.stop_reason == "memory" and not budget.spills


def test_a_spilled_store_keeps_every_state(tmp_path: Path) -> None:
    system = load(str(BIG), {"N": "12"})
    options = Options(memory_limit=100, spill_dir=str(tmp_path), properties=("bounded",),
                      coverage=True)
    plain, _ = _check(system, Options(properties=("bounded",), coverage=True))
    spilled, budget = _check(system, options, _over_once(4))
    assert budget.spills
    _same(spilled, plain)
    assert spilled.coverage == plain.coverage  # a pass over every state, read from disk
    assert json.loads(render_json(spilled))["stats"] == json.loads(render_json(plain))["stats"]


# ------------------------------------------------------------------ stopped and resumed
TINY = """spec tiny
const N = 30
var x: 0..N = 0
var y: 0..N = 0
action incx when x < N do { x := x + 1 }
action incy when y < N do { y := y + 1 }
allow deadlock
reachable start: x == 0 and y == 0
reachable far: x == N and y > 20
invariant small: x + y < 45
"""


@pytest.mark.parametrize("memory", [None, "fast"])
def test_a_search_stopped_at_any_poll_resumes_to_the_same_report(
        tmp_path: Path, memory: str | None) -> None:
    """A budget stop at the k-th poll (a fake clock), then a resume: the same report as
    a run that never stopped, whether the stop came before the first level or later."""
    system = load(TINY)
    options = Options(memory=memory)
    whole = render_json(check_system(system, options))
    stops = 0
    for k in (1, 2, 3, 6, 12):
        directory = str(tmp_path / f"c{k}")
        ticks = itertools.count()
        stopping = Options(memory=memory, time_limit=k)
        budget = Budget(stopping, clock=lambda ticks=ticks: float(next(ticks)),
                        checkpoint=Checkpointer(directory, system, stopping, every=1e9))
        stopped = check_system(system, stopping, budget=budget)
        if stopped.stop_reason is None:  # the search ended before its k-th look at the clock
            continue
        assert stopped.stop_reason == "time-limit"
        stops += 1
        resumed = check_system(system, options, budget=Budget(options, checkpoint=Checkpointer(
            directory, system, options, resume=True)))
        assert render_json(resumed) == whole, k
    assert stops >= 2


def test_a_spilled_search_checkpoints_and_resumes(tmp_path: Path) -> None:
    """Checkpoints of a store on disk are whole (streamed from the spill files), and a
    resume from one gives the report of a run that neither spilled nor stopped."""
    system = load(TINY.replace("const N = 30", "const N = 60"))
    whole = render_json(check_system(system, Options()))
    directory = str(tmp_path / "c")
    ticks = itertools.count()
    options = Options(time_limit=40, memory_limit=100, spill_dir=str(tmp_path))
    budget = Budget(options, clock=lambda: float(next(ticks)), memory=_over_once(3),
                    checkpoint=Checkpointer(directory, system, options, every=5))
    stopped = check_system(system, options, budget=budget)
    assert budget.spills and stopped.stop_reason == "time-limit"
    resumed = check_system(system, Options(), budget=Budget(Options(), checkpoint=Checkpointer(
        directory, system, Options(), resume=True)))
    assert render_json(resumed) == whole


def test_a_cluster_search_refuses_checkpoints(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "checker", "check",
                           "specs/conformance/twophase.tock", "--cluster", "local:2",
                           "--checkpoint", str(tmp_path / "ck")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and "--cluster" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "ck").exists()
