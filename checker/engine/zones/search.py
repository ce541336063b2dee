"""Breadth-first search over symbolic states: a discrete state with a zone.

A transition intersects the zone with the clock guard, resets clocks, applies the
target's bounds and lets time pass; the zone is then extrapolated (extrapolation.py) and
dropped if a stored zone of the same discrete state includes it (the passed list keeps, per
discrete state, the zones no other zone includes). BFS over symbolic states gives
counterexamples with the fewest actions; the tracer turns them into runs with exact times.

Per-state constants rest on one assumption: a clock that becomes live is reset by the
transition that makes it live. The search checks it on every transition; where it fails
(`StaleClock`) the engine restarts with that clock's constants applying everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ...verdicts import unexpected
from ..budget import Stop, StopReason
from ..findings import Findings
from ..store import ROOT
from . import dbm
from .extrapolation import Extrapolation, initial_zone

if TYPE_CHECKING:
    from model import TransitionSystem, ZoneCode

    from ..interface import Job

__all__ = ["ZoneNodes", "StaleClock", "explore_zones", "stuck_part", "POLL_EVERY"]

POLL_EVERY = 256  # symbolic states between polls of the budget

Zone = tuple[int, ...]


class StaleClock(Exception):
    """A clock became live without being reset: its constants must apply everywhere."""

    def __init__(self, clocks: set[int]):
        super().__init__(clocks)
        self.clocks = clocks


@dataclass
class ZoneNodes:
    """The symbolic states of a search, in discovery order, with the parent of each and the
    transition it was reached by, and every edge (for coverage and the zone graph)."""

    discrete: list[int] = field(default_factory=list)
    zones: list[Zone] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    via: list[tuple[int, tuple, tuple, tuple] | None] = field(default_factory=list)
    edges: list[tuple[int, int, int, tuple]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.discrete)

    def path(self, node: int) -> list[int]:
        path = [node]
        while self.parent[path[-1]] != ROOT:
            path.append(self.parent[path[-1]])
        path.reverse()
        return path


def stuck_part(z: Zone, enabled: list[Zone], n: int) -> list[Zone]:
    """The part of zone z from which no enabled transition can ever be taken."""
    downs = [dbm.down(p, n) for p in enabled]
    if any(dbm.is_included(z, d, n) for d in downs):
        return []
    fed = [z]
    for d in downs:
        fed = dbm.federation_subtract(fed, d, n)
        if not fed:
            return []
    return fed


def explore_zones(job: Job, zc: ZoneCode, extrapolation: Extrapolation) -> Findings[int]:
    """Breadth-first search over symbolic states (see the module docstring)."""
    system: TransitionSystem = job.system
    n = zc.n
    nodes = ZoneNodes()
    ex: Findings[int] = Findings([], nodes, symbolic=True, check_deadlock=job.check_deadlock,
                                 stop_when=unexpected(system) if job.fail_fast else None)
    options = job.options
    selected = list(job.active)
    clock_props = {k for k in selected if system.properties[k].mentions_clock}
    active_discrete = {k for k in selected if k not in clock_props}
    active_clock = set(clock_props)
    props_fn = system.props_for(frozenset(active_discrete)) if active_discrete else None
    passed: dict[int, list[int]] = {}
    live = extrapolation.live
    close = extrapolation.close
    always = extrapolation.always

    def add(d: int, z: Zone, parent: int, via: tuple | None) -> int:
        bucket = passed.setdefault(d, [])
        for i in bucket:
            if dbm.is_included(z, nodes.zones[i], n):
                return -1 - i  # covered by node i
        keep = [i for i in bucket if not dbm.is_included(nodes.zones[i], z, n)]
        node = len(nodes.discrete)
        nodes.discrete.append(d)
        nodes.zones.append(z)
        nodes.parent.append(parent)
        nodes.via.append(via)
        keep.append(node)
        passed[d] = keep
        note(node)
        return node

    def note(node: int) -> None:
        nonlocal props_fn
        d = nodes.discrete[node]
        if props_fn is not None:
            hits = props_fn(d)
            if hits:
                fired = [k for k in list(active_discrete) if hits >> k & 1]
                active_discrete.difference_update(fired)
                props_fn = system.props_for(frozenset(active_discrete)) if active_discrete \
                    else None
                ex.hits([(k, node) for k in fired])
        if active_clock:
            values = system.layout.view(d)
            z = nodes.zones[node]
            for k in list(active_clock):
                if any(dbm.satisfies_some(z, n, conj)
                       for conj in system.clock_formula(k, values)):
                    active_clock.discard(k)
                    ex.hits([(k, node)])

    frontier: list[int] = []
    with job.budget.search(job.phase, ex) as meter:
        meter.poll(0, 0, 0, 0)
        for d in dict.fromkeys(system.initial_states()):
            z = initial_zone(zc, d)
            if z is None:
                continue
            node = add(d, extrapolation.extrapolate(z, d), ROOT, None)
            if node >= 0:
                frontier.append(node)
                ex.initial.append(node)
        while frontier:
            if options.max_depth is not None and ex.depth >= options.max_depth:
                ex.stop_reason = StopReason.MAX_DEPTH
                break
            ex.depth += 1
            nxt: list[int] = []
            for count, node in enumerate(frontier):
                d = nodes.discrete[node]
                z = nodes.zones[node]
                mask = live(d)
                enabled: list[Zone] = []
                for inst, choices, d2, guard, resets in zc.succ(d):
                    if d2 is None:
                        if guard is not None and dbm.constrain_all(z, n, guard) is None:
                            continue  # the instance's clock guard never holds here
                        ex.runtime_error(node, "action", inst, tuple(guard or ()))
                        continue
                    z1 = dbm.constrain_all(z, n, guard)
                    if z1 is None:
                        continue
                    inv2 = zc.inv(d2)
                    z2 = z1
                    for x in resets:
                        z2 = dbm.reset(z2, n, x)
                    z3 = dbm.constrain_all(z2, n, inv2)
                    if z3 is None:
                        continue
                    pre = dbm.constrain_all(z1, n, [c for c in inv2 if c[0] not in resets])
                    if pre is not None:
                        enabled.append(pre)
                    mask2 = live(d2)
                    if mask2 != mask:
                        stale = (zc.clocks_of(mask2) - zc.clocks_of(mask) - set(resets)
                                 - always - zc.unconditional)
                        if stale:
                            raise StaleClock(stale)
                    z5 = close(z3, d2, inv2)
                    ex.transitions += 1
                    target = add(d2, z5, node, (inst, choices, guard, tuple(resets)))
                    if target >= 0:
                        nxt.append(target)
                        nodes.edges.append((node, target, inst, choices))
                    else:
                        nodes.edges.append((node, -1 - target, inst, choices))
                if stuck_part(z, enabled, n):  # counted even when deadlocks are allowed
                    ex.stuck(node, bool(zc.inv(d)))
                if options.max_states is not None and len(nodes) >= options.max_states:
                    raise Stop(StopReason.MAX_STATES)
                if count % POLL_EVERY == 0:
                    meter.poll(len(nodes), ex.transitions, ex.depth,
                               len(frontier) - count + len(nxt))
            frontier = nxt
        else:
            ex.complete = True
    ex.states = len(nodes)
    return ex
