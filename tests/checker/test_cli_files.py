"""The CLI and the user's files: nothing the run reads is overwritten, no link is written
through, reports land whole and inside their folder, names are shown escaped, and a Ctrl-C
while starting up ends quietly."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from checker.cli import main
from tests.helpers import sigint_as_usual

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAILING = """spec fails
var x: 0..3 = 0
action inc when x < 3 do { x := x + 1 }
invariant small: x < 2
allow deadlock
"""


def _spec(folder, name: str = "s.tock", text: str = FAILING) -> str:  # noqa: ANN001
    path = os.path.join(str(folder), name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def test_a_report_never_overwrites_the_spec_or_an_import(tmp_path, capsys) -> None:  # noqa: ANN001
    lib = _spec(tmp_path, "lib.tock", "const N = 3\n")
    spec = _spec(tmp_path, text=FAILING.replace("\n", '\nimport "lib.tock"\n', 1)
                 .replace("x < 3", "x < N"))
    before = {p: open(p, "rb").read() for p in (spec, lib)}
    for option, target in (("--json", spec), ("--text", lib), ("--html", spec)):
        assert main(["check", spec, option, target]) == 2
        out, err = capsys.readouterr()
        assert "VIOLATED" in out, err                  # the verdicts are still shown
        assert "an input of this run" in err and "Traceback" not in err
    assert before == {p: open(p, "rb").read() for p in (spec, lib)}


def test_no_report_is_written_through_a_symbolic_link(tmp_path, capsys) -> None:  # noqa: ANN001
    spec = _spec(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "r.json").symlink_to(victim)
    assert main(["check", spec, "--json", str(out / "r.json")]) == 2
    assert "symbolic link" in capsys.readouterr().err
    (out / "fails.txt").symlink_to(victim)
    assert main(["check", spec, "--out", str(out)]) == 2
    assert "symbolic link" in capsys.readouterr().err
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "fails.txt").unlink()
    shutil.rmtree(out / "fails", ignore_errors=True)
    (out / "fails").symlink_to(elsewhere)          # the folder of pictures, as a link
    if shutil.which("dot"):
        assert main(["check", spec, "--out", str(out)]) == 2
        assert "symbolic link" in capsys.readouterr().err
        assert list(elsewhere.iterdir()) == []
    assert victim.read_text() == "keep me\n"


def test_names_derived_from_the_spec_stay_inside_out(tmp_path, capsys) -> None:  # noqa: ANN001
    work = tmp_path / "work"
    work.mkdir()
    spec = _spec(work, "...tock", FAILING.replace("spec fails\n", ""))   # named '..'
    out = work / "out"
    code = main(["check", spec, "--out", str(out)])
    err = capsys.readouterr().err
    assert sorted(os.listdir(work)) == ["...tock", "out"]   # nothing beside out/
    if shutil.which("dot"):
        assert code == 2 and "outside" in err
    assert (out / "...txt").exists()                          # inside: written


def test_reports_are_renamed_into_place_with_the_usual_mode(tmp_path) -> None:  # noqa: ANN001
    spec = _spec(tmp_path)
    target = tmp_path / "r.json"
    target.write_text("old")
    old = os.umask(0o022)
    try:
        assert main(["check", spec, "--json", str(target)]) == 1
    finally:
        os.umask(old)
    assert target.read_text().startswith("{")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tock-")] == []


def test_file_names_are_escaped_in_messages_reports_and_pictures(tmp_path, capsys) -> None:  # noqa: ANN001
    name = "\x1b[31mred\x07.tock"
    spec = _spec(tmp_path, name, FAILING.replace("spec fails\n", ""))
    svg = tmp_path / "g.svg"
    text = tmp_path / "r.txt"
    main(["check", spec, "--text", str(text)])
    out, err = capsys.readouterr()
    for shown in (out, err, text.read_text()):
        assert "\x1b" not in shown and "\x07" not in shown
    assert "\\x1b[31mred\\x07" in out
    assert main(["check", _spec(tmp_path, "bad\x1b.tock", "var = 1\n")]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "bad\\x1b.tock:1:5: error[E101]" in err
    if shutil.which("dot"):
        assert main(["graph", spec, "--svg", str(svg)]) == 0
        ET.fromstring(svg.read_bytes())          # well-formed XML: no raw control character


def _run(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT}, timeout=120,
                          preexec_fn=sigint_as_usual)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_while_the_modules_load_exits_130_quietly() -> None:
    # a real SIGINT, delivered while checker.cli imports the language package (the start-up
    # of `tock`; numpy is no longer imported at start-up: it loads on first use)
    code = """
import builtins, os, signal, sys
real = builtins.__import__
def hooked(name, *args, **kwargs):
    if name == "model" and "model" not in sys.modules:
        os.kill(os.getpid(), signal.SIGINT)
        signal.pause()  # the handler runs here, inside the import
    return real(name, *args, **kwargs)
builtins.__import__ = hooked
from checker.cli import main
sys.exit(main(["check", "specs/conformance/twophase.tock"]))
"""
    done = _run(code)
    assert done.returncode == 130, done.stderr
    assert done.stderr == "tock: interrupted\n"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_while_parsing_exits_130_quietly() -> None:
    code = """
import os, signal, sys
import model.parser as parser
real = parser.parse_text
def interrupted(source):
    os.kill(os.getpid(), signal.SIGINT)
    return real(source)
parser.parse_text = interrupted
import model.loader
model.loader.parse_text = interrupted
from checker.cli import main
sys.exit(main(["check", "specs/conformance/twophase.tock"]))
"""
    done = _run(code)
    assert done.returncode == 130, done.stderr
    assert done.stderr == "tock: interrupted\n"
