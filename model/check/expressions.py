"""Expressions: bidirectional typing of every expression form (enum members and `{}` take
their type from the context), names, indexing, calls and operators.
"""

from __future__ import annotations

from .. import ast, ir
from ..diagnostics import did_you_mean
from ..irutil import mentions_state as _mentions_state
from ..source import NO_SPAN, Span
from ..types import BOOL, ArrayT, BagT, BoolT, EnumT, IntT, OptionT, QueueT, RecordT, SetT, Type
from . import clocks as ck
from . import constants as co
from . import context as cxm
from . import names as nm
from . import types as ty
from .context import Context


def check_binder(cx: Context, binder: ast.Binder) -> None:
    if not binder.name:
        raise cx.abort("E101", "expected 'NAME in SET' here", binder.span)


def bool_expr(cx: Context, expr: ast.Expr, scope: nm.Scope) -> ir.Expr:
    e = check_expr(cx, expr, scope, BOOL)
    if e.type is not cxm.ERR and not isinstance(e.type, BoolT):
        raise cx.abort("E301", f"expected a condition (bool), found {ty.describe(e.type)}",
                       expr.span,
                       hint="compare with == to get a bool" if not isinstance(
                             e.type, BoolT) else None)
    return e


def int_expr(cx: Context, expr: ast.Expr, scope: nm.Scope) -> ir.Expr:
    e = check_expr(cx, expr, scope)
    if e.type is not cxm.ERR and not isinstance(e.type, IntT):
        raise cx.abort("E301", f"expected a number, found {ty.describe(e.type)}", expr.span)
    return e


def set_expr(cx: Context, expr: ast.Expr, scope: nm.Scope, expected: Type | None = None) -> ir.Expr:
    e = check_expr(cx, expr, scope, expected)
    if e.type is cxm.ERR:
        raise cxm.Abort()
    if isinstance(e.type, BagT):  # a bag where a set is expected: the values it holds
        e = bag_support(cx, e)
    if not isinstance(e.type, SetT):
        raise cx.abort("E301", f"expected a set, found {ty.describe(e.type)}", expr.span,
                       hint="a type name (Agent), a range (1..N) or a set ({a, b})")
    return e


def check_expr(cx: Context, expr: ast.Expr, scope: nm.Scope, expected: Type | None = None,
               broadcast: bool = False) -> ir.Expr:
    if isinstance(expected, OptionT):
        return option_expr(cx, expr, scope, expected)
    if broadcast and isinstance(expected, ArrayT) and isinstance(
            expr, (ast.EmptyBraces, ast.EmptyBrackets, ast.SeqLit, ast.RecordLit,
                   ast.SetLit)) or (leaf_is_option(expected) and is_none(expr, scope)):
        leaf: Type = expected
        while isinstance(leaf, ArrayT):
            leaf = leaf.elem
        return broadcast_to(cx, expr_node(cx, expr, scope, leaf), expected, expr.span)
    e = expr_node(cx, expr, scope, expected)
    if broadcast and isinstance(expected, ArrayT) and not isinstance(e.type, ArrayT) \
            and e.type is not cxm.ERR:
        return broadcast_to(cx, e, expected, expr.span)
    return e


def broadcast_to(cx: Context, e: ir.Expr, target: ArrayT, span: Span) -> ir.Expr:
    inner = target.elem
    value = broadcast_to(cx, e, inner, span) if isinstance(inner, ArrayT) and \
        not isinstance(e.type, ArrayT) else ty.coerce(cx, e, inner, span, store=True)
    local = ir.Local("_", target.index)
    return co.fold(cx, ir.MapComp(local, value, ArrayT(target.index, value.type), span))


