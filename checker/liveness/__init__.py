"""Leads-to under fairness: `P ~> Q` holds when every fair run through a P state reaches a
Q state. A counterexample is a lasso: a path to a P state, on through states without Q,
into a cycle of states without Q that a fair run can repeat forever; or a path that ends
in a deadlock without reaching Q (a run that stops is a complete run).

Fairness groups (model `fair`, `strong fair`): one group per instance of a fair action and
one per instance of a fair process (all its actions). A cycle is *weakly fair* for a group
if the group is taken on it or is disabled somewhere on it; *strongly fair* if taken or
disabled everywhere on it. In timed specs (the discrete engine) only time-divergent runs
count: the cycle must let time pass (contain a tick); a run where time stops is no
counterexample.

Algorithm: the graph restricted to states without Q is split into strongly connected
components (iterative Tarjan). A component where a weak group is enabled in every state
but never taken has no fair cycle. A component where a strong group is enabled somewhere
but never taken loses the states where it is enabled and is split again (Emerson-Lei).
What survives holds a fair cycle through all its states. The counterexample is the
shortest path to a P state from which such a cycle (or a deadlock) is reachable without Q,
then a cycle through the component that takes every group the component takes, passes a
state where each weak group it does not take is disabled, and lets time pass.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from model import FAILING_INSTANCE, RuntimeFault

from ..report import PropertyResult, Trace, stop_reason_text
from ..trace import end_clock_texts, format_duration
from ..verdicts import result
from .fairness import Divergence
from .graph import TICK, StateGraph, build_graph
from .lasso import find_lasso

if TYPE_CHECKING:
    from model import LivenessInfo, TransitionSystem

    from ..engine.interface import Job

__all__ = ["TICK", "StateGraph", "build_graph", "leads_to", "leads_to_results", "incomplete",
           "unbounded"]

MakeTrace = Callable[[list[Any], list[int], "int | None"], Trace]


def unbounded(props: Iterable[LivenessInfo]) -> list[LivenessInfo]:
    """The leads-to properties without `within` (bounded ones are products: products.py)."""
    return [p for p in props if p.within is None]


def leads_to(job: Job, system: TransitionSystem, props: list[LivenessInfo],
             states: Iterable[int], initial: list[int], complete: bool,
             make_trace: MakeTrace, timed: bool) -> list[PropertyResult]:
    """Verdicts for unbounded leads-to properties on an explicit graph: the states an
    engine found (a complete search), with every transition between them; building the
    graph draws on the job's budget like a search."""
    if not props:
        return []
    if not complete:
        return [incomplete(system, p) for p in props]
    with job.budget.search("leads-to (state graph)") as meter:
        graph = build_graph(system, states, initial, meter.poll)
    if meter.stop_reason is not None:
        why = stop_reason_text(meter.stop_reason.value)
        return [incomplete(system, p, f"{why} while the graph was built") for p in props]
    if system.liveness_mode == "stuttering":
        return leads_to_results(system, props, with_stutter(graph, system.outside),
                                make_trace, timed, stutter=True)
    results = leads_to_results(system, props, graph, make_trace, timed)
    if timed or system.liveness_declared:  # `liveness maximal` written: chosen knowingly
        return results
    return implicit_fairness_warnings(system, props, results, graph, make_trace)


def with_stutter(graph: StateGraph, outside: Callable[[Any], bool] | None = None
                 ) -> StateGraph:
    """`graph` with a stuttering step (a TICK self-loop, which takes no fairness group)
    at every node: a run may then stop for ever anywhere, unless a fair group is enabled
    there (TLA+'s semantics, `liveness stuttering`). Not at a state `outside` the
    boundary: a run that gets there leaves the bounded space (judged unknown)."""
    out = StateGraph(graph.states[:], [graph.states[v] for v in graph.initial])
    for v, state in enumerate(graph.states):
        loop = [] if outside is not None and outside(state) else [(v, TICK)]
        out.close_node(list(graph.edges(v)) + loop)
    return out


