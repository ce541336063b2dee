"""The HTML report in a real browser: headless Chromium opens the flagship's report as the
README's main command writes it, takes a screenshot, and the test checks that the page
rendered (not blank, the swimlane picture drawn, the key text there) and that the browser
logged nothing to its console (the page runs no script, and its Content-Security-Policy
turns any attempt to run one or to load anything into a console message). A spec with
`<script>` and quotes in its names renders as text.

Skipped, with the reason, where Chromium (Debian's `chromium`) or graphviz is missing;
`make test` installs both (.ci/setup.sh), so CI runs it.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib

import pytest

from checker.cli import main
from tests.helpers import hostile_spec

CHROMIUM = next((shutil.which(name) for name in ("chromium", "chromium-browser")
                 if shutil.which(name)), None)

MISSING = [why for why, missing in (
    ("Chromium is not installed (Debian: apt-get install chromium; make test installs it)",
     CHROMIUM is None),
    ("graphviz's dot is not installed (apt-get install graphviz)", shutil.which("dot") is None),
) if missing]


@pytest.fixture(autouse=True)
def _browser_available() -> None:
    """Skip, saying why, where the tools are missing; but in CI (the CI variable set) the
    test must run: .ci/setup.sh installs both, so a missing one is a failure there."""
    if MISSING:
        if os.environ.get("CI"):
            pytest.fail("in CI the browser test must run, but " + "; ".join(MISSING))
        pytest.skip("; ".join(MISSING))

FLAGSHIP = "specs/mesos/agent_recovery.tock"
# headless, and quiet on the network: this machine's network is closed, and the page must
# not need it anyway
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--enable-logging=stderr", "--v=0"]
CONSOLE = re.compile(r":CONSOLE[:(]")


def _chromium(page: str, *args: str) -> tuple[str, list[str]]:
    """Open `page` (a file) in headless Chromium: its stdout and its console messages."""
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args,
             "file://" + os.path.abspath(page)],
            capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if CONSOLE.search(line)]
    return done.stdout, console


def _pixels(path: str) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB(A) bytes of an 8-bit PNG (what Chromium writes)."""
    with open(path, "rb") as handle:
        data = handle.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = bpp = 0
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + size]
        pos += 12 + size
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6), (depth, color)
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    at = 0
    for _ in range(height):
        kind, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        if kind == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif kind == 3:
            for x in range(stride):
                left = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + (left + prev[x]) // 2) & 255
        elif kind == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, [bytes(r[x:x + 3] for x in range(0, stride, bpp)) for r in rows] \
        if bpp == 4 else rows


def _colors(path: str) -> dict[tuple[int, int, int], int]:
    """How many pixels of each colour the screenshot has."""
    _, _, rows = _pixels(path)
    counts: dict[tuple[int, int, int], int] = {}
    for row in rows:
        for x in range(0, len(row), 3):
            key = (row[x], row[x + 1], row[x + 2])
            counts[key] = counts.get(key, 0) + 1
    return counts


def test_the_flagship_report_renders_in_chromium(tmp_path) -> None:
    out = tmp_path / "out"
    # the README's main command (make flagship), into a temporary folder
    assert main(["check", FLAGSHIP, "--out", str(out)]) == 0
    page = str(out / "agent_recovery.html")

    dom, console = _chromium(page, "--dump-dom")
    assert console == [], console
    for text in ("agent_recovery", "OK: every verdict is as expected",
                 "p7_restart_within_70s_keeps_task", "field_checkpoint_restart_100s",
                 "Action coverage", "Reproduce", f" check {os.path.abspath(FLAGSHIP)} --out",
                 "time by phase"):
        assert text in dom, text
    # a swimlane picture per trace: the failing properties, reachables and scenarios
    traces = sum(1 for name in (out / "agent_recovery").iterdir() if name.suffix == ".svg")
    assert traces >= 20 and dom.count("<svg") >= traces
    assert "<script" not in dom

    shot = str(tmp_path / "flagship.png")
    _, console = _chromium(page, f"--screenshot={shot}", "--window-size=1280,6000")
    assert console == [], console
    colors = _colors(shot)
    total = sum(colors.values())
    background = max(colors.values())
    assert len(colors) > 50, "the screenshot is (nearly) one colour: a blank page"
    assert total - background > total // 20, "too little drawn on the page"
    assert colors.get((0xE3, 0xF3, 0xE4), 0) > 1000, "no green OK banner"
    # the fills of the first swimlane's lane headers: the SVG picture was drawn
    for fill in ((0xDB, 0xE9, 0xF6), (0xFD, 0xE2, 0xC8), (0xD9, 0xF0, 0xD3)):
        assert colors.get(fill, 0) > 500, f"lane header colour {fill} not on screen"


def test_a_hostile_spec_renders_as_text_in_chromium(tmp_path) -> None:
    spec = hostile_spec(tmp_path, "\"q\"&<img src=x onerror=alert(1)>.tock")
    page = str(tmp_path / "r.html")
    assert main(["check", str(spec), "--html", page]) == 1
    dom, console = _chromium(page, "--dump-dom")
    assert console == [], console  # no script ran, nothing was blocked, nothing loaded
    assert "<script" not in dom and "<img" not in dom
    assert "&lt;script&gt;alert('x')&lt;/\"q\"&amp;&lt;img src=x onerror=alert(1)&gt;.tock" in dom
    assert "invariant small is false after 2 steps" in dom
