"""`for k in D { ... }` in action bodies (issue 16): unrolled by the checker into the
statements written out by hand, so every backend runs it unchanged. Each spec with a loop
is checked against the same spec written out by hand: same states, same transitions, same
verdicts, on the explicit engine (untimed) and on zones and discrete time (timed)."""

from __future__ import annotations

import pytest

from checker import Options, check_system
from model import SpecError, ir
from tests.helpers import compiled_graph, interpreted_graph, spec


def _summary(report: object) -> tuple:
    stats = report.stats  # type: ignore[attr-defined]
    outcome = report.outcome  # type: ignore[attr-defined]
    verdicts = tuple((p.name, p.status) for p in report.properties)  # type: ignore[attr-defined]
    return (outcome, stats.states, stats.transitions, stats.depth, stats.deadlocks, verdicts)


def _same(looped: str, by_hand: str, constants: dict[str, str] | None = None,
          **options: object) -> object:
    a = check_system(spec(looped, constants), Options(**options))  # type: ignore[arg-type]
    b = check_system(spec(by_hand, constants), Options(**options))  # type: ignore[arg-type]
    assert _summary(a) == _summary(b)
    return a


UNTIMED = """
const TASKS = 3
type Task = 1..TASKS
process task[k: Task] {
  var x: 0..3 = 0
  action step when x < 3 do { x := x + 1 }
}
var total: 0..9 = 0
var m: [Task] -> bool = false
action sweep when total < 2 do {
  BODY
}
invariant small: total <= 2
reachable all_set: forall k in Task: m[k]
allow deadlock
"""

# every task's x back to 0, and a running count that later passes see (sequential)
LOOP = """
  for k in Task {
    if task[k].x > 0 { task[k].x := 0 }
    m[k] := not m[k]
    require total + k <= 9
  }
  total := total + 1"""
HAND = "\n".join(
    f"  if task[{k}].x > 0 {{ task[{k}].x := 0 }}\n  m[{k}] := not m[{k}]\n"
    f"  require total + {k} <= 9" for k in (1, 2, 3)) + "\n  total := total + 1"


def test_a_loop_over_a_range_type_is_the_body_written_out_per_instance() -> None:
    report = _same(UNTIMED.replace("BODY", LOOP), UNTIMED.replace("BODY", HAND))
    assert report.stats.states > 10  # type: ignore[attr-defined]


def test_the_unrolled_ir_has_no_loop_and_one_copy_per_value() -> None:
    system = spec(UNTIMED.replace("BODY", LOOP))
    sweep = next(a for a in system.model.actions if a.name == "sweep")
    assert [type(s).__name__ for s in sweep.body] == ["IfS", "Assign", "RequireS"] * 3 + [
        "Assign"]
    indices = [s.target.index.value for s in sweep.body  # type: ignore[attr-defined]
               if isinstance(s, ir.Assign) and isinstance(s.target, ir.Index)]
    assert indices == [1, 2, 3]


def test_later_passes_see_earlier_assignments() -> None:
    # x doubles then adds k, in order: ((0*2+1)*2+2)*2+3 = 11 -> capped by the range
    system = spec("var x: 0..20 = 0\nvar done: bool = false\n"
                  "action go when not done do { for k in 1..3 { x := x * 2 + k } done := true }\n"
                  "invariant eleven: done implies x == 11\nallow deadlock")
    report = check_system(system, Options())
    assert report.property("eleven").status == "holds"
    assert report.stats.states == 2


@pytest.mark.parametrize("tasks", ["1", "2", "4"])
def test_indexing_by_the_loop_name_is_fine_for_any_size(tasks: str) -> None:
    """`task[k]` with k over Task is inside the array whatever TASKS is (no E304)."""
    system = spec(UNTIMED.replace("BODY", LOOP), {"TASKS": tasks})
    report = check_system(system, Options())
    assert report.outcome in ("ok", "violation")


