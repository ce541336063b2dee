"""Scenarios: a script of steps explored as a product with the system.

A product state is the system state with the script position above it (bits `width` and
up). From position k, a transition matching step k+1 advances the script; in a loose
scenario any transition may also happen as an unscripted step without advancing (so every
way of matching the script is explored); in a `strict` scenario only scripted steps happen.
At the last position the script is done and the run stops.

`assert P` after step k is checked in the state right after step k, on every run that
matches the script: a violation is recorded with the step that led to it. Asserts before
the first step are checked on the initial states.
"""

from __future__ import annotations

from model import EvalError

__all__ = ["ScenarioSystem"]


class ScenarioSystem:
    """The product of a system and one scenario; the explorer's system interface."""

    def __init__(self, system, scenario):  # noqa: ANN001
        self.system = system
        self.scenario = scenario
        self.shift = system.layout.width
        self.base_mask = (1 << self.shift) - 1
        steps = scenario.steps
        self.n_steps = len(steps)
        # matches[k]: instance ids matching step k+1
        self.matches: list[frozenset[int]] = []
        for step in steps:
            ids = []
            for inst, (a, args) in enumerate(system.instances):
                if system.model.actions[a] is not step.action:
                    continue
                if all(p is None or p == v for p, v in zip(step.patterns, args)):
                    ids.append(inst)
            self.matches.append(frozenset(ids))
        # asserts[k]: assertions to check right after step k (0: on initial states)
        self.asserts: list[list] = [[] for _ in range(self.n_steps + 1)]
        position = 0
        for item in scenario.items:
            kind = type(item).__name__
            if kind == "ScenarioStep":
                position += 1
            elif kind == "ScenarioAssert":
                self.asserts[position].append(item)
        self.violation: tuple[int, int, tuple, int] | None = None  # (from, inst, choices, to)
        self.violated_assert = None
        self.initial_violation: int | None = None
        self.max_position = 0

    # -------------------------------------------------------------- explorer interface
    def initial_states(self) -> list[int]:
        out = []
        for s in self.system.initial_states():
            if self.initial_violation is None and self._failed_assert(0, s) is not None:
                self.initial_violation = s
                self.violated_assert = self._failed_assert(0, s)
            out.append(s)
        return out

    def position(self, state: int) -> int:
        return state >> self.shift

    def successors(self, state: int) -> list[int]:
        pos = state >> self.shift
        if pos >= self.n_steps:
            return []
        base = state & self.base_mask
        out = []
        matching = self.matches[pos]
        strict = self.scenario.strict
        for inst, choices, nxt in self.system.labeled(base):
            if nxt is None:
                continue
            if inst in matching:
                advanced = nxt | ((pos + 1) << self.shift)
                if pos + 1 > self.max_position:
                    self.max_position = pos + 1
                if self.violation is None and self.asserts[pos + 1]:
                    failed = self._failed_assert(pos + 1, nxt)
                    if failed is not None:
                        self.violation = (state, inst, choices, advanced)
                        self.violated_assert = failed
                out.append(advanced)
            if not strict:
                out.append(nxt | (pos << self.shift))
        return out

    def labeled(self, state: int) -> list[tuple]:
        pos = state >> self.shift
        if pos >= self.n_steps:
            return []
        base = state & self.base_mask
        out = []
        for inst, choices, nxt in self.system.labeled(base):
            if nxt is None:
                continue
            if inst in self.matches[pos]:
                out.append((inst, choices, nxt | ((pos + 1) << self.shift)))
            if not self.scenario.strict:
                out.append((inst, choices, nxt | (pos << self.shift)))
        return out

    def props_for(self, indices):  # noqa: ANN001
        return None

    def property_error(self, state: int):  # noqa: ANN201
        return None

    # -------------------------------------------------------------- helpers
    def _failed_assert(self, position: int, base_state: int):  # noqa: ANN202
        for item in self.asserts[position]:
            try:
                if not self.system.evaluate(item.expr, base_state):
                    return item
            except EvalError:  # an assertion that cannot be evaluated does not hold
                return item
        return None

    def base(self, state: int) -> int:
        return state & self.base_mask
