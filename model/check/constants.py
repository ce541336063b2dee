"""Constants: constant expressions, lazily resolved `const`s, constant folding, and the
overrides from `--set` (for consts and params).
"""

from __future__ import annotations

from .. import ast, ir
from ..diagnostics import Diagnostic, SpecError, did_you_mean
from ..interp import EvalError, evaluate
from ..irutil import children
from ..irutil import is_constant as _is_constant
from ..parsecache import parse_text
from ..source import SourceFile, Span
from ..types import BoolT, EnumT, IntT, Type, format_value
from . import context as cxm
from . import expressions as ex
from . import names as nm
from . import types as ty
from .context import Context


def override_notes(cx: Context, *exprs: ast.Expr) -> list[tuple[str, Span | None]]:
    notes: list[tuple[str, Span | None]] = []
    for e in exprs:
        if isinstance(e, ast.NameRef) and e.name in cx.overrides:
            where = "on the command line" if cx.origin == "--set" else f"in {cx.origin}"
            notes.append((f"{e.name} = {cx.overrides[e.name]} was set {where}", None))
    return notes


def const_int(cx: Context, expr: ast.Expr, scope: nm.Scope) -> ir.Lit:
    value = const_expr(cx, expr, scope)
    if value.type is cxm.ERR:
        return value
    if not isinstance(value.type, IntT):
        cx.error("E301", f"expected an integer, found {ty.describe(value.type)}", expr.span)
        return ir.Lit(None, cxm.ERR, expr.span)
    return value


def const_expr(cx: Context, expr: ast.Expr, scope: nm.Scope,
               expected: Type | None = None) -> ir.Lit:
    const_scope = scope.child(state=False, what="constant")
    try:
        e = ex.check_expr(cx, expr, const_scope, expected)
    except cxm.Abort:
        return ir.Lit(None, cxm.ERR, expr.span)
    if e.type is cxm.ERR:
        return ir.Lit(None, cxm.ERR, expr.span)
    if not isinstance(e, ir.Lit):
        cx.error("E308", "this must be a constant", expr.span,
                 hint="constants, literals and arithmetic on them are constant")
        return ir.Lit(None, cxm.ERR, expr.span)
    return e


def const_value(cx: Context, sym: nm.Sym) -> ir.Lit:
    if sym.resolved is not None:
        return sym.resolved  # type: ignore[return-value]
    if sym.resolving:
        cx.error("E307", f"constant '{sym.name}' is defined in terms of itself", sym.span)
        sym.resolved = ir.Lit(None, cxm.ERR, sym.span)
        return sym.resolved  # type: ignore[return-value]
    if cx.too_deep("constant", sym.name, sym.span):
        sym.resolved = ir.Lit(None, cxm.ERR, sym.span)
        return sym.resolved  # type: ignore[return-value]
    sym.resolving = True
    cx.resolution_depth += 1
    decl = sym.decl
    assert isinstance(decl, ast.ConstDecl)
    try:
        declared = ty.resolve_type(cx, decl.type, cx.root) if decl.type is not None else None
        if sym.name in cx.overrides:
            value = override_value(cx, sym, declared, decl)
        else:
            value = const_expr(cx, decl.value, cx.root, declared)
            if declared is not None and value.type is not cxm.ERR:
                value = fit_const(cx, value, declared, decl.value.span)
    finally:
        cx.resolution_depth -= 1
    sym.resolving = False
    sym.resolved = value
    return value


def fit_const(cx: Context, value: ir.Lit, declared: Type, span: Span) -> ir.Lit:
    if declared is cxm.ERR:
        return ir.Lit(None, cxm.ERR, span)
    if not ty.compatible(cx, value.type, declared):
        cx.error("E301", f"expected {declared}, found {ty.describe(value.type)}", span)
        return ir.Lit(None, cxm.ERR, span)
    if not declared.contains(value.value):
        cx.error("E304", f"{ty.fmt(value)} is outside {declared}", span)
        return ir.Lit(None, cxm.ERR, span)
    return ir.Lit(value.value, declared if not isinstance(declared, IntT) else
                  IntT(value.value, value.value, declared.time), span)  # type: ignore[arg-type]


