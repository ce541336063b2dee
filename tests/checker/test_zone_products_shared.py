"""Scenario products of a timed spec share the spec's specialisations (irutil.SubstMemo)
and read one trace each; the zone search keeps what it knows per discrete state in slot
arrays (extrapolation.Slots). Each is held to the plain path: the same generated code, the
same verdicts, traces and counts."""

from __future__ import annotations

import pytest

from checker import Options
from checker.api import check_system
from checker.render.json import render_json
from model import load_text
from model.codegen.zones import compile_zones

SPEC = """\
type Client = 1..3
var holder: 0..3 = 0
var granted: 0..9 = 0
process client[c: Client] {
  var state: enum { idle, waiting, holding } = idle
  clock t
  action request when state == idle do { state := waiting; reset t }
  action acquire when state == waiting and holder == 0 and t >= 1s do {
    state := holding
    holder := c
    granted := (granted + 1) % 10
    reset t
  }
  bound t <= 3s while state == holding
  action release when state == holding and holder == c and t >= 1s do {
    state := idle
    holder := 0
  }
}
invariant exclusive: holder == 0 or client[holder].state == holding
scenario first { request(c = 1); acquire(c = 1); assert holder == 1 }
scenario waits {
  assume granted < 5
  request(c = 2)
  wait 2s
  acquire(c = 2)
  assert holder == 2
  release(c = 2)
}
scenario strict_order strict {
  request(c = 1)
  request(c = 3)
  acquire(c = 3)
  assert client[1].state == waiting
}
scenario cannot strict { request(c = 1); acquire(c = 2) }
scenario wrong { request(c = 1); acquire(c = 1); assert holder == 2 }
"""


def _system():  # noqa: ANN202
    return load_text(SPEC, "shared.tock")


def test_products_compile_to_the_code_of_an_unshared_compilation() -> None:
    system = _system()
    names = system.scenario_names
    assert len(names) == 5
    products = [system.scenario_product(name).system for name in names]
    memo = system.specialize_memo
    assert memo is not None and all(p.specialize_memo is memo for p in products)
    for product in products:
        shared = product.zone_code.source
        assert shared == compile_zones(product.model, product.layout).source
    # the later products found the spec's guards and statements specialised already
    assert memo.subst


def test_shared_check_gives_the_reports_of_an_unshared_one(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    shared = render_json(check_system(_system(), Options()))
    # unshared: every product compiled on its own, every trace of every product judged
    import model.system as ms
    from checker import products

    monkeypatch.setattr(ms.TransitionSystem, "_product",
                        lambda self, m: ms.TransitionSystem(m, self.sources))
    real_replace = products.replace
    monkeypatch.setattr(products, "replace",
                        lambda job, **kw: real_replace(job, **{**kw, "traced": None}))
    plain = render_json(check_system(_system(), Options()))
    assert shared == plain
    assert '"violated"' in shared and '"reached"' in shared and '"unreached"' in shared


def test_composed_product_code_steps_as_the_full_compilation() -> None:
    # zone_target composes the spec's successor function, compiled once, with each script
    # (compile_scenario_zones); zone_code compiles the product's actions whole. The two
    # must agree in every reachable state: successors (action, clock guards and resets,
    # target), live clocks, invariants, and the sites the bounds were taken from.
    system = _system()
    composed = 0
    for name in system.scenario_names:
        product = system.scenario_product(name).system
        target, full = product.zone_target, product.zone_code
        if target is full:
            continue
        composed += 1
        assert target.cond_sites == full.cond_sites
        assert (target.base_lower, target.base_upper, target.global_lower,
                target.global_upper) == (full.base_lower, full.base_upper,
                                         full.global_lower, full.global_upper)
        seen = set(product.initial_states())
        todo = sorted(seen)
        while todo:
            state = todo.pop()
            successors = target.succ(state)
            assert successors == full.succ(state), (name, state)
            assert target.live(state) == full.live(state), (name, state)
            assert target.inv(state) == full.inv(state), (name, state)
            for successor in successors:
                if successor[2] is not None and successor[2] not in seen:
                    seen.add(successor[2])
                    todo.append(successor[2])
        assert len(seen) > 1, name
    assert composed == len(system.scenario_names)


def test_shared_successors_are_remembered_within_their_bound() -> None:
    # the products call the spec's successor function through one SharedSuccessors: each
    # state's entries grouped by action, computed once while the memo has room, and the same
    # groups whether remembered or computed afresh after the memo started over
    system = _system()
    shared = system.shared_successors
    calls: list[int] = []
    real = shared.succ
    shared.succ = lambda s: calls.append(s) or real(s)
    shared.limit = 3
    shared.clear()
    states = sorted(system.initial_states())
    frontier = list(states)
    while frontier and len(states) < 8:
        for entry in real(frontier.pop()):
            if entry[2] is not None and entry[2] not in states:
                states.append(entry[2])
                frontier.append(entry[2])
    assert len(states) >= 6
    first = [shared(s) for s in states]
    assert len(shared.memo) <= 3 and calls == states
    assert shared(states[-1]) is first[-1] and len(calls) == len(states)  # remembered
    assert [shared(s) for s in states] == first  # computed again after the memo cleared
    for s, groups in zip(states, first):
        assert [e for _a, _first, entries in groups for e in entries] == real(s)
        for a, first_instance, entries in groups:
            assert first_instance == shared.first[a]
            assert all(shared.action_of[e[0]] == a for e in entries)
    system.forget_specialisations()
    assert not shared.memo


@pytest.mark.parametrize("n", [3, 4])
def test_fischer_counts_and_verdicts(n: int) -> None:
    from checker import check

    report = check("bench/fischer_tchecker.tock", constants={"N": n, "K": 10})
    states = {3: 65, 4: 220}[n]  # the discrete states of TChecker's zone graph, one zone each
    assert report.stats.states == states
    assert report.outcome == "ok"
