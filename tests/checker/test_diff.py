"""`tock diff` and checker.diff: the shortest observable difference between two
configurations of one spec (docs/diff.md)."""

from __future__ import annotations

import json
import os

import pytest

from checker.cli import main
from checker.compare import diff, observed_leaves
from checker.errors import UsageError
from checker.options import Options
from checker.render.diff import (
    render_diff_dot,
    render_diff_html,
    render_diff_json,
    render_diff_text,
)
from model import SpecError, load_text
from tests.helpers import needs_dot

HERE = os.path.dirname(__file__)
FIXTURES = os.path.join(HERE, "..", "fixtures")
COUNTER = os.path.join(FIXTURES, "diff_counter.tock")
HIDDEN = os.path.join(FIXTURES, "diff_hidden.tock")
TIMER = os.path.join(FIXTURES, "diff_timer.tock")
MESOS = os.path.join(HERE, "..", "..", "specs", "mesos", "agent_recovery.tock")


def test_a_known_shortest_divergence_with_both_runs() -> None:
    result = diff(COUNTER, {"LIMIT": 2}, {"LIMIT": 3}, observe=["x"])
    left_only, right_only = result.directions
    assert left_only.status == "none"  # every LIMIT=2 run is a LIMIT=3 run
    assert right_only.status == "difference"
    div = right_only.divergence
    assert div is not None
    assert (div.allows, div.lacks, div.step) == ("right", "left", 3)
    assert [r.action for r in div.run] == [None, "inc", "inc", "inc"]
    assert div.run[-1].changes == (("x", "2", "3"),)
    # the left run matched the first two increments, then cannot go on
    assert [r.action for r in div.other] == [None, "inc", "inc"]
    assert div.other[-1].changes == (("x", "1", "2"),)
    assert div.event == "does inc (x: 2 -> 3)"
    assert result.outcome == "difference" and result.exit_code == 1
    assert result.left == (("LIMIT", "2"),) and result.right == (("LIMIT", "3"),)


def test_no_observable_difference_says_what_was_compared() -> None:
    result = diff(HIDDEN, {"DIRECT": True}, {"DIRECT": False}, observe=["done", "tries"])
    assert result.outcome == "no difference" and result.exit_code == 0
    assert [d.status for d in result.directions] == ["none", "none"]
    assert result.observed == ("done", "tries")
    assert not result.observe_actions
    text = render_diff_text(result)
    assert "observed   done, tries" in text
    assert "NO OBSERVABLE DIFFERENCE" in text


def test_hidden_variables_make_a_difference_invisible() -> None:
    # observing every variable (the default) shows the hidden `stage` step ...
    seen = diff(HIDDEN, {"DIRECT": True}, {"DIRECT": False})
    assert seen.observed == ("stage", "done", "tries")
    right_only = seen.directions[1].divergence
    assert right_only is not None and right_only.run[-1].action == "prepare"
    # ... and observing the actions shows it too, even with `stage` hidden
    acts = diff(HIDDEN, {"DIRECT": True}, {"DIRECT": False}, observe=["done"],
                observe_actions=True)
    assert acts.outcome == "difference"
    # hidden, the extra step is silent: the matching run names it
    quiet = diff(HIDDEN, {"DIRECT": False}, {"DIRECT": True}, observe=["done"])
    assert quiet.outcome == "no difference"


def test_a_timing_only_difference_in_discrete_time() -> None:
    result = diff(TIMER, {"TIMEOUT": "2s"}, {"TIMEOUT": "3s"})
    assert result.time.startswith("discrete time, tick 1s")
    left_only, right_only = result.directions
    assert left_only.divergence is not None and right_only.divergence is not None
    # left fires at 2 s, when right must still wait
    assert left_only.divergence.run[-1].action == "expire"
    assert left_only.divergence.time == "2"
    # right lets time pass to 3 s, which left cannot without firing first
    assert right_only.divergence.run[-1].action is None
    assert right_only.divergence.time == "3"
    assert "expire" in right_only.divergence.instead[0]
    # zones do not compare times: the untimed behaviours are the same
    untimed = diff(TIMER, {"TIMEOUT": "2s"}, {"TIMEOUT": "3s"},
                   options=Options(time_engine="zones"))
    assert untimed.outcome == "no difference"
    assert untimed.time.startswith("zones: time not compared")


def test_bounded_search_is_incomplete_not_no_difference() -> None:
    result = diff(COUNTER, {"LIMIT": 2}, {"LIMIT": 3}, observe=["x"],
                  options=Options(max_depth=2))
    assert result.outcome == "incomplete" and result.exit_code == 3
    assert {d.stop_reason for d in result.directions} == {"max-depth"}
    assert "INCOMPLETE: no difference found (left-only up to depth 2, right-only up to " \
        "depth 2; the search stopped early)" in render_diff_text(result)
    small = diff(COUNTER, {"LIMIT": 2}, {"LIMIT": 3}, observe=["x"],
                 options=Options(max_states=2))
    assert small.outcome == "incomplete"
    assert "max-states" in {d.stop_reason for d in small.directions}


