"""Checkpoint and resume of the zone engine (checker.engine.zones.keeper).

A zone checkpoint holds the symbolic states found so far (discrete state, zone, parent
link), the frontier and the findings at a level boundary; the passed list is rebuilt from
it. The tests resume from checkpoints taken at many level boundaries of specs/timed specs
(with scenarios, measures, a bounded response's product and the exact zone graph of an
unbounded leads-to among them) and from a run killed with SIGKILL: every resumed report
must be byte-identical to the uninterrupted one's text and JSON.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.cli import main
from checker.engine import checkpoint as checkpoint_module
from checker.engine.checkpoint import read_arrays

ROOT = Path(__file__).resolve().parents[2]
TIMED = ROOT / "specs" / "timed"
TOCK = [sys.executable, "-m", "checker"]


def _tock(*args: str | os.PathLike[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, err.getvalue()


def _reports(tmp: Path, name: str, *args: str | os.PathLike[str]) -> tuple[int, str, str]:
    text, data = tmp / f"{name}.txt", tmp / f"{name}.json"
    code, err = _tock("check", *args, "-q", "--text", text, "--json", data)
    assert code in (0, 1, 3), err
    return code, text.read_text(), data.read_text()


@contextlib.contextmanager
def _snapshots(tmp: Path) -> Iterator[list[tuple[Path, str, bool]]]:
    """Every checkpoint written meanwhile, as a copy of the checkpoint directory right
    after it was written: (copy, file name, finished)."""
    taken: list[tuple[Path, str, bool]] = []
    original = checkpoint_module.Session.save

    def save(self: checkpoint_module.Session, header: dict, arrays: dict,
             finished: bool) -> None:
        original(self, header, arrays, finished)
        copy = tmp / f"snapshot-{len(taken):03d}"
        shutil.copytree(self.owner.directory, copy)
        taken.append((copy, os.path.basename(self.path), finished))

    checkpoint_module.Session.save = save  # type: ignore[method-assign]
    try:
        yield taken
    finally:
        checkpoint_module.Session.save = original  # type: ignore[method-assign]


@pytest.mark.parametrize("spec, extra", [
    # scenarios, a measure and a bounded response's product, each its own zone search
    ("node_eviction.tock", ()),
    # an unbounded leads-to: the search builds the exact zone graph
    ("ping_window.tock", ()),
    # deadlocks asked about: Extra+_M, stuck states counted
    ("train_gate.tock", ("--deadlock",)),
    # a violation (mutual exclusion fails) whose trace must come out the same
    ("fischer.tock", ("--set", "N=3", "--set", "WAIT=1s")),
])
def test_every_zone_checkpoint_resumes_to_the_same_report(tmp_path: Path, spec: str,
                                                          extra: tuple[str, ...]) -> None:
    args = (TIMED / spec, *extra)
    whole = _reports(tmp_path, "whole", *args)
    with _snapshots(tmp_path) as taken:
        got = _reports(tmp_path, "checkpointed", *args, "--checkpoint", tmp_path / "ckpt",
                       "--every", "0.000001")
    assert got == whole
    midway = [t for t in taken if not t[2]]
    assert len(midway) >= 3, "too few checkpoints taken mid-search to test anything"
    assert read_arrays(str(midway[0][0] / midway[0][1]))[0]["kind"] == "zones"
    # a spread of the level boundaries, the last of them and a finished checkpoint
    step = max(1, len(midway) // 6)
    chosen = midway[::step] + [midway[-1], taken[-1]]
    for copy, name, finished in chosen:
        resumed = _reports(tmp_path, "resumed", *args, "--resume", copy)
        assert resumed == whole, f"resumed from {name} ({'finished' if finished else 'midway'})"


def test_a_stale_clock_restart_resumes_to_the_same_report(tmp_path: Path) -> None:
    """specs/liveness/response.tock restarts its search with global constants for a clock
    (ZoneEngine.always): a checkpoint of either search resumes to the same report."""
    args = (ROOT / "specs" / "liveness" / "response.tock",)
    whole = _reports(tmp_path, "whole", *args)
    assert "global constants for waited" in whole[1]
    with _snapshots(tmp_path) as taken:
        _reports(tmp_path, "checkpointed", *args, "--checkpoint", tmp_path / "ckpt",
                 "--every", "0.000001")
    globals_seen = {tuple(read_arrays(str(c / n))[0]["always"]) for c, n, _f in taken}
    assert len(globals_seen) == 2  # checkpoints of the first search and of the restart
    for copy, _name, _finished in taken:
        assert _reports(tmp_path, "resumed", *args, "--resume", copy) == whole


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_a_killed_zone_run_resumes_to_the_same_report(tmp_path: Path) -> None:
    args = (str(TIMED / "fischer.tock"), "--set", "N=5")
    whole = _reports(tmp_path, "whole", *args)
    directory = tmp_path / "ckpt"
    proc = subprocess.Popen([*TOCK, "check", *args, "-q", "--checkpoint", str(directory),
                             "--every", "0.01s"], cwd=tmp_path, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not (directory / "search-001.ckpt").exists() and proc.poll() is None:
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    header, _arrays = read_arrays(str(directory / "search-001.ckpt"))
    assert header["kind"] == "zones" and not header["finished"]
    assert _reports(tmp_path, "resumed", *args, "--resume", directory) == whole


def test_a_zone_checkpoint_of_another_check_is_refused(tmp_path: Path) -> None:
    spec = TIMED / "fischer.tock"
    directory = tmp_path / "ckpt"
    code, _err = _tock("check", spec, "-q", "--checkpoint", directory)
    assert code == 0
    code, err = _tock("check", spec, "--set", "WAIT=3s", "--resume", directory)
    assert code == 2
    assert "differs in the constant WAIT (checkpoint: 2s, now: 3s)" in err
    code, err = _tock("check", spec, "--deadlock", "--resume", directory)
    assert code == 2 and "the option" in err and "Traceback" not in err
