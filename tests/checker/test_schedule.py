"""Tests for checker.schedule: concrete firing times for symbolic timed traces."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.engine.zones.dbm import INF, bound
from checker.engine.zones.schedule import TimedStep, check_schedule, solve_schedule


def le(c: int) -> int:
    return bound(c, False)


def lt(c: int) -> int:
    return bound(c, True)


def at_least(x: int, c: int) -> tuple[int, int, int]:
    return (0, x, le(-c))


def more_than(x: int, c: int) -> tuple[int, int, int]:
    return (0, x, lt(-c))


def at_most(x: int, c: int) -> tuple[int, int, int]:
    return (x, 0, le(c))


def less_than(x: int, c: int) -> tuple[int, int, int]:
    return (x, 0, lt(c))


# ----------------------------------------------------------------------------- oracle


def values_at(n: int, t: Fraction, reset_at: list[Fraction]) -> list[Fraction]:
    return [Fraction(0)] + [t - reset_at[x] for x in range(1, n)]


def holds(constraints, vals) -> bool:
    for i, j, raw in constraints:
        if raw == INF:
            continue
        c, strict = raw >> 1, not raw & 1
        d = vals[i] - vals[j]
        if d > c or (strict and d == c):
            return False
    return True


def satisfies(n, steps, times, final_invariant=(), final=()) -> bool:
    """Direct simulation of the model, independent of the solver."""
    reset_at = [Fraction(0)] * n
    prev = Fraction(0)
    for step, t in zip(steps, times):
        if t < prev:
            return False
        if not holds(step.invariant, values_at(n, prev, reset_at)):
            return False
        if not holds(step.invariant, values_at(n, t, reset_at)):
            return False
        if not holds(step.guard, values_at(n, t, reset_at)):
            return False
        for x in step.resets:
            reset_at[x] = t
        prev = t
    tf = times[len(steps)]
    return (
        tf >= prev
        and holds(final_invariant, values_at(n, prev, reset_at))
        and holds(final_invariant, values_at(n, tf, reset_at))
        and holds(final, values_at(n, tf, reset_at))
    )


def brute_force(n, steps, final_invariant, final, q: int, cap: int):
    """Least schedule with times in (1/q)·Z and waits in [0, cap], by depth-first
    search in increasing time order (the first complete schedule found is the
    lexicographically, hence componentwise, least one), or None.

    Waits longer than ``C + 1`` (``C`` the largest |constant|) can be shortened to
    ``C + 1`` without changing any constraint's truth: afterwards every clock
    exceeds ``C`` either way and all clocks are shifted uniformly.  Failures are
    memoised on (depth, clock valuation), which determines the future.
    """
    m = len(steps)
    failed: set[tuple[int, tuple[Fraction, ...]]] = set()

    def search(k: int, now: Fraction, reset_at: list[Fraction]) -> list[Fraction] | None:
        key = (k, tuple(now - r for r in reset_at[1:]))
        if key in failed:
            return None
        start = values_at(n, now, reset_at)
        if k < m:
            inv, guard = steps[k].invariant, steps[k].guard
        else:
            inv, guard = final_invariant, final
        if holds(inv, start):
            for units in range(cap * q + 1):
                t = now + Fraction(units, q)
                end = values_at(n, t, reset_at)
                if not (holds(inv, end) and holds(guard, end)):
                    continue
                if k == m:
                    return [t]
                nxt = list(reset_at)
                for x in steps[k].resets:
                    nxt[x] = t
                rest = search(k + 1, t, nxt)
                if rest is not None:
                    return [t] + rest
        failed.add(key)
        return None

    return search(0, Fraction(0), [Fraction(0)] * n)


# ----------------------------------------------------------------------------- hand examples


def test_timeout_after_reset():
    # step 1 resets x1; step 2 is a 75-second timeout guard x1 >= 75.
    steps = [TimedStep(resets=(1,)), TimedStep(guard=(at_least(1, 75),))]
    assert solve_schedule(2, steps) == [0, 75, 75]


def test_timeout_after_late_reset():
    steps = [
        TimedStep(guard=(at_least(1, 10),), resets=(1,)),
        TimedStep(guard=(at_least(1, 75),)),
    ]
    assert solve_schedule(2, steps) == [10, 85, 85]


def test_large_constants_are_exact():
    steps = [TimedStep(resets=(1,)), TimedStep(guard=(at_least(1, 900_000),))]
    assert solve_schedule(2, steps) == [0, 900_000, 900_000]


def test_strict_lower_bound_is_slightly_later():
    steps = [TimedStep(guard=(more_than(1, 3),))]
    times = solve_schedule(2, steps)
    assert times is not None
    assert 3 < times[0] < 4
    assert times[0] == Fraction(3) + Fraction(1, 1000)  # the slack: a power of ten, <= 1/1000
    assert satisfies(2, steps, times)


def test_chain_of_strict_bounds_accumulates_epsilon():
    # x > 0 at each of three steps, each resetting x: t1 > 0, t2 > t1, t3 > t2.
    steps = [TimedStep(guard=(more_than(1, 0),), resets=(1,))] * 3
    times = solve_schedule(2, steps)
    assert times is not None
    assert 0 < times[0] < times[1] < times[2] < 1
    assert satisfies(2, steps, times)


def test_strict_bounds_squeezed_into_unit_interval():
    # 0 < t1 < t2 < t3 < 1 with an upper invariant x1 < 1 (x1 never reset).
    inv = (less_than(1, 1),)
    steps = [TimedStep(invariant=inv, guard=(more_than(1, 0),), resets=(2,))] + [
        TimedStep(invariant=inv, guard=(more_than(2, 0),), resets=(2,))
    ] * 2
    times = solve_schedule(3, steps)
    assert times is not None
    assert 0 < times[0] < times[1] < times[2] < 1
    assert satisfies(3, steps, times)


def test_invariant_forces_upper_bound():
    # Step 1 must fire while x1 <= 5: the guard x2 >= 2 gives t1 = 2, while a guard
    # x1 >= 7 is impossible under the invariant.
    inv = (at_most(1, 5),)
    ok = [TimedStep(invariant=inv, guard=(at_least(2, 2),))]
    assert solve_schedule(3, ok) == [2, 2]
    bad = [TimedStep(invariant=inv, guard=(at_least(1, 7),))]
    assert solve_schedule(3, bad) is None


def test_invariant_checked_at_start_of_wait():
    # After step 1 (at t >= 4, no reset) the next wait requires x1 <= 3: impossible.
    steps = [
        TimedStep(guard=(at_least(1, 4),)),
        TimedStep(invariant=(at_most(1, 3),)),
    ]
    assert solve_schedule(2, steps) is None
    # With a reset of x1 at step 1 the invariant holds at the start of the wait.
    steps[0] = TimedStep(guard=(at_least(1, 4),), resets=(1,))
    assert solve_schedule(2, steps) == [4, 4, 4]


def test_lower_bound_invariant_checked_at_start_of_wait():
    # x1 is reset at step 1, so the wait before step 2 starts with x1 == 0 and an
    # invariant x1 >= 1 is violated at once (it would hold at the end if t2 >= t1 + 1).
    steps = [TimedStep(resets=(1,)), TimedStep(invariant=(at_least(1, 1),))]
    assert solve_schedule(2, steps) is None
    # Resetting another clock instead: step 1 must simply wait until x1 >= 1.
    steps = [TimedStep(resets=(2,)), TimedStep(invariant=(at_least(1, 1),))]
    assert solve_schedule(3, steps) == [1, 1, 1]


def test_infeasible_strict_pair():
    steps = [TimedStep(guard=(more_than(1, 2), less_than(1, 3))), TimedStep()]
    assert solve_schedule(2, steps) is not None
    steps = [TimedStep(guard=(more_than(1, 3), at_most(1, 3)))]
    assert solve_schedule(2, steps) is None
    steps = [TimedStep(guard=(at_least(1, 3), at_most(1, 3)))]
    assert solve_schedule(2, steps) == [3, 3]


def test_static_difference_constraints():
    # Both clocks never reset: x1 - x2 == 0 always, so x1 - x2 < 0 is infeasible.
    assert solve_schedule(3, [TimedStep(guard=((1, 2, lt(0)),))]) is None
    assert solve_schedule(3, [TimedStep(guard=((1, 2, le(0)),))]) == [0, 0]
    # Trivially-true bounds on the reference clock.
    assert solve_schedule(2, [TimedStep(guard=((0, 0, le(0)),))]) == [0, 0]


def test_diagonal_constraint_between_reset_times():
    # x2 reset at t1, x1 at t2; at step 3 require x2 - x1 >= 4 (i.e. t2 - t1 >= 4).
    steps = [
        TimedStep(guard=(at_least(1, 1),), resets=(2,)),
        TimedStep(resets=(1,)),
        TimedStep(guard=((1, 2, le(-4)),)),
    ]
    assert solve_schedule(3, steps) == [1, 5, 5, 5]


def test_final_constraints_wait_after_last_step():
    steps = [TimedStep(resets=(1,))]
    assert solve_schedule(2, steps) == [0, 0]
    assert solve_schedule(2, steps, final=(at_least(1, 30),)) == [0, 30]
    wait_30 = (at_least(1, 30),)
    assert solve_schedule(2, steps, final_invariant=(at_most(1, 10),), final=wait_30) is None
    assert solve_schedule(2, steps, final_invariant=(at_most(1, 40),), final=wait_30) == [0, 30]
    # the final invariant must already hold when the last step fires
    assert solve_schedule(2, steps, final_invariant=(at_least(1, 2),)) is None
    times = solve_schedule(2, steps, final=(more_than(1, 30),))
    assert times is not None and 30 < times[1] < 31 and times[0] == 0


def test_empty_trace():
    assert solve_schedule(2, []) == [0]
    assert solve_schedule(2, [], final=(at_least(1, 7),)) == [7]
    assert solve_schedule(2, [], final_invariant=(at_most(1, 3),), final=(at_least(1, 7),)) is None


def test_infinite_bounds_are_ignored():
    assert solve_schedule(2, [TimedStep(guard=((1, 0, INF),))]) == [0, 0]


def test_bad_clock_index_raises():
    with pytest.raises(ValueError):
        solve_schedule(2, [TimedStep(guard=((2, 0, le(1)),))])
    with pytest.raises(ValueError):
        solve_schedule(2, [TimedStep(resets=(0,))])


def test_check_schedule():
    steps = [TimedStep(resets=(1,)), TimedStep(guard=(at_least(1, 75),))]
    assert check_schedule(2, steps, [0, 75, 75])
    assert check_schedule(2, steps, [0, 80, 81])
    assert not check_schedule(2, steps, [1, 75, 75])
    assert not check_schedule(2, steps, [0, 75, 74])
    with pytest.raises(ValueError):
        check_schedule(2, steps, [0, 75])


# ----------------------------------------------------------------------------- property


@st.composite
def constraint_sets(draw, n: int, max_size: int):
    cons = []
    for _ in range(draw(st.integers(0, max_size))):
        i = draw(st.integers(0, n - 1))
        j = draw(st.sampled_from([k for k in range(n) if k != i]))
        c = draw(st.integers(-5, 5))
        cons.append((i, j, bound(c, draw(st.booleans()))))
    return tuple(cons)


@st.composite
def instances(draw):
    n = draw(st.integers(2, 4))  # up to 3 clocks
    steps = []
    for _ in range(draw(st.integers(0, 4))):
        # invariants: mostly upper bounds (x_i ≺ c) as in timed automata, but any
        # difference constraint is allowed (lower bounds make the start check matter)
        inv = tuple(
            (draw(st.integers(1, n - 1)), 0, bound(draw(st.integers(0, 5)), draw(st.booleans())))
            for _ in range(draw(st.integers(0, 1)))
        ) + draw(constraint_sets(n, 1))
        guard = draw(constraint_sets(n, 2))
        resets = tuple(sorted(draw(st.sets(st.integers(1, n - 1), max_size=n - 1))))
        steps.append(TimedStep(inv, guard, resets))
    final_inv = tuple(
        (draw(st.integers(1, n - 1)), 0, bound(draw(st.integers(0, 5)), draw(st.booleans())))
        for _ in range(draw(st.integers(0, 1)))
    )
    final = draw(constraint_sets(n, 2))
    return n, steps, final_inv, final


def max_constant(steps, final_inv, final) -> int:
    cs = [0]
    for s in steps:
        cs += [abs(raw >> 1) for _, _, raw in s.invariant + s.guard]
    cs += [abs(raw >> 1) for _, _, raw in tuple(final_inv) + tuple(final)]
    return max(cs)


@settings(deadline=None, max_examples=200, database=None)
@given(instances())
def test_solver_agrees_with_brute_force(inst):
    n, steps, final_inv, final = inst
    m = len(steps)
    # Grid step 1/q with q = N + 1 (N = m + 2 events) is fine enough for feasibility:
    # the solver's argument works for any eps <= 1/(N + 1); and q <= 2N, so the
    # solver's schedule is no later than any grid schedule.
    q = m + 3
    expected = brute_force(n, steps, final_inv, final, q, max_constant(steps, final_inv, final) + 1)
    got = solve_schedule(n, steps, final_inv, final)
    assert (got is None) == (expected is None)
    if got is None:
        return
    assert len(got) == m + 1
    assert all(isinstance(t, Fraction) for t in got)
    assert satisfies(n, steps, got, final_inv, final)
    assert check_schedule(n, steps, got, final_inv, final)
    # earliest: no later than the least grid schedule, and less than one time unit
    # earlier (the solver's integer parts are the infima over all real schedules)
    assert all(0 <= b - a < 1 for a, b in zip(got, expected))
    # with only non-strict bounds the least schedule is integral and on the grid
    all_bounds = [raw for s in steps for _, _, raw in s.invariant + s.guard]
    all_bounds += [raw for _, _, raw in final_inv + final]
    if all(raw & 1 for raw in all_bounds):
        assert got == expected
        assert all(t.denominator == 1 for t in got)


@settings(deadline=None, max_examples=100, database=None)
@given(instances(), st.data())
def test_check_schedule_matches_oracle(inst, data):
    n, steps, final_inv, final = inst
    times = sorted(
        Fraction(data.draw(st.integers(0, 40)), 4) for _ in range(len(steps) + 1)
    )
    if data.draw(st.booleans()) and len(times) > 1:
        times.reverse()  # also exercise unordered schedules
    assert check_schedule(n, steps, times, final_inv, final) == satisfies(
        n, steps, times, final_inv, final
    )
