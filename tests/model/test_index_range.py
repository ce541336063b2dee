"""Every access to the packed state is range-checked: an index, element or clock number
outside its array is a run-time error with a trace where it is computed (folded from index
arithmetic, read from the state, chosen at run time), and a spec error where the source
writes it as a constant. Never a read or write of a neighbouring variable's bits."""

from __future__ import annotations

import pytest

from checker import Options, check_system
from model import SpecError, load_text
from model.codegen import compile_zones
from tests.helpers import compiled_graph, interpreted_graph, spec


def _runtime(text: str, engine: str | None = None):  # noqa: ANN202
    report = check_system(spec(text), Options(time_engine=engine))
    return report, report.property("runtime")


# The issue's spec: the quantifier is unrolled and `p + 1` folds to the literal 3, which
# used to read `b` (true), so `go` fired and the check said OK.
ISSUE = """
type P = 1..2
var a: [P] -> bool = false
var b: bool = true
var x: 0..1 = 0
action go when exists p in P: a[p + 1] do { x := 1 }
allow deadlock
"""


def test_a_folded_index_in_a_guard_is_a_runtime_error_not_a_neighbours_bits() -> None:
    report, runtime = _runtime(ISSUE)
    assert runtime.status == "violated"
    assert runtime.message.startswith("error[E502]: index 3 is outside 1..2")
    assert report.stats.states == 1  # go never fires: x stays 0
    assert report.outcome == "violation"
    assert runtime.trace is not None and runtime.trace.steps[-1].error is not None


def test_a_folded_index_in_an_invariant_is_a_runtime_error() -> None:
    report, runtime = _runtime(ISSUE.replace("action go when exists p in P: a[p + 1] do",
                                             "invariant inv: not exists p in P: a[p + 1]\n"
                                             "action go when x == 0 do"))
    assert runtime.status == "violated"
    assert "evaluating inv: index 3 is outside 1..2" in runtime.message
    assert report.property("inv").status == "holds"  # not a violation read from b's bits


@pytest.mark.parametrize("name, text, message", [
    # the first variable: a folded index below its array was a negative shift (ValueError)
    ("negative_offset", "var a: [P] -> bool = false\nvar b: bool = false\n"
     "action go(p: P) when not a[p - 1] do { b := true }", "index 0 is outside 1..2"),
    ("store", "var a: [P] -> bool = false\nvar b: bool = false\n"
     "action go(p: P) do { a[p + 1] := true }", "index 3 is outside 1..2"),
    ("nested_read", "var m: [P] -> [P] -> bool = false\nvar b: bool = true\n"
     "action go(p: P, q: P) when m[p][q + 1] do { b := false }", "index 3 is outside 1..2"),
    ("nested_store", "var m: [P] -> [P] -> bool = false\nvar b: bool = false\n"
     "action go(p: P) do { m[p + 1][p] := true }", "index 3 is outside 1..2"),
    ("record_field_map", "type R = record { f: [P] -> 0..3, g: bool }\n"
     "var r: R = {f: [p in P -> 0], g: false}\nvar b: bool = false\n"
     "action go(p: P) do { r.f[p + 1] := 2 }", "index 3 is outside 1..2"),
    ("set_literal", "var s: set of P = {}\nvar b: bool = false\n"
     "action go(p: P) do { s := {p + 1} }", "set element 3 is outside 1..2"),
    ("set_of_ints", "var s: set of 0..3 = {}\nvar x: 0..3 = 0\n"
     "action go when x < 3 do { x := x + 1; s := s union {x + 1} }",
     "value {2, 3, 4} is outside set of 0..3"),
    ("queue_element", "var q: queue[2] of 0..3 = []\nvar b: bool = false\n"
     "action go(v: 0..3) when len(q) < 2 do { push(q, v + 1) }",
     "queue element 4 is outside 0..3"),
    ("choose_over_a_computed_range", "var a: [P] -> bool = false\nvar x: 0..3 = 0\n"
     "action go when x < 3 do { choose v in x..x+1 { a[v] := true } x := x + 1 }",
     "index 0 is outside 1..2"),
    ("let_bound_index", "var a: [P] -> bool = false\nvar b: bool = true\n"
     "action go(p: P) do { let k = p + 1  b := a[k] }", "index 3 is outside 1..2"),
    ("map_comprehension_index", "var a: [P] -> 0..2 = 0\nvar x: 0..3 = 0\n"
     "action go when x < 3 do { x := x + 1 }\n"
     "action h do { a := [p in P -> [q in P -> q][x]] }", "index 0 is outside 1..2"),
])
def test_every_computed_access_is_checked(name: str, text: str, message: str) -> None:
    text = "type P = 1..2\n" + text + "\nallow deadlock"
    _, runtime = _runtime(text)
    assert runtime.status == "violated", name
    assert message in runtime.message
    system = spec(text)  # and the compiled code agrees with the interpreter everywhere
    assert compiled_graph(system) == interpreted_graph(system)


