"""The reachable state graph as a networkx.DiGraph, built on demand from a store, and the
action coverage of the states a search found.

Nodes are ints in BFS discovery order (0 is the first initial state) with attributes
`initial` (bool), `state` (leaf name -> value text) and `label` (a compact one-line
summary); edges carry `action` (the first transition's label) and `actions` (all labels,
when several transitions join the same pair of states).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .engine.store import ROOT, Store

if TYPE_CHECKING:
    import networkx as nx

    from model import TransitionSystem

__all__ = ["state_graph", "action_coverage", "GraphTooLarge", "check_graph_size"]


class GraphTooLarge(Exception):
    """The graph would exceed the size bound."""


def check_graph_size(count: int, limit: int, what: str = "states") -> None:
    if count > limit:
        raise GraphTooLarge(f"the state graph has {count:,} {what}, more than the limit of "
                            f"{limit:,}; shrink the model (smaller constants) or raise the limit")


def state_graph(system: TransitionSystem, store: Store, limit: int) -> nx.DiGraph:
    import networkx as nx

    check_graph_size(len(store), limit)
    parent = store.parent_map()
    states = list(parent)
    ids = {s: i for i, s in enumerate(states)}
    graph = nx.DiGraph(spec=system.name)
    for i, s in enumerate(states):
        shown = system.layout.show(system.decode(s))
        graph.add_node(i, initial=parent[s] == ROOT, state=dict(shown),
                       label=", ".join(f"{n}={v}" for n, v in shown))
    outside = system.outside
    for s in states:
        i = ids[s]
        if outside is not None and outside(s):
            graph.nodes[i]["outside"] = True  # beyond the boundary: not expanded
            continue
        for inst, choices, t in system.labeled(s):
            if t is None or t not in ids:
                continue
            label = str(system.transition(inst, choices))
            j = ids[t]
            if graph.has_edge(i, j):
                graph.edges[i, j]["actions"].append(label)
            else:
                graph.add_edge(i, j, action=label, actions=[label])
    return graph


def action_coverage(system: TransitionSystem, states: Iterable[int]
                    ) -> tuple[tuple[str, int], ...]:
    """How many transitions each action has in the explored states (zero: it never fired;
    a dead action is usually a modelling mistake)."""
    names = system.action_names
    counts = [0] * len(names)
    instances = system.instances
    outside = system.outside
    for state in states:
        if outside is not None and outside(state):
            continue  # beyond the boundary: not expanded
        for inst, _choices, nxt in system.labeled(state):
            if nxt is not None:
                counts[instances[inst][0]] += 1
    return tuple(zip(names, counts))