def implicit_fairness_warnings(system: TransitionSystem, props: Sequence[LivenessInfo],
                               results: list[PropertyResult], graph: StateGraph,
                               make_trace: MakeTrace) -> list[PropertyResult]:
    """Each leads-to that holds on maximal runs but fails under stuttering (it holds only
    because a run cannot stop while an action is enabled, an implicit weak fairness of
    the whole system) gets a warning saying so."""
    holding = [p for p, r in zip(props, results) if r.status == "holds"]
    if not holding:
        return results
    stuttering = leads_to_results(system, holding, with_stutter(graph, system.outside),
                                  make_trace, False, stutter=True)
    failing = {r.name: r for r in stuttering if r.status == "violated"}
    out = []
    for r in results:
        other = failing.get(r.name)
        if r.status == "holds" and other is not None:
            r = replace(r, warning=(
                f"{r.name} holds only because runs are maximal (a run cannot stop while an "
                "action is enabled: every action is implicitly weakly fair); under TLA+'s "
                "stuttering semantics (`liveness stuttering`), without `fair`, it fails: "
                f"{other.message}"))
        out.append(r)
    return out



def incomplete(system: TransitionSystem, prop: LivenessInfo,
               why: str = "the search stopped early") -> PropertyResult:
    return result(system, prop.name, "leadsto", "unknown",
                  f"leads-to needs the whole state graph; {why}", str(prop.span), None)


def leads_to_results(system: TransitionSystem, props: Sequence[LivenessInfo],
                     graph: StateGraph, make_trace: MakeTrace, timed: bool,
                     discrete: Callable[[Any], int] | None = None,
                     divergence: Divergence | None = None,
                     stutter: bool = False) -> list[PropertyResult]:
    """Verdicts of `props` on a complete graph. `discrete` maps a node's state to the
    discrete state the predicates read (zones: a node is a discrete state and a zone)."""
    out = []
    instances = [system.liveness_instances(prop.name) for prop in props]
    # zones: every instance's two sides in one compiled function, once per discrete state
    shared = None if discrete is None else DiscreteTests(
        system, [e for listed in instances for _label, p, q in listed for e in (p, q)],
        discrete, graph)
    at = 0  # the index of the next instance's left side in `shared`
    for prop, listed in zip(props, instances):
        holds = result(system, prop.name, "leadsto", "holds", None, str(prop.span), None)
        unknown: PropertyResult | None = None
        verdict: PropertyResult | None = None
        first, at = at, at + 2 * len(listed)
        for k, (label, p_expr, q_expr) in enumerate(listed):
            tests = None if shared is None else \
                (shared.test(first + 2 * k), shared.test(first + 2 * k + 1))
            found = _judge(system, prop, label, p_expr, q_expr, graph, make_trace, timed,
                           discrete, divergence, stutter, tests)
            if found is not None and found.status == "violated":
                verdict = found  # the first failing instance decides
                break
            if found is not None and unknown is None:
                unknown = found
        out.append(verdict or unknown or holds)
    return out


class DiscreteTests:
    """The predicates of the leads-to properties judged on one zone graph, whose nodes'
    predicates read only their discrete states (`discrete(state)`): compiled into one
    function (TransitionSystem.predicates: bit k is predicate k) and evaluated once per
    discrete state, not once per predicate and node. A predicate that fails to evaluate
    (RuntimeFault) is false there; the others keep their values."""

    def __init__(self, system: TransitionSystem, exprs: Sequence[Any],
                 discrete: Callable[[Any], int], graph: StateGraph):
        self.system, self.exprs, self.discrete, self.graph = system, exprs, discrete, graph
        self.combined = system.predicates(exprs) if exprs else None
        self.memo: dict[int, int] = {}
        self._singles: dict[int, Callable[[int], bool]] = {}
        self._distinct_bits: list[int] | None = None  # per distinct discrete state
        self._of_node = array("l")

    def bits(self, d: int) -> int:
        """Bit k: predicate k holds in discrete state d."""
        hit = self.memo.get(d)
        if hit is None:
            assert self.combined is not None
            try:
                hit = self.combined(d)
            except RuntimeFault:  # one of them fails here: each on its own
                hit = 0
                for k, e in enumerate(self.exprs):
                    fn = self._singles.get(k)
                    if fn is None:
                        fn = self._singles[k] = self.system.predicate(e)
                    try:
                        if fn(d):
                            hit |= 1 << k
                    except RuntimeFault:
                        pass
            self.memo[d] = hit
        return hit

    def distinct_bits(self) -> tuple[list[int], array]:
        """bits() of each distinct discrete state of the graph's nodes, and per node the
        index of its own (StateGraph.grouped; worked out once per graph)."""
        states = self.graph.states
        if self._distinct_bits is None or len(self._of_node) != len(states):
            distinct, self._of_node = self.graph.grouped(self.discrete)
            bits = self.bits
            self._distinct_bits = [bits(d) for d in distinct]
        return self._distinct_bits, self._of_node

    def test(self, k: int) -> DiscreteTest:
        return DiscreteTest(self, k)