TIMED = """
const TASKS = 2
type Task = 1..TASKS
process task[k: Task] {
  var running: bool = false
  clock c
  action start when not running do { running := true; reset c }
  action finish when running and c >= 2s do { running := false }
  bound c <= 5s while running
}
var restarts: 0..3 = 0
action restart_all when restarts < 2 do {
  BODY
  restarts := restarts + 1
}
reachable both: forall k in Task: task[k].running
allow deadlock
"""
TIMED_LOOP = "for k in Task { task[k].running := true\n reset task[k].c }"
TIMED_HAND = ("task[1].running := true\n reset task[1].c\n"
              "task[2].running := true\n reset task[2].c")


@pytest.mark.parametrize("engine", ["zones", "discrete"])
def test_a_loop_resetting_per_instance_clocks(engine: str) -> None:
    report = _same(TIMED.replace("BODY", TIMED_LOOP), TIMED.replace("BODY", TIMED_HAND),
                   time_engine=engine)
    assert report.stats.states > 3  # type: ignore[attr-defined]


NESTED = """
type A = 1..2
type B = enum { lo, hi }
var g: [A, B] -> 0..9 = 0
var n: 0..9 = 0
action fill when n < 2 do {
  BODY
  n := n + 1
}
allow deadlock
"""


def test_nested_loops_and_several_binders() -> None:
    hand = "\n".join(f"g[{i}, {b}] := g[{i}, {b}] + n + {i}" for i in (1, 2) for b in ("lo", "hi"))
    nested = "for i in A { for b in B { g[i, b] := g[i, b] + n + i } }"
    binders = "for i in A, b in B { g[i, b] := g[i, b] + n + i }"
    _same(NESTED.replace("BODY", nested), NESTED.replace("BODY", hand))
    _same(NESTED.replace("BODY", binders), NESTED.replace("BODY", hand))


def test_a_loop_over_a_constant_range_and_an_enum_in_declared_order() -> None:
    looped = ("type C = enum { red, green, blue }\nvar log: queue[3] of C = []\n"
              "const N = 2\nvar s: 0..9 = 0\n"
              "action go when len(log) == 0 do { for c in C { push(log, c) } "
              "for i in 1..N { s := s * 3 + i } }\nallow deadlock")
    hand = ("type C = enum { red, green, blue }\nvar log: queue[3] of C = []\n"
            "const N = 2\nvar s: 0..9 = 0\n"
            "action go when len(log) == 0 do { push(log, red) push(log, green) "
            "push(log, blue) s := s * 3 + 1 s := s * 3 + 2 }\nallow deadlock")
    _same(looped, hand)
    system = spec(looped)
    go = system.model.actions[0]
    pushed = [s.value.value for s in go.body[:3]]  # type: ignore[attr-defined]
    assert pushed == ["red", "green", "blue"]


def test_let_and_choose_inside_a_loop_agree_with_the_interpreter() -> None:
    system = spec("var a: [1..2] -> 0..3 = 0\n"
                  "action go when a[1] < 3 do { for k in 1..2 { let v = a[k]\n"
                  "choose d in 0..1 { if v + d <= 3 { a[k] := v + d } } } }\nallow deadlock")
    states_c, succ_c, errors_c = compiled_graph(system)
    states_i, succ_i, errors_i = interpreted_graph(system)
    assert (states_c, succ_c, errors_c) == (states_i, succ_i, errors_i)
    assert len(states_c) > 4
    # and the whole check (vector expansion) against the passes written out, each `let`
    # under a name of its own
    hand = ("var a: [1..2] -> 0..3 = 0\naction go when a[1] < 3 do { "
            + " ".join(f"let v{k} = a[{k}]\nchoose d{k} in 0..1 {{ if v{k} + d{k} <= 3 "
                       f"{{ a[{k}] := v{k} + d{k} }} }}" for k in (1, 2))
            + " }\nallow deadlock")
    looped = ("var a: [1..2] -> 0..3 = 0\n"
              "action go when a[1] < 3 do { for k in 1..2 { let v = a[k]\n"
              "choose d in 0..1 { if v + d <= 3 { a[k] := v + d } } } }\nallow deadlock")
    _same(looped, hand)


