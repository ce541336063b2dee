"""The command line's conventions: short flags, --quiet and --summary, options that do not
apply (refused when two contradict each other, warned about when the spec makes one
moot), progress labelled by phase, the time split by phase, and an absolute Reproduce
command in the HTML report."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

import pytest

import checker.cli as cli
from checker import Options, check
from checker.cli import main
from checker.engine import Budget, Progress
from checker.errors import UsageError

TWOPHASE = "specs/conformance/twophase.tock"
FISCHER = "specs/timed/fischer.tock"
BIG = "tests/fixtures/big/big_with_scenarios.tock"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ------------------------------------------------------------------ short flags

def test_short_flags_mean_their_long_forms(tmp_path, capsys) -> None:  # noqa: ANN001
    long = _run(["check", TWOPHASE, "--set", "RM=2", "--property", "TCConsistent",
                 "--out", str(tmp_path / "a"), "--quiet", "--workers", "2"], capsys)
    short = _run(["check", TWOPHASE, "-s", "RM=2", "-p", "TCConsistent",
                  "-o", str(tmp_path / "b"), "-q", "-j", "2"], capsys)
    assert long[0] == short[0] == 0
    assert long[1] == short[1] and "RM = 2" in short[1] and "all_committed" not in short[1]
    assert "2 workers" in short[1]
    assert (tmp_path / "a" / "twophase.json").read_bytes() == \
        (tmp_path / "b" / "twophase.json").read_bytes()


def test_set_and_property_are_short_in_every_command(capsys) -> None:  # noqa: ANN001
    code, out, _ = _run(["explain", TWOPHASE, "-s", "RM=2"], capsys)
    assert code == 0 and "2 instances" in out
    code, _, err = _run(["graph", TWOPHASE, "-s", "RM=1", "-p", "TCConsistent"], capsys)
    assert code == 0 and "state graph:" in err


def test_dash_capital_v_prints_the_version(capsys) -> None:  # noqa: ANN001
    with pytest.raises(SystemExit) as exit_:
        main(["-V"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("tock ")


# ------------------------------------------------------------------ --quiet and --summary

def _progress_run(*flags: str) -> subprocess.CompletedProcess[str]:
    """A check long enough to print progress lines (they come after two seconds)."""
    return subprocess.run([sys.executable, "-m", "checker", "check", BIG,
                           "--time-limit", "4s", *flags],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": os.getcwd()})


def test_quiet_hides_the_progress_but_not_the_report() -> None:
    loud = _progress_run()
    quiet = _progress_run("-q")
    assert "states/s" in loud.stderr
    assert "states/s" not in quiet.stderr and "[search]" not in quiet.stderr
    assert loud.returncode == quiet.returncode == 3
    # the whole report, verdicts included, is still printed
    assert "unknown    scenario" in quiet.stdout and quiet.stdout.endswith(
        "INCOMPLETE: the search stopped before every verdict was decided\n")
    assert "tock: checked in" in quiet.stderr


def test_progress_lines_are_labelled_and_a_phase_says_when_it_ends() -> None:
    err = _progress_run().stderr
    lines = [line for line in err.splitlines() if "states/s" in line]
    assert lines and all(line.startswith("tock: [search] ") for line in lines)
    assert "tock: [search] stopped (time-limit) after " in err


def test_summary_prints_only_the_outcome_line(tmp_path, capsys) -> None:  # noqa: ANN001
    code, out, _ = _run(["check", TWOPHASE, "--summary", "--text", str(tmp_path / "r.txt")],
                        capsys)
    assert code == 0 and out == "OK: every verdict is as expected\n"
    full = (tmp_path / "r.txt").read_text()
    assert "TCConsistent" in full and full.endswith(out)  # the file has the whole report


def test_the_progress_printer_labels_every_phase(monkeypatch, capsys) -> None:  # noqa: ANN001
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    show, done = cli._progress_printer()
    show(Progress("main", 1000, 3000, 7, 20, 2.0))
    show(Progress("scenario s1", 50, 90, 3, 1, 2.0))
    show(Progress("leads-to (state graph)", 4096, 9000, 0, 904, 2.0, total=5000))
    show(Progress("leads-to (state graph)", 4096, 9000, 0, 904, 3.0, total=5000, done=True))
    done()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("tock: [search] 1,000 states, 3,000 transitions, depth 7")
    assert lines[1].startswith("tock: [scenario s1] 50 states")
    # a pass over the states found: how far through them, no misleading `depth 0`
    assert lines[2].startswith("tock: [leads-to (state graph)] 4,096 of 5,000 states linked")
    assert "depth" not in lines[2]
    assert lines[3] == "tock: [leads-to (state graph)] done after 3 s"


def test_a_search_that_reported_progress_reports_its_end() -> None:
    seen: list[Progress] = []
    ticks = iter(range(1000))
    budget = Budget(Options(), seen.append, clock=lambda: float(next(ticks)))
    with budget.search("scenario s") as meter:
        meter.poll(10, 20, 1, 5)  # one second in: too early for a report
        meter.poll(10, 20, 1, 5)  # two seconds in: the first report
    assert [p.done for p in seen] == [False, True]
    assert seen[1].phase == "scenario s" and seen[1].stop_reason is None
    quiet: list[Progress] = []
    budget = Budget(Options(), quiet.append)
    with budget.search("main"):
        pass  # too short to report: no closing line either
    assert quiet == []


# ------------------------------------------------------------------ options that do not apply

@pytest.mark.parametrize("argv, words", [
    (["check", TWOPHASE, "--tick", "1s"], "add --time discrete"),
    (["check", FISCHER, "--tick", "1s", "--time", "zones"], "add --time discrete"),
    (["check", TWOPHASE, "--workers", "2", "--memory", "fast"], "--memory fast"),
    (["explain", FISCHER, "--time", "discrete"], "add --code"),
    (["explain", FISCHER, "--code", "--tick", "1s"], "--code --time discrete"),
])
def test_contradicting_options_are_refused(argv: list[str], words: str, capsys) -> None:  # noqa: ANN001
    code, out, err = _run(argv, capsys)
    assert code == 2 and out == ""
    assert err.startswith("tock: error: ") and words in err and "Traceback" not in err


@pytest.mark.parametrize("argv, words", [
    (["check", FISCHER, "-s", "WAIT=1s", "--workers", "2"], "--workers 2 has no effect"),
    (["check", FISCHER, "-s", "WAIT=1s", "--memory", "compact"], "--memory compact has no"),
    (["check", TWOPHASE, "--time", "discrete"], "--time discrete has no effect"),
    (["check", TWOPHASE, "--time", "discrete", "--tick", "1s"], "--time discrete and --tick have"),
    (["explain", TWOPHASE, "--code", "--time", "discrete"], "--time discrete has no"),
])
def test_options_the_spec_makes_moot_are_warned_about(argv: list[str], words: str,
                                                      capsys) -> None:  # noqa: ANN001
    code, out, err = _run(argv, capsys)
    assert code in (0, 1) and out  # the run goes on
    assert f"tock: warning: {words}" in err


def test_options_that_apply_give_no_warning(capsys) -> None:  # noqa: ANN001
    for argv in (["check", TWOPHASE, "-j", "2", "--memory", "compact"],
                 ["check", FISCHER, "-s", "WAIT=1s", "--time", "discrete", "--tick", "1s"]):
        _, _, err = _run(argv, capsys)
        assert "warning" not in err and "error" not in err


def test_the_api_refuses_contradicting_options_too() -> None:
    with pytest.raises(UsageError, match="--time discrete"):
        check(TWOPHASE, options=Options(tick=1000))


# ------------------------------------------------------------------ the time, by phase

def test_the_time_is_split_by_phase(tmp_path, capsys) -> None:  # noqa: ANN001
    code, _, err = _run(["check", "tests/fixtures/big/big_with_scenarios.tock",
                         "--max-states", "2000", "--html", str(tmp_path / "r.html")], capsys)
    assert code == 3
    line = next(line for line in err.splitlines() if line.startswith("tock: checked in "))
    for part in ("load and compile ", "search ", "scenarios (2) ", "coverage ",
                 "verdicts and traces ", "pictures ", "reports "):
        assert part in line, line
    page = (tmp_path / "r.html").read_text()
    assert "time by phase" in page and "load and compile: " in page
    assert "scenarios (2): " in page


def test_the_timings_stay_out_of_the_text_and_json(tmp_path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "o"
    _run(["check", TWOPHASE, "-o", str(out)], capsys)
    for name in ("twophase.txt", "twophase.json"):
        text = (out / name).read_text()
        assert "load and compile" not in text and "by phase" not in text


# ------------------------------------------------------------------ Reproduce

def test_the_reproduce_command_is_absolute_and_runs_from_anywhere(tmp_path, capsys) -> None:  # noqa: ANN001
    html = tmp_path / "r.html"
    here = os.getcwd()
    assert main(["check", "specs/conformance/increment.tock", "-s", "N=2", "-q",
                 "--time-limit", "90s", "--no-deadlock", "--html", str(html)]) in (0, 1)
    capsys.readouterr()
    page = html.read_text()
    start = page.index('id="command">') + len('id="command">')
    command = page[start:page.index("</pre>", start)].replace("&#39;", "'").replace(
        "&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    words = shlex.split(command)
    assert os.path.isabs(words[0]) or words[:3] == [sys.executable, "-m", "checker"]
    spec = os.path.join(here, "specs/conformance/increment.tock")
    assert spec in words and "--set" in words and "N=2" in words
    assert words[words.index("--time-limit") + 1] == "90"
    assert "--no-deadlock" in words and "--quiet" in words
    assert words[words.index("--html") + 1] == str(html)
    # the command runs, from another folder, and writes the same report again
    again = tmp_path / "again"
    again.mkdir()
    words[words.index("--html") + 1] = str(again / "r.html")
    if not os.path.isabs(words[0]):
        pytest.skip("no tock script beside this Python")
    done = subprocess.run(words, cwd=again, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": here})
    assert done.returncode in (0, 1), done.stderr
    assert (again / "r.html").exists()


def test_the_reproduce_command_names_the_program_that_ran(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(sys, "argv", ["/opt/x/.venv/bin/tock", "check"])
    monkeypatch.setattr(os.path, "exists", lambda path: path == "/opt/x/.venv/bin/tock")
    assert cli._program() == ["/opt/x/.venv/bin/tock"]
    monkeypatch.setattr(sys, "argv", ["/src/checker/__main__.py"])
    assert cli._program() == [sys.executable, "-m", "checker"]


def test_the_reproduce_command_quotes_odd_names(tmp_path) -> None:  # noqa: ANN001
    folder = tmp_path / "a b; $(x)"
    folder.mkdir()
    spec = folder / "it's.tock"
    spec.write_text("var x: 0..1 = 0\naction go when x < 1 do { x := 1 }\nallow deadlock\n")
    args = cli._parser().parse_args(["check", str(spec), "-s", "A=1 2"])
    words = shlex.split(cli._command(args))
    assert str(spec) in words and "A=1 2" in words
