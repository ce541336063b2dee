"""Concrete firing times for a symbolic timed trace.

Model.  At ``t_0 = 0`` every clock is 0.  Steps ``k = 1 .. m`` fire at
``0 <= t_1 <= ... <= t_m``.  During ``[t_{k-1}, t_k]`` the system waits in
state ``k - 1`` and step ``k``'s ``invariant`` must hold; at ``t_k`` its
``guard`` must hold, then its ``resets`` set clocks to 0.  Finally the system
waits in state ``m`` until ``t_f >= t_m`` with ``final_invariant`` holding on
``[t_m, t_f]`` and ``final`` holding at ``t_f``.  A clock's value at time ``t``
is ``t - r`` where ``r`` is the time of its last reset (``r = 0`` if never).

Constraints are ``(i, j, raw)``: ``x_i - x_j ≺ c`` with ``raw`` encoded as in
:mod:`checker.engine.zones.dbm` and clock 0 the constant 0.

Reduction.  At an instant ``t_k`` write ``x_i = t_k - t_{r_i}`` where ``r_i``
is the event that last reset clock ``i`` and ``r_0 = k`` (so ``x_0 = 0``).
Then ``x_i - x_j = t_{r_j} - t_{r_i}``, so each constraint is a difference
constraint ``t_a - t_b ≺ c`` between event times, and together with
``t_{k-1} <= t_k`` the problem is a system of difference constraints.

Invariants need only be checked at both ends of a wait: during a wait every
clock grows at rate 1 and ``x_0`` stays 0, so ``x_i - x_j`` is either constant
(``i, j >= 1``) or affine in the time; hence each constraint holds on an
interval of times (a convex set), and so does their conjunction, which
therefore holds on ``[t_{k-1}, t_k]`` iff it holds at both endpoints.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from .dbm import INF, bound_constant, bound_is_strict

__all__ = ["TimedStep", "solve_schedule", "solve_schedule_open", "check_schedule"]

Constraint = tuple[int, int, int]


@dataclass(frozen=True)
class TimedStep:
    """One discrete step of a symbolic trace.

    ``invariant`` must hold throughout the wait before the step, ``guard`` at the
    firing instant (before resets), and ``resets`` lists clocks ``1 .. n-1`` set
    to 0 when the step fires.
    """

    invariant: tuple[Constraint, ...] = ()
    guard: tuple[Constraint, ...] = ()
    resets: tuple[int, ...] = ()


def _check_clock(n: int, k: int, allow_zero: bool = True) -> None:
    if not (0 if allow_zero else 1) <= k < n:
        raise ValueError(f"clock index {k} out of range for n = {n}")


def solve_schedule(
    n: int,
    steps: Sequence[TimedStep],
    final_invariant: Iterable[Constraint] = (),
    final: Iterable[Constraint] = (),
) -> list[Fraction] | None:
    """The earliest schedule ``[t_1, .., t_m, t_f]``, or ``None`` if infeasible (see
    solve_schedule_open)."""
    solved = solve_schedule_open(n, steps, final_invariant, final)
    return None if solved is None else [t for t, _ in solved]


def solve_schedule_open(
    n: int,
    steps: Sequence[TimedStep],
    final_invariant: Iterable[Constraint] = (),
    final: Iterable[Constraint] = (),
) -> list[tuple[Fraction, int | None]] | None:
    """The earliest schedule as ``(t_v, A_v)`` pairs, ``A_v`` None unless ``t_v`` is open:
    then every solution has ``t_v > A_v`` and ``A_v`` is their infimum (the time is "just
    after ``A_v``"); ``None`` if infeasible.

    ``t_f == t_m`` unless ``final`` / ``final_invariant`` force a later instant.
    Malformed input (clock index out of range) raises ``ValueError``.

    Method.  Number the events ``0 .. N-1`` (``N = m + 2``; ``N - 1`` is ``t_f``).
    Give the bound ``t_a - t_b ≺ c`` the weight ``c - s·ε`` (``s = 1`` iff
    strict) on an edge ``b → a``, with ``ε`` a formal infinitesimal, i.e. the
    pair ``(c, -s)`` compared lexicographically.  Bellman–Ford computes
    ``D(v)``, the least weight of a path ``v → 0`` (every ``v`` reaches 0
    through the ordering edges ``k → k-1``); a negative cycle, i.e. one of
    weight ``(c < 0, ·)`` or ``(0, < 0)``, exists iff the system has no real
    solution.  Otherwise ``t_v = -D(v) = A_v + B_v·ε`` with integers
    ``A_v`` and ``0 <= B_v <= N - 1`` (shortest paths are simple).

    Choice of ``ε = 1 / (2N)``.  Path weights ``c - b·ε`` of simple paths
    (``b <= N - 1``) lie in ``(c - 1/2, c]``, so the concrete order of such
    paths is the lexicographic one and concrete cycles are negative exactly
    when formal ones are; hence the schedule is the least solution of the
    system in which every strict bound ``< c`` is replaced by ``<= c - ε``.
    That solution satisfies the original system (``c - ε < c``), it is the
    earliest among all solutions whose times are multiples of ``1/q`` for any
    ``q <= 2N`` (those satisfy ``< c`` with slack ``>= 1/q >= ε``), and ``A_v``
    is the infimum of ``t_v`` over all real solutions.  With only non-strict
    bounds ``B = 0``: the schedule is integral and the least solution.

    Open times.  ``B_v > 0`` iff a least-weight path carries a strict edge, i.e.
    the constraints imply ``t_v > A_v``: the infimum is not attained, ``t_v`` is
    open (returned as ``A_v``).  ``B_v = 0``: ``t_v = A_v`` is the least value.
    """
    m = len(steps)
    nodes = m + 2
    fin = m + 1
    edges: list[tuple[int, int, tuple[int, int]]] = []  # (b, a, w): t_a - t_b <= w

    last = [0] * n

    def emit(constraints: Iterable[Constraint], k: int) -> bool:
        for i, j, raw in constraints:
            _check_clock(n, i)
            _check_clock(n, j)
            if raw == INF:
                continue
            a = k if j == 0 else last[j]
            b = k if i == 0 else last[i]
            w = (bound_constant(raw), -1 if bound_is_strict(raw) else 0)
            if a == b:
                if w < (0, 0):
                    return False
                continue
            edges.append((b, a, w))
        return True

    for k, step in enumerate(steps, start=1):
        edges.append((k, k - 1, (0, 0)))
        if not (emit(step.invariant, k - 1) and emit(step.invariant, k) and emit(step.guard, k)):
            return None
        for x in step.resets:
            _check_clock(n, x, allow_zero=False)
            last[x] = k
    edges.append((fin, m, (0, 0)))
    final_invariant = tuple(final_invariant)
    if not (emit(final_invariant, m) and emit(final_invariant, fin) and emit(final, fin)):
        return None

    dist: list[tuple[int, int] | None] = [None] * nodes
    dist[0] = (0, 0)
    for _ in range(nodes):
        changed = False
        for b, a, (c, s) in edges:
            da = dist[a]
            if da is None:
                continue
            cand = (c + da[0], s + da[1])
            db = dist[b]
            if db is None or cand < db:
                dist[b] = cand
                changed = True
        if not changed:
            break
    else:
        return None  # still relaxing after N rounds: negative cycle

    # any slack in (0, 1/nodes] meets every strict bound (see the module docstring); the
    # largest power of ten below 1/(2 nodes), at most 1/1000, keeps the times readable
    # decimals just past their bound (75.001 s)
    eps = Fraction(1, 10 ** max(3, len(str(2 * nodes - 1))))
    times: list[tuple[Fraction, int | None]] = []
    for v in range(1, nodes):
        dv = dist[v]
        assert dv is not None  # v reaches 0 through the ordering edges
        times.append((-dv[0] - dv[1] * eps, -dv[0] if dv[1] else None))
    return times


def _holds(constraints: Iterable[Constraint], values: Sequence[Fraction]) -> bool:
    for i, j, raw in constraints:
        if raw == INF:
            continue
        diff = values[i] - values[j]
        c = bound_constant(raw)
        if diff > c or (diff == c and bound_is_strict(raw)):
            return False
    return True


def check_schedule(
    n: int,
    steps: Sequence[TimedStep],
    times: Sequence[Fraction | int],
    final_invariant: Iterable[Constraint] = (),
    final: Iterable[Constraint] = (),
) -> bool:
    """Whether ``times = [t_1, .., t_m, t_f]`` satisfies the model exactly.

    Simulates the clocks directly: ordering ``0 <= t_1 <= .. <= t_f``, each
    invariant at both ends of its wait, each guard before its resets, and the
    final constraints at ``t_f``.
    """
    if len(times) != len(steps) + 1:
        raise ValueError(f"need {len(steps) + 1} times, got {len(times)}")
    ts = [Fraction(t) for t in times]
    reset_at = [Fraction(0)] * n
    prev = Fraction(0)

    def at(t: Fraction) -> list[Fraction]:
        return [Fraction(0)] + [t - reset_at[x] for x in range(1, n)]

    for step, t in zip(steps, ts):
        if t < prev:
            return False
        if not (_holds(step.invariant, at(prev)) and _holds(step.invariant, at(t))):
            return False
        if not _holds(step.guard, at(t)):
            return False
        for x in step.resets:
            reset_at[x] = t
        prev = t
    t_f = ts[-1]
    final_invariant = tuple(final_invariant)
    return (
        t_f >= prev
        and _holds(final_invariant, at(prev))
        and _holds(final_invariant, at(t_f))
        and _holds(final, at(t_f))
    )
