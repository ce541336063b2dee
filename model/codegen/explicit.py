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

import re
from collections.abc import Callable
from dataclasses import field

from .. import ir
from ..irutil import argument_tuples
from ..layout import Layout
from ..nodeclass import nodeclass
from ..types import Value
from .generator import (
    Context,
    Generator,
    hoist_fields,
)
from .properties import props_function

__all__ = ["CompiledCode", "compile_explicit", "instance_table", "successor_function"]


@nodeclass
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
    header = len(gen.done) - 1 - gen.done[::-1].index(f"def {name}(s):")
    lines = hoist_fields(gen, gen.done[header:])
    gen.done[header:] = lines if labeled else _share_tests(lines)


# An instance's guard at the top of a successor function whose first test compares a
# decoded field with a constant (a process's control state, mostly): `if ((_d3 == 0) and
# rest):`, or `if (_d3 == 0):` alone
_GUARD = re.compile(r"^    if \((\(_d\d+ == -?\d+\)) and (.*)\):$")
_GUARD_ALONE = re.compile(r"^    if (\(_d\d+ == -?\d+\)):$")


def _share_tests(lines: list[str]) -> list[str]:
    """The fast successor function `lines` with runs of consecutive instances whose guards
    start with the same test of a decoded field nested under one `if` of that test: the
    instances come in the same order, each emitted exactly when its whole guard holds (the
    test reads a local no instance assigns, so its value is the same for every instance of
    the run)."""
    # each block: (the shared test or None, its comments, the rest of the guard, the body)
    blocks: list[tuple[str | None, list[str], str | None, list[str]]] = []
    k = 0
    while k < len(lines):
        start = k
        while k < len(lines) and lines[k].startswith("    # "):
            k += 1
        match = None
        if start < k < len(lines):
            match = _GUARD.match(lines[k]) or _GUARD_ALONE.match(lines[k])
        if match is None:
            blocks.append((None, lines[start:k + 1], None, []))
            k += 1
            continue
        test, rest = match.group(1), (match.group(2) if match.re is _GUARD else None)
        comments = lines[start:k]
        k += 1
        body_start = k
        while k < len(lines) and lines[k].startswith("        "):
            k += 1
        blocks.append((test, comments, rest, lines[body_start:k]))
    out: list[str] = []
    j = 0
    while j < len(blocks):
        test, comments, rest, body = blocks[j]
        run = j + 1
        while test is not None and run < len(blocks) and blocks[run][0] == test:
            run += 1
        if test is None:
            out.extend(comments)
        elif run == j + 1:
            out.extend(comments)
            out.append(f"    if ({test} and {rest}):" if rest is not None else f"    if {test}:")
            out.extend(body)
        else:
            out.append(f"    if {test}:")
            for _test, member_comments, member_rest, member_body in blocks[j:run]:
                out.extend("    " + text for text in member_comments)
                if member_rest is None:
                    out.extend(member_body)  # already one level in
                else:
                    out.append(f"        if ({member_rest}):")
                    out.extend("    " + text for text in member_body)
        j = run
    return out


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

    # the body's range checks that the guard makes redundant are left out (Generator.fits):
    # where the guard holds they cannot fail, where it fails the body does not run
    gen.facts = gen.guard_facts(action.guard, ctx)
    try:
        gen.stmts(action.body, ctx.replace(sv=work, live=live), emit)
    finally:
        gen.facts = {}
    gen.indent, gen.blocks = start
    if labeled:
        gen.indent += 1
        gen.line("out.extend(_b)")
        gen.indent -= 1
        gen.line("except _RtErr:")
        gen.indent += 1
        gen.line(f"_a(({inst}, None, None))")
        gen.indent -= 1
