"""tock replay: a log validated against a model (checker.logs, docs/replay.md)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from checker import Options, replay
from checker.cli import main
from checker.logs.logmap import MapError, parse_map
from tests.helpers import needs_dot

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "replay"
SPEC = str(HERE / "lamp.tock")
MAP = str(HERE / "lamp.map.toml")
ROOT = Path(__file__).resolve().parents[2]


def _log(tmp_path: Path, text: str, name: str = "run.log") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_log_that_needs_silent_steps_is_consistent_with_its_witness() -> None:
    # the bulb blows (line 4) and is pressed again (line 5): only the silent `replace`
    # between them makes line 5 possible
    r = replay(SPEC, str(HERE / "silent.log"), MAP)
    assert r.outcome == "consistent" and r.exit_code == 0
    assert r.witness is not None
    labels = [s.label for s in r.witness.steps[1:]]
    assert labels[:5] == ["press", "off", "blow", "replace", "press"]
    assert r.witness_lines[:6] == (0, 1, 2, 4, 0, 5)  # `replace` produced no line
    times = [s.time_text for s in r.witness.steps[1:6]]
    assert times == ["0", "5", "5.3", "5.3", "18.8"]  # 10:00:05.2 -> :06 is 0.8 s +- 0.5 s


def test_a_line_the_model_cannot_produce_is_named_with_the_offered_events(
        tmp_path: Path) -> None:
    log = _log(tmp_path, "2024-01-01T10:00:00 pressed\n2024-01-01T10:00:01 pressed\n")
    r = replay(SPEC, log, MAP)
    assert r.outcome == "inconsistent" and r.exit_code == 1
    assert r.failed is not None and r.failed.number == 2
    assert r.previous is not None and r.previous.number == 1
    # `off` comes only at 5 s, `press` only when off; the lamp is on (an observation)
    assert r.offered == ("blow (event 'blow')", "observation 'observe lamp.on' (lamp.on == true)")
    assert r.witness is not None and [s.label for s in r.witness.steps[1:]] == ["press"]


def test_timing_outside_the_tolerance_is_rejected_and_inside_accepted(tmp_path: Path) -> None:
    early = _log(tmp_path, "2024-01-01T10:00:00 pressed\n2024-01-01T10:00:04 switched off\n",
                 "early.log")
    r = replay(SPEC, early, MAP)
    assert r.outcome == "inconsistent" and r.failed is not None and r.failed.number == 2
    assert r.reason is not None and "only 5 s after line 1" in r.reason
    inside = _log(tmp_path, "2024-01-01T10:00:00 pressed\n2024-01-01T10:00:05.4 switched off\n",
                  "inside.log")
    assert replay(SPEC, inside, MAP).outcome == "consistent"
    # without the timestamps, order alone: the early log is fine
    assert replay(SPEC, early, MAP, untimed=True).outcome == "consistent"


def test_an_unmapped_line_is_reported_and_counts_unless_allowed(tmp_path: Path) -> None:
    log = _log(tmp_path, "2024-01-01T10:00:00 pressed\n2024-01-01T10:00:01 something odd\n")
    r = replay(SPEC, log, MAP)
    assert r.outcome == "unmapped" and r.exit_code == 1
    assert [(x.number, x.text) for x in r.unmapped] == [(2, "2024-01-01T10:00:01 something odd")]
    allowed = replay(SPEC, log, MAP, allow_unmapped=True)
    assert allowed.outcome == "consistent" and allowed.unmapped_count == 1


def test_out_of_order_timestamps_are_a_log_error_naming_both_lines(tmp_path: Path) -> None:
    log = _log(tmp_path, "2024-01-01T10:00:05 pressed\n2024-01-01T10:00:01 bulb blew\n")
    r = replay(SPEC, log, MAP)
    assert r.outcome == "log-error" and r.exit_code == 1
    assert r.failed is not None and r.failed.number == 2
    assert r.reason is not None and "line 2" in r.reason and "line 1" in r.reason


def test_an_observation_must_hold(tmp_path: Path) -> None:
    log = _log(tmp_path, "2024-01-01T10:00:00 lamp is on\n")
    r = replay(SPEC, log, MAP)  # the lamp starts off; only `press` (not silent) turns it on
    assert r.outcome == "inconsistent" and r.failed is not None and r.failed.number == 1


@pytest.mark.parametrize("text, code, where", [
    ("tolerance = 1s\n", "M000", ":1:14"),                               # TOML syntax
    ("[[event]]\nmatch = '(unclosed'\naction = 'press'\n", "M003", ":2:1"),  # regex
    ("[[event]]\nmatch = 'x'\naction = \"presss\"\n", "M010", ":3:10"),   # unknown action
    ("[[event]]\nmatch = 'x'\nobserve = { \"lamp.on\" = \"maybe\" }\n", "M012", ":3:"),
])
def test_a_bad_map_exits_2_with_its_position_and_no_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, code: str,
        where: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    rc, out, err = _run(["replay", SPEC, str(HERE / "silent.log"), "--map", str(bad)], capsys)
    assert rc == 2, err
    assert f"error[{code}]" in err and f"bad.toml{where}" in err
    assert "Traceback" not in err and out == ""


def test_parse_map_reads_templates_and_rejects_unknown_groups() -> None:
    with pytest.raises(MapError, match="capture group 'nope'"):
        parse_map("[[event]]\nmatch = '(?P<k>a)'\naction = 'x'\nargs = { kind = '{nope}' }\n",
                  "m.toml")


def test_a_captured_value_that_is_no_value_is_a_log_error(tmp_path: Path) -> None:
    text = Path(MAP).read_text(encoding="utf-8").replace(
        "match = 'lamp is on'\nobserve = { \"lamp.on\" = \"true\" }",
        "match = 'lamp is (?P<s>\\w+)'\nobserve = { \"lamp.on\" = \"{s}\" }")
    mapped = tmp_path / "m.toml"
    mapped.write_text(text, encoding="utf-8")
    log = _log(tmp_path, "2024-01-01T10:00:00 lamp is dim\n")
    r = replay(SPEC, log, str(mapped))
    assert r.outcome == "log-error" and r.reason is not None and "'dim'" in r.reason


def test_outputs_are_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outs = []
    for k in range(2):
        js = tmp_path / f"r{k}.json"
        rc, out, _err = _run(["replay", SPEC, str(HERE / "silent.log"), "--map", MAP,
                              "--json", str(js), "-q"], capsys)
        assert rc == 0
        outs.append((out, js.read_text(encoding="utf-8")))
    assert outs[0] == outs[1]
    data = json.loads(outs[0][1])
    assert data["outcome"] == "consistent" and data["witness_lines"][:4] == [0, 1, 2, 4]


@needs_dot
def test_svg_and_html_escape_names_from_the_log(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    log = _log(tmp_path, "2024-01-01T10:00:00 pressed\n2024-01-01T10:00:01 <script>x</script>\n")
    svg, page = tmp_path / "r.svg", tmp_path / "r.html"
    rc, _out, _err = _run(["replay", SPEC, log, "--map", MAP, "--svg", str(svg), "--html",
                           str(page), "-q"], capsys)
    assert rc == 1
    for path in (svg, page):
        text = path.read_text(encoding="utf-8")
        assert "<script>" not in text and "&lt;script&gt;" in text


def test_a_budget_stop_is_incomplete_never_consistent(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _err = _run(["replay", SPEC, str(HERE / "silent.log"), "--map", MAP,
                          "--max-states", "1", "-q"], capsys)
    assert rc == 3 and "INCOMPLETE" in out and "CONSISTENT:" not in out.replace(
        "INCONSISTENT", "")


def test_a_spent_time_limit_is_incomplete_with_the_line_reached() -> None:
    r = replay(SPEC, str(HERE / "silent.log"), MAP, options=Options(time_limit=1e-9))
    assert r.outcome == "incomplete" and r.exit_code == 3 and r.stop_reason == "time-limit"
    assert r.failed is not None and r.events == 0


def test_no_temporary_file_is_left_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    tempfile.tempdir = None
    try:
        replay(SPEC, str(HERE / "silent.log"), MAP)
        replay(SPEC, str(HERE / "silent.log"), MAP, options=Options(time_limit=1e-9))
    finally:
        tempfile.tempdir = None
    assert not list(tmp_path.glob("tock-replay-*"))


@pytest.mark.slow
def test_a_100000_line_log_runs_in_bounded_memory(tmp_path: Path) -> None:
    lines = []
    t = 0.0
    for _ in range(20_000):
        for text, gap in (("pressed", 20.0), ("switched off", 5.0), ("bulb blew", 1.0),
                          ("pressed", 20.0), ("switched off", 5.0)):
            t += gap
            lines.append(f"{t:.3f} {text}")
    # blow, then (silently replaced) press again: 5 lines a round, 100,000 in all
    text = Path(MAP).read_text(encoding="utf-8").replace('format = "iso8601"',
                                                         'format = "seconds"')
    mapped = tmp_path / "m.toml"
    mapped.write_text(text, encoding="utf-8")
    log = _log(tmp_path, "\n".join(lines) + "\n", "long.log")
    # the peak of this process's own memory: VmHWM (ru_maxrss would carry over the peak of
    # the forking process, pytest's, across the exec)
    script = ("import re; from checker import replay; "
              f"r = replay({SPEC!r}, {log!r}, {str(mapped)!r}); "
              "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()); "
              "print(r.outcome, r.events, r.frontier_max, hwm.group(1))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=900, check=False)
    assert done.returncode == 0, done.stderr
    outcome, events, frontier, rss_kb = done.stdout.split()
    assert outcome == "consistent" and int(events) == 100_000 and int(frontier) <= 4
    assert int(rss_kb) < 300_000  # KB: the frontier, not the log, sets the memory


MESOS = ROOT / "specs" / "mesos"


@pytest.mark.slow
@pytest.mark.parametrize("version", ["v1_0", "v1_0_doc", "v1_1_3", "v1_4", "v1_5"])
def test_the_seed_logs_per_version(version: str) -> None:
    spec = str(MESOS / "agent_recovery.tock")
    amap = str(MESOS / "agent.map.toml")
    after = replay(spec, str(MESOS / "logs" / "seed000_restart_after_timeout.log"), amap,
                   constants={"VERSION": version})
    within = replay(spec, str(MESOS / "logs" / "seed000_restart_within_timeout.log"), amap,
                    constants={"VERSION": version})
    assert within.outcome == "consistent"
    assert after.outcome == "inconsistent" and after.failed is not None
    if version in ("v1_0", "v1_0_doc"):
        # the executor exits 1.19 s after its shutdown; the model kills it at 5 s
        assert after.failed.number == 24
        assert after.reason is not None and "only 5 s after line 22" in after.reason
        assert replay(spec, str(MESOS / "logs" / "seed000_restart_after_timeout.log"), amap,
                      constants={"VERSION": version}, untimed=True).outcome == "consistent"
    else:  # "Agent attempted to re-register after removal" is 1.0.x only (brief §3.3)
        assert after.failed.number == 19
    # a constructed log (not the seed's): restarted 70 s after the kill, removed 12.6 s after
    # re-registering by the fifth missed ping, which only the built 1.0 does
    constructed = replay(spec, str(MESOS / "logs" / "constructed_restart_at_70s_health_check.log"),
                         amap, constants={"VERSION": version})
    if version == "v1_0":
        assert constructed.outcome == "consistent"
    elif version == "v1_0_doc":
        assert constructed.outcome == "inconsistent" and constructed.failed is not None
        assert constructed.failed.number == 9


def test_a_spec_without_clocks_replays_untimed(tmp_path: Path) -> None:
    spec = tmp_path / "c.tock"
    spec.write_text("spec counter\nvar x: 0..3 = 0\naction inc when x < 3 do { x := x + 1 }\n"
                    "action wrap when x == 3 do { x := 0 }\nallow deadlock\n", encoding="utf-8")
    amap = tmp_path / "c.toml"
    amap.write_text("[[event]]\nmatch = 'inc'\naction = 'inc'\n[[event]]\nmatch = 'three'\n"
                    "observe = { x = '3' }\n", encoding="utf-8")
    ok = replay(str(spec), _log(tmp_path, "inc\ninc\ninc\nthree\ninc\n"), str(amap))
    assert ok.outcome == "consistent" and ok.witness is not None
    assert [s.label for s in ok.witness.steps[1:]] == [
        "inc", "inc", "inc", "observed (line 4): x == 3", "wrap", "inc"]
    assert all(s.time is None for s in ok.witness.steps)
    bad = replay(str(spec), _log(tmp_path, "inc\nthree\n", "bad.log"), str(amap))
    assert bad.outcome == "inconsistent" and bad.failed is not None and bad.failed.number == 2
    assert bad.offered == ("inc (event 'inc')",)


def test_the_tolerance_flag_overrides_the_map(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    early = _log(tmp_path, "2024-01-01T10:00:00 pressed\n2024-01-01T10:00:04 switched off\n")
    rc, out, _err = _run(["replay", SPEC, early, "--map", MAP, "-q"], capsys)
    assert rc == 1 and "first line the model cannot produce: 2" in out
    rc, out, _err = _run(["replay", SPEC, early, "--map", MAP, "-q", "--tolerance", "1s"],
                         capsys)
    assert rc == 0 and "tolerance 1 s per gap" in out
    rc, out, _err = _run(["replay", SPEC, early, "--map", MAP, "-q", "--untimed"], capsys)
    assert rc == 0 and "untimed" in out
