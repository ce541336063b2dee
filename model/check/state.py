"""State: variables, params, clocks and process instances declared, and initial values
checked.
"""

from __future__ import annotations

from .. import ast, ir
from ..source import Span
from ..types import ArrayT, BoolT, EnumT, IntT, SetT, Type
from . import constants as co
from . import context as cxm
from . import expressions as ex
from . import names as nm
from . import types as ty
from .context import Context


def declare_state(cx: Context) -> None:
    for spec in cx.files:
        for decl in spec.decls:
            if isinstance(decl, ast.ParamDecl):
                declare_param(cx, cx.globals[decl.name], decl)
            elif isinstance(decl, ast.VarDecl):
                declare_var(cx, cx.globals[decl.name], decl, None)
            elif isinstance(decl, ast.ClockDecl):
                declare_clock(cx, cx.globals[decl.name], decl, None)


def storage_type(cx: Context, texpr: ast.TypeExpr, scope: nm.Scope, name: str) -> Type:
    typ = ty.resolve_type(cx, texpr, scope)
    if typ is not cxm.ERR and typ.size() is None:
        cx.error("E302", f"'{name}' has no finite type", texpr.span)
        return cxm.ERR
    return typ


def declare_param(cx: Context, sym: nm.Sym, decl: ast.ParamDecl) -> None:
    if sym.decl is not decl:
        return
    typ = storage_type(cx, decl.type, cx.root, decl.name)
    var = ir.Variable(len(cx.variables), decl.name, typ, None, decl.name, "in",
                      ir.Lit(frozenset(typ.values()) if typ is not cxm.ERR else None,
                             SetT(typ), decl.span), (), True, decl.name_span)
    if typ is not cxm.ERR and not isinstance(typ, (BoolT, EnumT, IntT)):
        cx.error("E302", f"param '{decl.name}' must be a bool, an enum or a range",
                 decl.type.span)
    if decl.name in cx.overrides and typ is not cxm.ERR:
        cx.used_overrides.add(decl.name)
        fixed = co.param_override(cx, decl, typ)
        if fixed is not None:
            var.init_kind = "="
            var.init = fixed
    cx.variables.append(var)
    sym.resolved = var


def declare_var(cx: Context, sym: nm.Sym, decl: ast.VarDecl, proc: nm.ProcSym | None) -> None:
    if sym.decl is not decl:
        return
    scope = cx.root if proc is None else nm.process_scope(cx, proc)
    typ = storage_type(cx, decl.type, scope, decl.name)
    full = typ
    inst_locals: tuple[ir.Local, ...] = ()
    name = decl.name
    if proc is not None:
        inst_locals = proc.process.locals
        for local in reversed(inst_locals):
            full = (ArrayT(local.type, full) if full is not cxm.ERR and local.type is not cxm.ERR
                    else cxm.ERR)
        name = f"{proc.decl.name}.{decl.name}"
    var = ir.Variable(len(cx.variables), name, full, proc.decl.name if proc else None,
                      decl.name, decl.init_kind, None, inst_locals, False, decl.name_span)
    cx.variables.append(var)
    sym.resolved = var


def declare_clock(cx: Context, sym: nm.Sym, decl: ast.ClockDecl, proc: nm.ProcSym | None) -> None:
    if sym.decl is not decl:
        return
    scope = cx.root if proc is None else nm.process_scope(cx, proc)
    index: list[Type] = []
    if proc is not None:
        index.extend(local.type for local in proc.process.locals)
    for texpr in decl.index:
        t = ty.resolve_type(cx, texpr, scope)
        try:
            ty.require_index_type(cx, t, texpr.span)
        except cxm.Abort:
            t = cxm.ERR
        index.append(t)
    name = decl.name if proc is None else f"{proc.decl.name}.{decl.name}"
    clock = ir.Clock(cx.n_clocks, name, proc.decl.name if proc else None, decl.name,
                     tuple(index), decl.name_span)
    if all(t is not cxm.ERR for t in index):
        cx.n_clocks += clock.count
    cx.clocks.append(clock)
    sym.resolved = clock


def declare_process_state(cx: Context, proc: nm.ProcSym) -> None:
    decl = proc.decl
    locals_: list[ir.Local] = []
    seen: dict[str, Span] = {}
    for formal in decl.params:
        if formal.name in seen:
            cx.error("E202", f"parameter '{formal.name}' is declared twice", formal.span)
        seen[formal.name] = formal.span
        typ = ty.resolve_type(cx, formal.type, cx.root)
        try:
            ty.require_index_type(cx, typ, formal.type.span, "a process parameter")
        except cxm.Abort:
            typ = cxm.ERR
        locals_.append(ir.Local(formal.name, typ, span=formal.span))
    proc.process.locals = tuple(locals_)
    for item in decl.items:
        if isinstance(item, ast.VarDecl):
            declare_var(cx, proc.members[item.name], item, proc)
        elif isinstance(item, ast.ClockDecl):
            declare_clock(cx, proc.members[item.name], item, proc)


def check_inits(cx: Context) -> None:
    for var in cx.variables:
        if var.is_param or var.type is cxm.ERR:
            continue
        decl = nm.var_decl(cx, var)
        if decl is None or decl.init is None:
            continue
        proc = next((p for p in cx.processes if p.decl.name == var.process), None)
        scope = (cx.root if proc is None else nm.process_scope(cx, proc)).child(
            state=False, what="initial value")
        elem_t = var.type
        for _ in var.init_locals:
            assert isinstance(elem_t, ArrayT)
            elem_t = elem_t.elem
        try:
            if decl.init_kind == "=":
                value = ex.check_expr(cx, decl.init, scope, elem_t, broadcast=True)
                value = ty.coerce(cx, value, elem_t, decl.init.span, store=True)
                for local in reversed(var.init_locals):
                    value = co.fold(cx, ir.MapComp(local, value, ArrayT(local.type, value.type),
                                                   decl.init.span))
                var.init = value
            else:
                domain = ex.set_expr(cx, decl.init, scope, SetT(elem_t))
                ty.coerce(cx, domain, SetT(elem_t), decl.init.span)
                var.init = domain
        except cxm.Abort:
            continue
        var.init_kind = decl.init_kind
