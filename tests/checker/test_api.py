"""The Python API as a user meets it: constants as Python values, typed trace changes,
times that are not Fractions, and scenarios that the constants scale out of the spec."""

from __future__ import annotations

import datetime
import enum
import json
from fractions import Fraction

import pytest

from checker import Change, UsageError, check, load
from checker.cli import main
from checker.render.json import render_json
from checker.render.junit import render_junit
from checker.render.sarif import render_sarif
from checker.render.text import render_text, render_trace
from checker.trace import TraceBuilder
from model import SpecError

SPEC = """\
const FENCING = false
const N = 2
const T = 2s
type Mode = enum { fast, slow }
const MODE: Mode = fast
var x: 0..3 = 0
var tried: bool = false
action inc when x < N and (FENCING or MODE == slow or T > 1s) do { x := x + 1; tried := true }
reachable top: x == 3
expect top fails
allow deadlock
"""

LEASE = """\
spec lease
const CLIENTS = 2
const LEASE = 10s
type Client = 1..CLIENTS
var holder: 0..CLIENTS = 0
process client[c: Client] {
  var state: enum { idle, holding, expired } = idle
  clock held
  action acquire when state == idle and holder == 0 do {
    holder := c
    state := holding
    reset held
  }
  action release when state == holding do { holder := 0; state := idle }
  timeout expire after held == LEASE when state == holding do {
    holder := 0
    state := expired
  }
  action recover when state == expired do { state := idle }
}
invariant one_holder: forall c in Client: client[c].state == holding implies holder == c
scenario first { acquire(c = 1); assert holder == 1 }
scenario handover strict {
  acquire(c = 1)
  wait 10s
  expire(1)
  acquire(c = 2)
  assert holder == 2
}
scenario watched strict { acquire(c = 1); assert client[2].state == idle }
"""


class Mode(enum.Enum):
    fast = 1
    slow = 2


# ------------------------------------------------------------------ constants

@pytest.mark.parametrize("constants, shown", [
    ({"FENCING": True}, ("FENCING", "true")),
    ({"FENCING": False}, ("FENCING", "false")),
    ({"N": 3}, ("N", "3")),
    ({"MODE": "slow"}, ("MODE", "slow")),
    ({"MODE": Mode.slow}, ("MODE", "slow")),
    ({"T": datetime.timedelta(seconds=3)}, ("T", "3s")),
    ({"T": datetime.timedelta(milliseconds=1500)}, ("T", "1500ms")),
    ({"T": "3s"}, ("T", "3s")),
])
def test_constants_take_python_values(constants: dict, shown: tuple[str, str]) -> None:
    report = check(SPEC, constants=constants)
    assert shown in report.constants


def test_a_bool_constant_changes_the_model() -> None:
    # FENCING alone opens the guard when MODE and T do not
    closed = check(SPEC, constants={"MODE": "fast", "T": "1s"})
    opened = check(SPEC, constants={"FENCING": True, "T": "1s"})
    assert closed.stats.states == 1 and opened.stats.states == 3


@pytest.mark.parametrize("value", [2.5, None, [1], Fraction(1, 2),
                                   datetime.timedelta(microseconds=10)])
def test_a_constant_of_another_python_type_is_a_usage_error(value: object) -> None:
    with pytest.raises(UsageError, match="constant N"):
        check(SPEC, constants={"N": value})  # type: ignore[dict-item]


def test_a_constant_of_the_wrong_kind_is_a_spec_error() -> None:
    with pytest.raises(SpecError) as err:
        check(SPEC, constants={"N": True})
    assert "N is" in err.value.render()


# ------------------------------------------------------------------ typed traces

def test_trace_changes_are_typed_and_the_reports_unchanged() -> None:
    report = check("specs/conformance/twophase.tock")
    prop = next(p for p in report.properties if p.trace is not None)
    changes = [c for step in prop.trace.steps for c in step.changes]
    assert changes and all(isinstance(c, Change) for c in changes)
    first = prop.trace.steps[1].changes
    assert first[0] == Change("rmState[1]", "working", "prepared", "working", "prepared")
    sets = next(c for c in first if c.var == "msgPrepared")
    assert sets.old == [] and sets.new == [1] and sets.new_text == "{1}"
    # the JSON report still writes the text forms
    data = json.loads(render_json(report))
    traced = next(p for p in data["properties"] if p["trace"])
    assert traced["trace"][1]["changes"][1] == {"var": "msgPrepared", "from": "{}", "to": "{1}"}


def test_typed_changes_of_bools_ints_and_clocks() -> None:
    report = check(LEASE)
    trace = report.property("first").trace
    acquire = trace.steps[1]
    holder = next(c for c in acquire.changes if c.var == "holder")
    assert (holder.old, holder.new) == (0, 1) and type(holder.new) is int
    state = next(c for c in acquire.changes if c.var == "client[1].state")
    assert (state.old, state.new) == ("idle", "holding")
    report = check(SPEC, constants={"FENCING": True, "N": 3})
    tried = next(c for c in report.property("top").trace.steps[1].changes
                 if c.var == "tried")
    assert tried.old is False and tried.new is True