def test_text_and_json_are_deterministic() -> None:
    first = diff(HIDDEN, {"DIRECT": True}, {"DIRECT": False})
    second = diff(HIDDEN, {"DIRECT": True}, {"DIRECT": False})
    assert render_diff_text(first) == render_diff_text(second)
    assert render_diff_json(first) == render_diff_json(second)
    assert render_diff_html(first) == render_diff_html(second)
    data = json.loads(render_diff_json(first))
    assert data["kind"] == "diff" and data["schema"] == 1
    assert data["outcome"] == "difference"
    assert [d["status"] for d in data["directions"]] == ["difference", "difference"]
    run = data["directions"][1]["divergence"]["run"]
    assert run[-1]["action"] == "prepare"
    assert run[-1]["changes"] == [{"var": "stage", "old": "0", "new": "1"}]


def test_names_from_the_spec_are_escaped_in_the_pictures() -> None:
    result = diff(COUNTER, {"LIMIT": 2}, {"LIMIT": 3}, observe=["x"])
    div = result.directions[1].divergence
    assert div is not None
    dot = render_diff_dot(result, div)
    assert "right cannot" not in dot and "left cannot" in dot
    assert "#b00020" in dot  # the divergent step is marked
    page = render_diff_html(result)
    assert "<script" not in page and 'class="diverges"' in page


