"""`tock explore` in a real browser: headless Chromium opens the served explorer page with a
counterexample's path in the URL fragment, and the test checks the dumped DOM shows the
state at the chosen step, the properties, the history and the swimlanes the page's script
drew; a screenshot shows the page is not blank (the lane colours, the highlighted change);
the self-contained page of `--html` steps by itself, with a hostile file name shown as
text. The browser logs nothing to its console (the page's Content-Security-Policy turns
anything it blocks into a console message).

Skipped, with the reason, where Chromium is missing; in CI (the CI variable set) it must
run (.ci/setup.sh installs Chromium). Five browser runs, about 15 s.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading

import pytest

from checker.api import load
from checker.cli import main
from checker.explore import Explorer, ExplorerServer
from tests.helpers import hostile_spec
from tests.test_browser import FLAGS, _colors

CHROMIUM = next((shutil.which(name) for name in ("chromium", "chromium-browser")
                 if shutil.which(name)), None)
CONSOLE = re.compile(r":CONSOLE[:(]")


@pytest.fixture(autouse=True)
def _chromium_available() -> None:
    if CHROMIUM is None:
        why = "Chromium is not installed (Debian: apt-get install chromium; make test installs it)"
        if os.environ.get("CI"):
            pytest.fail("in CI the browser test must run, but " + why)
        pytest.skip(why)


def _chromium(url: str, *args: str) -> tuple[str, list[str]]:
    """Open `url` in headless Chromium, letting its script run: stdout and console lines."""
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000",
             *args, url], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, [line for line in done.stderr.splitlines() if CONSOLE.search(line)]


def _text(dom: str, element_id: str) -> str:
    """The text of the element with this id (tags dropped, spaces squeezed)."""
    start = dom.index(f'id="{element_id}"')
    chunk = dom[start:start + 20_000]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", chunk.split(">", 1)[1])).strip()


@pytest.fixture(scope="module")
def served():
    explorer = Explorer(load("specs/timed/fischer.tock", {"WAIT": "1s"}))
    server = ExplorerServer(explorer, 0)
    server.checker.start()
    server.checker.wait(120)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    mutex = next(t for t in server.checker.data()["traces"] if t["name"] == "mutex")
    yield server, mutex["path"]
    server.shutdown()


def test_the_served_explorer_replays_a_counterexample_from_the_url(served) -> None:
    server, path = served
    fragment = "#path=" + ",".join(path).replace("+", "%2B")
    dom, console = _chromium(server.url + fragment, "--dump-dom")
    assert console == [], console
    state = _text(dom, "state")
    assert state.startswith("enter(p=2) · time 2s"), state[:200]
    assert "P[1].loc cs P[2].loc cs" in state and "P[1].x 2s P[2].x 1s" in state
    assert "mutex invariant VIOLATED" in _text(dom, "props")
    history = _text(dom, "history")
    assert "4. wait 1s @ 1s" in history and "8. enter(p=2) @ 2s" in history
    lanes = _text(dom, "lanes")
    assert lanes.startswith("step / time P[1] P[2] globals")
    assert "set(p=2) P[2].loc = wait reset P[2].x" in lanes
    assert "violated mutex (invariant, 6 steps) load" in _text(dom, "traces")
    assert "leave(p=1)" in _text(dom, "moves")

    # in a narrow window nothing is wider than the page: wide parts scroll on their own
    dom, console = _chromium(server.url + fragment, "--dump-dom", "--window-size=360,900")
    assert console == [] and 'data-overflow="false"' in dom, console

    # a jump: step 3 of the same path, its state and its moves
    dom, console = _chromium(server.url + fragment + "&at=3", "--dump-dom")
    assert console == [], console
    assert 'data-step="3"' in dom
    state = _text(dom, "state")
    assert state.startswith("set(p=1) · time 0s") and "id 1 P[1].loc wait" in state
    moves = _text(dom, "moves")   # P[2] has tried: its bound x <= SET stops time at 1s
    assert moves.startswith("P[2] set(p=2) Let time pass: wait time may pass at most 1s")
    assert "enter(p=1) enabled after 1s wait 1s" in moves


def test_the_served_explorer_is_drawn(served, tmp_path) -> None:
    server, path = served
    shot = str(tmp_path / "explore.png")
    fragment = "#path=" + ",".join(path).replace("+", "%2B") + "&at=6"
    _, console = _chromium(server.url + fragment, f"--screenshot={shot}",
                           "--window-size=1280,1400")
    assert console == [], console
    colors = _colors(shot)
    total = sum(colors.values())
    assert len(colors) > 50, "the screenshot is (nearly) one colour: a blank page"
    assert total - max(colors.values()) > total // 20, "too little drawn on the page"
    for fill in ((0xDB, 0xE9, 0xF6), (0xFD, 0xE2, 0xC8)):   # the first two lane headers
        assert colors.get(fill, 0) > 300, f"lane header colour {fill} not on screen"
    assert colors.get((0xFF, 0xF0, 0xA8), 0) > 300, "no highlighted change"


def test_the_self_contained_page_steps_by_itself_and_shows_names_as_text(tmp_path) -> None:
    spec = hostile_spec(tmp_path, "\"q\"&<img src=x onerror=alert(1)>.tock", "x < 2")
    page = tmp_path / "explore.html"
    assert main(["explore", str(spec), "--html", str(page)]) == 0
    dom, console = _chromium("file://" + str(page) + "#path=0,0,0", "--dump-dom")
    assert console == [], console
    assert "<img" not in dom and dom.count("<script") == 2
    assert "&lt;script&gt;alert('x')&lt;/\"q\"&amp;&lt;img src=x onerror=alert(1)&gt;.tock" \
        in dom
    state = _text(dom, "state")
    assert state.startswith("inc") and "x 2" in state
    assert "small invariant VIOLATED" in _text(dom, "props")
    assert "violated small (invariant, 2 steps) load" in _text(dom, "traces")


def test_names_like_object_keys_in_the_self_contained_page(tmp_path) -> None:
    """A variable named `__proto__` (a plain object key would break the page's maps)."""
    spec = tmp_path / "proto.tock"
    spec.write_text("var __proto__: 0..2 = 0\nvar constructor: bool = false\n"
                    "action go when __proto__ < 2 do { __proto__ := __proto__ + 1; "
                    "constructor := true }\nallow deadlock\n")
    page = tmp_path / "proto.html"
    assert main(["explore", str(spec), "--html", str(page), "--no-check"]) == 0
    dom, console = _chromium("file://" + str(page) + "#path=0,0,0", "--dump-dom")
    assert console == [], console
    assert "__proto__ 2 constructor true" in _text(dom, "state")
    assert "go __proto__ = 2" in _text(dom, "lanes")
    assert "the run ends here" in _text(dom, "moves")