def expr_node(cx: Context, expr: ast.Expr, scope: nm.Scope, expected: Type | None) -> ir.Expr:  # noqa: C901
    match expr:
        case ast.IntLit(value=v):
            return ir.Lit(v, IntT(v, v), expr.span)
        case ast.DurationLit(millis=ms):
            return ir.Lit(ms, IntT(ms, ms, True), expr.span)
        case ast.BoolLit(value=v):
            return ir.Lit(v, BOOL, expr.span)
        case ast.NameRef():
            return name_expr(cx, expr, scope, expected)
        case ast.TypeValues(type=texpr):
            typ = ty.resolve_type(cx, texpr, scope)
            if typ is cxm.ERR:
                raise cxm.Abort()
            return type_as_set(cx, typ, str(typ), expr.span)
        case ast.Unary(op="not" | "-" as op, operand=operand):
            chain = [expr]  # `not not ... x` by a loop, innermost first below
            while isinstance(operand, ast.Unary) and operand.op == op:
                chain.append(operand)
                operand = operand.operand
            if op == "not":
                e = bool_expr(cx, operand, scope)
                for node in reversed(chain):
                    if isinstance(e, ir.ClockAtom) and e.op != "==":
                        e = ck.negate_atom(e)
                    else:
                        e = co.fold(cx, ir.Unary("not", e, BOOL, node.span))
                return e
            e = int_expr(cx, operand, scope)
            for node in reversed(chain):
                ck.no_clock(cx, e, node.operand.span)
                t = e.type
                rt = IntT(neg(t.hi), neg(t.lo), t.time) if isinstance(t, IntT) else cxm.ERR
                e = co.fold(cx, ir.Unary("-", e, rt, node.span))
            return e
        case ast.Binary():
            return binary_expr(cx, expr, scope, expected)
        case ast.Ite(cond=c, then=a, orelse=b):
            cond = bool_expr(cx, c, scope)
            ck.no_clock(cx, cond, c.span)
            then = check_expr(cx, a, scope, expected)
            other = check_expr(cx, b, scope, expected or then.type)
            typ = ty.join(cx, then.type, other.type, expr.span)
            return co.fold(cx, ir.Ite(cond, ty.coerce(cx, then, typ, a.span),
                                      ty.coerce(cx, other, typ, b.span), typ, expr.span))
        case ast.Quantifier(kind=kind, binders=binders, body=body):
            return quantifier(cx, kind, list(binders), body, scope, expr.span)
        case ast.RangeLit(lo=lo, hi=hi):
            a = int_expr(cx, lo, scope)
            b = int_expr(cx, hi, scope)
            ck.no_clock(cx, a, lo.span)
            ck.no_clock(cx, b, hi.span)
            if a.type is cxm.ERR or b.type is cxm.ERR:
                return cxm.err_expr(expr.span)
            elo = a.type.lo  # type: ignore[union-attr]
            ehi = b.type.hi  # type: ignore[union-attr]
            if elo is None or ehi is None:
                raise cx.abort("E302", "this range has no finite bounds", expr.span,
                               hint="use constants or bounded variables as range ends")
            if ehi - elo + 1 > cxm.MAX_SET_ELEMS:
                raise cx.abort("E401", f"the range {elo}..{ehi} has {ehi - elo + 1:,} values, "
                               f"too many for a set", expr.span,
                               hint=f"a set has at most {cxm.MAX_SET_ELEMS:,} possible elements")
            elem = IntT(elo, max(elo, ehi), a.type.time)  # type: ignore[union-attr]
            return co.fold(cx, ir.RangeSet(a, b, SetT(elem), expr.span))
        case ast.FieldAccess():
            return field_expr(cx, expr, scope, expected)
        case ast.Index():
            return index_expr(cx, expr, scope)
        case ast.Call():
            return call_expr(cx, expr, scope, expected)
        case ast.BoundCall():
            return bound_call(cx, expr, scope)
        case ast.EmptyBraces():
            if isinstance(expected, SetT):
                return ir.Lit(frozenset(), expected, expr.span)
            if isinstance(expected, BagT):
                return ir.Lit(expected.default(), expected, expr.span)
            raise cx.abort("E309", "cannot tell what set {} is", expr.span,
                           hint="compare it with, or assign it to, a typed set")
        case ast.SetLit(elems=elems):
            return set_lit(cx, expr, elems, scope, expected)
        case ast.SetComp(binder=binder, pred=pred):
            check_binder(cx, binder)
            domain = set_expr(cx, binder.domain, scope)
            local = ir.Local(binder.name, ty.elem_of(domain.type), span=binder.span)
            p = bool_expr(cx, pred, scope.child({binder.name: local}))
            return co.fold(cx, ir.SetComp(local, domain, p, domain.type, expr.span))
        case ast.RecordLit(fields=fields):
            return record_lit(cx, expr, fields, scope, expected)
        case ast.EmptyBrackets():
            if isinstance(expected, QueueT):
                return ir.Lit((), expected, expr.span)
            raise cx.abort("E309", "cannot tell what queue [] is", expr.span,
                           hint="compare it with, or assign it to, a typed queue")
        case ast.SeqLit(elems=elems):
            if not isinstance(expected, QueueT):
                raise cx.abort("E309", "cannot tell what queue this is", expr.span,
                               hint="compare it with, or assign it to, a typed queue")
            if len(elems) > expected.capacity:
                raise cx.abort("E304", f"{len(elems)} elements do not fit in "
                               f"{expected}", expr.span)
            items = tuple(ty.coerce(cx, check_expr(cx, e, scope, expected.elem), expected.elem,
                                    e.span, store=True) for e in elems)
            return co.fold(cx, ir.SeqLit(items, expected, expr.span))
        case ast.MapComp(binder=binder, body=body):
            check_binder(cx, binder)
            domain = set_expr(cx, binder.domain, scope)
            index_t = static_domain(cx, domain, binder.domain.span)
            local = ir.Local(binder.name, index_t, span=binder.span)
            elem_expected = expected.elem if isinstance(expected, ArrayT) else None
            b = check_expr(cx, body, scope.child({binder.name: local}), elem_expected)
            if elem_expected is not None:
                b = ty.coerce(cx, b, elem_expected, body.span, store=True)
            elif isinstance(b.type, IntT) and b.type.size() is None:
                raise cx.abort("E309", "cannot tell the range of this map's values",
                               body.span, hint="assign it to a typed variable")
            return co.fold(cx, ir.MapComp(local, b, ArrayT(index_t, b.type), expr.span))
    raise TypeError(expr)  # pragma: no cover


# ---------------------------------------------------------------------------- option types
# Language v2 (issue 17): `none`, lifting (model.check.types.lift), `opt == v`, get(x).


def option_expr(cx: Context, expr: ast.Expr, scope: nm.Scope, expected: OptionT) -> ir.Expr:
    """`expr` where an option is expected: `none`, an if-then-else (each branch in the
    option's context), or anything else checked in the context of the option's type."""
    if is_none(expr, scope):
        return ir.Lit(None, expected, expr.span)
    if isinstance(expr, ast.Ite):
        return expr_node(cx, expr, scope, expected)
    return check_expr(cx, expr, scope, expected.elem)


def is_none(expr: ast.Expr, scope: nm.Scope) -> bool:
    """`none`, a name the spec does not bind (where an option is expected it is the option's
    none even if an enum has a member `none`: that one is then written `Enum.none`)."""
    return isinstance(expr, ast.NameRef) and expr.name == "none" and scope.lookup("none") is None


def leaf_is_option(t: Type | None) -> bool:
    while isinstance(t, ArrayT):
        t = t.elem
    return isinstance(t, OptionT)


def none_without_context(cx: Context, expr: ast.Expr) -> ir.Expr:
    raise cx.abort("E309", "cannot tell which option type none is", expr.span,
                   hint="compare it with, or assign it to, a typed option")


def option_comparison(cx: Context, op: str, a: ir.Expr, b: ir.Expr, span: Span) -> ir.Expr | None:
    """`opt == v` as `opt != none and get(opt) == v` (`!=`: `opt == none or get(opt) != v`),
    so v is compared as a T, never stored in the option; None when neither side lifts."""
    if op not in ("==", "!="):
        for e in (a, b):
            if isinstance(e.type, OptionT) and isinstance(e.type.elem, IntT):
                raise cx.abort("E301", f"'{op}' compares numbers, found {e.type}", e.span,
                               hint="test x != none, then compare get(x)")
        return None
    if ty.lifts(a.type, b.type):
        a, b = b, a
    if not (ty.lifts(b.type, a.type) and ty.compatible(cx, b.type, a.type.elem)):  # type: ignore[attr-defined]
        return None
    assert isinstance(a.type, OptionT)
    # the parts written by this rewriting have no source text: explanations skip them
    none = ir.Lit(None, a.type, NO_SPAN)
    value = ir.Call("get", (a,), a.type.elem, NO_SPAN)
    if ty.needs_convert(b.type, value.type):
        joined = ty.join(cx, value.type, b.type, span)
        value, b = ty.coerce(cx, value, joined, span), ty.coerce(cx, b, joined, span)
    inner = co.fold(cx, ir.Binary(op, value, b, BOOL, NO_SPAN))
    test = ir.Binary("!=" if op == "==" else "==", a, none, BOOL, NO_SPAN)
    return co.fold(cx, ir.Binary("and" if op == "==" else "or", test, inner, BOOL, span))


OPTION_FUNCTIONS = ("get",)


