"""Shared test options and helpers.

--runslow runs tests marked `slow`; --update-golden rewrites golden files instead of
comparing (review the diff before committing); --slow-notice S names a test that has
been running for S seconds (default 10; the Mesos tests take minutes) and says when it
ends, so a long run is never silent for long; 0 turns the notices off.

`make test` runs the tests in pytest-xdist's worker processes, one per core; the `shared`
fixture lets them split an expensive computation (the Mesos configurations) instead of each
doing all of it, and take turns at what must not run twice at once (a local Ray).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import TextIO

import pytest

from tests.helpers import Shared

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", help="run tests marked slow")
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite golden files from the current output")
    parser.addoption("--slow-notice", type=float, default=10.0, metavar="SECONDS",
                     help="name a test still running after SECONDS, then every minute, "
                     "and say when it ends (0: never)")


class SlowNotice:
    """Notices of a long test on the terminal, from a watcher thread: the test's name once
    it has run `after` seconds, again every minute, and its time when it ends. Written to
    a copy of the terminal's file descriptor taken before any test runs, so pytest's output
    capture (which redirects fd 1 during a test) does not swallow them. With pytest-xdist
    it runs in the controlling process, which hears of each test a worker starts and ends,
    so it follows as many tests at once as there are workers."""

    def __init__(self, out: TextIO, after: float):
        self.out = out
        self.after = after
        self.lock = threading.Lock()
        # each running test: [start, time of its next notice, whether it was announced]
        self.running: dict[str, list] = {}
        self.quiet = False
        threading.Thread(target=self._watch, name="slow-notice", daemon=True).start()

    def start(self, nodeid: str) -> None:
        with self.lock:
            self.running[nodeid] = [time.monotonic(), self.after, False]

    def finish(self, nodeid: str) -> None:
        with self.lock:
            entry = self.running.pop(nodeid, None)
            if entry is not None and entry[2]:
                self._say(f"done: {nodeid} in {time.monotonic() - entry[0]:.0f} s")

    def _watch(self) -> None:
        while True:
            time.sleep(1.0)
            with self.lock:
                for nodeid, entry in self.running.items():
                    elapsed = time.monotonic() - entry[0]
                    if elapsed >= entry[1]:
                        self._say(f"still running: {nodeid} ({elapsed:.0f} s)")
                        entry[1], entry[2] = elapsed + 60.0, True

    def _say(self, text: str) -> None:
        if self.quiet:
            return
        try:
            self.out.write(f"\n[slow test] {text}\n")
            self.out.flush()
        except (OSError, ValueError):  # the terminal went away: say nothing more
            self.quiet = True


_NOTICE: list[SlowNotice] = []  # the session's watcher, once configured


def pytest_configure(config: pytest.Config) -> None:
    after = config.getoption("--slow-notice", 10.0)
    # an xdist worker's fd 1 is not the terminal: its controller gives the notices
    worker = hasattr(config, "workerinput")
    if after and after > 0 and not _NOTICE and not worker:
        # output capture is suspended while plugins are configured: fd 1 is the terminal
        out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8", errors="replace")
        _NOTICE.append(SlowNotice(out, after))


def pytest_runtest_logstart(nodeid: str) -> None:
    for notice in _NOTICE:
        notice.start(nodeid)


def pytest_runtest_logfinish(nodeid: str) -> None:
    for notice in _NOTICE:
        notice.finish(nodeid)


# Modules whose fixtures take minutes: under pytest-xdist they come first, so the worker
# that runs them starts at once and no long fixture is left to end the run alone
FIRST = ("tests/specs/test_mesos.py",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER") is not None:  # the same order in every worker
        items.sort(key=lambda item: item.nodeid.split("::")[0] not in FIRST)
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run from the repository root, so spec paths in outputs are relative."""
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Shared:
    """Work shared by the processes of this run (see Shared): under pytest-xdist, a folder
    all its workers see (the parent of each worker's temporary folder, one per run)."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return Shared(None)
    folder = Path(tmp_path_factory.getbasetemp()).parent / "shared"
    folder.mkdir(exist_ok=True)
    return Shared(folder)
