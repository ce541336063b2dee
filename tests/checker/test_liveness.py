"""Leads-to under fairness, bounded response and lassos: known answers, and a brute-force
cross-check on small random graphs."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import networkx as nx
import pytest

from checker import Options, check, check_system
from tests.helpers import spec


def _status(report, name):  # noqa: ANN001, ANN202
    return report.property(name).status


def test_naive_lock_starves_under_weak_fairness_not_strong() -> None:
    report = check("specs/liveness/naive_lock.tock")
    assert _status(report, "weak_1_enters") == "violated"
    assert _status(report, "strong_1_enters") == "holds"
    assert _status(report, "weak_someone_enters") == "holds"
    lasso = report.property("weak_1_enters").trace
    assert lasso.loop_start is not None and lasso.loop_start < len(lasso.steps) - 1
    # in the cycle process 1 never enters
    assert all(step.state["weak.st"]["1"] == "waiting" for step in
               lasso.steps[lasso.loop_start:])


def test_peterson_is_starvation_free_only_when_fair() -> None:
    report = check("specs/liveness/starvation.tock")
    assert _status(report, "fair_starvation_free") == "holds"
    assert _status(report, "plain_starvation_free") == "violated"
    assert report.outcome == "ok"


def test_retry_terminates_only_under_fairness() -> None:
    base = ("var state: enum {{ trying, done }} = trying\n"
            "action fail when state == trying do {{ skip }}\n"
            "{fair}action succeed when state == trying do {{ state := done }}\n"
            "property terminates: state == trying ~> state == done\nallow deadlock")
    unfair = check_system(spec(base.format(fair="")), Options())
    assert _status(unfair, "terminates") == "violated"
    trace = unfair.property("terminates").trace
    assert trace.loop_start == 0 and trace.steps[-1].label == "fail"  # fail, forever
    fair = check_system(spec(base.format(fair="fair ")), Options())
    assert _status(fair, "terminates") == "holds"


def test_a_deadlock_before_q_is_a_counterexample() -> None:
    text = """
const N = 3
type Phil = 0..(N - 1)
var fork: [Phil] -> bool = false
strong fair process phil[i: Phil] {
  var state: enum { think, one, eat } = think
  action take_left when state == think and not fork[i] do { fork[i] := true; state := one }
  action take_right when state == one and not fork[(i + 1) % N] do {
    fork[(i + 1) % N] := true
    state := eat
  }
  action done when state == eat do { fork[i] := false; fork[(i + 1) % N] := false; state := think }
}
property eats: phil[0].state == one ~> phil[0].state == eat
expect deadlock fails
"""
    report = check_system(spec(text), Options())
    result = report.property("eats")
    assert result.status == "violated"
    # strongly fair philosophers get their right fork if it is free now and then, so the
    # only way to starve is the deadlock: the run ends with everybody holding a left fork
    assert result.trace.loop_start is None
    weak = check_system(spec(text.replace("strong fair process", "fair process")), Options())
    assert weak.property("eats").trace.loop_start is not None  # a neighbour eats forever
    assert all(v == "one" for k, v in result.trace.steps[-1].values if k.endswith(".state"))


def test_self_loops_and_nested_cycles() -> None:
    text = """
var s: 0..3 = 0
action stay when s == 1 do { s := 1 }
action inner when s == 1 do { s := 2 }
action back when s == 2 do { s := 1 }
action start when s == 0 do { s := 1 }
fair action out when s == 2 do { s := 3 }
property reaches_3: s == 0 ~> s == 3
property reaches_3_strong: s == 0 ~> s == 3
allow deadlock
"""
    report = check_system(spec(text), Options())
    # out is weakly fair, but only enabled in s == 2: the cycle stay, stay, ... at s == 1
    # never enables it, so a fair run may loop at 1 forever
    result = report.property("reaches_3")
    assert result.status == "violated"
    cycle = result.trace.steps[result.trace.loop_start + 1:]
    assert all(step.label == "stay" for step in cycle)
    strong = check_system(spec(text.replace("fair action out", "strong fair action out")
                               .replace("action inner", "fair action inner")), Options())
    assert _status(strong, "reaches_3_strong") == "holds"


@pytest.mark.parametrize("engine", ["zones", "discrete"])
def test_bounded_response_holds_at_the_bound_and_fails_below(engine: str) -> None:
    report = check("specs/liveness/response.tock", options=Options(time_engine=engine))
    assert _status(report, "served_within_5s") == "holds"
    result = report.property("served_within_4s")
    assert result.status == "violated" and result.expected == "fails"
    end = result.trace.steps[-1].time
    assert Fraction(4) < end <= Fraction(5)
    one_below = check("specs/liveness/response.tock", options=Options(time_engine=engine))
    assert one_below.outcome == "ok"


def test_timed_leads_to_needs_time_to_diverge() -> None:
    # the timeout forces progress; without it time could stop the run (a timelock is not
    # a counterexample), and an idle state where time passes forever is
    text = """
