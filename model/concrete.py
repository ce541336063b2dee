"""Concrete-time stepping, for the interactive explorer (checker.explore): one state at a
time, with exact clock values, by the reference interpreter (correctness over speed).

A concrete state is the variables' values and the clocks' values in milliseconds (exact
`Fraction`s, clock 1 first). The semantics is the one docs/time.md gives for timed specs
(and plain interleaving for specs without clocks):

* an action instance is enabled when its guard holds on the values, its clock constraints
  hold on the clocks, and every bound active in the state it leads to holds right after
  its resets;
* a delay d is allowed when every bound active in the state holds at clocks + d (the
  values, and so the active bounds, do not change while time passes).

An instance whose guard, clock index, body or target bounds fail to evaluate is a failing
move: shown with its error, never taken.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from . import interp
from .codegen import value_of
from .nodeclass import nodeclass

if TYPE_CHECKING:
    from .system import Transition, TransitionSystem

__all__ = ["ConcreteState", "ConcreteMove", "ConcreteStepper", "PropertyValue", "WaitHint"]


@nodeclass(frozen=True, slots=True)
class ConcreteState:
    """The values of the variables (in variable order) and of the clocks (ms)."""

    values: tuple
    clocks: tuple[Fraction, ...] = ()


@nodeclass(frozen=True, slots=True)
class ConcreteMove:
    """An action instance from a state, with one outcome of its `choose`s: where it leads
    and the clocks it resets (0-based), or the error it runs into (`target` None)."""

    inst: int
    transition: Transition
    target: ConcreteState | None
    resets: tuple[int, ...] = ()
    error: str | None = None


@nodeclass(frozen=True, slots=True)
class WaitHint:
    """An instance whose guard holds but not yet its clock constraints: it becomes
    enabled after waiting `after` ms (strictly more when `strict`), if nothing else moves."""

    transition: Transition
    after: Fraction
    strict: bool


@nodeclass(frozen=True, slots=True)
class PropertyValue:
    """A property's value in one state: `value` None when it fails to evaluate (`error`)."""

    name: str
    kind: str
    value: bool | None
    error: str | None = None


