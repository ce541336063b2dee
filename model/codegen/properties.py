"""The property target: one function of a packed state whose bit k is set when property k
is noteworthy there (an invariant false, a reachable true)."""

from __future__ import annotations

from collections.abc import Callable

from .. import ir
from ..irutil import mentions_clock
from ..layout import Layout
from .generator import ClockAccess, Context, Generator, scoped

__all__ = ["compile_props", "props_function"]


def compile_props(model: ir.Model, layout: Layout, indices: frozenset[int],
                  clocks: ClockAccess | None = None) -> Callable[[int], int]:
    """The predicate function of the properties in `indices` (`clocks`: how the state
    holds clocks, for discrete time)."""
    gen = Generator(model, layout, clocks) if clocks is not None else Generator(model, layout)
    props_function(gen, indices)
    _, namespace = gen.load("props")
    return namespace["_props"]  # type: ignore[return-value]


def props_function(gen: Generator, indices: frozenset[int] | None = None) -> None:
    """`_props(s)`; `indices` None: every property that can be judged on a state alone (with
    clocks only where the state holds them: a zone engine judges the others on zones)."""
    with gen.function("def _props(s):", "bit k: property k is false (invariant) or true "
                      "(reachable) in state s", hoist=True):
        gen.line("r = 0")
        ctx = Context("s")
        for k, prop in enumerate(gen.model.properties):
            if indices is not None and k not in indices:
                continue
            if not gen.clocks.compares and mentions_clock(prop.expr):
                if indices is not None:
                    raise TypeError(f"{prop.name} reads clocks, which these states do not hold")
                gen.comment(f"{prop.kind} {prop.name} reads clocks: judged on zones, not here")
                continue
            gen.comment(f"{prop.kind} {prop.name} at {prop.span.file}:{prop.span.line}")
            code = gen.expr(scoped(prop.expr), ctx)
            if prop.kind == "invariant":
                gen.line(f"if not {code}: r |= {gen.num(1 << k)}")
            else:
                gen.line(f"if {code}: r |= {gen.num(1 << k)}")
        gen.line("return r")
