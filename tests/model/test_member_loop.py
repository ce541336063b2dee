"""An action whose guard starts with `x in S` or `count(B, x) > 0` loops over the members
present instead of every value of x (Generator._member_loop): the same successors, in the
same order, with the same instance numbers and run-time errors as the loop over every
value, and as the reference interpreter."""

from __future__ import annotations

import pytest

from model.codegen import generator
from tests.helpers import compiled_graph, interpreted_graph, spec

SPEC = """
    type Msg = record { src: 0..2, dst: 0..2, val: 0..3 }
    var net: bag[1] of Msg = {{src: 0, dst: 1, val: 0}, {src: 2, dst: 0, val: 1}}
    var sent: set of 0..4 = {0}
    var x: 0..3 = 0
    action deliver(e: Msg) when count(net, e) > 0 and e.val < 3 do {
      take(net, e)
      put(net, {src: e.dst, dst: (e.dst + 1) % 3, val: e.val + 1})
    }
    action mark(k: 0..4, v: 0..3) when k in sent and x < 3 do {
      sent := sent union {(k + 1 + v) % 5}
      x := x + v % 2
    }
    action sub(k: 1..4, w: 0..4) when k in sent and w == x do { sent := sent minus {k} }
    action bad(e: Msg) when count(net, e) != 0 and e.val == 3 do { x := x + 4 }
    invariant small: x < 3 or len(sent) > 0
    allow deadlock
"""


def _walk(system) -> list:  # noqa: ANN001
    """Every reachable state's labeled successors, in discovery order."""
    seen = list(dict.fromkeys(system.initial_states()))
    index = set(seen)
    out = []
    k = 0
    while k < len(seen):
        labeled = system.labeled(seen[k])
        out.append((seen[k], labeled))
        for _inst, _choices, t in labeled:
            if t is not None and t not in index:
                index.add(t)
                seen.append(t)
        k += 1
    return out


def test_the_member_loop_is_generated() -> None:
    source = spec(SPEC).code.source
    assert source.count("for each e present") == 4  # deliver and bad, in both functions
    assert source.count("for each k present") == 4  # mark and sub


def test_the_same_successors_in_the_same_order(monkeypatch: pytest.MonkeyPatch) -> None:
    looped = _walk(spec(SPEC))
    monkeypatch.setattr(generator, "MEMBER_INSTANCES", 10**9)  # every value, as before
    plain_system = spec(SPEC)
    assert "present" not in plain_system.code.source
    plain = _walk(plain_system)
    assert looped == plain
    assert len(looped) > 20
    assert any(nxt is None for _s, labeled in looped for _i, _c, nxt in labeled), \
        "the spec must reach a run-time error (bad, or a put into a full bag)"


def test_the_member_loop_matches_the_interpreter() -> None:
    system = spec(SPEC)
    states_c, succ_c, errors_c = compiled_graph(system)
    states_i, succ_i, errors_i = interpreted_graph(system)
    assert states_c == states_i
    assert succ_c == succ_i
    assert errors_c == errors_i
