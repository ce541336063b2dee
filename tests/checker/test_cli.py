"""The tock command as a user meets it: exit codes, report files, determinism, progress
and Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

import checker.cli as cli
from checker.cli import main
from tests.helpers import sigint_as_usual

TWOPHASE = "specs/conformance/twophase.tock"


def test_ok_run_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", TWOPHASE]) == 0
    out = capsys.readouterr().out
    assert "288 states, 1,145 transitions, depth 11" in out
    assert "OK: every verdict is as expected" in out


def test_twophase_rm6_json(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.json"
    assert main(["check", TWOPHASE, "--set", "RM=6", "--json", str(path)]) == 0
    data = json.loads(path.read_text())
    assert data["tool"] == "tock" and data["outcome"] == "ok"
    assert data["stats"]["states"] == 50816
    assert data["constants"] == {"RM": "6"}
    for key in ("version", "spec", "properties", "stats"):
        assert key in data
    assert {"states", "transitions", "depth", "deadlocks"} <= set(data["stats"])
    prop = data["properties"][0]
    assert {"name", "kind", "status", "expected", "trace"} <= set(prop)


def test_unexpected_violation_exits_1_and_json_has_the_trace(tmp_path) -> None:
    path = tmp_path / "r.json"
    spec = tmp_path / "s.tock"
    spec.write_text("var x: 0..3 = 0\naction inc when x < 3 do { x := x + 1 }\n"
                    "invariant small: x < 2\nallow deadlock\n")
    assert main(["check", str(spec), "--json", str(path)]) == 1
    data = json.loads(path.read_text())
    prop = next(p for p in data["properties"] if p["name"] == "small")
    assert prop["status"] == "violated" and prop["expected"] is None
    assert [s["action"] for s in prop["trace"]] == [None, "inc", "inc"]
    assert prop["trace"][-1]["state"] == {"x": 2}
    assert data["outcome"] == "violation"


def test_bound_hit_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", TWOPHASE, "--max-states", "10"]) == 3
    out = capsys.readouterr().out
    assert "INCOMPLETE" in out and "--max-states" in out


def test_spec_error_exits_2_with_a_caret_diagnostic(tmp_path, capsys) -> None:
    spec = tmp_path / "typo.tock"
    spec.write_text(open(TWOPHASE).read().replace("when rmState[r] == working do {\n    rmState",
                                                  "when rmStat[r] == working do {\n    rmState"))
    assert main(["check", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "error[E201]: unknown variable 'rmStat'" in err
    assert "hint: did you mean 'rmState'?" in err
    assert "^^^^^^" in err


def _run(argv: list[str]) -> int:
    """main(), with argparse's own usage errors (SystemExit) turned into exit codes."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


@pytest.mark.parametrize("argv", [
    ["check", "no/such/file.tock"],
    ["check", TWOPHASE, "--set", "RM"],
    ["check", TWOPHASE, "--property", "nope"],
    ["check", TWOPHASE, "--set", "RM=x"],
    ["check", TWOPHASE, "--max-states", "zero"],
    ["check"],
])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(argv) == 2
    err = capsys.readouterr().err
    assert err and "Traceback" not in err