def option_call(cx: Context, expr: ast.Call, scope: nm.Scope) -> ir.Expr:
    """get(x): the value of option x; a run-time error (E508) when x is none."""
    if len(expr.args) != 1:
        raise cx.abort("E306", "get takes one option", expr.span)
    arg = check_expr(cx, expr.args[0], scope)
    ck.no_clock(cx, arg, expr.args[0].span)
    if arg.type is cxm.ERR:
        raise cxm.Abort()
    if not isinstance(arg.type, OptionT):
        raise cx.abort("E301", f"get needs an option, found {ty.describe(arg.type)}",
                       expr.args[0].span, hint="only an `option T` may be none")
    return co.fold(cx, ir.Call("get", (arg,), arg.type.elem, expr.span))


# ---------------------------------------------------------------------------- queue positions
# Language v2 (issue 17): q[i] reads the i-th element of a queue (1 is the head), and
# remove(q, i) (model.check.actions) deletes it; E502 outside 1..len(q) at run time.


def check_queue_position(cx: Context, q: QueueT, i: ir.Expr, span: Span) -> None:
    if i.type is cxm.ERR:
        raise cxm.Abort()
    assert isinstance(i.type, IntT)
    if i.type.time:
        raise cx.abort("E301", "a queue position is a number, not a duration", span)
    if isinstance(i, ir.Lit) and not 1 <= int(i.value) <= q.capacity:  # type: ignore[call-overload]
        raise cx.abort("E304", f"position {i.value} is outside {q} (1 is the head, "
                       f"{q.capacity} the last place)", span)


def queue_at(cx: Context, q: ir.Expr, arg: ast.Expr, scope: nm.Scope) -> ir.Expr:
    assert isinstance(q.type, QueueT)
    i = int_expr(cx, arg, scope)
    ck.no_clock(cx, i, arg.span)
    check_queue_position(cx, q.type, i, arg.span)
    return co.fold(cx, ir.Call("at", (q, i), q.type.elem, arg.span))


# ---------------------------------------------------------------------------- bags
# Language v2 (issue 17): `bag[N] of T`; put/take are statements (model.check.actions).

BAG_FUNCTIONS = ("count",)


def bag_support(cx: Context, bag: ir.Expr) -> ir.Expr:
    """The set of the values a bag holds at least once (`m in b`, `choose m in b`)."""
    assert isinstance(bag.type, BagT)
    return co.fold(cx, ir.Call("support", (bag,), SetT(bag.type.elem), bag.span))


def bag_element(cx: Context, bag: BagT, expr: ast.Expr, scope: nm.Scope) -> ir.Expr:
    """An element given to count/put/take: a value of the bag's element type."""
    v = check_expr(cx, expr, scope, bag.elem)
    ck.no_clock(cx, v, expr.span)
    if v.type is cxm.ERR:
        raise cxm.Abort()
    if not ty.compatible(cx, v.type, bag.elem):
        raise cx.abort("E301", f"{bag} holds {bag.elem}, not {ty.describe(v.type)}", expr.span)
    if isinstance(v, ir.Lit) and not bag.elem.contains(v.value):
        raise cx.abort("E304", f"{ty.fmt(v)} is not a value of {bag.elem}", expr.span)
    return ty.coerce(cx, v, bag.elem, expr.span)


def bag_lit(cx: Context, expr: ast.SetLit, elems, scope: nm.Scope, bag: BagT) -> ir.Expr:
    """`{a, a, b}` where a bag is expected: a constant bag, each element as often as listed."""
    counts = [0] * (bag.elem.size() or 0)
    for src in elems:
        v = bag_element(cx, bag, src, scope)
        if not isinstance(v, ir.Lit):
            raise cx.abort("E308", "a bag literal lists constants", src.span,
                           hint="start from {} and put(b, v) the others")
        k = bag.elem.ordinal(v.value)
        counts[k] += 1
        if counts[k] > bag.capacity:
            raise cx.abort("E304", f"{bag} holds {ty.fmt(v)} at most {bag.capacity} "
                           f"time{'s' if bag.capacity > 1 else ''}", src.span)
    return ir.Lit(tuple(counts), bag, expr.span)


def bag_call(cx: Context, expr: ast.Call, scope: nm.Scope) -> ir.Expr:
    """count(b, v): how many times bag b holds v (0..N)."""
    if len(expr.args) != 2:
        raise cx.abort("E306", "count takes a bag and a value", expr.span)
    b = check_expr(cx, expr.args[0], scope)
    if b.type is cxm.ERR:
        raise cxm.Abort()
    if not isinstance(b.type, BagT):
        raise cx.abort("E301", f"count needs a bag, found {ty.describe(b.type)}",
                       expr.args[0].span, hint="a set holds a value once: write v in s")
    v = bag_element(cx, b.type, expr.args[1], scope)
    return co.fold(cx, ir.Call("count", (b, v), IntT(0, b.type.capacity), expr.span))


def static_domain(cx: Context, domain: ir.Expr, span: Span) -> Type:
    """The index type a map comprehension ranges over: a whole type or constant range."""
    if isinstance(domain, ir.Lit) and isinstance(domain.type, SetT):
        elem = domain.type.elem
        if frozenset(elem.values()) == domain.value:
            return elem
        if isinstance(elem, IntT) and domain.value:
            lo, hi = min(domain.value), max(domain.value)  # type: ignore[type-var]
            if frozenset(range(lo, hi + 1)) == domain.value:
                return IntT(lo, hi)
    raise cx.abort("E308", "a map is built over a whole type or a constant range",
                   span, hint="[x in Agent -> ...] or [i in 1..N -> ...]")


def type_as_set(cx: Context, typ: Type, name: str, span: Span) -> ir.Expr:
    """Every value of `typ` (named `name` in messages) as a constant set."""
    size = typ.size()
    if size is None or size > cxm.MAX_SET_ELEMS:
        count = "infinitely many" if size is None else f"{size:,}"
        raise cx.abort("E302", f"the type {name} has {count} values, too many to use "
                       "as a set", span,
                       hint=f"a set has at most {cxm.MAX_SET_ELEMS:,} possible elements")
    return ir.Lit(frozenset(typ.values()), SetT(typ), span)


