"""Semantic rules: names, enums by context, definitions, constants and overrides, imports."""

from __future__ import annotations

import pytest

from model import SpecError, load_spec, load_text
from tests.helpers import spec


def _codes(text: str, constants=None) -> list[str]:  # noqa: ANN001
    with pytest.raises(SpecError) as err:
        load_text(text, "t.tock", constants)
    return [d.code for d in err.value.diagnostics]


def test_enum_members_resolve_by_context() -> None:
    system = spec("""
type A = enum { idle, done }
type B = enum { idle, failed }
var a: A = idle
var b: B = idle
action finish when a == idle and b in {idle} do { a := done; b := failed }
""")
    assert [system.decode(s) for s in system.initial_states()] == [("idle", "idle")]


def test_qualified_enum_member() -> None:
    system = spec("type A = enum { x, y }\ntype B = enum { x, z }\nvar v: A = A.y")
    assert system.decode(system.initial_states()[0]) == ("y",)


def test_all_errors_of_a_phase_are_reported() -> None:
    assert _codes("var a: bool = 1\nvar b: 0..2 = 5\ninvariant i: zz > 0") == \
        ["E301", "E304", "E201"]


def test_overrides() -> None:
    text = "const N = 2\nconst T = 15s\nparam p: bool\nvar x: 0..N = 0"
    system = spec(text, {"N": "4", "T": "2min", "p": "true"})
    assert dict(system.constants()) == {"N": "4", "T": "2min", "p": "true"}
    assert len(system.initial_states()) == 1  # p fixed
    assert len(spec(text).initial_states()) == 2  # p explored
    assert _codes(text, {"N": "true"}) == ["E303"]
    assert _codes(text, {"T": "15"}) == ["E303"]
    assert _codes(text, {"p": "maybe"}) == ["E303"]
    assert _codes(text, {"M": "1"}) == ["E208"]


def test_typed_constant_override_out_of_range() -> None:
    assert _codes("const N: 1..5 = 2\nvar x: 0..N = 0", {"N": "9"}) == ["E304"]


def test_definitions_inline_and_check_arguments() -> None:
    system = spec("""
type P = 1..3
def next(p: P): P = if p == 3 then 1 else p + 1
var at: P = 1
action move do { at := next(at) }
""")
    s = system.initial_states()[0]
    assert [system.decode(t) for t in system.successors(s)] == [(2,)]
    assert _codes("def f(x: 0..1) = x\nvar y: 0..1 = f(1, 2)") == ["E306"]
    assert _codes("def f = g\ndef g = f\nvar y: bool = f") == ["E307"]


def test_process_variables_are_arrays_over_instances() -> None:
    system = spec("""
type A = 1..2
process agent[a: A] {
  var up: bool = a == 1
  action flip do { up := not up }
}
invariant some_up: exists a in A: agent[a].up or true
""")
    assert system.layout.show(system.decode(system.initial_states()[0])) == [
        ("agent[1].up", "true"), ("agent[2].up", "false")]


def test_process_locals_are_private_and_need_indices() -> None:
    base = "type A = 1..2\nprocess agent[a: A] { var up: bool = true }\n"
    assert _codes(base + "invariant i: up") == ["E201"]
    assert _codes(base + "invariant i: agent.up") == ["E306"]
    assert _codes(base + "invariant i: agent[1].down") == ["E206"]


def test_import(tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "common.tock").write_text("const N = 3\ntype Node = 1..N\n"
                                          "def last(n: Node) = n == N\n")
    main = tmp_path / "main.tock"
    main.write_text('import "common.tock"\nvar at: Node = 1\n'
                    'action step when not last(at) do { at := at + 1 }\nallow deadlock\n')
    system = load_spec(str(main))
    assert system.decode(system.initial_states()[0]) == (1,)


def test_clock_diagnostics() -> None:
    base = "clock c\nvar n: 0..9 = 0\n"
    assert _codes(base + "action a when c >= n do {}") == ["E310"]
    assert _codes(base + "action a when c - c >= 1s do {}") == ["E310"]
    assert _codes(base + "action a when c >= 1s or n > 1 do {}") == ["E310"]
    assert _codes(base + "action a when c >= 1 do {}") == ["E301"]
    assert _codes(base + "action a do { n := c }") == ["E310"]
    assert _codes(base + "bound c >= 2s") == ["E310"]


def test_spec_text_cannot_reach_python() -> None:
    # Names that would be dangerous if pasted into Python stay out of the generated code.
    system = spec("""
type T = enum { __import__, exec, os }
var __class__: T = exec
action eval_ when __class__ == exec do { __class__ := os }
allow deadlock
""")
    assert "__import__" not in system.code.source and "exec" not in system.code.source
    assert len(system.initial_states()) == 1