def override_value(cx: Context, sym: nm.Sym, declared: Type | None, decl: ast.ConstDecl) -> ir.Lit:
    cx.used_overrides.add(sym.name)
    text = cx.overrides[sym.name]
    where = override_span(cx, sym.name, text)
    source = SourceFile(where.file, f"const {sym.name} = {text}\n")
    notes = [(f"'{sym.name}' is declared here", decl.span)]
    try:
        spec = parse_text(source)
    except SpecError:
        cx.error("E303", f"cannot read '{text}' as a value for {sym.name}", where,
                 notes=notes, hint="write a number, a duration such as 15s, true or false,"
                 " or an enum member")
        return ir.Lit(None, cxm.ERR, where)
    if len(spec.decls) != 1:
        cx.error("E303", f"cannot read '{text}' as a value for {sym.name}", where,
                 notes=notes)
        return ir.Lit(None, cxm.ERR, where)
    errors_before = len(cx.diags)
    value = const_expr(cx, spec.decls[0].value, cx.root, declared)  # type: ignore[attr-defined]
    if len(cx.diags) > errors_before:
        for i in range(errors_before, len(cx.diags)):
            d = cx.diags[i]
            cx.diags[i] = Diagnostic("E303", f"bad value for {sym.name}: {d.message}",
                                     where, tuple(notes), d.hint)
        return ir.Lit(None, cxm.ERR, where)
    default = const_expr(cx, decl.value, cx.root, declared)
    target = declared if declared is not None else default.type
    if target is cxm.ERR or default.type is cxm.ERR:
        return ir.Lit(None, cxm.ERR, where)
    if isinstance(target, IntT) and declared is None:
        target = IntT(None, None, target.time)
    if not ty.compatible(cx, value.type, target):
        cx.error("E303", f"{sym.name} is {ty.kind_name(target)}, not {ty.kind_name(value.type)}",
                 where, notes=notes,
                 hint=override_hint(target))
        return ir.Lit(None, cxm.ERR, where)
    if declared is not None and not declared.contains(value.value):
        cx.error("E304", f"{sym.name} = {ty.fmt(value)} is outside {declared}", where,
                 notes=notes)
        return ir.Lit(None, cxm.ERR, where)
    return value


def check_overrides_used(cx: Context) -> None:
    for name in cx.overrides:
        if name in cx.used_overrides:
            continue
        candidates = [n for n, s in cx.globals.items() if s.kind in ("const", "param")]
        sym = cx.globals.get(name)
        if sym is not None:
            cx.error("E303", f"{name} is a {sym.kind}, not a constant or param",
                     override_span(cx, name, cx.overrides[name]),
                     notes=[(f"'{name}' is declared here", sym.span)],
                     hint="only const and param declarations can be set"
                     + (" with --set" if cx.origin == "--set" else ""))
        else:
            cx.error("E208", f"no constant or param named '{name}'",
                     override_span(cx, name, cx.overrides[name]),
                     hint=did_you_mean(name, candidates)
                     or ("this spec has: " + ", ".join(candidates) if candidates
                         else "this spec declares no constants"))


def param_override(cx: Context, decl: ast.ParamDecl, typ: Type) -> ir.Lit | None:
    text = cx.overrides[decl.name]
    where = override_span(cx, decl.name, text)
    notes = [(f"'{decl.name}' is declared here", decl.span)]
    errors_before = len(cx.diags)
    try:
        spec = parse_text(SourceFile(where.file, f"const {decl.name} = {text}\n"))
        value = const_expr(cx, spec.decls[0].value, cx.root, typ)  # type: ignore[attr-defined]
    except (SpecError, IndexError):
        value = ir.Lit(None, cxm.ERR, where)
    del cx.diags[errors_before:]  # replaced by the one diagnostic below
    if value.type is cxm.ERR or not typ.contains(value.value):
        cx.error("E303", f"'{text}' is not a value of {decl.name}: {typ}", where,
                 notes=notes, hint="values: " + ", ".join(
                       format_value(typ, v) for v in list(typ.values())[:12]))
        return None
    return ir.Lit(value.value, typ, where)


def fold(cx: Context, e: ir.Expr) -> ir.Expr:
    """Evaluate `e` now if it depends on nothing but constants."""
    if isinstance(e, ir.Lit) or e.type is cxm.ERR or not constant(cx, e):
        return e
    try:
        value = evaluate(e, (), {})
    except EvalError as err:
        raise cx.abort(err.code, err.message, err.span) from None
    typ = e.type
    if isinstance(typ, IntT):
        typ = IntT(value, value, typ.time)  # type: ignore[arg-type]
    return ir.Lit(value, typ, e.span)


def constant(cx: Context, e: ir.Expr) -> bool:
    """Whether `e` reads no state, clock or free local (as irutil.is_constant), remembered
    per node: a chain of a thousand operators, folded at each one, is walked once."""
    if isinstance(e, ir.Lit):
        return True
    hit = cx.constness.get(id(e))
    if hit is not None and hit[0] is e:
        return hit[1]
    if isinstance(e, (ir.VarRef, ir.ClockRef, ir.ClockAtom, ir.LocalRef)):
        value = False  # a local is free here; binders are left to is_constant
    elif isinstance(e, (ir.Quant, ir.SetComp, ir.MapComp, ir.LetE)):
        value = _is_constant(e)
    else:  # no binder: constant when every operand is
        value = all(constant(cx, c) for c in children(e))
    cx.constness[id(e)] = (e, value)  # the node is kept, so its id is not reused
    return value


def override_span(cx: Context, name: str, text: str) -> Span:
    """Where an override comes from, as diagnostics show it: `--set N=3`, or for the
    Python API `constants['N'] = 3`."""
    if cx.origin == "--set":
        return Span(f"--set {name}={text}", 0, 0, 0, 0)
    return Span(f"{cx.origin}[{name!r}] = {text}", 0, 0, 0, 0)


def override_hint(t: Type) -> str | None:
    if isinstance(t, IntT):
        return "durations need a unit: 75s, 15min" if t.time else "write a whole number"
    if isinstance(t, BoolT):
        return "write true or false"
    if isinstance(t, EnumT):
        return "write one of: " + ", ".join(t.members)
    return None