class DiscreteTest:
    """Predicate k of a DiscreteTests, at a node's state; `over` gives every node's value
    at once."""

    def __init__(self, tests: DiscreteTests, k: int):
        self.tests, self.k = tests, k

    def __call__(self, state: Any) -> bool:
        return bool(self.tests.bits(self.tests.discrete(state)) >> self.k & 1)

    def over(self, states: Sequence[Any], negate: bool = False) -> list[bool]:
        """The value (`negate`: its negation) at each of `states` (the graph's own states:
        one value per distinct discrete state, spread over the nodes)."""
        if states is not self.tests.graph.states:
            return [self(s) != negate for s in states]
        k = self.k
        values, of_node = self.tests.distinct_bits()
        at = [bool(b >> k & 1) != negate for b in values]
        return list(map(at.__getitem__, of_node))


def _judge(system: TransitionSystem, prop: LivenessInfo, label: str | None,
           p_expr: Any, q_expr: Any, graph: StateGraph, make_trace: MakeTrace, timed: bool,
           discrete: Callable[[Any], int] | None,
           divergence: Divergence | None, stutter: bool = False,
           tests: tuple[Callable[[Any], bool], Callable[[Any], bool]] | None = None
           ) -> PropertyResult | None:
    """One leads-to `P ~> Q` (an instance `label` of a `forall` one): None when it holds,
    else its violated (or, at the boundary, unknown) result. `tests`: P and Q at a node's
    state, where they are compiled already (zones: DiscreteTests)."""
    groups = system.fairness
    name = prop.name if label is None else f"{prop.name} ({label})"

    def safe(fn: Callable[[int], bool]) -> Callable[[Any], bool]:
        def plain(state: Any) -> bool:
            try:
                return fn(state)
            except RuntimeFault:
                return False
        return plain

    p_test, q_test = tests if tests is not None else \
        (safe(system.predicate(p_expr)), safe(system.predicate(q_expr)))
    lasso = find_lasso(graph, p_test, q_test, groups, timed, divergence)
    outside = system.outside
    if lasso is None:
        if outside is not None and _leaves_boundary(graph, p_test, q_test, outside, discrete):
            return result(system, prop.name, "leadsto", "unknown",
                          f"{name}: a run from a state where the left side holds "
                          "leaves the boundary without the right side holding; the "
                          "search does not go beyond the boundary", str(prop.span), None)
        return None
    path = [graph.states[v] for v in lasso.nodes]
    if lasso.loop_start is None and outside is not None and \
            outside(path[-1] if discrete is None else discrete(path[-1])):
        # the run stops only because the boundary cut the search there: beyond it,
        # Q may still come; the bounded space cannot tell
        return result(system, prop.name, "leadsto", "unknown",
                      f"{name}: a run from a state where the left side holds "
                      "leaves the boundary without the right side holding; the "
                      "search does not go beyond the boundary",
                      str(prop.span), None)
    insts, loop, stops = lasso.insts, lasso.loop_start, False
    if stutter:
        path, insts, loop, stops = _unstutter(path, insts, loop)
    trace = make_trace(path, insts, loop)
    if stops:
        message = (f"{name}: from a state where the left side holds, a run stops for ever "
                   "(it stutters, no fair action being enabled there) without the right "
                   "side holding")
    elif loop is None:
        message = (f"{name}: from a state where the left side holds, a run reaches a "
                   "deadlock without the right side ever holding")
    else:
        message = (f"{name}: from a state where the left side holds, a fair run "
                   "goes round a cycle forever without the right side holding")
    why = lasso_why(system, (p_expr, q_expr), path, insts, p_test, q_test, trace,
                    discrete)
    if stops:  # no deadlock: the run stutters for ever there
        why = tuple((text, value.replace(", up to the deadlock", ", where the run stops"))
                    for text, value in why)
    if label is not None:  # a `forall` leads-to: which instance fails
        why = ((FAILING_INSTANCE, label),) + why
    return result(system, prop.name, "leadsto", "violated", message, str(prop.span),
                  trace, why)