def test_set_operands_keep_their_own_types() -> None:
    system = spec("var x: 0..3 = 0\nvar y: 0..9 = 5\ninvariant i: 5 in {x} union {y}\n"
                  "allow deadlock")
    from checker import Options, check_system

    report = check_system(system, Options())
    assert report.property("i").status == "holds"
    assert report.property("runtime").status == "holds"
    assert spec("invariant i: 3 in {1, 2} union {3}").model.properties


def test_sets_cannot_hold_queues_at_any_depth() -> None:
    assert _codes("type R = record { q: queue[1] of bool }\nvar s: set of R = {}") == ["E302"]


def test_an_initial_value_outside_its_domain_is_a_spec_error() -> None:
    system = spec("param p: 0..5\nvar x: 0..3 = p\nallow deadlock")
    with pytest.raises(SpecError) as err:
        system.initial_states()
    assert [d.code for d in err.value.diagnostics] == ["E501"]


def test_duration_ranges() -> None:
    assert spec("var t: 1s..1min = 15s").model.variables[0].type.time
    assert _codes("var t: 0..1min = 15s") == ["E301"]


def test_timelock_exists_only_with_clocks() -> None:
    assert _codes("var x: bool\nexpect timelock holds") == ["E205"]
    assert spec("clock c\nvar x: bool\nexpect timelock holds").model.expects


def test_empty_parentheses_in_declarations() -> None:
    assert spec("var x: 0..1 = 0\naction a() do { x := 1 }\ndef f() = 3\nallow deadlock")


def test_a_bad_scenario_step_is_not_also_an_empty_scenario() -> None:
    assert _codes("var x: 0..1 = 0\naction a do { x := 1 }\nscenario s { a(7) }") == ["E306"]


_CONDITIONAL = """
type Mode = enum { a, b }
const MODE: Mode = a
var x: 0..3 = 0
action inc when x < 3 do { x := x + 1 }
invariant small: x < 2
expect small fails when MODE == a
expect small holds when MODE == b
allow deadlock
"""


def test_conditional_expectations_follow_the_constants() -> None:
    assert spec(_CONDITIONAL).model.expects["small"][0] == "fails"
    assert spec(_CONDITIONAL, {"MODE": "b"}).model.expects["small"][0] == "holds"


def test_conditional_expectation_errors() -> None:
    assert _codes("param p: bool\nvar x: 0..1 = 0\ninvariant i: x == 0\n"
                  "expect i fails when p") == ["E308"]
    assert _codes("var x: 0..1 = 0\ninvariant i: x == 0\nexpect i fails when 3") == ["E301"]
    assert _codes("var x: 0..1 = 0\ninvariant i: x == 0\n"
                  "expect i fails when true\nexpect i holds") == ["E202"]
    # two expectations whose conditions exclude each other are fine
    spec("var x: 0..1 = 0\ninvariant i: x == 0\nexpect i fails when false\nexpect i holds")


def test_a_scenario_assume_is_a_discrete_condition() -> None:
    base = "clock c\nvar n: 0..3 = 0\naction a when n < 3 do { n := n + 1 }\nallow deadlock\n"
    assert _codes(base + "scenario s {\n  assume c < 3s\n  a\n}") == ["E310"]
    assert _codes(base + "scenario s {\n  assume n\n  a\n}") == ["E301"]
    spec(base + "scenario s {\n  assume n <= 2\n  a\n}")  # accepted


def test_a_process_indexed_by_a_bad_type_reports_the_type_only() -> None:
    """The index type's error used to reach the initial values as an array over the error
    type, and the check ended in NotImplementedError (an internal error)."""
    text = ("type Phil = 0..(state - 1)\nprocess phil[p: Phil] {\n  var hungry: bool = false\n"
            "  action eat do { hungry := not hungry }\n}")
    assert _codes(text) == ["E201"]


def test_long_chains_are_checked_without_recursion() -> None:
    """A chain of operators is checked by a loop, folding constants as it goes; a chain
    longer than the nesting limit is refused by the parser (E107) before any phase
    recurses over it."""
    n = 40  # the nesting limit is 48 levels of the syntax tree
    text = ("var x: 0..1 = 0\nvar y: -1000..1000 = 0\n"
            "action a when {and_} do {{\n  y := x{minus} + {k}\n}}\n"
            "invariant i: {not_}(y > 1)\ninvariant j: y < 2{or_}\nallow deadlock")
    system = spec(text.format(and_=" and ".join(["x == 0"] * n), minus=" - 1" * n, k=n + 1,
                              not_="not " * n, or_=" or false" * n))
    guard = system.model.actions[0].guard
    assert guard is not None and guard.op == "and"
    assert [system.decode(t) for t in system.successors(system.initial_states()[0])] == [(0, 1)]
    folded = spec(f"const K = 1{' + 1' * n}\nvar x: 0..K = K")
    assert folded.decode(folded.initial_states()[0]) == (n + 1,)
    with pytest.raises(SpecError) as err:
        spec(text.format(and_=" and ".join(["x == 0"] * 300), minus="", k=1, not_="",
                         or_=""))
    assert [d.code for d in err.value.diagnostics] == ["E107"]
