"""Fairness: which strongly connected components of a graph hold a fair cycle.

A cycle is *weakly fair* for a group if the group is taken on it or is disabled somewhere
on it; *strongly fair* if taken or disabled everywhere on it. A component where a weak
group is enabled in every state but never taken has no fair cycle. A component where a
strong group is enabled somewhere but never taken loses the states where it is enabled and
is split again (Emerson-Lei). What survives holds a fair cycle through all its states. In
timed graphs (discrete time) only cycles that let time pass (contain a tick) count.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from model import Fairness, nodeclass

from .graph import TICK, StateGraph, sccs

__all__ = ["Fairness", "Component", "fair_components", "Divergence", "DivergentCycle"]

@nodeclass
class Component:
    nodes: set[int]
    taken: int  # groups taken on edges inside
    tick: bool  # a tick edge inside


class Divergence(Protocol):
    """Zones: whether a fair component of the time-abstract graph holds a run along which
    time diverges (see checker.timed); None if not."""

    def __call__(self, comp: Component, enabled: Sequence[int]) -> DivergentCycle | None: ...


class DivergentCycle(Protocol):
    entries: set[int]  # the nodes of the component from which the cycle is reachable

    def lasso_from(self, node: int) -> tuple[list[int], list[int], int]:
        """From an entry: the nodes after it, the instance of each step (TICK for time
        passing), and the index in those nodes where the repeated cycle begins."""
        ...



def fair_components(graph: StateGraph, nodes: set[int], groups: Fairness,
                     enabled: Sequence[int], timed: bool) -> list[Component]:
    """The components of `nodes` that hold a fair (and, timed, time-divergent) cycle."""
    weak, strong = groups.weak, groups.strong
    result: list[Component] = []
    work = [nodes]
    while work:
        part = work.pop()
        for comp in sccs(graph, part):
            if len(comp) == 1:  # most are: a cycle only if the node has a self-loop
                v = comp[0]
                if v not in graph.targets[graph.start[v]:graph.start[v + 1]]:
                    continue
            members = set(comp)
            taken = 0
            tick = False
            cyclic = len(comp) > 1
            for v in comp:
                for t, inst in graph.edges(v):
                    if t in members:
                        if t == v:
                            cyclic = True
                        if inst == TICK:
                            tick = True
                        else:
                            taken |= groups.of_instance[inst]
            if not cyclic or (timed and not tick):
                continue
            every = -1
            some = 0
            for v in comp:
                every &= enabled[v]
                some |= enabled[v]
            if weak & every & ~taken:
                continue  # a weak group enabled throughout, never taken: no fair cycle
            starving = strong & some & ~taken
            if starving:
                rest = {v for v in comp if not enabled[v] & starving}
                if rest:
                    work.append(rest)
                continue
            result.append(Component(members, taken, tick))
    return result