def name_expr(cx: Context, expr: ast.NameRef, scope: nm.Scope, expected: Type | None) -> ir.Expr:
    name = expr.name
    binding = scope.lookup(name)
    if isinstance(binding, ir.Local):
        return ir.LocalRef(binding, binding.type, expr.span)
    if isinstance(binding, nm.Sym):
        return sym_value(cx, binding, expr, scope, None)
    if isinstance(expected, OptionT) and is_none(expr, scope):
        return ir.Lit(None, expected, expr.span)
    if name in cx.enum_members:
        return enum_member(cx, expr, name, expected)
    if is_none(expr, scope):
        return none_without_context(cx, expr)
    if name == "_":
        raise cx.abort("E201", "'_' is only a wildcard in scenario steps", expr.span)
    candidates = scope.visible() + list(cx.enum_members)
    hint = did_you_mean(name, candidates)
    notes = []
    if hint:
        target = hint.split("'")[1]
        sym = scope.lookup(target)
        if isinstance(sym, nm.Sym):
            notes.append((f"'{target}' is declared here", sym.span))
    kind = "variable" if scope.state else "name"
    if hint and scope.lookup(target) is None and target in cx.enum_members:
        # the closest name is a value of an enum: the user meant a value, not a variable
        kind = "name"
        owners = sorted({str(e) for e in cx.enum_members[target]})
        hint = f"did you mean '{target}', a value of {' or '.join(owners)}?"
    raise cx.abort("E201", f"unknown {kind} '{name}'", expr.span, hint=hint, notes=notes)


def enum_member(cx: Context, expr: ast.NameRef, name: str, expected: Type | None) -> ir.Expr:
    options = cx.enum_members[name]
    if isinstance(expected, EnumT) and expected in options:
        return ir.Lit(name, expected, expr.span)
    if isinstance(expected, SetT) and expected.elem in options:
        return ir.Lit(name, expected.elem, expr.span)
    if len(options) == 1:
        return ir.Lit(name, options[0], expr.span)
    named = [t.name for t in options if t.name]
    raise cx.abort("E207", f"'{name}' is a member of several enums", expr.span,
                   hint=(f"write {named[0]}.{name}" if named else
                         "give the enums names with type declarations and qualify it"))


def sym_value(cx: Context, sym: nm.Sym, expr: ast.Expr, scope: nm.Scope,
              indices: list[ir.Expr] | None) -> ir.Expr:
    span = expr.span
    if sym.kind == "const":
        value = co.const_value(cx, sym)
        if value.type is cxm.ERR:
            raise cxm.Abort()
        return ir.Lit(value.value, value.type, span)
    if sym.kind == "type":
        typ = ty.type_of_sym(cx, sym)
        if typ is cxm.ERR:
            raise cxm.Abort()
        return type_as_set(cx, typ, sym.name, span)
    if sym.kind in ("var", "param"):
        var = sym.resolved
        if not isinstance(var, ir.Variable):
            raise cxm.Abort()
        if var.type is cxm.ERR:
            raise cxm.Abort()
        if not scope.state and not (sym.kind == "param" and scope.what == "initial value"):
            raise cx.abort("E308", f"'{sym.name}' is a "
                           f"{'variable' if sym.kind == 'var' else 'param'}; "
                           f"{article(scope.what)} cannot depend on the state", span)
        ref: ir.Expr = ir.VarRef(var, var.type, span)
        if sym.process is not None:
            own = indices
            if own is None:
                if scope.process is not sym.process:
                    raise cx.abort("E201", f"'{sym.name}' belongs to process "
                                   f"{sym.process.decl.name}", span,
                                   hint=f"write {sym.process.decl.name}[...].{sym.name}")
                own = [ir.LocalRef(x, x.type, span) for x in sym.process.process.locals]
            for idx in own:
                assert isinstance(ref.type, ArrayT)
                ref = ir.Index(ref, index_value(cx, idx, ref.type.index, idx.span),
                               ref.type.elem, span)
        return ref
    if sym.kind == "clock":
        clock = sym.resolved
        if not isinstance(clock, ir.Clock):
            raise cxm.Abort()
        if not scope.clocks:
            raise cx.abort("E310", f"clock '{sym.name}' can only be compared in guards, "
                           "bounds, timeouts and properties", span,
                           hint="compare it with a duration, e.g. "
                           f"{sym.name} >= 15s, or reset it")
        idx_list: list[ir.Expr] = []
        if sym.process is not None:
            if indices is None:
                if scope.process is not sym.process:
                    raise cx.abort("E201", f"'{sym.name}' belongs to process "
                                   f"{sym.process.decl.name}", span)
                idx_list = [ir.LocalRef(x, x.type, span)
                            for x in sym.process.process.locals]
            else:
                idx_list = list(indices)
        return ir.ClockRef(clock, tuple(idx_list), span=span)
    if sym.kind == "def":
        d = nm.def_of(cx, sym)
        if d is None:
            raise cxm.Abort()
        if d.locals:
            raise cx.abort("E306", f"'{sym.name}' takes {len(d.locals)} argument"
                           f"{'s' if len(d.locals) > 1 else ''}", span,
                           hint=f"call it as {sym.name}(...)")
        if sym.process is not None and scope.process is not sym.process:
            raise cx.abort("E201", f"'{sym.name}' belongs to process "
                           f"{sym.process.decl.name}", span)
        if not scope.state and _mentions_state(d.body):
            raise cx.abort("E308", f"'{sym.name}' depends on the state", span)
        return d.body
    if sym.kind == "process":
        raise cx.abort("E301", f"'{sym.name}' is a process, not a value", span,
                       hint=f"name one of its variables: {sym.name}.x or {sym.name}[i].x")
    raise TypeError(sym.kind)  # pragma: no cover


def index_value(cx: Context, idx: ir.Expr, index_t: Type, span: Span) -> ir.Expr:
    if idx.type is cxm.ERR:
        raise cxm.Abort()
    if not ty.compatible(cx, idx.type, index_t):
        raise cx.abort("E301", f"index of type {index_t} expected, found {ty.describe(idx.type)}",
                       span)
    if isinstance(idx, ir.Lit) and not index_t.contains(idx.value):
        raise cx.abort("E304", f"index {ty.fmt(idx)} is outside {index_t}", span,
                       hint=index_hint(index_t))
    return idx


def process_member(cx: Context, base: ast.Expr, name: str, scope: nm.Scope, span: Span
                    ) -> ir.Expr | None:
    """`master.x` or `agent[i].x`; None when base is not a process reference."""
    pname: str | None = None
    args: tuple[ast.Expr, ...] = ()
    if isinstance(base, ast.NameRef):
        pname = base.name
    elif isinstance(base, ast.Index) and isinstance(base.base, ast.NameRef):
        pname = base.base.name
        args = base.args
    if pname is None:
        return None
    sym = scope.lookup(pname)
    if not (isinstance(sym, nm.Sym) and sym.kind == "process"):
        return None
    proc: nm.ProcSym = sym.resolved  # type: ignore[assignment]
    locals_ = proc.process.locals
    if len(args) != len(locals_):
        if not locals_:
            raise cx.abort("E306", f"process {pname} has no index", base.span,
                           hint=f"write {pname}.{name}")
        raise cx.abort("E306", f"process {pname} has {len(locals_)} index"
                       f"{'es' if len(locals_) > 1 else ''}", base.span,
                       hint=f"write {pname}[{', '.join(x.name for x in locals_)}].{name}")
    member = proc.members.get(name)
    if member is None or member.kind == "def":
        raise cx.abort("E206", f"process {pname} has no variable or clock '{name}'", span,
                       hint=did_you_mean(name, [m for m, s in proc.members.items()
                                                if s.kind != "def"]))
    indices = [check_expr(cx, a, scope, x.type) for a, x in zip(args, locals_)]
    return sym_value(cx, member, ast.NameRef(name, span), scope, indices)


