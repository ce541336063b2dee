"""Actions: actions and timeouts (guards split into discrete and clock parts), bounds,
and the statements of their bodies.
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import ast, ir
from ..irutil import mentions_clock as _mentions_clock
from ..irutil import children, stmt_parts, substitute_stmts
from ..source import Span
from ..types import BOOL, ArrayT, BagT, IntT, QueueT
from . import clocks as ck
from . import context as cxm
from . import expressions as ex
from . import names as nm
from . import types as ty
from .context import Context


def check_behaviour(cx: Context) -> None:
    for spec in cx.files:
        for decl in spec.decls:
            if isinstance(decl, ast.ActionDecl):
                check_action(cx, decl, None)
            elif isinstance(decl, ast.BoundDecl):
                check_bound(cx, decl, None)
            elif isinstance(decl, ast.ProcessDecl):
                proc = next(p for p in cx.processes if p.decl is decl)
                for item in decl.items:
                    if isinstance(item, ast.ActionDecl):
                        check_action(cx, item, proc)
                    elif isinstance(item, ast.BoundDecl):
                        check_bound(cx, item, proc)


def check_action(cx: Context, decl: ast.ActionDecl, proc: nm.ProcSym | None) -> None:
    kind = "timeout" if decl.after is not None else "action"
    if decl.name in cx.action_names:
        other = cx.action_names[decl.name]
        cx.error("E202", f"action '{decl.name}' is declared twice", decl.name_span,
                 notes=[("first declared here", other.span)],
                 hint="action names are unique in a spec, so traces can name them")
        return
    base = cx.root if proc is None else nm.process_scope(cx, proc)
    names: dict[str, object] = {}
    locals_: list[ir.Local] = list(proc.process.locals) if proc else []
    for formal in decl.params:
        typ = ty.resolve_type(cx, formal.type, base)
        try:
            ty.require_index_type(cx, typ, formal.type.span, "an action parameter")
        except cxm.Abort:
            typ = cxm.ERR
        if formal.name in names or any(x.name == formal.name for x in locals_):
            cx.error("E202", f"parameter '{formal.name}' is declared twice", formal.span)
        local = ir.Local(formal.name, typ, span=formal.span)
        names[formal.name] = local
        locals_.append(local)
    n_inst = 1
    for local in locals_:
        n_inst *= local.type.size() or 1
    if n_inst > cxm.MAX_INSTANCES:
        cx.error("E401", f"{kind} '{decl.name}' has {n_inst} argument combinations",
                 decl.name_span, hint=f"at most {cxm.MAX_INSTANCES} are supported")
    scope = base.child(names, what=f"{kind} guard")
    guard: ir.Expr | None = None
    atoms: list[ir.ClockAtom] = []
    try:
        if decl.guard is not None:
            g = ex.bool_expr(cx, decl.guard, scope.child(clocks=True))
            guard, atoms = split_guard(cx, g, decl.guard.span,
                                       allow_clocks=decl.after is None)
    except cxm.Abort:
        pass
    if decl.after is not None:
        try:
            after = ex.bool_expr(cx, decl.after, scope.child(clocks=True))
            if not (isinstance(after, ir.ClockAtom) and after.op == "=="):
                raise cx.abort("E310", "a timeout's deadline is written CLOCK == DURATION",
                               decl.after.span, hint="timeout expire after c == 75s when ...")
            atoms.append(ir.ClockAtom(after.clock, ">=", after.bound, span=after.span))
            ck.check_bound_clock(cx, tuple(locals_), after)
            cx.bounds.append(ir.Bound(tuple(locals_), guard,
                                      ir.ClockAtom(after.clock, "<=", after.bound,
                                                   span=after.span), decl.span))
        except cxm.Abort:
            pass
    body = check_block(cx, decl.body, scope.child(what=f"{kind} body"))
    action = ir.Action(decl.name, proc.decl.name if proc else None, tuple(locals_), guard,
                       tuple(atoms), body, decl.after is not None, decl.name_span,
                       decl.fairness)
    cx.action_names[decl.name] = action
    cx.actions.append(action)


def split_guard(cx: Context, g: ir.Expr, span: Span, allow_clocks: bool
                 ) -> tuple[ir.Expr | None, list[ir.ClockAtom]]:
    conjuncts: list[ir.Expr] = []
    work = [g]
    while work:  # the conjuncts, left to right
        e = work.pop()
        if isinstance(e, ir.Binary) and e.op == "and":
            work.append(e.right)
            work.append(e.left)
        else:
            conjuncts.append(e)
    discrete: ir.Expr | None = None
    atoms: list[ir.ClockAtom] = []
    for c in conjuncts:
        if isinstance(c, ir.ClockAtom):
            if not allow_clocks:
                raise cx.abort("E310", "a timeout's condition cannot compare clocks; its "
                               "deadline is given by 'after'", c.span)
            atoms.append(c)
        elif _mentions_clock(c):
            raise cx.abort("E310", "clock comparisons in a guard must be conjuncts",
                           c.span, hint="write the guard as COND and c >= K and ...; "
                           "a disjunction over clocks is not a zone")
        elif isinstance(c, ir.Lit) and c.value is True:
            continue
        else:
            discrete = c if discrete is None else ir.Binary("and", discrete, c, BOOL,
                                                            discrete.span.to(c.span))
    return discrete, atoms


def check_bound(cx: Context, decl: ast.BoundDecl, proc: nm.ProcSym | None) -> None:
    base = cx.root if proc is None else nm.process_scope(cx, proc)
    locals_ = tuple(proc.process.locals) if proc else ()
    try:
        atom = ex.bool_expr(cx, decl.constraint, base.child(clocks=True, what="bound"))
        if not (isinstance(atom, ir.ClockAtom) and atom.op in ("<=", "<")):
            raise cx.abort("E310", "a bound is an upper limit on a clock: c <= K or c < K",
                           decl.constraint.span)
        cond = None
        if decl.cond is not None:
            cond = ex.bool_expr(cx, decl.cond, base.child(what="bound condition"))
        ck.check_bound_clock(cx, locals_, atom)
        cx.bounds.append(ir.Bound(locals_, cond, atom, decl.span))
    except cxm.Abort:
        pass


def check_block(cx: Context, block: ast.Block, scope: nm.Scope) -> tuple[ir.Stmt, ...]:
    out: list[ir.Stmt] = []
    scope = scope.child()
    for stmt in block.stmts:
        try:
            out.extend(check_stmt(cx, stmt, scope))
        except cxm.Abort:
            continue
    return tuple(out)


def check_stmt(cx: Context, stmt: ast.Stmt, scope: nm.Scope) -> list[ir.Stmt]:
    match stmt:
        case ast.Assign(target=target, value=value):
            lhs = lvalue(cx, target, scope)
            rhs = ex.check_expr(cx, value, scope, lhs.type)
            rhs = ty.coerce(cx, rhs, lhs.type, value.span, store=True)
            return [ir.Assign(lhs, rhs, stmt.span)]
        case ast.CallStmt(call=call) if isinstance(call, ast.Call) and call.name in BAG_STATEMENTS:
            return [bag_stmt(cx, call, scope, stmt.span)]
        case ast.CallStmt(call=call) if isinstance(call, ast.Call) and call.name == "remove":
            return [remove_stmt(cx, call, scope, stmt.span)]
        case ast.CallStmt(call=call):
            if not isinstance(call, ast.Call) or call.name not in cxm.STATEMENT_FUNCTIONS:
                hint = None
                if isinstance(call, (ast.NameRef, ast.Index, ast.FieldAccess)):
                    hint = "assignments are written x := value"
                raise cx.abort("E301", "this is not a statement", stmt.span,
                               hint=hint or "statements are assignments, push(q, v), "
                               "pop(q), let, if, choose, require and reset")
            if call.name == "push":
                if len(call.args) != 2:
                    raise cx.abort("E306", "push takes a queue and a value", call.span)
                q = lvalue(cx, call.args[0], scope)
                if not isinstance(q.type, QueueT):
                    raise cx.abort("E301", f"push needs a queue, found {ty.describe(q.type)}",
                                   call.args[0].span)
                v = ex.check_expr(cx, call.args[1], scope, q.type.elem)
                v = ty.coerce(cx, v, q.type.elem, call.args[1].span, store=True)
                return [ir.PushS(q, v, stmt.span)]
            if len(call.args) != 1:
                raise cx.abort("E306", "pop takes one queue", call.span)
            q = lvalue(cx, call.args[0], scope)
            if not isinstance(q.type, QueueT):
                raise cx.abort("E301", f"pop needs a queue, found {ty.describe(q.type)}",
                               call.args[0].span)
            return [ir.PopS(q, stmt.span)]
        case ast.Let(name=name, type=texpr, value=value):
            declared = ty.resolve_type(cx, texpr, scope) if texpr is not None else None
            v = ex.check_expr(cx, value, scope, declared)
            if declared is not None:
                v = ty.coerce(cx, v, declared, value.span, store=True)
                if isinstance(declared, IntT) and not ty.within(v.type, declared):
                    v = ir.Checked(v, declared, value.span)
            local = ir.Local(name, declared or v.type, span=stmt.span)
            scope.names[name] = local
            return [ir.LetS(local, v, stmt.span)]
        case ast.Require(cond=cond):
            return [ir.RequireS(ex.bool_expr(cx, cond, scope), stmt.span)]
        case ast.Assert(cond=cond):
            return [ir.AssertS(ex.bool_expr(cx, cond, scope), stmt.span)]
        case ast.Reset(clocks=clocks):
            out: list[ir.Stmt] = []
            for c in clocks:
                ref = ex.check_expr(cx, c, scope.child(clocks=True))
                if not isinstance(ref, ir.ClockRef):
                    raise cx.abort("E310", "only clocks can be reset", c.span,
                                   hint="variables are assigned with :=")
                out.append(ir.ResetS(ref, stmt.span))
            return out
        case ast.Skip():
            return []
        case ast.If(cond=cond, then=then, orelse=orelse):
            c = ex.bool_expr(cx, cond, scope)
            t = check_block(cx, then, scope)
            e = check_block(cx, orelse, scope) if orelse is not None else ()
            return [ir.IfS(c, t, e, stmt.span)]
        case ast.Choose(binders=binders, body=body):
            return [choose(cx, list(binders), body, scope, stmt.span)]
        case ast.For(binders=binders, body=body):
            return for_loop(cx, list(binders), body, scope, stmt.span)
    raise TypeError(stmt)  # pragma: no cover


BAG_STATEMENTS = ("put", "take")


def bag_stmt(cx: Context, call: ast.Call, scope: nm.Scope, span: Span) -> ir.Stmt:
    """put(b, v) / take(b, v) on a bag (language v2)."""
    if len(call.args) != 2:
        raise cx.abort("E306", f"{call.name} takes a bag and a value", call.span)
    b = lvalue(cx, call.args[0], scope)
    if not isinstance(b.type, BagT):
        hint = "queues use push and pop; sets use union and minus"
        raise cx.abort("E301", f"{call.name} needs a bag, found {ty.describe(b.type)}",
                       call.args[0].span, hint=hint)
    v = ex.bag_element(cx, b.type, call.args[1], scope)
    return ir.BagS(call.name, b, v, span)


def remove_stmt(cx: Context, call: ast.Call, scope: nm.Scope, span: Span) -> ir.Stmt:
    """remove(q, i): delete the i-th element of a queue (1 is the head)."""
    if len(call.args) != 2:
        raise cx.abort("E306", "remove takes a queue and a position (1 is the head)",
                       call.span)
    q = lvalue(cx, call.args[0], scope)
    if not isinstance(q.type, QueueT):
        raise cx.abort("E301", f"remove needs a queue, found {ty.describe(q.type)}",
                       call.args[0].span, hint="bags use take(b, v); sets use minus")
    i = ex.int_expr(cx, call.args[1], scope)
    ck.no_clock(cx, i, call.args[1].span)
    ex.check_queue_position(cx, q.type, i, call.args[1].span)
    return ir.RemoveS(q, i, span)


def choose(cx: Context, binders: list[ast.Binder], body: ast.Block, scope: nm.Scope,
           span: Span) -> ir.Stmt:
    binder = binders[0]
    domain = ex.set_expr(cx, binder.domain, scope)
    ex.check_binder(cx, binder)
    local = ir.Local(binder.name, ty.elem_of(domain.type), span=binder.span)
    inner = scope.child({binder.name: local})
    if len(binders) > 1:
        stmts: tuple[ir.Stmt, ...] = (choose(cx, binders[1:], body, inner, span),)
    else:
        stmts = check_block(cx, body, inner)
    return ir.ChooseS(local, domain, stmts, span)


# statements one `for` may unroll to, nested loops counted inside it (E401 beyond)
MAX_UNROLLED = 10_000


def for_loop(cx: Context, binders: list[ast.Binder], body: ast.Block, scope: nm.Scope,
             span: Span) -> list[ir.Stmt]:
    """`for k in D { ... }`: the body checked once with k a local of D's element type, then
    written out once per value of D in increasing order with k replaced by the value
    (substitute_stmts, which folds what becomes constant), so that the IR has no loop
    and every backend runs it as the statements written out by hand. Several binders
    nest, the first outermost."""
    binder = binders[0]
    ex.check_binder(cx, binder)
    previous = scope.lookup(binder.name)
    if previous is not None or binder.name in cx.enum_members:
        what = "an enum value" if previous is None else (
            "a parameter or bound name" if isinstance(previous, ir.Local) else
            f"a {previous.kind}" if isinstance(previous, nm.Sym) else "a name")
        notes = []
        where = getattr(previous, "span", None)
        if isinstance(where, Span) and where.file:
            notes.append(("declared here", where))
        raise cx.abort("E319", f"the loop name '{binder.name}' is already {what}",
                       binder.span, notes=notes,
                       hint="give the loop variable a name of its own")
    domain = ex.set_expr(cx, binder.domain, scope)
    if not isinstance(domain, ir.Lit):
        raise cx.abort("E319", "a for loop runs over a domain known when the spec is "
                       "checked, not one read from the state", binder.domain.span,
                       hint="loop over a type (for k in Task), an enum or a constant "
                       "range (for i in 1..N); to pick one element, use choose")
    elem = ty.elem_of(domain.type)
    values = [v for v in elem.values() if v in domain.value]  # type: ignore[operator]
    local = ir.Local(binder.name, elem, span=binder.span)
    inner = scope.child({binder.name: local})
    if len(binders) > 1:
        stmts: tuple[ir.Stmt, ...] = tuple(for_loop(cx, binders[1:], body, inner, span))
    else:
        stmts = check_block(cx, body, inner)
    total = len(values) * _count(stmts)
    if total > MAX_UNROLLED:
        raise cx.abort("E401", f"this loop unrolls to {total:,} statements, too many "
                       f"for one action", span,
                       hint=f"a for loop writes out at most {MAX_UNROLLED:,} statements "
                       "(its domain's size times its body's)")
    out: list[ir.Stmt] = []
    for v in values:
        typ = IntT(v, v, elem.time) if isinstance(elem, IntT) else elem  # type: ignore[arg-type]
        unrolled = substitute_stmts(stmts, {local: ir.Lit(v, typ, binder.span)})
        _check_indices(cx, unrolled, f"{binder.name} = {ty.fmt(ir.Lit(v, elem))}")
        out.extend(unrolled)
    return out


def _count(stmts: tuple[ir.Stmt, ...]) -> int:
    """The statements, nested ones included."""
    return sum(1 + sum(_count(p) for p in stmt_parts(s) if isinstance(p, tuple))
               for s in stmts)


def _check_indices(cx: Context, stmts: tuple[ir.Stmt, ...], where: str) -> None:
    """A constant index outside its array once the loop name is replaced by a value
    (`p[k + 1]` with k the last value): E304 here, as for one written by hand. Parts the
    value makes dead are not judged: the branch of an `if` or `if-then-else` whose
    condition became constant and is not taken, and the right side of `and`, `or` and
    `implies` that the left decides (`if k < N { p[k + 1].x := 0 }`)."""
    for s in stmts:
        if isinstance(s, ir.IfS) and isinstance(s.cond, ir.Lit):
            _check_indices(cx, s.then if s.cond.value else s.orelse, where)
            continue
        for part in stmt_parts(s):
            if isinstance(part, tuple):
                _check_indices(cx, part, where)
            else:
                for node in _live(part):
                    _check_index(cx, node, where)


def _live(e: ir.Expr) -> Iterator[ir.Expr]:
    """walk(), without the subexpressions that a constant condition makes dead."""
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        kids = children(node)
        if isinstance(node, ir.Ite) and isinstance(node.cond, ir.Lit):
            kids = [node.then if node.cond.value else node.orelse]
        elif isinstance(node, ir.Binary) and isinstance(node.left, ir.Lit) and (
                (node.op == "and" and node.left.value is False)
                or (node.op == "or" and node.left.value is True)
                or (node.op == "implies" and node.left.value is False)):
            kids = []
        stack.extend(reversed(kids))


def _check_index(cx: Context, node: ir.Expr, where: str) -> None:
    if isinstance(node, ir.Index) and isinstance(node.index, ir.Lit) and \
            isinstance(node.base.type, ArrayT) and \
            not node.base.type.index.contains(node.index.value):
        raise cx.abort("E304", f"index {ty.fmt(node.index)} is outside "
                       f"{node.base.type.index} (where {where})", node.index.span,
                       hint="every pass of a for loop must index inside the array")
    if isinstance(node, ir.ClockRef):
        for idx, typ in zip(node.indices, node.clock.index_types):
            if isinstance(idx, ir.Lit) and not typ.contains(idx.value):
                raise cx.abort("E304", f"index {ty.fmt(idx)} is outside {typ} "
                               f"(where {where})", idx.span,
                               hint="every pass of a for loop must index inside the "
                               "clock array")


def lvalue(cx: Context, target: ast.Expr, scope: nm.Scope) -> ir.Expr:
    e = ex.check_expr(cx, target, scope.child(what="assignment target"))
    node = e
    while isinstance(node, (ir.Index, ir.Field)):
        node = node.base
    if isinstance(node, ir.VarRef) and not node.var.is_param:
        return e
    if isinstance(node, ir.VarRef):
        raise cx.abort("E305", f"'{node.var.name}' is a param; it cannot be assigned",
                       target.span, hint="params are fixed for a run; use a var")
    what = "a constant"
    if isinstance(node, ir.LocalRef):
        what = "a parameter or bound name"
    elif isinstance(node, ir.ClockRef):
        raise cx.abort("E305", "clocks are reset, not assigned", target.span,
                       hint=f"write reset {expr_text(target)}")
    raise cx.abort("E305", f"cannot assign to this: it is {what}", target.span)


def expr_text(e: ast.Expr) -> str:
    match e:
        case ast.NameRef(name=n):
            return n
        case ast.Index(base=b, args=args):
            return f"{expr_text(b)}[{', '.join(expr_text(a) for a in args)}]"
        case ast.FieldAccess(base=b, name=n):
            return f"{expr_text(b)}.{n}"
    return "..."
