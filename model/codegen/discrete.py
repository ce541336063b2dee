"""The discrete-time target: clocks are slots of the packed state counting ticks (capped
one above the largest constant each is compared with; model.layout places them), clock
comparisons are tests on the slots, a reset zeroes its slot, and every emitted successor
must satisfy the active bounds. `_tick(s)` is the zero-cost successor in which every clock
advances one tick, allowed while every active bound holds.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import ir
from ..irutil import argument_tuples, substitute
from ..layout import Layout
from ..nodeclass import nodeclass
from ..time import static_number
from .explicit import CompiledCode, instance_table, successor_function
from .generator import ClockAccess, Context, Generator
from .properties import props_function

__all__ = ["DiscreteClocks", "DiscreteCode", "compile_discrete"]


class DiscreteClocks(ClockAccess):
    """Where the state holds each clock, in ticks of `tick` ms."""

    guards_in_code = True
    compares = True

    def __init__(self, layout: Layout, caps: tuple[int, ...], tick: int):
        self.layout = layout
        self.caps = caps
        self.tick = tick

    def slot(self, gen: Generator, ref: ir.ClockRef, ctx: Context) -> tuple[int | str, int]:
        """The bit offset (or code computing it) and the width of a clock's slot."""
        clock = ref.clock
        width = self.caps[clock.first].bit_length()
        x = static_number(ref)
        if x is not None:
            return self.layout.clock_offsets[x - 1], width
        base = self.layout.clock_offsets[clock.first]
        number = gen.clock_number(ref, ctx)
        return f"({base} + ({number} - {clock.first + 1}) * {width})", width

    def atom(self, gen: Generator, atom: ir.ClockAtom, ctx: Context) -> str:
        off, width = self.slot(gen, atom.clock, ctx)
        return f"((({ctx.sv} >> {off}) & {gen.mask(width)}) {atom.op} {atom.bound // self.tick})"

    def reset(self, gen: Generator, ref: ir.ClockRef, ctx: Context) -> Context:
        off, width = self.slot(gen, ref, ctx)
        if isinstance(off, int):
            gen.line(f"{ctx.sv} = {ctx.sv} & {gen.clear(width, off)}")
        else:
            o = gen.fresh("o")
            gen.line(f"{o} = {off}")
            gen.line(f"{ctx.sv} = {ctx.sv} & ~({gen.mask(width)} << {o})")
        return ctx


@nodeclass
class DiscreteCode:
    code: CompiledCode
    tick: Callable[[int], int | None]
    bounds_hold: Callable[[int], bool]


def compile_discrete(model: ir.Model, clocks: DiscreteClocks) -> DiscreteCode:
    gen = Generator(model, clocks.layout, clocks)
    _bounds_function(gen, "_binv")
    successor_function(gen, "_succ", labeled=False, check="_binv")
    successor_function(gen, "_labeled", labeled=True, check="_binv")
    _tick_function(gen, clocks.layout)
    props_function(gen)
    source, namespace = gen.load("discrete")
    code = CompiledCode(source, namespace["_succ"], namespace["_labeled"],  # type: ignore[arg-type]
                        namespace["_props"], instance_table(model),  # type: ignore[arg-type]
                        gen.choice_locals)
    return DiscreteCode(code, namespace["_tick"], namespace["_binv"])  # type: ignore[arg-type]


def _bounds_function(gen: Generator, name: str) -> None:
    """`name(t)`: True when every bound active in t holds (clock slots in ticks)."""
    with gen.function(f"def {name}(s):", "whether every bound active in s holds"):
        ctx = Context("s")
        for bound in gen.model.bounds:
            for args in argument_tuples(bound.locals):
                values = {local: ir.Lit(v, local.type) for local, v in zip(bound.locals, args)}
                cond = substitute(bound.cond, values) if bound.cond is not None else None
                atom = substitute(bound.atom, values)
                if isinstance(cond, ir.Lit):
                    if not cond.value:
                        continue
                    cond = None
                test = gen.expr(atom, ctx)
                if cond is None:
                    gen.line(f"if not {test}: return False")
                else:
                    gen.line(f"if {gen.expr(cond, ctx)} and not {test}: return False")
        gen.line("return True")


def _tick_function(gen: Generator, layout: Layout) -> None:
    """`_tick(s)`: every clock one tick later (capped), or None when a bound forbids it."""
    with gen.function("def _tick(s):", "every clock one tick later, or None if a bound "
                      "forbids it"):
        gen.line("t = s")
        for off, cap in zip(layout.clock_offsets, layout.clock_caps):
            gen.line(f"v = (s >> {off}) & {gen.mask(cap.bit_length())}")
            gen.line(f"if v < {cap}: t += {gen.num(1 << off)}")
        gen.line("if t != s and not _binv(t): return None")
        gen.line("return t")