def field_expr(cx: Context, expr: ast.FieldAccess, scope: nm.Scope,
               expected: Type | None) -> ir.Expr:
    member = process_member(cx, expr.base, expr.name, scope, expr.span)
    if member is not None:
        return member
    if isinstance(expr.base, ast.NameRef):
        sym = scope.lookup(expr.base.name)
        if isinstance(sym, nm.Sym) and sym.kind == "type":
            typ = ty.type_of_sym(cx, sym)
            if isinstance(typ, EnumT):
                if expr.name not in typ.members:
                    raise cx.abort("E206", f"enum {typ.name} has no member '{expr.name}'",
                                   expr.span, hint=did_you_mean(expr.name, typ.members))
                return ir.Lit(expr.name, typ, expr.span)
    base = check_expr(cx, expr.base, scope)
    if base.type is cxm.ERR:
        raise cxm.Abort()
    if not isinstance(base.type, RecordT):
        raise cx.abort("E301", f"{base.type} has no fields", expr.span)
    names = base.type.field_names()
    if expr.name not in names:
        raise cx.abort("E206", f"{base.type} has no field '{expr.name}'", expr.span,
                       hint=did_you_mean(expr.name, names)
                       or f"its fields are {', '.join(names)}")
    pos = names.index(expr.name)
    return co.fold(cx, ir.Field(base, expr.name, pos, base.type.fields[pos][1], expr.span))


def index_expr(cx: Context, expr: ast.Index, scope: nm.Scope) -> ir.Expr:
    if isinstance(expr.base, ast.NameRef):
        sym = scope.lookup(expr.base.name)
        if isinstance(sym, nm.Sym) and sym.kind == "process":
            raise cx.abort("E301", f"'{expr.base.name}[...]' is a process instance, not a "
                           "value", expr.span, hint=f"name one of its variables: "
                           f"{expr.base.name}[...].x")
        if isinstance(sym, nm.Sym) and sym.kind == "clock":
            return ck.clock_element(cx, sym, expr, scope)
    base = check_expr(cx, expr.base, scope)
    if isinstance(base, ir.ClockRef):
        return ck.clock_subarray(cx, base, expr, scope)
    result = base
    for arg in expr.args:
        if result.type is cxm.ERR:
            raise cxm.Abort()
        if isinstance(result.type, QueueT):
            result = queue_at(cx, result, arg, scope)
            continue
        if not isinstance(result.type, ArrayT):
            raise cx.abort("E301", f"{result.type} cannot be indexed", expr.span,
                           hint="only maps ([A] -> T) and queues (q[1] is the head) are "
                           "indexed")
        idx = index_value(cx, check_expr(cx, arg, scope, result.type.index),
                          result.type.index, arg.span)
        result = co.fold(cx, ir.Index(result, idx, result.type.elem, expr.span))
    return result


def call_expr(cx: Context, expr: ast.Call, scope: nm.Scope, expected: Type | None) -> ir.Expr:
    name = expr.name
    binding = scope.lookup(name)
    if isinstance(binding, nm.Sym) and binding.kind == "def":
        d = nm.def_of(cx, binding)
        if d is None:
            raise cxm.Abort()
        if binding.process is not None and scope.process is not binding.process:
            raise cx.abort("E201", f"'{name}' belongs to process "
                           f"{binding.process.decl.name}", expr.span)
        if len(expr.args) != len(d.locals):
            raise cx.abort("E306", f"'{name}' takes {len(d.locals)} argument"
                           f"{'s' if len(d.locals) != 1 else ''}, not {len(expr.args)}",
                           expr.span)
        if not scope.state and _mentions_state(d.body):
            raise cx.abort("E308", f"'{name}' depends on the state", expr.span)
        result = d.body
        for local, arg in reversed(list(zip(d.locals, expr.args))):
            value = ty.coerce(cx, check_expr(cx, arg, scope, local.type), local.type, arg.span)
            if isinstance(local.type, IntT) and not ty.within(value.type, local.type):
                value = ir.Checked(value, local.type, arg.span)
            result = ir.LetE(local, value, result, result.type, expr.span)
        return co.fold(cx, result)
    if name in OPTION_FUNCTIONS:
        return option_call(cx, expr, scope)
    if name in BAG_FUNCTIONS:
        return bag_call(cx, expr, scope)
    if name in cxm.STATEMENT_FUNCTIONS:
        raise cx.abort("E301", f"{name}(...) is a statement, not a value", expr.span)
    if name not in cxm.BUILTIN_FUNCTIONS:
        defs = [n for n in scope.visible() if isinstance(scope.lookup(n), nm.Sym)
                and scope.lookup(n).kind == "def"]  # type: ignore[union-attr]
        raise cx.abort("E201", f"unknown function '{name}'", expr.span,
                       hint=did_you_mean(name, defs + list(cxm.BUILTIN_FUNCTIONS)
                                         + list(cxm.STATEMENT_FUNCTIONS)))
    args = [check_expr(cx, a, scope) for a in expr.args]
    for a, src in zip(args, expr.args):
        ck.no_clock(cx, a, src.span)
    if any(a.type is cxm.ERR for a in args):
        raise cxm.Abort()
    if name == "len":
        arity(cx, expr, args, 1)
        t = args[0].type
        if isinstance(t, QueueT):
            rt: Type = IntT(0, t.capacity)
        elif isinstance(t, SetT):
            rt = IntT(0, t.elem.size())
        elif isinstance(t, BagT):
            rt = IntT(0, t.capacity * (t.elem.size() or 0))
        else:
            raise cx.abort("E301", f"len needs a queue or a set, found {t}",
                           expr.args[0].span)
        return co.fold(cx, ir.Call("len", tuple(args), rt, expr.span))
    if name == "head":
        arity(cx, expr, args, 1)
        t = args[0].type
        if not isinstance(t, QueueT):
            raise cx.abort("E301", f"head needs a queue, found {t}", expr.args[0].span)
        return co.fold(cx, ir.Call("head", tuple(args), t.elem, expr.span))
    if name == "sum":
        arity(cx, expr, args, 1)
        return sum_of_set(cx, expr, args[0])
    if name == "reach":
        arity(cx, expr, args, 2)
        return reach_of(cx, expr, args[0], args[1])
    if name == "abs":
        arity(cx, expr, args, 1)
        t = args[0].type
        if not isinstance(t, IntT):
            raise cx.abort("E301", f"abs needs a number, found {t}", expr.args[0].span)
        return co.fold(cx, ir.Call("abs", tuple(args), abs_interval(t), expr.span))
    # min / max
    if len(args) == 1:
        t = args[0].type
        if not (isinstance(t, SetT) and isinstance(t.elem, IntT)):
            raise cx.abort("E301", f"{name} needs a set of numbers or two numbers",
                           expr.args[0].span)
        return co.fold(cx, ir.Call(name, tuple(args), t.elem, expr.span))
    arity(cx, expr, args, 2)
    a, b = (x.type for x in args)
    if not (isinstance(a, IntT) and isinstance(b, IntT)) or a.time != b.time:
        raise cx.abort("E301", f"{name} needs two numbers of the same kind", expr.span)
    rt = IntT(minmax(min if name == "min" else max, a.lo, b.lo, name == "max"),
              minmax(min if name == "min" else max, a.hi, b.hi, name == "min"), a.time)
    return co.fold(cx, ir.Call(name, tuple(args), rt, expr.span))