clock c
var st: enum {{ idle, busy, done }} = idle
{fair}action start when st == idle do {{ st := busy; reset c }}
timeout finish after c == 5s when st == busy do {{ st := done }}
property finishes: st == busy ~> st == done
property starts: st == idle ~> st == busy
"""
    unfair = check_system(spec(text.format(fair="")), Options())
    assert _status(unfair, "finishes") == "holds"
    assert _status(unfair, "starts") == "violated"
    fair = check_system(spec(text.format(fair="fair ")), Options())
    assert _status(fair, "starts") == "holds"


def test_zone_leads_to_predicates_that_fail_count_false_one_at_a_time() -> None:
    # on the zone graph every leads-to's two sides are one compiled function
    # (DiscreteTests); where one side fails (a[i] at i == 3), the others keep their values:
    # `revisits` is violated only because its left side holds at i == 3
    text = """
clock c
var i: 0..3 = 0
var a: [0..2] -> bool = false
action step when i < 3 and c >= 1s do { a[i] := true; i := i + 1; reset c }
action back when i == 3 and c >= 1s do {
  i := 0; a[0] := false; a[1] := false; a[2] := false; reset c
}
bound c <= 2s
property broken: a[i] ~> i == 0
property revisits: i == 3 ~> i == 3 and not a[2]
property fine: i == 1 ~> i == 2
"""
    from model import RuntimeFault

    system = spec(text)
    sides = [e for name in ("broken", "revisits", "fine")
             for _label, p, q in system.liveness_instances(name) for e in (p, q)]
    combined = system.predicates(sides)
    states, todo = set(system.initial_states()), list(system.initial_states())
    while todo:
        for entry in system.zone_code.succ(todo.pop()):
            if entry[2] is not None and entry[2] not in states:
                states.add(entry[2])
                todo.append(entry[2])
    failing = 0
    for d in states:
        try:
            combined(d)
        except RuntimeFault:
            failing += 1
    assert len(states) == 4 and failing == 1
    report = check_system(system, Options())
    assert report.engine.startswith("zones (Extra+_M, the exact zone graph")
    assert [_status(report, name) for name in ("broken", "revisits", "fine")] == \
        ["holds", "violated", "holds"]
    trace = report.property("revisits").trace
    assert trace is not None and any(step.state["i"] == 3 for step in trace.steps)


# ---------------------------------------------------------------------------- brute force


def _brute_force(n: int, edges: list[tuple[int, int, str | None]], p: set[int], q: set[int]
                 ) -> bool:
    """Whether `P ~> Q` is violated: some strongly connected set of edges without Q,
    reachable without Q from a reachable P state, satisfies every fairness constraint (the
    edges a run takes infinitely often form such a set), or a deadlock without Q is."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    for a, b, _ in edges:
        graph.add_edge(a, b)
    reachable = nx.descendants(graph, 0) | {0}
    enabled = {v: {k for k, (a, _, f) in enumerate(edges) if a == v and f} for v in range(n)}
    notq_edges = [k for k, (a, b, _) in enumerate(edges) if a not in q and b not in q]
    sub = nx.DiGraph()
    sub.add_nodes_from(v for v in range(n) if v not in q)
    for k in notq_edges:
        sub.add_edge(edges[k][0], edges[k][1])
    targets = set()
    for r in range(1, len(notq_edges) + 1):
        for subset in itertools.combinations(notq_edges, r):
            cyc = nx.DiGraph()
            cyc.add_edges_from((edges[k][0], edges[k][1]) for k in subset)
            if not nx.is_strongly_connected(cyc):
                continue
            nodes = set(cyc.nodes)
            fair = True
            for k, (_a, _b, f) in enumerate(edges):
                if f is None or k in subset:
                    continue
                enabled_at = [k in enabled[v] for v in nodes]
                if f == "weak" and all(enabled_at):
                    fair = False
                if f == "strong" and any(enabled_at):
                    fair = False
            if fair:
                targets |= nodes
    targets |= {v for v in range(n) if v not in q and graph.out_degree(v) == 0}
    for s in p - q:
        if s in reachable and s in sub and any(
                t in sub and (t == s or nx.has_path(sub, s, t)) for t in targets):
            return True
    return False


@pytest.mark.parametrize("seed", range(40))
def test_leads_to_against_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randrange(2, 6)
    edges = []
    lines = [f"var s: 0..{n - 1} = 0"]
    for k in range(rng.randrange(n, 2 * n + 2)):
        a, b = rng.randrange(n), rng.randrange(n)
        fairness = rng.choice([None, None, "weak", "strong"])
        edges.append((a, b, fairness))
        mod = {None: "", "weak": "fair ", "strong": "strong fair "}[fairness]
        lines.append(f"{mod}action e{k} when s == {a} do {{ s := {b} }}")
    p = {v for v in range(n) if rng.random() < 0.5} or {0}
    q = {v for v in range(n) if rng.random() < 0.3}
    p_text = " or ".join(f"s == {v}" for v in sorted(p))
    q_text = " or ".join(f"s == {v}" for v in sorted(q)) or "false"
    lines.append(f"property live: {p_text} ~> {q_text}")
    lines.append("allow deadlock")
    report = check_system(spec("\n".join(lines)), Options())
    expected = _brute_force(n, edges, p, q)
    assert (report.property("live").status == "violated") == expected, "\n".join(lines)


