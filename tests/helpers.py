"""Helpers for tests: tiny specs from snippets, and a naive reference explorer that runs the
reference interpreter instead of the compiled code."""

from __future__ import annotations

from collections import Counter

from model import TransitionSystem, load_text
from model.interp import initial_states, successors


def spec(snippet: str, constants: dict[str, str] | None = None) -> TransitionSystem:
    """Compile a fragment of a spec (no `spec` header needed)."""
    return load_text(snippet, "<snippet>", constants)


def interpreted_graph(system: TransitionSystem) -> tuple[set, Counter, dict]:
    """BFS with the reference interpreter: (states, successor multiset per state, errors
    per state), all over decoded value tuples."""
    model = system.model
    init = initial_states(model)
    seen = set(init)
    frontier = list(dict.fromkeys(init))
    succ: dict[tuple, Counter] = {}
    errors: dict[tuple, int] = {}
    while frontier:
        nxt = []
        for s in frontier:
            out: Counter = Counter()
            for step in successors(model, s):
                if step.error is not None:
                    errors[s] = errors.get(s, 0) + 1
                    continue
                out[step.outcome.state] += 1
                if step.outcome.state not in seen:
                    seen.add(step.outcome.state)
                    nxt.append(step.outcome.state)
            succ[s] = out
        frontier = nxt
    return seen, succ, errors  # type: ignore[return-value]


def compiled_graph(system: TransitionSystem) -> tuple[set, dict, dict]:
    """The same as interpreted_graph, with the compiled successor functions."""
    init = system.initial_states()
    seen = set(init)
    frontier = list(dict.fromkeys(init))
    succ: dict[tuple, Counter] = {}
    errors: dict[tuple, int] = {}
    while frontier:
        nxt = []
        for s in frontier:
            out: Counter = Counter()
            for _inst, _choices, t in system.labeled(s):
                if t is None:
                    errors[system.decode(s)] = errors.get(system.decode(s), 0) + 1
                    continue
                out[system.decode(t)] += 1
                if t not in seen:
                    seen.add(t)
                    nxt.append(t)
            fast = Counter(system.decode(t) for t in _fast(system, s))
            if system.decode(s) not in errors:
                assert fast == out, "fast and labeled successor functions disagree"
            succ[system.decode(s)] = out
        frontier = nxt
    return {system.decode(s) for s in seen}, succ, errors


def _fast(system: TransitionSystem, s: int) -> list[int]:
    from model.compile import RuntimeFault

    try:
        return system.successors(s)
    except RuntimeFault:
        return []