def _leaves_boundary(graph: StateGraph, p_test: Callable[[Any], bool],
                     q_test: Callable[[Any], bool], outside: Callable[[Any], bool],
                     discrete: Callable[[Any], int] | None) -> bool:
    """Whether a run from a P state reaches a state beyond the boundary with Q false all
    the way: then a leads-to found to hold on the bounded graph is not decided (the run
    goes on past the boundary, and the search did not follow it)."""
    states = graph.states
    start = [v for v in range(len(states)) if not q_test(states[v]) and p_test(states[v])]
    seen = set(start)
    queue = deque(start)
    while queue:
        v = queue.popleft()
        if outside(states[v] if discrete is None else discrete(states[v])):
            return True
        for t, _inst in graph.edges(v):
            if t not in seen and not q_test(states[t]):
                seen.add(t)
                queue.append(t)
    return False


def _unstutter(path: list[Any], insts: list[int], loop: int | None
               ) -> tuple[list[Any], list[int], int | None, bool]:
    """A stuttering lasso without its stuttering steps (finitely many repeats of a state
    change nothing): the path, its instances, where the cycle starts, and whether the
    cycle was stuttering only (the run stops for ever in its last state: no cycle)."""
    nodes, steps = [path[0]], []
    for k, inst in enumerate(insts):
        if inst != TICK:
            nodes.append(path[k + 1])
            steps.append(inst)
    if loop is None:
        return nodes, steps, None, False
    if all(inst == TICK for inst in insts[loop:]):
        return nodes, steps, None, True
    return nodes, steps, sum(1 for inst in insts[:loop] if inst != TICK), False


def lasso_why(system: TransitionSystem, sides: tuple[Any, Any], path: list[Any],
              insts: list[int],
              p_test: Callable[[Any], bool], q_test: Callable[[Any], bool], trace: Trace,
              discrete: Callable[[Any], int] | None) -> tuple[tuple[str, str], ...]:
    """Why a lasso violates `P ~> Q`: the step where P holds with Q false from there on,
    and Q with its parts in the last state (false there, as everywhere after P)."""
    p_expr, q_expr = sides
    rows: list[tuple[str, str]] = []
    # the lasso's P state: the first one after the last Q state
    last_q = max((i for i in range(len(path)) if q_test(path[i])), default=-1)
    at = next((i for i in range(last_q + 1, len(path)) if p_test(path[i])), None)
    if at is not None:
        step = sum(1 for inst in insts[:at] if inst != TICK)
        when = trace.steps[step].time_label("") if step < len(trace.steps) else None
        ending = (", up to the deadlock" if trace.loop_start is None
                  else " and round the cycle forever")
        rows.append((system.source_text(p_expr) or "the left side",
                     f"true at step {step}" + (f" (t={when})" if when is not None else "") +
                     f"; the right side is false from there on{ending}"))
    last = path[-1] if discrete is None else discrete(path[-1])
    values = system.decode(last)
    for row in system.explain_expr(q_expr, values, trace.clocks or None, format_duration,
                                   end_clock_texts(system, trace)):
        if row not in rows:
            rows.append(row)
    return tuple(rows)
