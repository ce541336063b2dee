"""Names, types and semantic rules: the syntax trees of a spec (and its imports) become the
checked model (`ir.Model`), or one SpecError listing every problem found.

Resolution is lazy for constants, types and definitions (each is resolved when first needed,
with cycle detection), so declarations may appear in any order. The parts, each a set of
functions over one shared `Context`: names (symbols, scopes, declarations, definitions),
types, constants (folding, `--set`), state (variables, params, clocks, initial values),
actions (actions, statements, bounds), properties, expressions, clocks.
"""

from __future__ import annotations

from .. import ast, ir
from ..diagnostics import SpecError
from ..source import SourceFile
from . import actions, constants, initial, names, properties, state
from . import types as typing
from .context import BUILTIN_PROPERTIES, Context

__all__ = ["check_spec", "BUILTIN_PROPERTIES"]


def check_spec(files: list[ast.SpecFile], sources: dict[str, SourceFile],
               overrides: dict[str, str] | None = None, origin: str = "--set") -> ir.Model:
    """Check the main spec (last in `files`) with its imports; raise SpecError on problems.
    `origin` names where the overrides come from in diagnostics (`--set`, `constants`)."""
    cx = Context(files, sources, overrides or {}, origin)
    model = _run(cx)
    if cx.diags:
        raise SpecError(cx.diags, sources)
    assert model is not None
    return model


def _run(cx: Context) -> ir.Model | None:
    main = cx.files[-1]
    names.collect(cx)
    # Types first: enum members must be known before expressions are checked.
    for sym in list(cx.globals.values()):
        if sym.kind == "type":
            typing.type_of_sym(cx, sym)
    state.declare_state(cx)
    for proc in cx.processes:
        state.declare_process_state(cx, proc)
    for sym in list(cx.globals.values()):
        if sym.kind == "const":
            constants.const_value(cx, sym)
    for sym in list(cx.globals.values()):
        if sym.kind == "def":
            names.def_of(cx, sym)
    state.check_inits(cx)
    actions.check_behaviour(cx)
    properties.check_properties(cx)
    properties.check_shows(cx)
    inits, boundaries = initial.check_inits_and_boundaries(cx)
    liveness_mode = initial.check_liveness_mode(cx)
    constants.check_overrides_used(cx)
    if cx.diags:
        return None
    consts = tuple(
        (sym.name, sym.resolved.type, sym.resolved.value)  # type: ignore[union-attr]
        for sym in cx.globals.values()
        if sym.kind == "const" and isinstance(sym.resolved, ir.Lit)
    )
    return ir.Model(
        name=main.name or _stem(main.file), file=main.file, constants=consts,
        variables=tuple(cx.variables), clocks=tuple(cx.clocks),
        processes=tuple(p.process for p in cx.processes), actions=tuple(cx.actions),
        bounds=tuple(cx.bounds), properties=tuple(cx.properties),
        scenarios=tuple(cx.scenarios), expects=cx.expects,
        allow_deadlock=cx.allow_deadlock, liveness=tuple(cx.liveness),
        measures=tuple(cx.measures),
        derived=tuple(cx.derived),
        inits=inits, boundaries=boundaries,
        liveness_mode=liveness_mode or "maximal", liveness_declared=liveness_mode is not None,
    )


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name[:-5] if name.endswith(".tock") else name
