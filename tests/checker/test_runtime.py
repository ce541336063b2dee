"""Run-time errors are violations with traces, never crashes and never silent wraps."""

from __future__ import annotations

import pytest

from checker import Options, check_system
from tests.helpers import spec


@pytest.mark.parametrize("body, code, text", [
    ("var x: 0..3 = 3\naction inc do { x := x + 1 }", "E501", "x := 4 is outside 0..3"),
    ("var x: 0..3 = 0\nvar a: [1..2] -> bool = false\naction set do { a[x] := true }",
     "E502", "index 0 is outside 1..2"),
    ("var x: 0..3 = 0\naction d do { x := 3 / x }", "E503", "division by zero"),
    ("var q: queue[1] of bool = [true]\naction p do { push(q, false) }", "E504",
     "push onto full q"),
    ("var q: queue[1] of bool = []\naction p do { pop(q) }", "E505", "pop from empty q"),
    ("var q: queue[2] of 0..1 = []\nvar y: 0..1 = 0\naction h do { y := head(q) }", "E505",
     "head of an empty queue"),
    ("type P = 1..2\nprocess w[p: P] { var n: 0..2 = 2\n action up do { n := n + p } }",
     "E501", "w[1].n := 3 is outside 0..2"),
    ("var x: 0..3 = 0\naction inc when x < 3 do { x += 1; assert x != 2 }", "E507",
     "assertion failed"),
])
def test_runtime_error_is_a_violation(body: str, code: str, text: str) -> None:
    report = check_system(spec(body + "\nallow deadlock"), Options())
    runtime = report.property("runtime")
    assert runtime.status == "violated"
    assert f"error[{code}]" in runtime.message
    assert text in runtime.message
    trace = runtime.trace
    assert trace is not None and trace.steps[-1].error is not None
    assert report.outcome == "violation"


def test_exploration_continues_past_a_failing_instance() -> None:
    system = spec("var x: 0..3 = 0\nvar y: 0..2 = 0\n"
                  "action inc do { x := x + 1 }\naction other when y < 2 do { y := y + 1 }\n"
                  "allow deadlock")
    report = check_system(system, Options())
    assert report.stats.states == 12  # x 0..3 times y 0..2: the good successors are kept
    assert "more run-time errors" in report.property("runtime").message


def test_error_in_a_property_is_a_runtime_violation() -> None:
    system = spec("var x: 0..3 = 0\nvar a: [1..3] -> bool = false\n"
                  "action inc when x < 3 do { x := x + 1 }\n"
                  "invariant bad: not a[x] or true\nallow deadlock")
    report = check_system(system, Options())
    assert report.property("runtime").status == "violated"
    assert "evaluating bad" in report.property("runtime").message


def test_expected_runtime_failure_meets_expectation() -> None:
    system = spec("var x: 0..1 = 0\naction inc do { x := x + 1 }\n"
                  "expect runtime fails\nallow deadlock")
    assert check_system(system, Options()).outcome == "ok"


def test_a_failing_property_does_not_hide_the_others() -> None:
    system = spec("var s: set of 0..3 = {}\ninvariant a: min(s) == 0\ninvariant b: len(s) > 0\n"
                  "reachable c: len(s) == 0\nallow deadlock")
    report = check_system(system, Options())
    assert report.property("b").status == "violated"
    assert report.property("c").status == "reached"
    assert report.property("runtime").status == "violated"


def test_a_definitions_declared_result_is_checked() -> None:
    system = spec("def f(n: 0..3): 0..1 = n\nvar y: 0..3 = 0\n"
                  "action a when y < 3 do { y := y + 1 }\ninvariant i: f(y) <= 1\nallow deadlock")
    runtime = check_system(system, Options()).property("runtime")
    assert runtime.status == "violated" and "outside 0..1" in runtime.message


def test_an_assertion_sees_the_statements_before_it_and_names_what_it_read() -> None:
    system = spec("var x: 0..3 = 0\nvar y: 0..1 = 0\n"
                  "action inc when x < 3 do { x := x + 1; assert x < 2 or y == 1 }\n"
                  "action flag when y == 0 do { y := 1 }\nallow deadlock")
    report = check_system(system, Options())
    runtime = report.property("runtime")
    assert runtime.status == "violated"
    trace = runtime.trace
    assert trace is not None
    # the shortest failing run: inc twice, the second one fails with y still 0
    assert [s.action for s in trace.steps[1:]] == ["inc", "inc"]
    assert any("assertion failed (x = 2, y = 0)" in value for _, value in runtime.why)
    # the good successors are kept: with y = 1 first, x runs to 3
    assert report.stats.states == 6


def test_an_assertion_that_always_holds_changes_nothing() -> None:
    body = "var x: 0..3 = 0\naction inc when x < 3 do { x := x + 1 ASSERT }\nallow deadlock"
    plain = check_system(spec(body.replace("ASSERT", "")), Options())
    checked = check_system(spec(body.replace("ASSERT", "; assert x >= 1 and x <= 3")),
                           Options())
    assert checked.property("runtime").status == "holds"
    assert checked.stats.states == plain.stats.states == 4


def test_an_assertion_on_the_zone_and_discrete_engines() -> None:
    text = ("clock c\nvar n: 0..5 = 0\n"
            "action inc when n < 4 and c >= 1s do { n := n + 1; reset c; assert n != 3 }\n"
            "allow deadlock")
    for engine in ("zones", "discrete"):
        runtime = check_system(spec(text), Options(time_engine=engine)).property("runtime")
        assert runtime.status == "violated", engine
        assert "error[E507]" in runtime.message
        assert runtime.trace is not None and len(runtime.trace.steps) == 4  # initial + 3


def test_a_deadlock_caused_by_a_failing_action_says_so() -> None:
    report = check_system(spec("var x: 0..3 = 0\naction inc do { x := x + 2 }"), Options())
    deadlock = report.property("deadlock")
    assert deadlock.status == "violated" and deadlock.trace is not None
    assert any("fails with error[E501]" in value and "(see runtime)" in value
               for _, value in deadlock.why)