def arity(cx: Context, expr: ast.Call, args: list, n: int) -> None:
    if len(args) != n:
        raise cx.abort("E306", f"{expr.name} takes {n} argument{'s' if n != 1 else ''}",
                       expr.span)


def set_lit(cx: Context, expr: ast.SetLit, elems, scope: nm.Scope, expected: Type | None
             ) -> ir.Expr:
    if isinstance(expected, BagT):
        return bag_lit(cx, expr, elems, scope, expected)
    elem_expected = expected.elem if isinstance(expected, SetT) else None
    items = [check_expr(cx, e, scope, elem_expected) for e in elems]
    for item, src in zip(items, elems):
        ck.no_clock(cx, item, src.span)
    if any(i.type is cxm.ERR for i in items):
        raise cxm.Abort()
    if elem_expected is not None:
        elem_t = elem_expected
    else:
        elem_t = items[0].type
        for item, src in zip(items[1:], elems[1:]):
            elem_t = ty.join(cx, elem_t, item.type, src.span)
    if isinstance(elem_t, IntT) and elem_t.size() is None:
        raise cx.abort("E309", "cannot tell the range of this set's elements", expr.span,
                       hint="use it where a typed set is expected")
    try:
        ty.require_element_type(cx, elem_t, expr.span)
    except cxm.Abort:
        raise
    out = []
    for item, src in zip(items, elems):
        if isinstance(item, ir.Lit) and not elem_t.contains(item.value):
            raise cx.abort("E304", f"{ty.fmt(item)} is not a value of {elem_t}", src.span)
        out.append(ty.coerce(cx, item, elem_t, src.span))
    return co.fold(cx, ir.SetLit(tuple(out), SetT(elem_t), expr.span))


def record_lit(cx: Context, expr: ast.RecordLit, fields, scope: nm.Scope, expected: Type | None
                ) -> ir.Expr:
    if not isinstance(expected, RecordT):
        raise cx.abort("E309", "cannot tell which record type this is", expr.span,
                       hint="compare it with, or assign it to, a typed record")
    given = {f.name: f for f in fields}
    if len(given) != len(fields):
        raise cx.abort("E202", "a field is given twice", expr.span)
    for f in fields:
        if f.name not in expected.field_names():
            raise cx.abort("E206", f"{expected} has no field '{f.name}'", f.span,
                           hint=did_you_mean(f.name, expected.field_names()))
    missing = [n for n in expected.field_names() if n not in given]
    if missing:
        raise cx.abort("E206", f"missing field{'s' if len(missing) > 1 else ''} "
                       + ", ".join(missing), expr.span)
    values = []
    for n, t in expected.fields:
        f = given[n]
        v = ty.coerce(cx, check_expr(cx, f.value, scope, t), t, f.value.span, store=True)
        values.append(v)
    return co.fold(cx, ir.RecordLit(tuple(values), expected, expr.span))


def quantifier(cx: Context, kind: str, binders: list[ast.Binder], body: ast.Expr, scope: nm.Scope,
               span: Span) -> ir.Expr:
    binder = binders[0]
    check_binder(cx, binder)
    domain = set_expr(cx, binder.domain, scope)
    local = ir.Local(binder.name, ty.elem_of(domain.type), span=binder.span)
    inner = scope.child({binder.name: local})
    if len(binders) > 1:
        b = quantifier(cx, kind, binders[1:], body, inner, span)
    else:
        b = bool_expr(cx, body, inner)
    return co.fold(cx, ir.Quant(kind, local, domain, b, BOOL, span))


LOGICAL = ("and", "or", "implies", "iff")
ARITHMETIC = ("+", "-", "*", "/", "%")
SET_OPS = ("union", "minus", "intersect")


def _left_spine(expr: ast.Binary, ops: tuple[str, ...]) -> tuple[ast.Expr, list[ast.Binary]]:
    """A chain `a op b op c ...` as its leftmost operand and the operators from the
    innermost out: long chains are checked by a loop, not one recursion per operator
    (the result is the same tree, checked in the same order)."""
    spine = []
    node: ast.Expr = expr
    while isinstance(node, ast.Binary) and node.op in ops:
        spine.append(node)
        node = node.left
    spine.reverse()
    return node, spine