def test_times_are_floats_with_their_exact_text() -> None:
    report = check(LEASE)
    trace = report.property("handover").trace
    assert trace is not None
    for step in trace.steps:
        assert type(step.time) is float and not isinstance(step.time, Fraction)
        assert isinstance(step.time_text, str)
    expire = next(s for s in trace.steps if s.action == "expire")
    assert expire.time == 10.0 and expire.time_text == "10"
    # clocks in the state are seconds, as in the JSON report
    assert expire.state["client[1].held"] == 10


def test_a_time_that_is_no_finite_decimal_keeps_its_exact_value_but_prints_a_decimal() -> None:
    system = load(LEASE)
    builder = TraceBuilder(system, timed=True)
    builder.start(system.initial_states()[0], (0, 0))
    builder.finish(system.initial_states()[0], Fraction(226, 3), (Fraction(226_000, 3),) * 2)
    step = builder.trace().steps[-1]
    assert step.time == 226 / 3 and type(step.time) is float
    # exact in the data (Fraction reads it back), a decimal cut short in every report
    assert step.time_text == "226/3" and step.exact_time == Fraction(226, 3)
    assert step.shown_time == "75.333333\u2026"
    assert "t=75.333333\u2026  (time passes)" in "\n".join(render_trace(builder.trace()))


# ------------------------------------------------------------------ scenarios scaled out

def test_a_scenario_naming_an_instance_the_constants_leave_out_is_skipped() -> None:
    full = check(LEASE)
    assert [full.property(n).status for n in ("first", "handover", "watched")] == \
        ["reached", "reached", "reached"]
    small = check(LEASE, constants={"CLIENTS": 1})
    assert small.property("first").status == "reached"  # still runs: names client 1 only
    for name in ("handover", "watched"):
        result = small.property(name)
        assert result.status == "skipped" and result.as_expected and result.trace is None
        assert "CLIENTS = 1" in result.message and "1..1" in result.message
        assert result.location.startswith("<text>:") and "(at <text>:" in result.message
    assert small.outcome == "ok" and small.exit_code == 0
    text = render_text(small)
    assert "  skipped    scenario   handover" in text
    assert "scenario handover: skipped" in text
    assert json.loads(render_json(small))["properties"][-1]["status"] == "skipped"
    # in CI outputs a skipped scenario is not run: JUnit <skipped>, SARIF notApplicable
    junit = render_junit(small)
    assert junit.count("<skipped") == 2 and "<failure" not in junit
    results = json.loads(render_sarif(small))["runs"][0]["results"]
    assert sorted(r["kind"] for r in results if "handover" in r["message"]["text"]
                  or "watched" in r["message"]["text"])[:2] == ["notApplicable"] * 2


def test_without_constants_a_bad_instance_in_a_scenario_is_still_an_error() -> None:
    with pytest.raises(SpecError) as err:
        check(LEASE.replace("acquire(c = 2)", "acquire(c = 3)"))
    assert "E304" in err.value.render()


def test_other_errors_in_a_scaled_scenario_stay_errors() -> None:
    bad = LEASE.replace("scenario first { acquire(c = 1);", "scenario first { acquire(d = 1);")
    with pytest.raises(SpecError) as err:
        check(bad, constants={"CLIENTS": 1})
    assert "no parameter 'd'" in err.value.render()


def test_the_cli_reports_a_skipped_scenario(tmp_path, capsys) -> None:  # noqa: ANN001
    spec = tmp_path / "lease.tock"
    spec.write_text(LEASE)
    assert main(["check", str(spec), "-s", "CLIENTS=1"]) == 0
    out = capsys.readouterr().out
    assert "skipped    scenario   handover" in out and "not run: it names a value" in out
    assert main(["graph", str(spec), "-s", "CLIENTS=1"]) == 0  # the point of scaling down


def test_a_bad_constant_is_named_as_the_api_user_gave_it() -> None:
    with pytest.raises(SpecError) as err:
        check(SPEC, constants={"N": True})
    shown = err.value.render()
    assert "constants['N'] = true: error[E303]: N is a number, not a bool" in shown
    assert "--set" not in shown
    with pytest.raises(SpecError) as err:
        check(SPEC, constants={"x": 1})
    assert "--set" not in err.value.render() and "constants['x'] = 1" in err.value.render()


def test_the_cli_still_names_set(capsys) -> None:  # noqa: ANN001
    assert main(["check", "specs/conformance/twophase.tock", "-s", "RM=true"]) == 2
    assert "--set RM=true: error[E303]" in capsys.readouterr().err
