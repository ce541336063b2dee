"""Language v2 types (issue 17): records as map keys, parameters and domains; option types.
Each test checks the interpreter and the compiled code agree where it runs a spec."""

from __future__ import annotations

import pytest

from model import SpecError
from model.types import BOOL, ArrayT, EnumT, IntT, RecordT
from tests.helpers import compiled_graph, interpreted_graph, spec


def _agree(source: str) -> tuple[set, dict]:
    system = spec(source)
    states_c, succ_c, errors_c = compiled_graph(system)
    states_i, succ_i, errors_i = interpreted_graph(system)
    assert states_c == states_i
    assert succ_c == succ_i
    assert errors_c == errors_i
    return states_i, errors_i


def _codes(source: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        spec(source)
    return [d.code for d in info.value.diagnostics]


# ---------------------------------------------------------------------------- records as keys

def test_composite_values_come_in_ordinal_order() -> None:
    rec = RecordT("R", (("a", IntT(0, 2)), ("b", BOOL), ("c", EnumT("E", ("x", "y")))))
    assert [rec.ordinal(v) for v in rec.values()] == list(range(12))
    arr = ArrayT(IntT(1, 2), IntT(0, 2))
    assert [arr.ordinal(v) for v in arr.values()] == list(range(9))


MESSAGES = """
    type Node = 1..2
    type Kind = enum { req, ack }
    type Msg = record { kind: Kind, to: Node }
    var net: set of Msg = {}
    var seen: [Msg] -> 0..1 = 0
    action send(m: Msg) when not (m in net) and seen[m] == 0 do { net := net union {m} }
    action recv when net != {} do { choose m in net { net := net minus {m}; seen[m] := 1 } }
    invariant only_sent: forall m in Msg: seen[m] == 1 implies not (m in net)
    allow deadlock
"""


def test_record_keyed_map_and_record_parameters() -> None:
    system = spec(MESSAGES)
    send = next(a for a in system.model.actions if a.name == "send")
    assert send.instances == 4
    states, errors = _agree(MESSAGES)
    assert not errors
    # every message can be sent and received independently: 3 states per message
    assert len(states) == 3 ** 4


def test_record_index_outside_the_key_type_is_e502_in_both() -> None:
    source = """
        type Slot = record { a: 0..1, b: bool }
        var last: [Slot] -> 0..1 = 0
        var wide: record { a: 0..2, b: bool } = {a: 0, b: false}
        action grow when wide.a < 2 do { wide.a := wide.a + 1 }
        action mark do { last[wide] := 1 }
        allow deadlock
    """
    _states, errors = _agree(source)
    assert errors  # marking with wide.a == 2 fails, in each state reached with it
    assert {state[1] for state in errors} == {(2, False)}


def test_record_process_parameter_and_clock_index() -> None:
    source = """
        type Pos = record { x: 0..1, y: 0..1 }
        clock c: [Pos]
        process cell[p: Pos] {
          var on: bool = false
          action toggle when p.x == p.y or on do { on := not on; reset c[p] }
        }
        allow deadlock
    """
    states, errors = _agree(source)
    # only the diagonal cells ({x: 0, y: 0} first, {x: 1, y: 1} last) can switch on
    assert not errors
    assert {state[0] for state in states} == {(a, False, False, b) for a in (False, True)
                                              for b in (False, True)}
    system = spec(source)
    names = [leaf.name for leaf in system.layout.leaves]
    assert names[0] == "cell[{x: 0, y: 0}].on"
    assert "c[{x: 1, y: 0}]" in system.clock_names


def test_map_comprehension_and_quantifier_over_a_record_type() -> None:
    source = """
        type P = record { a: 0..2, b: bool }
        var m: [P] -> 0..3 = [p in P -> if p.b then p.a + 1 else 0]
        action dec(p: P) when m[p] > 0 do { m[p] := m[p] - 1 }
        invariant bounded: forall p in P: m[p] <= p.a + 1
        allow deadlock
    """
    states, _ = _agree(source)
    assert len(states) == 1 * 2 * 3 * 4


def test_record_with_a_set_field_is_not_an_index_type() -> None:
    assert _codes("""
        type Msg = record { to: 1..2, body: set of 0..1 }
        var x: 0..1 = 0
        action a(m: Msg) do { x := 1 }
    """) == ["E302"]


def test_record_parameter_instances_are_capped() -> None:
    assert _codes("""
        type Big = record { a: 0..999, b: 0..999, c: bool }
        var x: 0..1 = 0
        action pick(r: Big) do { x := 1 }
    """) == ["E401"]
