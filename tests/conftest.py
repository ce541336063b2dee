"""Shared test options and helpers.

--runslow runs tests marked `slow`; --update-golden rewrites golden files instead of
comparing (review the diff before committing); --slow-notice S names a test that has
been running for S seconds (default 10; the Mesos tests take minutes) and says when it
ends, so a long run is never silent for long; 0 turns the notices off.
"""

from __future__ import annotations

import os
import threading
import time
from typing import TextIO

import pytest

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
    capture (which redirects fd 1 during a test) does not swallow them."""

    def __init__(self, out: TextIO, after: float):
        self.out = out
        self.after = after
        self.lock = threading.Lock()
        self.current: str | None = None
        self.started = 0.0
        self.next_notice = 0.0
        self.announced = False
        threading.Thread(target=self._watch, name="slow-notice", daemon=True).start()

    def start(self, nodeid: str) -> None:
        with self.lock:
            self.current, self.started = nodeid, time.monotonic()
            self.next_notice, self.announced = self.after, False

    def finish(self, nodeid: str) -> None:
        with self.lock:
            if self.announced and self.current == nodeid:
                self._say(f"done: {nodeid} in {time.monotonic() - self.started:.0f} s")
            self.current = None

    def _watch(self) -> None:
        while True:
            time.sleep(1.0)
            with self.lock:
                if self.current is None:
                    continue
                elapsed = time.monotonic() - self.started
                if elapsed >= self.next_notice:
                    self._say(f"still running: {self.current} ({elapsed:.0f} s)")
                    self.announced = True
                    self.next_notice = elapsed + 60.0

    def _say(self, text: str) -> None:
        try:
            self.out.write(f"\n[slow test] {text}\n")
            self.out.flush()
        except (OSError, ValueError):  # the terminal went away: say nothing more
            self.current = None


_NOTICE: list[SlowNotice] = []  # the session's watcher, once configured


def pytest_configure(config: pytest.Config) -> None:
    after = config.getoption("--slow-notice", 10.0)
    if after and after > 0 and not _NOTICE:
        # output capture is suspended while plugins are configured: fd 1 is the terminal
        out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8", errors="replace")
        _NOTICE.append(SlowNotice(out, after))


def pytest_runtest_logstart(nodeid: str) -> None:
    for notice in _NOTICE:
        notice.start(nodeid)


def pytest_runtest_logfinish(nodeid: str) -> None:
    for notice in _NOTICE:
        notice.finish(nodeid)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
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