def binary_expr(cx: Context, expr: ast.Binary, scope: nm.Scope,
                expected: Type | None) -> ir.Expr:
    op = expr.op
    span = expr.span
    if op in LOGICAL:
        leftmost, spine = _left_spine(expr, LOGICAL)
        a = bool_expr(cx, leftmost, scope)
        for node in spine:
            b = bool_expr(cx, node.right, scope)
            a = co.fold(cx, ir.Binary(node.op, a, b, BOOL, node.span))
        return a
    if op in ("==", "!=", "<", "<=", ">", ">="):
        return comparison(cx, expr, scope)
    if op in ("in", "notin"):
        first = maybe_contextual(cx, expr.left, scope)
        if first is not None and isinstance(first.type, (BoolT, EnumT, RecordT)):
            s = set_expr(cx, expr.right, scope, SetT(first.type))
        else:
            s = set_expr(cx, expr.right, scope)
        assert isinstance(s.type, SetT)
        v = first if first is not None else check_expr(cx, expr.left, scope, s.type.elem)
        ck.no_clock(cx, v, expr.left.span)
        if v.type is cxm.ERR:
            raise cxm.Abort()
        if not ty.compatible(cx, v.type, s.type.elem):
            raise cx.abort("E301", f"{v.type} cannot be in {s.type}", span)
        return co.fold(cx, ir.Binary(op, v, s, BOOL, span))
    if op in ("subset",) + SET_OPS:
        # the left spine of union/minus/intersect (a subset's left operand included)
        if op == "subset":
            leftmost, spine = (_left_spine(expr.left, SET_OPS) if isinstance(expr.left, ast.Binary)
                               else (expr.left, []))
            spine.append(expr)
        else:
            leftmost, spine = _left_spine(expr, SET_OPS)
        context = expected if isinstance(expected, SetT) else None
        first_right: ir.Expr | None = None
        if context is None and maybe_needs_context(cx, leftmost, scope):
            # `{{a: 1}} subset s`: the right operand says what the left one is
            first_right = maybe_contextual(cx, spine[0].right, scope)
            if first_right is not None and isinstance(first_right.type, SetT):
                context = first_right.type
        a = set_expr(cx, leftmost, scope, context)
        for i, node in enumerate(spine):
            a = _set_operation(cx, node, a, scope, first_right if i == 0 else None)
            if node is not expr and a.type is cxm.ERR:  # as set_expr does for an operand
                raise cxm.Abort()
        return a
    leftmost, spine = _left_spine(expr, ARITHMETIC)
    a = check_expr(cx, leftmost, scope)
    for node in spine:
        a = _arithmetic(cx, node, a, check_expr(cx, node.right, scope))
    return a


def _set_operation(cx: Context, expr: ast.Binary, a: ir.Expr, scope: nm.Scope,
                   checked: ir.Expr | None = None) -> ir.Expr:
    """`a op expr.right`; `checked`: the right operand, when it was checked already."""
    op = expr.op
    span = expr.span
    own = checked if checked is not None else maybe_contextual(cx, expr.right, scope)
    if own is not None and own.type is not cxm.ERR and not isinstance(own.type, SetT):
        raise cx.abort("E301", f"expected a set, found {ty.describe(own.type)}",
                       expr.right.span)
    b = own if own is not None else set_expr(cx, expr.right, scope, a.type)
    if not ty.compatible(cx, b.type, a.type):
        raise cx.abort("E301", f"cannot combine {a.type} with {b.type}", span)
    joined = ty.join(cx, a.type, b.type, span)
    a = ty.coerce(cx, a, joined, expr.left.span)
    b = ty.coerce(cx, b, joined, expr.right.span)
    rt = BOOL if op == "subset" else joined
    return co.fold(cx, ir.Binary(op, a, b, rt, span))


def _arithmetic(cx: Context, expr: ast.Binary, a: ir.Expr, b: ir.Expr) -> ir.Expr:
    op = expr.op
    span = expr.span
    for e, src in ((a, expr.left), (b, expr.right)):
        if isinstance(e, ir.ClockRef):
            raise cx.abort("E310", "arithmetic on clocks is not supported", src.span,
                           hint="zones compare a clock with a constant: c >= 15s")
        if e.type is cxm.ERR:
            raise cxm.Abort()
        if isinstance(e.type, SetT) and op in ("+", "-"):
            raise cx.abort("E301", f"'{op}' is for numbers; sets use "
                           f"{'union' if op == '+' else 'minus'}", span)
        if not isinstance(e.type, IntT):
            raise cx.abort("E301", f"'{op}' needs numbers, found {ty.describe(e.type)}", src.span)
    ta, tb = a.type, b.type
    assert isinstance(ta, IntT) and isinstance(tb, IntT)
    time = time_result(op, ta, tb)
    if time is None:
        raise cx.abort("E301", f"cannot apply '{op}' to {ty.kind_name(ta)} and "
                       f"{ty.kind_name(tb)}", span,
                       hint="durations are written with units: 75s, 15min")
    lo, hi = interval(op, ta, tb)
    return co.fold(cx, ir.Binary(op, a, b, IntT(lo, hi, time), span))


def comparison(cx: Context, expr: ast.Binary, scope: nm.Scope) -> ir.Expr:
    op = expr.op
    left_raw, right_raw = expr.left, expr.right
    a = maybe_contextual(cx, left_raw, scope)
    if a is None:
        b = check_expr(cx, right_raw, scope)
        a = check_expr(cx, left_raw, scope, b.type)
    else:
        b = check_expr(cx, right_raw, scope, a.type)
    if isinstance(a, ir.ClockRef) or isinstance(b, ir.ClockRef):
        return ck.clock_atom(cx, op, a, b, expr)
    ck.no_clock(cx, a, left_raw.span)
    ck.no_clock(cx, b, right_raw.span)
    if a.type is cxm.ERR or b.type is cxm.ERR:
        raise cxm.Abort()
    lifted = option_comparison(cx, op, a, b, expr.span)
    if lifted is not None:
        return lifted
    if op in ("<", "<=", ">", ">="):
        for e, src in ((a, left_raw), (b, right_raw)):
            if not isinstance(e.type, IntT):
                raise cx.abort("E301", f"'{op}' compares numbers, found {ty.describe(e.type)}",
                               src.span)
    if not ty.compatible(cx, a.type, b.type):
        hint = None
        if isinstance(a.type, IntT) and isinstance(b.type, IntT):
            hint = "durations are written with units: 75s, 15min"
        raise cx.abort("E301", f"cannot compare {ty.describe(a.type)} with "
                       f"{ty.describe(b.type)}", expr.span,
                       hint=hint)
    if ty.needs_convert(a.type, b.type):
        joined = ty.join(cx, a.type, b.type, expr.span)
        a = ty.coerce(cx, a, joined, left_raw.span)
        b = ty.coerce(cx, b, joined, right_raw.span)
    return co.fold(cx, ir.Binary(op, a, b, BOOL, expr.span))


def maybe_contextual(cx: Context, e: ast.Expr, scope: nm.Scope) -> ir.Expr | None:
    """Check `e` without context, or None if it needs one ({}, [], a record literal...)."""
    return None if maybe_needs_context(cx, e, scope) else check_expr(cx, e, scope)


def maybe_needs_context(cx: Context, e: ast.Expr, scope: nm.Scope) -> bool:
    """Whether `e` can only be checked knowing its type from elsewhere."""
    if isinstance(e, (ast.EmptyBraces, ast.EmptyBrackets, ast.RecordLit, ast.SeqLit)):
        return True
    if is_none(e, scope) and "none" not in cx.enum_members:
        return True
    if _ambiguous_member(cx, e, scope):
        return True
    # {{a: 1, b: true}}: the other operand says which record type
    return isinstance(e, ast.SetLit) and (
        all(_ambiguous_member(cx, x, scope) for x in e.elems)
        or any(isinstance(x, (ast.RecordLit, ast.SeqLit)) for x in e.elems))


