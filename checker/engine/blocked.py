"""Actions that time silently disables: one pass over the reachable states, for every engine.

An action instance is *blocked* when some reachable state satisfies its condition (its guard
without the clock part holds, and its body completes) but it never fires. Only time can do
that: wherever the condition holds, either the clock part of the guard cannot be met (a
bound, often another timeout's deadline, stops time first, or the clock condition is already
over) or the state the action would lead to already exceeds a bound active there (the
transition is suppressed). Nothing else reports it: the action is simply never seen.

The pass is the same for every engine: it goes over the reachable states as *symbolic
states*, a discrete state with a zone of clock valuations, and asks the zone target's code
(model.codegen.zones: each instance whose condition holds, with its clock guard and resets
as DBM constraints) and the DBM kernel whether the instance fires from the zone, and if not,
why. The zone engine hands over its own nodes; the discrete engine each state that an action
(or the start) enters, as the zone of its clock values and every delay its bounds allow (a
state reached by ticks lies in that zone; tick and constants are whole, so a delay exists in
whole ticks when one exists at all); an untimed system has nothing to block.

Why, for an instance that does not fire from a zone Z (a guard g, resets R, the bounds of
the source and of the target as single upper limits x <= K):

- g meets Z, but after R some bound b of the target is already exceeded: `bound` b. Upper
  limits only: if all of them together empty the zone, one of them alone does.
- g misses Z, and with the zone let run free (up(Z)) under b alone g still misses it:
  `time` b (b stops time before g can hold). For a zone closed under time within the
  source's bounds, a zone that g misses is missed under one bound alone, or g misses even
  the free zone: `late` (g's own upper limit is over by the time the condition holds).

An instance is given the reasons that hold in every symbolic state where it is blocked, when
there are any (the process's own bound that always stops it, rather than one that also does
in a few states), else every reason seen. Every reason given holds; the verdict (blocked or
not) is exact on the engines' own terms: zones fire from an extrapolated zone exactly when
from some concrete state (the extrapolations are simulations), and the discrete engine is
exact for closed constraints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from model import RuntimeFault, lazy_module, nodeclass

if TYPE_CHECKING:
    from model import TransitionSystem

    from . import zones
    from .interface import Job, SymbolicStates
else:  # the DBM kernel: loaded when a timed system has states to go over
    zones = lazy_module("checker.engine.zones")

__all__ = ["Reason", "Blocked", "blocked_instances", "PHASE"]

PHASE = "disabled actions"
POLL_EVERY = 512  # symbolic states between polls of the budget
CACHE = 4096  # discrete states whose successor entries and bounds the pass keeps


@dataclass(frozen=True, order=True, slots=True)
class Reason:
    """Why an instance did not fire from some symbolic state. `kind`: "bound" (the target
    exceeds bound `bound`), "time" (bound `bound` stops time before the clock guard holds;
    -1: the bounds together, none alone) or "late" (the clock guard is over)."""

    kind: str
    bound: int = -1


@nodeclass(frozen=True)
class Blocked:
    """The instances whose condition holds in some reachable state but that never fire,
    each with why (an empty set: the pass stopped before it got to one); `complete`: the
    search and the pass went over every reachable state (else the list may miss some, and
    an instance on it may fire in a state not explored)."""

    reasons: dict[int, frozenset[Reason]]
    complete: bool

    @staticmethod
    def none(complete: bool) -> Blocked:
        return Blocked({}, complete)


def blocked_instances(job: Job, system: TransitionSystem, view: SymbolicStates | None,
                      complete: bool) -> Blocked:
    """The pass (module docstring) over an engine's reachable states, under the job's
    budget; `complete`: whether the search was exhaustive. With no states to go over (an
    untimed system) or no candidate, nothing is blocked and the pass costs nothing."""
    if view is None or view.candidates == set():
        return Blocked.none(complete)
    states, total, candidates = view.states, view.total, view.candidates
    points = view.points
    unit = view.unit
    zc = system.zone_code
    n = zc.n
    succ, zc_inv = zc.succ, zc.inv
    kernel = zones.kernel
    satisfies, constrain, successor = kernel.satisfies, kernel.constrain, kernel.successor
    fired: set[int] = set()
    why: dict[int, set[Reason]] = {inst: set() for inst in candidates or ()}  # every reason
    always: dict[int, set[Reason]] = {}  # the reasons given in every state seen
    entries_of: dict[int, list[tuple]] = {}
    sites_of: dict[int, tuple[tuple[int, int, int], ...]] = {}

    inv_of: dict[int, tuple[tuple[int, int, int], ...]] = {}

    def scale(cs: tuple[tuple[int, int, int], ...]) -> tuple[tuple[int, int, int], ...]:
        """Constraints in ms as constraints in `unit`s (every constant is a multiple)."""
        if unit == 1:
            return cs
        return tuple((i, j, (raw >> 1) // unit << 1 | raw & 1) for i, j, raw in cs)

    def sites(d: int) -> tuple[tuple[int, int, int], ...]:
        hit = sites_of.get(d)
        if hit is None:
            if len(sites_of) >= CACHE:
                sites_of.clear()
            hit = sites_of[d] = scale(system.bound_sites(d))
        return hit

    def inv(d: int) -> tuple[tuple[int, int, int], ...]:
        hit = inv_of.get(d)
        if hit is None:
            if len(inv_of) >= CACHE:
                inv_of.clear()
            hit = inv_of[d] = scale(zc_inv(d))
        return hit

    overflow = False
    with job.budget.search(PHASE) as meter:
        meter.poll(0, 0, 0, total, total)
        universe = kernel.universe(n)
        try:
            for count, (d, z) in enumerate(states):
                if count % POLL_EVERY == 0 and count:
                    meter.poll(count, 0, 0, total - count, total)
                if points:  # clock values: the zone of every delay its bounds allow
                    try:
                        bounds = inv(d)
                    except RuntimeFault:
                        continue  # (not reachable: the action into it failed)
                    z = kernel.constrain_all(kernel.constrain_all(universe, n, z), n, bounds)
                    if z is None:
                        continue
                    z = kernel.constrain_all(kernel.up(z, n), n, bounds)
                entries = entries_of.get(d)
                if entries is None:
                    if len(entries_of) >= CACHE:
                        entries_of.clear()
                    entries = entries_of[d] = [
                        (inst, choices, d2, scale(guard or ()), resets)
                        for inst, choices, d2, guard, resets in succ(d) if d2 is not None
                        and (candidates is None or inst in candidates)]
                for inst, _choices, d2, guard, resets in entries:
                    if inst in fired:
                        continue
                    try:
                        inv2 = inv(d2)
                    except RuntimeFault:
                        continue  # a bound's condition fails there: a run-time error
                    _pre, z3 = successor(z, n, guard, resets, inv2)
                    if z3 is not None:
                        fired.add(inst)
                        why.pop(inst, None)
                        always.pop(inst, None)
                        continue
                    reasons: set[Reason] = set()
                    if satisfies(z, n, guard):
                        z2 = kernel.constrain_all(z, n, guard)
                        assert z2 is not None
                        for x in resets or ():
                            z2 = kernel.reset(z2, n, x)
                        for b, x, raw in sites(d2):
                            if constrain(z2, n, x, 0, raw) is None:
                                reasons.add(Reason("bound", b))
                    else:
                        free = kernel.up(z, n)
                        for b, x, raw in sites(d):
                            capped = constrain(free, n, x, 0, raw)
                            if capped is not None and not satisfies(capped, n, guard):
                                reasons.add(Reason("time", b))
                        if not reasons:
                            reasons.add(Reason("time") if satisfies(free, n, guard)
                                        else Reason("late"))
                    seen = why.setdefault(inst, set())
                    seen |= reasons
                    always[inst] = always[inst] & reasons if inst in always else reasons
        except OverflowError:
            # a constant beyond the DBM kernel's range (discrete time takes larger ones):
            # the reasons stay unworked, the list unsure
            overflow = True
    done = meter.stop_reason is None and not overflow
    # the reasons that block an instance wherever its condition holds, when there are any
    # (a bound that blocks it everywhere says more than one that also does somewhere);
    # else every reason seen
    return Blocked({inst: frozenset(always.get(inst) or seen)
                    for inst, seen in sorted(why.items()) if inst not in fired},
                   complete and done)
