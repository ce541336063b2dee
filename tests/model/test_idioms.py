"""The idioms people type first (issue 17, item 8): `clock a, b`, `x += e` and `x -= e`,
a set of record literals given its type by the other operand, and `tock explain`'s counts
of huge domains. Each is checked against the long form it abbreviates."""

from __future__ import annotations

import pytest

from checker import Options, check_system
from model import SpecError, load_text
from model.outline import count_text
from model.types import SIZE_CAP
from tests.helpers import compiled_graph, interpreted_graph, spec


def _graph(text: str) -> set:
    system = spec(text)
    states, succ, errors = interpreted_graph(system)
    compiled, compiled_succ, _ = compiled_graph(system)
    assert compiled == states and compiled_succ == succ  # the fast path agrees
    return states


def test_update_assignments_are_the_long_form() -> None:
    short = """
var n: 0..5 = 0
var m: [0..1] -> 0..3 = 0
action up(i: 0..1) when n < 5 and m[i] < 3 do { n += 2 - i; m[i] += 1 }
action down(i: 0..1) when n > 0 and m[i] > 0 do { n -= 1; m[i] -= 1 }
"""
    long = short
    for a, b in (("n += 2 - i", "n := n + (2 - i)"), ("m[i] += 1", "m[i] := m[i] + 1"),
                 ("n -= 1", "n := n - 1"), ("m[i] -= 1", "m[i] := m[i] - 1")):
        long = long.replace(a, b)
    assert long != short
    assert _graph(short) == _graph(long)
    assert len(_graph(short)) > 10


def test_update_precedence_is_the_whole_right_side() -> None:
    # `n -= 1 + 1` takes 2 off, as `n := n - (1 + 1)`, not `n := n - 1 + 1`
    states = _graph("var n: 0..4 = 4\naction dec when n >= 2 do { n -= 1 + 1 }")
    assert states == {(4,), (2,), (0,)}


def test_update_out_of_range_is_a_runtime_error() -> None:
    system = spec("var n: 0..2 = 2\naction up do { n += 1 }")
    _, _, errors = interpreted_graph(system)
    assert errors == {(2,): 1}


def test_several_clocks_in_one_declaration() -> None:
    both = spec("""
clock a, b
process P[i: 0..1] {
  clock x, y: [bool]
  action go when x[true] >= 1s do { reset x[true], y[false] }
}
bound a <= 2s
""")
    names = [c.name for c in both.model.clocks]
    assert names == ["a", "b", "P.x", "P.y"]
    assert [c.count for c in both.model.clocks] == [1, 1, 4, 4]


def test_several_clocks_must_be_distinct() -> None:
    with pytest.raises(SpecError) as err:
        load_text("clock a, a", "t.tock")
    assert [d.code for d in err.value.diagnostics] == ["E202"]


@pytest.mark.parametrize("expr, count", [
    ("s union {{a: 1, b: true}}", 2),
    ("s minus {{a: 1, b: true}}", 1),
    ("s intersect {{a: 1, b: true}, {a: 2, b: false}}", 1),
    ("{{a: 1, b: true}} union s", 2),
])
def test_a_set_of_record_literals_takes_the_other_operands_type(expr: str, count: int) -> None:
    states = _graph(f"""
type R = record {{ a: 0..2, b: bool }}
var s: set of R = {{{{a: 2, b: false}}}}
action change do {{ s := {expr} }}
""")
    assert len(states) == count  # the initial set, and the union's result where it differs


def test_subset_of_record_literals_either_side() -> None:
    states = _graph("""
type R = record { a: 0..2, b: bool }
var s: set of R = {}
var done: bool = false
action add when not ({{a: 1, b: true}} subset s) do { s := s union {{a: 1, b: true}} }
action finish when s subset {{a: 1, b: true}} and not done do { done := true }
""")
    assert len(states) == 4


def test_huge_counts_are_powers_of_ten() -> None:
    assert count_text(999_999_999_999_999) == "999,999,999,999,999"
    assert count_text(10**15) == "about 1.0 × 10^15"
    assert count_text(18 * 10**44) == "about 1.8 × 10^45"
    assert count_text(SIZE_CAP) == "more than 10^308"


def test_assert_fails_alike_interpreted_and_compiled() -> None:
    system = spec("""
var n: 0..4 = 0
var m: [0..1] -> bool = false
action up(i: 0..1) when n < 4 do { n += 1; m[i] := true; assert not (m[0] and m[1]) or n < 3 }
action clear(i: 0..1) when m[i] do { m[i] := false }
""")
    states, succ, errors = interpreted_graph(system)
    compiled, compiled_succ, compiled_errors = compiled_graph(system)
    assert compiled == states and compiled_succ == succ
    assert errors == compiled_errors and errors  # the same states fail, and some do


@pytest.mark.parametrize("written, named", [
    ("set of Node", "Quorum"),
    ("set of 0..2", "Small"),
    ("set of (0..N)", "Small"),
    ("set of bool", "Flags"),
])
def test_set_of_a_type_in_an_expression_is_every_subset(written: str, named: str) -> None:
    head = ("const N = 2\ntype Node = enum { a, b, c }\ntype Quorum = set of Node\n"
            "type Small = set of 0..2\ntype Flags = set of bool\nvar x: 0..1 = 0\n")
    expected = {"Quorum": 4, "Small": 4, "Flags": 1}[named]
    for text in (written, named):
        system = spec(head + f"invariant i: len({{s in {text} | len(s) >= 2}}) == {expected}"
                      "\ninvariant j: forall s in " + text + ": len(s) <= 3\nallow deadlock")
        states, _, errors = interpreted_graph(system)
        assert not errors and states
        from_checker = check_system(system, Options())
        assert from_checker.property("i").status == "holds"
        assert from_checker.property("j").status == "holds"


def test_set_of_a_huge_type_in_an_expression_is_refused() -> None:
    with pytest.raises(SpecError) as err:
        load_text("var x: 0..1 = 0\ninvariant i: len(set of 0..20) > 0", "t.tock")
    assert [d.code for d in err.value.diagnostics] == ["E302"]
    assert "2,097,152 values" in err.value.diagnostics[0].message


def test_in_and_out_are_ordinary_names() -> None:
    # `in` is a keyword only where the grammar expects it: Promela- and Go-style names work
    system = spec("type T = 0..1\nvar in: 0..1 = 0\nvar out: 0..1 = 1\n"
                  "action send(out: T) do { in := out }\n"
                  "process p[in: T] { var v: 0..1 = 0\n action a do { v := in } }\n"
                  "invariant k: forall in in T: in >= 0\nallow deadlock\n")
    states, _, errors = interpreted_graph(system)
    assert not errors and len(states) == 4  # in: 0 or 1, times p[1].v: 0 or 1