TIMED = """
type P = 1..2
clock c: [P]
clock d
var x: 0..3 = 0
"""


@pytest.mark.parametrize("engine", ["zones", "discrete"])
@pytest.mark.parametrize("action", [
    "action go(p: P) when x < 3 do { x := x + 1; reset c[p + 1] }",  # used to reset d
    "action go(p: P) when x < 3 and c[p + 1] >= 1s do { x := x + 1; reset c[p] }",
])
def test_a_clock_index_folded_outside_its_array_is_a_runtime_error(engine: str,
                                                                    action: str) -> None:
    report, runtime = _runtime(TIMED + action + "\nallow deadlock", engine)
    assert runtime.status == "violated"
    assert "error[E502]: index 3 is outside 1..2" in runtime.message
    assert report.exit_code == 1


def test_a_clock_reset_out_of_range_does_not_reset_the_next_clock() -> None:
    system = spec(TIMED + "action go(p: P) when x < 3 do { x := x + 1; reset c[p + 1] }\n"
                  "allow deadlock")
    zc = compile_zones(system.model, system.layout)
    outcomes = zc.succ(system.initial_states()[0])
    # instance 1 (p = 2) fails; it never reports clock 3 (d) as reset
    assert [(inst, nxt is None) for inst, _c, nxt, _g, _r in outcomes] == [(0, False), (1, True)]
    assert outcomes[0][4] == (2,)


@pytest.mark.parametrize("text, code, message", [
    ("var a: [1..2] -> bool = false\naction go when a[3] do { a[1] := true }",
     "E304", "index 3 is outside 1..2"),
    ("const N = 2\nvar a: [1..N] -> bool = false\naction go do { a[N + 1] := true }",
     "E304", "index 3 is outside 1..2"),
    ("var a: [1..2] -> bool = false\ninvariant i: a[0]", "E304", "index 0 is outside 1..2"),
    ("clock c: [1..2]\nvar x: 0..1 = 0\naction go when c[3] >= 1s do { x := 1 }",
     "E304", "index 3 is outside 1..2"),
    ("clock c: [1..2]\nvar x: 0..1 = 0\naction go do { reset c[0] }",
     "E304", "index 0 is outside 1..2"),
    ("clock c: [1..2]\nprocess w[i: 1..2] { bound c[i + 1] <= 5s }", "E304",
     "index 3 is outside 1..2 (where i = 2)"),
    ("clock c: [1..2]\nvar x: 0..3 = 1\nbound c[x] <= 5s", "E310",
     "this clock index may be outside 1..2"),
])
def test_a_constant_index_outside_its_array_is_a_spec_error(text: str, code: str,
                                                            message: str) -> None:
    with pytest.raises(SpecError) as info:
        spec(text + "\nallow deadlock")
    assert [(d.code, d.message) for d in info.value.diagnostics] == [(code, message)]


def test_an_overridden_constant_index_is_checked_like_a_written_one() -> None:
    text = "const K = 1\nvar a: [1..2] -> bool = false\naction go do { a[K] := true }\n" \
           "allow deadlock"
    assert load_text(text, "<t>", {"K": "2"}).initial_states()
    with pytest.raises(SpecError) as info:
        load_text(text, "<t>", {"K": "3"})
    assert info.value.diagnostics[0].code == "E304"


def test_a_bound_indexed_by_a_state_value_inside_the_array_is_accepted() -> None:
    system = spec("clock c: [1..2]\nvar x: 1..2 = 1\naction go when x < 2 do { x := 2 }\n"
                  "bound c[x] <= 5s\nallow deadlock")
    report = check_system(system, Options())
    assert report.property("runtime").status == "holds"


# A run-time error in a property under zones is a `runtime` violation with a trace, whether
# the compiled predicate fails (discrete part) or the clock formula does (a clock index)
@pytest.mark.parametrize("prop", ["not a[x + 2]", "forall p in P: c[p + 1] <= 10s or x == 1"])
def test_a_property_failing_under_zones_is_a_runtime_violation(prop: str) -> None:
    text = ("type P = 1..2\nclock c: [P]\nvar a: [P] -> bool = false\nvar x: 0..1 = 0\n"
            f"action go when x == 0 and c[1] >= 1s do {{ x := 1 }}\ninvariant inv: {prop}\n"
            "allow deadlock")
    _, runtime = _runtime(text, "zones")
    assert runtime.status == "violated" and "index 3 is outside 1..2" in runtime.message