def test_internal_error_exits_4(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    def boom(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise ValueError("simulated bug")

    monkeypatch.setattr(cli, "check_system", boom)
    assert main(["check", TWOPHASE]) == 4
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err
    assert main(["check", TWOPHASE, "--debug"]) == 4
    assert "Traceback" in capsys.readouterr().err


def test_reports_are_byte_identical_across_runs(tmp_path) -> None:
    outs = []
    for k in range(2):
        out = str(tmp_path / str(k))
        assert main(["check", "specs/conformance/bakery2.tock", "--out", out]) == 0
        outs.append(((tmp_path / str(k) / "bakery2.txt").read_bytes(),
                     (tmp_path / str(k) / "bakery2.json").read_bytes()))
    assert outs[0] == outs[1]


def test_the_time_goes_to_stderr_not_into_reports(tmp_path, capsys) -> None:  # noqa: ANN001
    main(["check", TWOPHASE, "--text", str(tmp_path / "a.txt"), "--json", str(tmp_path / "a.json")])
    err = capsys.readouterr().err
    assert "tock: checked in " in err
    lines = (tmp_path / "a.txt").read_text().splitlines()
    assert lines[-1] == "OK: every verdict is as expected"
    assert not any(line.startswith("time") for line in lines)
    assert "seconds" not in json.loads((tmp_path / "a.json").read_text())["stats"]


def test_explain_shows_layout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", TWOPHASE]) == 0
    out = capsys.readouterr().out
    assert "rmState" in out and "bits 0..5" in out
    assert "RMPrepare" in out and "3 instances" in out
    assert "state: 16 bits" in out


def test_property_filter(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", TWOPHASE, "--property", "TCConsistent"]) == 0
    out = capsys.readouterr().out
    assert "all_committed" not in out and "TCConsistent" in out


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_gives_a_partial_report_and_progress_goes_to_stderr() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "checker", "check", TWOPHASE, "--set", "RM=9"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()}, preexec_fn=sigint_as_usual)
    assert proc.stderr is not None
    seen = []
    while not any("states/s" in line for line in seen):  # the first progress line
        line = proc.stderr.readline()
        assert line, "".join(seen)  # the check ended before any progress
        seen.append(line)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    err = "".join(seen) + err
    assert proc.returncode == 3, err
    assert "interrupted (Ctrl-C)" in out
    assert "INCOMPLETE" in out
    assert "Traceback" not in err


def test_memory_limit_gives_a_partial_report(capsys: pytest.CaptureFixture[str]) -> None:
    # 1 MB is below what Python itself needs, so the first memory check stops the search
    assert main(["check", TWOPHASE, "--set", "RM=6", "--memory-limit", "1"]) == 3
    out = capsys.readouterr().out
    assert "the memory limit (--memory-limit) was reached" in out
    assert "INCOMPLETE" in out


def test_a_binary_file_is_a_spec_error(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "binary.tock"
    spec.write_bytes(b"var x: bool\n\xff\xfe\x00junk")
    assert main(["check", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "error[E104]" in err and "not UTF-8" in err and "Traceback" not in err


def test_store_and_workers_flags(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", TWOPHASE, "--set", "RM=5", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "compact store, 2 workers" in out and "8,832 states" in out
    assert main(["check", TWOPHASE, "--set", "RM=5", "--memory", "fast"]) == 0
    out = capsys.readouterr().out
    assert "engine     explicit\n" in out and "8,832 states" in out


def test_run_flushes_runs_the_exit_handlers_then_exits_without_teardown(monkeypatch) -> None:
    """cli.run, the console script: main's exit code, streams flushed and atexit handlers
    run before os._exit; with another thread alive, the usual exit (which waits for it)."""
    calls: list[object] = []

    class Exited(Exception):
        pass

    def fake_exit(code: int) -> None:
        calls.append(("_exit", code))
        raise Exited

    monkeypatch.setattr(cli, "main", lambda: 1)
    monkeypatch.setattr(cli.atexit, "_run_exitfuncs", lambda: calls.append("atexit"))
    monkeypatch.setattr(cli.os, "_exit", fake_exit)
    monkeypatch.setattr(cli.threading, "active_count", lambda: 1)
    with pytest.raises(Exited):
        cli.run()
    assert calls == ["atexit", ("_exit", 1)]
    calls.clear()
    monkeypatch.setattr(cli.threading, "active_count", lambda: 2)
    with pytest.raises(SystemExit) as stopped:
        cli.run()
    assert stopped.value.code == 1 and calls == []


def test_the_command_writes_its_whole_report_through_a_pipe(
        capsys: pytest.CaptureFixture[str]) -> None:
    """The console script's exit (cli.run) loses nothing: the report through a pipe is the
    one main() prints, and the exit code is main's."""
    argv = ["check", "specs/conformance/hanoi.tock", "--quiet"]
    done = subprocess.run([sys.executable, "-m", "checker", *argv], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": os.getcwd()}, timeout=300)
    code = main(argv)
    assert done.returncode == code
    assert done.stdout == capsys.readouterr().out
    assert done.stdout.rstrip().endswith("OK: every verdict is as expected")
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_check_keeps_graph_edges_only_as_far_as_its_html_draws(
        monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    # the zone engine keeps every edge (12 bytes a transition) up to Options.graph_limit for
    # Report.graph(); the check command draws one only in its HTML report, up to 60 states
    from checker.api import check_system
    from checker.graph import GraphTooLarge
    seen = []

    def spy(system, options, **kw):  # noqa: ANN001, ANN003, ANN202
        report = check_system(system, options, **kw)
        seen.append((options.graph_limit, report))
        return report

    monkeypatch.setattr(cli, "check_system", spy)
    out = tmp_path / "r.json"
    assert main(["check", "specs/timed/fischer.tock", "--set", "N=4", "-q", "--json",
                 str(out)]) == 0
    ((limit, report),) = seen
    assert limit == cli.HTML_GRAPH_LIMIT and report.stats.states > limit
    with pytest.raises(GraphTooLarge):
        report.graph()
    assert "graph_limit" not in json.loads(out.read_text())["options"]  # not an echo