class ConcreteStepper:
    """The concrete semantics of a compiled system (see the module's docstring)."""

    def __init__(self, system: TransitionSystem):
        self.system = system
        self._model = system.model
        self.n_clocks = system.n_clocks if system.has_clocks else 0

    # -------------------------------------------------------------- states
    def initial_states(self) -> list[ConcreteState]:
        """Every initial state, clocks at 0, leaving out those that break a bound."""
        zero = tuple(Fraction(0) for _ in range(self.n_clocks))
        out = []
        for packed in self.system.initial_states():
            state = ConcreteState(self.system.decode(packed), zero)
            if self._bounds_hold(state.values, state.clocks):
                out.append(state)
        return out

    def properties(self, state: ConcreteState) -> list[PropertyValue]:
        """Each property's value in `state` (an invariant's truth, a reachable's)."""
        out = []
        clocks = state.clocks if self.n_clocks else None
        for prop in self._model.properties:
            try:
                value = bool(interp.evaluate(prop.expr, state.values, {}, clocks))
            except interp.EvalError as err:
                out.append(PropertyValue(prop.name, prop.kind, None, err.message))
                continue
            except TypeError:  # a clock atom without clocks: cannot happen in a checked spec
                out.append(PropertyValue(prop.name, prop.kind, None, "needs clock values"))
                continue
            out.append(PropertyValue(prop.name, prop.kind, value))
        return out

    # -------------------------------------------------------------- actions
    def moves(self, state: ConcreteState) -> list[ConcreteMove]:
        """The enabled moves (instances in declaration order, each `choose` outcome in
        order) and the failing ones, in one list."""
        system = self.system
        out: list[ConcreteMove] = []
        labels = self._labels(state.values)
        for inst, (a, args) in enumerate(system.instances):
            action = self._model.actions[a]
            env = dict(zip(action.locals, args))
            try:
                if action.guard is not None and not interp.evaluate(
                        action.guard, state.values, env, state.clocks or None):
                    continue
                if not all(interp.evaluate(atom, state.values, env, state.clocks)
                           for atom in action.clock_guard):
                    continue
                outcomes = list(interp.execute(action.body, state.values, env, (), ()))
            except interp.EvalError as err:
                out.append(ConcreteMove(inst, system.transition(inst), None, (), err.message))
                continue
            for outcome in outcomes:
                clocks = list(state.clocks)
                for x in outcome.resets:
                    clocks[x] = Fraction(0)
                target = ConcreteState(outcome.state, tuple(clocks))
                label = labels.get((inst, outcome.state, outcome.choices))
                transition = label if label is not None else system.transition(inst)
                try:
                    if not self._bounds_hold(target.values, target.clocks):
                        continue  # a step into a violated bound is not possible
                except interp.EvalError as err:
                    out.append(ConcreteMove(inst, transition, None, (), err.message))
                    continue
                out.append(ConcreteMove(inst, transition, target, tuple(outcome.resets)))
        return out

    def _labels(self, values: tuple) -> dict[tuple, Transition]:
        """Each (instance, next values, choose values) the compiled code labels from
        `values`, with its Transition (which names the `choose` locals)."""
        system = self.system
        out: dict[tuple, Transition] = {}
        try:
            labeled = system.labeled(system.layout.encode(values))
        except Exception:  # noqa: BLE001 - the labels only name choices; the interpreter rules
            return out
        for inst, choices, nxt in labeled:
            if nxt is None:
                continue
            picked = tuple(value_of(system.code.choice_locals[i].type, rep)
                           for i, rep in choices)
            out.setdefault((inst, system.decode(nxt), picked), system.transition(inst, choices))
        return out

    def wait_hints(self, state: ConcreteState) -> list[WaitHint]:
        """Instances whose discrete guard holds but whose clock constraints do not yet: how
        long to wait for them (only those the clocks' upper limits and the bounds leave
        possible)."""
        if not self.n_clocks:
            return []
        limit, limit_strict = self.max_delay(state)
        out = []
        for inst, (a, args) in enumerate(self.system.instances):
            action = self._model.actions[a]
            if not action.clock_guard:
                continue
            env = dict(zip(action.locals, args))
            try:
                if action.guard is not None and not interp.evaluate(
                        action.guard, state.values, env, state.clocks):
                    continue
                if all(interp.evaluate(atom, state.values, env, state.clocks)
                       for atom in action.clock_guard):
                    continue
                lo, lo_strict = Fraction(0), False
                hi: Fraction | None = None
                hi_strict = False
                for atom in action.clock_guard:
                    x = state.clocks[interp.clock_index(atom.clock, state.values, env)]
                    gap = atom.bound - x
                    later = gap > lo or (gap == lo and atom.op == ">")
                    if atom.op in (">=", ">", "==") and later:
                        lo, lo_strict = gap, atom.op == ">"
                    if atom.op in ("<=", "<", "==") and (hi is None or gap < hi
                                                          or (gap == hi and atom.op == "<")):
                        hi, hi_strict = gap, atom.op == "<"
            except interp.EvalError:
                continue
            if hi is not None and (lo > hi or (lo == hi and (lo_strict or hi_strict))):
                continue  # the clock constraints can never hold together any more
            if limit is not None and (lo > limit or (lo == limit and (lo_strict or limit_strict))):
                continue  # the bounds stop time before
            out.append(WaitHint(self.system.transition(inst), lo, lo_strict))
        return out

    # -------------------------------------------------------------- time
    def _bounds_hold(self, values: tuple, clocks: tuple[Fraction, ...],
                     delay: Fraction = Fraction(0)) -> bool:
        if not self.n_clocks:
            return True
        return all(_compare(clocks[x] + delay, op, k)
                   for x, op, k in interp.active_bounds(self._model, values))

    def max_delay(self, state: ConcreteState) -> tuple[Fraction | None, bool]:
        """The longest delay the active bounds allow from `state` (ms; None: time may pass
        without limit), and whether the limit itself is excluded (a strict bound `<`)."""
        if not self.n_clocks:
            return Fraction(0), False
        limit: Fraction | None = None
        strict = False
        for x, op, k in interp.active_bounds(self._model, state.values):
            if op not in ("<=", "<", "=="):
                continue
            gap = k - state.clocks[x]
            if op == "==":
                gap = min(gap, Fraction(0))
            if limit is None or gap < limit or (gap == limit and op == "<"):
                limit, strict = gap, op == "<"
        return (None if limit is None else max(limit, Fraction(0))), strict

    def delay(self, state: ConcreteState, ms: Fraction) -> ConcreteState | None:
        """`state` after `ms` milliseconds pass, or None when a bound forbids it."""
        if not self.n_clocks or ms <= 0:
            return None
        if not self._bounds_hold(state.values, state.clocks, ms):
            return None
        return ConcreteState(state.values, tuple(c + ms for c in state.clocks))


def _compare(value: Fraction, op: str, k: int) -> bool:
    if op == "<=":
        return value <= k
    if op == "<":
        return value < k
    if op == "==":
        return value == k
    if op == ">=":
        return value >= k
    return value > k

