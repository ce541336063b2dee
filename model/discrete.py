"""A timed model in integer time: the transition system the discrete-time engine explores.
Each clock is a slot of the packed state counting ticks, capped one above the largest
constant it is compared with (model.codegen.discrete generates its code), and `tick(s)` is
the successor in which time passes by one tick. It is exact for closed constraints only;
model.time.discrete_refusal says why it cannot be used.
"""

from __future__ import annotations

from collections.abc import Callable

from . import ir
from .codegen import CompiledCode, DiscreteClocks, compile_discrete
from .layout import Layout
from .system import TransitionSystem
from .time import all_numbers, clock_constants

__all__ = ["DiscreteTimeSystem"]


class DiscreteTimeSystem(TransitionSystem):
    """A timed model in integer time: clocks are slots counting ticks (see module doc)."""

    def __init__(self, model: ir.Model, sources, tick: int):  # noqa: ANN001
        self.tick_ms = tick
        lower, upper = clock_constants(model)
        caps = [max(lower[x], upper[x], 0) // tick + 1 for x in range(1, model.n_clocks + 1)]
        # all elements of a clock array share the widest cap, so slots are evenly spaced
        for clock in model.clocks:
            numbers = list(all_numbers(clock))
            widest = max((caps[x - 1] for x in numbers), default=1)
            for x in numbers:
                caps[x - 1] = widest
        self.caps = tuple(caps)
        super().__init__(model, sources)
        self._tick_fn: Callable[[int], int | None] | None = None
        self._bounds_hold: Callable[[int], bool] | None = None

    def _make_layout(self) -> Layout:
        return Layout(self.model, self.caps)

    def _clock_read(self) -> DiscreteClocks:
        """How generated code finds each clock's slot."""
        return DiscreteClocks(self.layout, self.caps, self.tick_ms)

    def _compile(self) -> CompiledCode:
        compiled = compile_discrete(self.model, self._clock_read())
        self._tick_fn = compiled.tick
        self._bounds_hold = compiled.bounds_hold
        return compiled.code

    def tick(self, state: int) -> int | None:
        if self._tick_fn is None:
            _ = self.code
        return self._tick_fn(state)  # type: ignore[misc]

    def initial_states(self) -> list[int]:
        # clocks start at 0; an initial state that violates a bound cannot exist
        check = self._bounds_check()
        return [s for s in super().initial_states() if check(s)]

    def _bounds_check(self) -> Callable[[int], bool]:
        _ = self.code
        return self._bounds_hold  # type: ignore[return-value]

    def clock_values_ms(self, state: int) -> tuple[int, ...]:
        return tuple(v * self.tick_ms for v in self.layout.clock_values(state))

    def _clock_ms(self, state: int) -> tuple[int, ...]:
        return self.clock_values_ms(state)