# ------------------------------------------------------------------------ diagnostics


def _error(text: str, constants: dict[str, str] | None = None) -> str:
    with pytest.raises(SpecError) as info:
        spec(text, constants)
    return info.value.render()


BASE = "type Task = 1..3\nvar x: [Task] -> 0..9 = 0\nvar y: 0..3 = 0\n"


def test_a_domain_read_from_the_state_is_E319() -> None:
    err = _error(BASE + "action a do { for k in 1..y { x[k] := 1 } }")
    assert "error[E319]" in err and "known when the spec is checked" in err
    assert "<snippet>:4:24" in err
    assert "hint: loop over a type" in err


@pytest.mark.parametrize("name, what", [
    ("y", "a var"), ("Task", "a type"), ("k", "a parameter or bound name")])
def test_a_loop_name_already_taken_is_E319(name: str, what: str) -> None:
    err = _error(BASE + f"action a(k: Task) do {{ for {name} in Task {{ x[1] := 1 }} }}")
    assert "error[E319]" in err and f"the loop name '{name}' is already {what}" in err
    assert "hint: give the loop variable a name of its own" in err


def test_nested_loops_cannot_reuse_a_name() -> None:
    err = _error(BASE + "action a do { for k in Task { for k in Task { x[k] := 1 } } }")
    assert "error[E319]" in err and "<snippet>:4:35" in err


def test_a_domain_with_too_many_values_is_refused() -> None:
    err = _error(BASE + "type Big = 0..100000\naction a do { for k in Big { y := 1 } }")
    assert "error[E302]" in err and "too many to use as a set" in err
    err = _error(BASE + "action a do { for k in 1..5000 { y := 1 } }")
    assert "error[E401]" in err and "too many for a set" in err


def test_an_unrolling_too_long_is_E401() -> None:
    err = _error(BASE + "action a do { for i in 1..200 { for j in 1..100 { y := 1 } } }")
    assert "error[E401]" in err and "unrolls to 20,000 statements" in err
    assert "at most 10,000" in err


def test_an_index_outside_the_array_in_one_pass_is_E304() -> None:
    err = _error(BASE + "action a do { for k in Task { x[k + 1] := 1 } }")
    assert "error[E304]" in err and "index 4 is outside 1..3 (where k = 3)" in err
    err = _error("type T = 1..2\nclock c: [T]\nvar y: 0..1 = 0\n"
                 "action a do { for k in 1..3 { reset c[k] } }")
    assert "error[E304]" in err and "(where k = 3)" in err


def test_a_constant_index_in_a_loop_body_is_still_checked() -> None:
    # task[2] with one task is out of range, loop or not
    err = _error(UNTIMED.replace("BODY", "for k in Task { task[2].x := 0 }"), {"TASKS": "1"})
    assert "error[E304]" in err


def test_an_index_only_a_dead_branch_reaches_is_not_E304() -> None:
    """`p[k + 1]` guarded by `k < 3` (an if, an if-then-else, and/or/implies) is never
    evaluated in the last pass: no E304, and both sides run it alike."""
    system = spec(BASE + """
action ring when y < 2 do {
  for k in Task {
    if k < 3 { x[k + 1] := (x[k] + 1) % 4 } else { x[1] := if k == 3 then 0 else x[k + 1] }
    require k == 3 or x[k + 1] <= 3
    require k < 3 implies x[k + 1] >= 0
    require not (k < 3 and x[k + 1] > 3)
  }
  y := y + 1
}
allow deadlock""")
    states_c, succ_c, errors_c = compiled_graph(system)
    states_i, succ_i, errors_i = interpreted_graph(system)
    assert (states_c, succ_c, errors_c) == (states_i, succ_i, errors_i)
    assert len(states_c) == 3 and not errors_c
    assert check_system(system, Options()).stats.states == 3