def test_cli_exit_codes_and_files(tmp_path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "d.json"
    assert main(["diff", COUNTER, "--left", "LIMIT=2", "--right", "LIMIT=3",
                 "--observe", "x", "--json", str(out), "-q"]) == 1
    assert json.loads(out.read_text())["outcome"] == "difference"
    assert "right-only (right has, left lacks): found at step 3" in capsys.readouterr().out
    assert main(["diff", HIDDEN, "--left", "DIRECT=true", "--right", "DIRECT=false",
                 "--observe", "done,tries", "-q"]) == 0
    assert main(["diff", COUNTER, "--left", "LIMIT=2", "--right", "LIMIT=3",
                 "--max-depth", "1", "-q"]) == 3


@pytest.mark.parametrize("argv, message", [
    (["--left", "LIMIT=2", "--right", "LIMIT=3", "--observe", "z"],
     "--observe: no variable named 'z'"),
    (["--left", "LIMIT=2", "--right", "LIMIT=3", "--observe", "xx"], "did you mean x"),
    (["--left", "LIMT=2", "--right", "LIMIT=3"], "LIMT"),
    ([], "give at least one --left"),
    (["--left", "LIMIT"], "NAME=VALUE"),
    (["--left", "LIMIT=2", "--right", "LIMIT=3", "--horizon", "2s"], "--horizon"),
])
def test_usage_errors_exit_2_without_a_traceback(argv, message, capsys) -> None:  # noqa: ANN001
    assert main(["diff", COUNTER, *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_api_errors_are_typed() -> None:
    with pytest.raises(UsageError):
        diff(COUNTER, {"LIMIT": 2}, {"LIMIT": 3}, observe=["nothing"])
    with pytest.raises(SpecError):
        diff(COUNTER, {"NO_SUCH": 2}, {"LIMIT": 3})


@needs_dot
def test_svg_and_html_files(tmp_path) -> None:  # noqa: ANN001
    folder = tmp_path / "pics"
    page = tmp_path / "d.html"
    assert main(["diff", TIMER, "--left", "TIMEOUT=2s", "--right", "TIMEOUT=3s",
                 "--svg", str(folder), "--html", str(page), "-q"]) == 1
    assert sorted(os.listdir(folder)) == ["left-only.svg", "right-only.svg"]
    assert "<svg" in (folder / "left-only.svg").read_text()
    assert "<svg" in page.read_text()
    # untimed, and one file for the first divergence
    one = tmp_path / "one.svg"
    assert main(["diff", COUNTER, "--left", "LIMIT=2", "--right", "LIMIT=3", "--svg", str(one),
                 "-q"]) == 1
    assert "<svg" in one.read_text() and "left cannot" in one.read_text()


@pytest.mark.slow
def test_mesos_documented_and_built_1_0_part_at_the_crash() -> None:
    """The 1.0 documentation and 1.0 as built, on the agent, executor and task states:
    they part at the first crash of the agent of a framework without checkpointing (the
    documented executor is left running, detached; the built one shuts down). About 15 s of
    CPU (up to a minute on a busy machine), so marked slow."""
    result = diff(MESOS, {"VERSION": "v1_0_doc"}, {"VERSION": "v1_0"},
                  observe=["agent.state", "executor[1].proc", "task[1].at_agent"])
    doc_only, built_only = result.directions
    assert doc_only.divergence is not None and built_only.divergence is not None
    for div, proc in ((doc_only.divergence, "detached"),
                      (built_only.divergence, "shutting_down")):
        assert div.step == 1
        assert div.run[-1].action == "crash(kind=kill)"
        assert div.run[-1].hidden == ("launch(cp=false)",)
        assert ("executor[1].proc", "alive", proc) in div.run[-1].changes


def test_a_time_horizon_bounds_the_runs() -> None:
    short = diff(TIMER, {"TIMEOUT": "2s"}, {"TIMEOUT": "3s"}, horizon=1000)
    assert short.outcome == "incomplete"
    assert {d.stop_reason for d in short.directions} == {"horizon"}
    assert "runs up to 1s" in short.time
    # at 2 s the left-only run (the timeout at 2 s) is inside the horizon
    longer = diff(TIMER, {"TIMEOUT": "2s"}, {"TIMEOUT": "3s"}, horizon=2000)
    assert longer.directions[0].status == "difference"
    assert longer.directions[1].stop_reason == "horizon"
    with pytest.raises(UsageError, match="--horizon"):
        diff(COUNTER, {"LIMIT": 2}, {"LIMIT": 3}, horizon=1000)


def test_a_tick_must_divide_the_constants_and_strictness_is_said() -> None:
    with pytest.raises(UsageError, match="does not divide the constant 3s"):
        diff(TIMER, {"TIMEOUT": "2s"}, {"TIMEOUT": "3s"},
             options=Options(time_engine="discrete", tick=2000))
    strict = ("spec strict\nvar done: bool = false\nclock c\n"
              "action go when not done and c < 2s do { done := true }\nallow deadlock\n")
    result = diff(strict, {}, {}, options=Options(time_engine="discrete"))
    assert result.exactness.startswith("at the tick's resolution only")
    assert diff(strict, {}, {}).time.startswith("zones: time not compared (discrete time")


@pytest.mark.parametrize("engine", ["zones", "discrete"])
def test_a_configuration_has_no_difference_with_itself(engine: str) -> None:
    spec = os.path.join(FIXTURES, "ticking_controller.tock")
    result = diff(spec, {}, {}, options=Options(time_engine=engine))
    assert result.outcome == "no difference"
    assert all(d.pairs > 1 for d in result.directions)


def test_twophase_layouts_differ_but_the_manager_looks_the_same() -> None:
    spec = os.path.join(HERE, "..", "..", "specs", "conformance", "twophase.tock")
    # the transaction manager commits or aborts either way: 2 or 3 managers look the same
    same = diff(spec, {"RM": 2}, {"RM": 3}, observe=["tmState"])
    assert same.outcome == "no difference"
    assert all(d.pairs > 1 for d in same.directions)
    # observing the managers, the third one is there from the start (decoded values: the
    # two layouts differ, a missing leaf reads "(absent)")
    seen = diff(spec, {"RM": 2}, {"RM": 3}, observe=["rmState"])
    assert seen.observed == ("rmState[1]", "rmState[2]", "rmState[3]")
    right_only = seen.directions[1].divergence
    assert right_only is not None and right_only.step == 0
    assert right_only.run[0].changes[-1] == ("rmState[3]", "", "working")


def test_steps_that_fail_at_run_time_are_left_out_and_said() -> None:
    text = ("spec rt\nconst LIMIT = 3\nvar x: 0..2 = 0\n"
            "action inc when x < LIMIT do { x := x + 1 }\nallow deadlock\n")
    result = diff(text, {"LIMIT": 3}, {"LIMIT": 2})
    assert result.outcome == "no difference"
    assert result.notes == ("1 step(s) of the left side fail at run time; the comparison "
                            "leaves them out (tock check reports them)",)
    assert "note       1 step(s) of the left side" in render_diff_text(result)


LOOPED = """spec looped
const TASKS = 2
type Task = 1..TASKS
process task[k: Task] {
  var st: enum { idle, run, lost } = idle
  action start when st == idle do { st := run }
}
process agent {
  var up: bool = true
  action crash when up and LOSE do { up := false; for k in Task { task[k].st := lost } }
}
const LOSE = true
"""


def test_observe_names_an_indexed_process_s_variables_one_instance_or_all() -> None:
    """`task.st` observes every instance's `st`, `task[2].st` one, `task[1]` a whole
    instance: the leaves are task[k].st, the reports name the variable task.st."""
    def leaves(observe: list[str]) -> list[str]:
        left = load_text(LOOPED, "looped.tock", {"LOSE": "true"})
        right = load_text(LOOPED, "looped.tock", {"LOSE": "false"})
        return observed_leaves(left, right, observe, False)

    assert leaves(["task.st"]) == ["task[1].st", "task[2].st"]
    assert leaves(["task[2].st"]) == ["task[2].st"]
    assert leaves(["task[1]", "agent"]) == ["task[1].st", "agent.up"]
    with pytest.raises(UsageError, match="did you mean"):
        leaves(["task.sts"])
