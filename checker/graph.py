"""The reachable state graph as a networkx.DiGraph, built on demand from the store.

Nodes are ints in BFS discovery order (0 is the first initial state) with attributes
`initial` (bool), `state` (leaf name -> value text) and `label` (a compact one-line
summary); edges carry `action` (the first transition's label) and `actions` (all labels,
when several transitions join the same pair of states).
"""

from __future__ import annotations

import networkx as nx

from .explore import ROOT

__all__ = ["state_graph", "GraphTooLarge"]


class GraphTooLarge(Exception):
    """The graph would exceed the size bound."""


def state_graph(system, parent: dict[int, int], limit: int) -> nx.DiGraph:  # noqa: ANN001
    states = list(parent)
    if len(states) > limit:
        raise GraphTooLarge(f"the state graph has {len(states):,} states, more than the limit of "
                            f"{limit:,}; shrink the model (smaller constants) or raise the limit")
    ids = {s: i for i, s in enumerate(states)}
    graph = nx.DiGraph(spec=system.name)
    for i, s in enumerate(states):
        shown = system.layout.show(system.decode(s))
        graph.add_node(i, initial=parent[s] == ROOT, state=dict(shown),
                       label=", ".join(f"{n}={v}" for n, v in shown))
    for s in states:
        i = ids[s]
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
