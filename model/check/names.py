"""Names: symbols, scopes and the collection of declarations; definitions (`def`),
resolved lazily with cycle detection.
"""

from __future__ import annotations

from .. import ast, ir
from ..types import IntT
from . import context as cxm
from . import expressions as ex
from . import types as ty
from .context import Context, Def, ProcSym, Scope, Sym


def declare(cx: Context, table: dict[str, Sym], sym: Sym, scope_name: str) -> None:
    previous = table.get(sym.name)
    if previous is not None:
        cx.error("E202", f"'{sym.name}' is declared twice{scope_name}", sym.span,
                 notes=[("first declared here", previous.span)],
                 hint="rename one of them")
        return
    table[sym.name] = sym


def collect(cx: Context) -> None:
    kinds = {
        ast.ConstDecl: "const", ast.TypeDecl: "type", ast.ParamDecl: "param",
        ast.VarDecl: "var", ast.ClockDecl: "clock", ast.DefDecl: "def",
    }
    for spec in cx.files:
        for decl in spec.decls:
            kind = kinds.get(type(decl))
            if kind is not None:
                declare(cx, cx.globals, Sym(kind, decl.name, decl, decl.name_span), "")
            elif isinstance(decl, ast.ProcessDecl):
                proc = collect_process(cx, decl)
                declare(cx, cx.globals, Sym("process", decl.name, decl, decl.name_span,
                                            resolved=proc), "")
    cx.root.names.update(cx.globals)


def collect_process(cx: Context, decl: ast.ProcessDecl) -> ProcSym:
    proc = ProcSym(decl, ir.Process(decl.name, (), decl.span, decl.fairness))
    kinds = {ast.VarDecl: "var", ast.ClockDecl: "clock", ast.DefDecl: "def"}
    for item in decl.items:
        kind = kinds.get(type(item))
        if kind is not None:
            declare(cx, proc.members, Sym(kind, item.name, item, item.name_span,
                                          process=proc), f" in process {decl.name}")
    cx.processes.append(proc)
    return proc


def process_scope(cx: Context, proc: ProcSym) -> Scope:
    names: dict[str, object] = {local.name: local for local in proc.process.locals}
    names.update(proc.members)
    return cx.root.child(names, process=proc)


def var_decl(cx: Context, var: ir.Variable) -> ast.VarDecl | None:
    if var.process is None:
        sym = cx.globals.get(var.local_name)
    else:
        proc = next(p for p in cx.processes if p.decl.name == var.process)
        sym = proc.members.get(var.local_name)
    decl = sym.decl if sym is not None else None
    return decl if isinstance(decl, ast.VarDecl) else None


def def_of(cx: Context, sym: Sym) -> Def | None:
    if isinstance(sym.resolved, Def):
        return sym.resolved
    if sym.resolved is cxm.ERR:
        return None
    if sym.resolving:
        cx.error("E307", f"'{sym.name}' is defined in terms of itself", sym.span,
                 hint="definitions are expanded where used, so they cannot recurse")
        sym.resolved = cxm.ERR
        return None
    if cx.too_deep("definition", sym.name, sym.span):
        sym.resolved = cxm.ERR
        return None
    sym.resolving = True
    cx.resolution_depth += 1
    decl = sym.decl
    assert isinstance(decl, ast.DefDecl)
    base = cx.root if sym.process is None else process_scope(cx, sym.process)
    locals_ = []
    names: dict[str, object] = {}
    for formal in decl.params:
        typ = ty.resolve_type(cx, formal.type, base)
        local = ir.Local(formal.name, typ, span=formal.span)
        if formal.name in names:
            cx.error("E202", f"parameter '{formal.name}' is declared twice", formal.span)
        names[formal.name] = local
        locals_.append(local)
    scope = base.child(names, clocks=False, what="definition")
    declared = ty.resolve_type(cx, decl.type, base) if decl.type is not None else None
    try:
        body = ex.check_expr(cx, decl.body, scope, declared)
        if declared is not None:
            body = ty.coerce(cx, body, declared, decl.body.span, store=True)
            if isinstance(declared, IntT) and not ty.within(body.type, declared):
                body = ir.Checked(body, declared, decl.body.span)
        result: object = Def(tuple(locals_), body, declared or body.type)
    except cxm.Abort:
        result = cxm.ERR
    finally:
        cx.resolution_depth -= 1
    sym.resolving = False
    sym.resolved = result
    return result if isinstance(result, Def) else None