def _ambiguous_member(cx: Context, e: ast.Expr, scope: nm.Scope) -> bool:
    """A bare name that is a value of more than one enum (and nothing else in scope)."""
    return (isinstance(e, ast.NameRef) and scope.lookup(e.name) is None
            and len(cx.enum_members.get(e.name, ())) > 1)


def article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def neg(v: int | None) -> int | None:
    return None if v is None else -v


def index_hint(t: Type) -> str | None:
    """What a constant index outside its array could have been (only integer indices can
    be: a bool or enum literal of the right type is always inside)."""
    if isinstance(t, IntT) and t.lo is not None and t.hi is not None:
        return f"the indices run from {t.lo} to {t.hi}"
    return None


def time_result(op: str, a: IntT, b: IntT) -> bool | None:
    """Whether `a op b` is a duration (True), a number (False), or meaningless (None)."""
    if not a.time and not b.time:
        return False
    if op in ("+", "-", "%"):
        return True if a.time and b.time else None
    if op == "*":
        return True if a.time != b.time else None
    if op == "/":
        if a.time and b.time:
            return False
        return True if a.time else None
    return None


def interval(op: str, a: IntT, b: IntT) -> tuple[int | None, int | None]:
    if op == "+":
        return (add(a.lo, b.lo), add(a.hi, b.hi))
    if op == "-":
        return (add(a.lo, neg(b.hi)), add(a.hi, neg(b.lo)))
    if op == "*":
        if None in (a.lo, a.hi, b.lo, b.hi):
            return (None, None)
        products = [x * y for x in (a.lo, a.hi) for y in (b.lo, b.hi)]  # type: ignore[operator]
        return (min(products), max(products))
    if op == "/":
        if None in (a.lo, a.hi, b.lo, b.hi) or (b.lo <= 0 <= b.hi):  # type: ignore[operator]
            return (None, None)
        quotients = [x // y for x in (a.lo, a.hi) for y in (b.lo, b.hi)]  # type: ignore[operator]
        return (min(quotients), max(quotients))
    if op == "%":
        if b.lo is not None and b.lo > 0 and b.hi is not None:
            return (0, b.hi - 1)
        return (None, None)
    return (None, None)


def add(x: int | None, y: int | None) -> int | None:
    return None if x is None or y is None else x + y


def abs_interval(t: IntT) -> IntT:
    if t.lo is None or t.hi is None:
        return IntT(0, None, t.time)
    if t.lo >= 0:
        return t
    if t.hi <= 0:
        return IntT(-t.hi, -t.lo, t.time)
    return IntT(0, max(-t.lo, t.hi), t.time)


def minmax(fn, x: int | None, y: int | None, unbounded_wins: bool) -> int | None:  # noqa: ANN001
    if x is None or y is None:
        if unbounded_wins:
            return None
        return y if x is None else x
    return fn(x, y)


# ---------------------------------------------------------------------------- sum (issue 17)


def sum_of_set(cx: Context, expr: ast.Call, arg: ir.Expr) -> ir.Expr:
    """`sum(S)` for a set of numbers (or durations): the range is from the sum of the
    negative elements of S's element range to the sum of its positive ones."""
    t = arg.type
    if not (isinstance(t, SetT) and isinstance(t.elem, IntT)) or t.elem.lo is None \
            or t.elem.hi is None:
        raise cx.abort("E301", f"sum needs a set of numbers, found {ty.describe(t)}",
                       expr.args[0].span, hint="sum over other values: sum(x in S: e)")
    lo, hi = t.elem.lo, t.elem.hi
    neg = _series(lo, min(hi, -1))
    pos = _series(max(lo, 1), hi)
    return co.fold(cx, ir.Call("sum", (arg,), IntT(neg, pos, t.elem.time), expr.span))


def _series(a: int, b: int) -> int:
    """a + (a + 1) + ... + b (0 when a > b)."""
    return 0 if a > b else (a + b) * (b - a + 1) // 2


def bound_call(cx: Context, expr: ast.BoundCall, scope: nm.Scope) -> ir.Expr:
    """`sum(x in S: e)`: e summed over each element x of S (once per element, so equal
    values of e all count). The range is e's range times the most elements S can have."""
    if expr.name != "sum":
        raise cx.abort("E201", f"'{expr.name}(x in S: e)' is not a built-in", expr.span,
                       hint="the only built-in over a binder is sum(x in S: e)")
    binder = expr.binder
    check_binder(cx, binder)
    domain = set_expr(cx, binder.domain, scope)
    local = ir.Local(binder.name, ty.elem_of(domain.type), span=binder.span)
    body = check_expr(cx, expr.body, scope.child({binder.name: local}))
    ck.no_clock(cx, body, expr.body.span)
    t = body.type
    if t is cxm.ERR or domain.type is cxm.ERR:
        raise cxm.Abort()
    if not isinstance(t, IntT) or t.lo is None or t.hi is None:
        raise cx.abort("E301", f"sum needs a number to add up, found {ty.describe(t)}",
                       expr.body.span)
    n = ty.elem_of(domain.type).size() or 0
    rt = IntT(min(0, t.lo * n), max(0, t.hi * n), t.time)
    return co.fold(cx, ir.SumE(local, domain, body, rt, expr.span))


def reach_of(cx: Context, expr: ast.Call, m: ir.Expr, x: ir.Expr) -> ir.Expr:
    """`reach(m, x)`, transitive closure: the values reachable from x (a value of T, or a
    set of them) in one or more steps along m: [T] -> set of T."""
    t = m.type
    if not (isinstance(t, ArrayT) and isinstance(t.elem, SetT) and t.elem.elem == t.index):
        raise cx.abort("E301", f"reach needs a map from a type T to sets of T (the edges), "
                       f"found {ty.describe(t)}", expr.args[0].span,
                       hint="var next: [Node] -> set of Node; reach(next, n)")
    node = t.index
    start = SetT(node) if isinstance(x.type, SetT) else node
    x = ty.coerce(cx, x, start, expr.args[1].span, store=True)
    if isinstance(node, IntT) and isinstance(x.type, IntT) and not ty.within(x.type, node):
        x = ir.Checked(x, node, expr.args[1].span)  # a computed start outside T: E501
    return co.fold(cx, ir.Call("reach", (m, x), SetT(node), expr.span))
