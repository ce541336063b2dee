"""The explicit target: the successor functions of an untimed model (and, with a bounds
check on every emitted state, of the discrete-time model).

Every action instance (an action with its parameters fixed) is generated as straight-line
code with the parameters as constants, so a successor function is one Python function
with no calls, no dicts and no AST in it; actions with more than UNROLL_INSTANCES
instances loop over a table of their arguments instead. Each instance's block starts with
a comment naming it and its place in the spec.

Run-time errors (a value outside its domain, an index out of range, a full queue, ...)
raise `RuntimeFault` from the fast function; the *labeled* variant reports them per
instance, so the engine can ask the reference interpreter for the exact message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .. import ir
from ..irutil import argument_tuples
from ..layout import Layout
from ..types import Value
from .generator import (
    Context,
    Generator,
)
from .properties import props_function

__all__ = ["CompiledCode", "compile_explicit", "instance_table", "successor_function"]


@dataclass
class CompiledCode:
    """What the compiler produces: the functions and the tables that explain them."""

    source: str
    successors: Callable[[int], list[int]]
    labeled: Callable[[int], list[tuple]]
    props: Callable[[int], int]
    instances: list[tuple[int, tuple[Value, ...]]]
    choice_locals: list[ir.Local] = field(default_factory=list)


def instance_table(model: ir.Model) -> list[tuple[int, tuple[Value, ...]]]:
    """(action index, argument values) of every action instance, in generation order."""
    return [(a, args) for a, action in enumerate(model.actions)
            for args in argument_tuples(action.locals)]


def compile_explicit(model: ir.Model, layout: Layout) -> CompiledCode:
    """Generate, compile and load the successor and property functions of an untimed
    model."""
    gen = Generator(model, layout)
    successor_function(gen, "_succ", labeled=False)
    successor_function(gen, "_labeled", labeled=True)
    props_function(gen)
    source, namespace = gen.load("explicit")
    return CompiledCode(source, namespace["_succ"], namespace["_labeled"],  # type: ignore[arg-type]
                        namespace["_props"], instance_table(model),  # type: ignore[arg-type]
                        gen.choice_locals)


def successor_function(gen: Generator, name: str, labeled: bool,
                       check: str | None = None) -> None:
    """`name(s)`: the successors of packed state s. Labeled: `[(instance, choices, next or
    None on a run-time error)]`, else `[next]`. `check` names a generated predicate every
    emitted state must satisfy (the discrete-time bounds)."""
    what = "with the instance and choices of each" if labeled else "fast: run-time errors raise"
    with gen.function(f"def {name}(s):", f"successors of state s ({what})"):
        gen.line("out = []")
        gen.line("_a = out.append")
        for action, ctx, inst, _unrolled in gen.instances(members=True):
            _instance(gen, action, ctx, inst, labeled, check)
        gen.line("return out")


def _instance(gen: Generator, action: ir.Action, ctx: Context, inst: str, labeled: bool,
              check: str | None) -> None:
    """One action instance: guard, body, and the emission of each outcome."""
    start = (gen.indent, gen.blocks)
    if labeled:
        gen.line("try:")
        gen.indent += 1
        gen.blocks += 1
        gen.line("_b = []")
    sink = "_b.append" if labeled else "_a"
    tests = [gen.expr(action.guard, ctx)] if action.guard is not None else []
    tests.extend(gen.clocks.atom(gen, atom, ctx) for atom in action.clock_guard
                 if gen.clocks.guards_in_code)
    if tests:
        gen.line(f"if {' and '.join(tests)}:")
        gen.indent += 1
    work = gen.fresh("t")
    gen.line(f"{work} = s")
    live = ctx.live + (("_b",) if labeled else ("_a",))

    def emit(end: Context) -> None:
        if check is not None:
            gen.line(f"if {check}({end.sv}):")
            gen.indent += 1
        if labeled:
            gen.line(f"{sink}(({inst}, ({''.join(c + ', ' for c in end.choices)}), {end.sv}))")
        else:
            gen.line(f"{sink}({end.sv})")
        if check is not None:
            gen.indent -= 1

    gen.stmts(action.body, ctx.replace(sv=work, live=live), emit)
    gen.indent, gen.blocks = start
    if labeled:
        gen.indent += 1
        gen.line("out.extend(_b)")
        gen.indent -= 1
        gen.line("except _RtErr:")
        gen.indent += 1
        gen.line(f"_a(({inst}, None, None))")
        gen.indent -= 1
