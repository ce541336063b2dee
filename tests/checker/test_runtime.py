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