# ---------------------------------------------------------------------------- zones vs ticks


def _random_timed(rng: random.Random) -> str:
    """A small timed spec with a leads-to property: guards, resets, bounds and timeouts
    over two clocks (closed constraints, so the discrete engine is exact)."""
    n = rng.randrange(2, 5)
    lines = [f"var s: 0..{n - 1} = 0", "clock x", "clock y"]
    for k in range(rng.randrange(n, 2 * n + 2)):
        a, b = rng.randrange(n), rng.randrange(n)
        clock = rng.choice(["x", "y"])
        guard = f"s == {a}"
        timed_guard = rng.random() < 0.5
        if timed_guard:
            guard += f" and {clock} {rng.choice(['>=', '<='])} {rng.randrange(0, 4)}s"
        resets = rng.choice(["", "; reset x", "; reset y", "; reset x, y"])
        fair = "fair " if not timed_guard and rng.random() < 0.4 else ""
        lines.append(f"{fair}action e{k} when {guard} do {{ s := {b}{resets} }}")
    for _ in range(rng.randrange(0, 3)):
        a = rng.randrange(n)
        clock = rng.choice(["x", "y"])
        if rng.random() < 0.5:
            lines.append(f"bound {clock} <= {rng.randrange(1, 4)}s while s == {a}")
        else:
            b = rng.randrange(n)
            lines.append(f"timeout t{len(lines)} after {clock} == {rng.randrange(1, 4)}s "
                         f"when s == {a} do {{ s := {b}; reset {clock} }}")
    p = {v for v in range(n) if rng.random() < 0.5} or {0}
    q = {v for v in range(n) if rng.random() < 0.4}
    p_text = " or ".join(f"s == {v}" for v in sorted(p))
    q_text = " or ".join(f"s == {v}" for v in sorted(q)) or "false"
    lines.append(f"property live: {p_text} ~> {q_text}")
    lines.append("allow deadlock")
    return "\n".join(lines)


@pytest.mark.parametrize("seed", range(60))
def test_zone_leads_to_agrees_with_discrete_time(seed: int) -> None:
    text = _random_timed(random.Random(seed))
    zones = check_system(spec(text), Options(time_engine="zones")).property("live")
    discrete = check_system(spec(text), Options(time_engine="discrete")).property("live")
    assert zones.status == discrete.status, text
    if zones.status == "violated":
        assert zones.trace is not None and zones.trace.steps, text


def test_sccs_are_networkx_components_over_any_subset_of_nodes() -> None:
    """The array-based Tarjan (checker.liveness.graph.sccs) on random graphs with
    self-loops, parallel edges and node subsets: the same components as networkx, every
    node of the subset in exactly one, and each component after every component it
    reaches (Tarjan's order)."""
    from checker.liveness.graph import StateGraph, sccs

    for seed in range(400):
        r = random.Random(seed)
        n = r.randint(1, 50)
        g = StateGraph(list(range(n)), [0])
        edges = []
        for v in range(n):
            for _ in range(r.randint(0, 4)):
                t = r.randrange(n)
                g.targets.append(t)
                g.insts.append(0)
                edges.append((v, t))
            g.start.append(len(g.targets))
        nodes = {v for v in range(n) if r.random() < 0.8}
        got = sccs(g, nodes)
        sub = nx.DiGraph()
        sub.add_nodes_from(nodes)
        sub.add_edges_from((a, b) for a, b in edges if a in nodes and b in nodes)
        assert {frozenset(c) for c in got} == \
            {frozenset(c) for c in nx.strongly_connected_components(sub)}, seed
        assert sorted(v for c in got for v in c) == sorted(nodes)
        # Tarjan pops a component when its root is done: a sink of the rest comes first
        seen: set[int] = set()
        for comp in got:
            out = {b for a, b in edges if a in comp and b in nodes} - set(comp)
            assert out <= seen, seed
            seen |= set(comp)


def test_the_explicit_graph_keeps_packed_states_compact() -> None:
    """Packed states of at most 64 bits: an array('Q') and the native kernel's map (about
    30 bytes a node; a list of ints and a dict took 150: coffeecan MAX=600's peak 127 ->
    108 MB with the int32 edges); wider ones, or without the kernel, a list and a dict,
    with the same nodes and edges either way."""
    from array import array as _array

    from checker.engine.zones import kernel
    from checker.liveness.graph import StateGraph, compact_states

    states = [5, 3, 2**63 + 1, 9]
    graph = StateGraph(compact_states(iter(states)), [3])
    if kernel.SlotMap is not None:
        assert isinstance(graph.states, _array) and not isinstance(graph.ids, dict)
    assert list(graph.states) == states and graph.initial == [1]
    assert [graph.ids.get(s) for s in states + [4]] == [0, 1, 2, 3, None]
    wide = StateGraph(compact_states(iter(states + [2**64])), [2**64])
    assert isinstance(wide.states, list) and isinstance(wide.ids, dict)
    assert wide.states == states + [2**64] and wide.initial == [4]
