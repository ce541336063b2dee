"""A clock's extremes over the symbolic states of a zone search (timing queries).

For each stored symbolic state where the query's condition holds, the condition's clock
constraints (its normal form, model.time.clock_dnf) are intersected with the zone and the
clock's upper and lower bounds read off the DBM, strict or not. The zones are extrapolated,
so a bound is exact only up to the clock's constant K: checker.measure gives the clock the
constant K and doubles it while an end lies beyond.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..findings import Findings
from . import dbm, kernel
from .search import ZoneNodes

if TYPE_CHECKING:
    from model import TransitionSystem, ZoneCode

__all__ = ["zone_extremes", "end_value", "End"]

# one end: (raw DBM bound, node where it is met); the upper end is x - 0 ≺ c (the largest
# raw is the loosest), the lower end 0 - x ≺ -c (the largest raw is the smallest value)
End = tuple[int, int]


def zone_extremes(system: TransitionSystem, zc: ZoneCode, findings: Findings[int],
                  where: int, x: int) -> tuple[End | None, End | None]:
    """The loosest upper and lower bound of clock `x` over the symbolic states where
    property `where` (a reachable) holds, each with a node that has it; None where no
    state satisfies it."""
    nodes: ZoneNodes = findings.store
    n = zc.n
    timed = system.properties[where].mentions_clock
    holds = None if timed else system.props_for(frozenset((where,)))
    hi: End | None = None
    lo: End | None = None
    for node in range(len(nodes)):
        d = nodes.discrete(node)
        if timed:
            parts = system.clock_formula(where, d)
        else:
            assert holds is not None
            parts = [()] if holds(d) else []
        if not parts:
            continue
        zone = kernel.decode(nodes.zone(node), n)
        for part in parts:
            z = dbm.constrain_all(zone, n, part) if part else zone
            if z is None:
                continue
            upper, lower = z[x * n], z[x]
            if hi is None or upper > hi[0]:
                hi = (upper, node)
            if lo is None or lower > lo[0]:
                lo = (lower, node)
    return hi, lo


def end_value(raw: int, upper: bool) -> tuple[int | None, bool]:
    """An end as (ms, closed): None for no upper end."""
    if raw >= dbm.INF:
        return None, False
    c = dbm.bound_constant(raw)
    return (c if upper else -c), not dbm.bound_is_strict(raw)
