"""Clocks: clock comparisons as atoms, where a clock may appear, clock array elements, and
the clocks named by bounds.
"""

from __future__ import annotations

from .. import ast, ir
from ..interp import EvalError, evaluate
from ..irutil import argument_tuples
from ..irutil import mentions_state as _mentions_state
from ..source import Span
from ..types import IntT, format_value
from . import context as cxm
from . import expressions as ex
from . import names as nm
from . import types as ty
from .context import Context

# instances of a bound checked one by one; beyond this the spec has more process or action
# instances than model.limits allows (10,000 and 20,000), so it is refused there
MAX_ENUMERATED = 20_000


def check_bound_clock(cx: Context, locals_: tuple[ir.Local, ...], atom: ir.ClockAtom) -> None:
    """A bound (or a timeout's deadline) limits time in every state, so the clock it
    names must exist in each of its instances: an index may vary with the instance (a
    process index, a timeout parameter) but must stay inside the clock array, and one
    that reads the state must have a type inside it."""
    for idx, typ in zip(atom.clock.indices, atom.clock.clock.index_types):
        if ty.within(idx.type, typ):
            continue
        if _mentions_state(idx):
            raise cx.abort("E310", f"this clock index may be outside {typ}", idx.span,
                           hint=f"a bound applies in every state: index it with a value "
                           f"whose type is inside {typ} (this one ranges over "
                           f"{idx.type})")
        count = 1
        for local in locals_:
            count *= local.type.size() or 0
        if count > MAX_ENUMERATED:
            continue  # more instances than any spec may have: model.limits refuses it (E402)
        for args in argument_tuples(locals_):
            env = dict(zip(locals_, args))
            try:
                value = evaluate(idx, (), env)
            except EvalError as err:
                raise cx.abort(err.code, err.message, err.span) from None
            if not typ.contains(value):
                where = ", ".join(f"{x.name} = {format_value(x.type, v)}"
                                  for x, v in zip(locals_, args) if x.type is not cxm.ERR)
                raise cx.abort("E304", f"index {value} is outside {typ} "
                               f"(where {where})", idx.span,
                               hint="every instance of a bound or timeout must name a "
                               "clock of the array")


def clock_atom(cx: Context, op: str, a: ir.Expr, b: ir.Expr, expr: ast.Binary) -> ir.Expr:
    flip = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
    if isinstance(a, ir.ClockRef) and isinstance(b, ir.ClockRef):
        raise cx.abort("E310", "comparing two clocks (a diagonal constraint) is not "
                       "supported", expr.span, hint="compare each clock with a constant")
    clock, other, src = (a, b, expr.right) if isinstance(a, ir.ClockRef) else (b, a, expr.left)
    if clock is b:
        op = flip[op]
    assert isinstance(clock, ir.ClockRef)
    if len(clock.indices) != len(clock.clock.index_types):
        raise cx.abort("E306", f"clock array '{clock.clock.local_name}' needs an index",
                       expr.span)
    if op == "!=":
        raise cx.abort("E310", "'!=' on a clock is not a zone", expr.span,
                       hint="write c < K or c > K")
    if other.type is cxm.ERR:
        raise cxm.Abort()
    if not isinstance(other, ir.Lit):
        raise cx.abort("E310", "a clock is compared with a constant duration, not with "
                       "a variable", src.span,
                       hint="zones need constant bounds; declare the bound with const")
    if not (isinstance(other.type, IntT) and other.type.time):
        raise cx.abort("E301", "a clock is compared with a duration, found "
                       f"{ty.describe(other.type)}", src.span,
                       hint=f"write {other.value}s or {other.value}ms")
    if int(other.value) < 0:  # type: ignore[call-overload]
        raise cx.abort("E310", "clock bounds are not negative", src.span)
    assert isinstance(clock, ir.ClockRef)
    return ir.ClockAtom(clock, op, int(other.value), span=expr.span)  # type: ignore[call-overload]


def no_clock(cx: Context, e: ir.Expr, span: Span) -> None:
    if isinstance(e, ir.ClockRef):
        raise cx.abort("E310", "a clock can only be compared with a duration or reset",
                       span, hint="c >= 15s, c < 2min, reset c")


def negate_atom(a: ir.ClockAtom) -> ir.ClockAtom:
    neg = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}
    return ir.ClockAtom(a.clock, neg[a.op], a.bound, span=a.span)


def clock_element(cx: Context, sym: nm.Sym, expr: ast.Index, scope: nm.Scope) -> ir.ClockRef:
    """`c[i]` for a clock array `c` named directly (its process's own indices implied)."""
    clock = sym.resolved
    if not isinstance(clock, ir.Clock):
        raise cxm.Abort()
    own = len(sym.process.process.locals) if sym.process else 0
    declared = clock.index_types[own:]
    if len(expr.args) != len(declared):
        raise cx.abort("E306", f"clock '{sym.name}' takes {len(declared)} index"
                       f"{'es' if len(declared) != 1 else ''}", expr.span)
    if not scope.clocks:
        raise cx.abort("E310", f"clock '{sym.name}' can only be compared in "
                       "guards, bounds, timeouts and properties", expr.span)
    base_ref = ex.sym_value(cx, sym, expr.base, scope, None) if sym.process is None \
        or scope.process is sym.process else None
    if base_ref is None:
        raise cx.abort("E201", f"'{sym.name}' belongs to process "
                       f"{sym.process.decl.name}", expr.span)  # type: ignore[union-attr]
    assert isinstance(base_ref, ir.ClockRef)
    idx = [ex.index_value(cx, ex.check_expr(cx, a, scope, t), t, a.span)
           for a, t in zip(expr.args, declared)]
    return ir.ClockRef(clock, base_ref.indices + tuple(idx), span=expr.span)


def clock_subarray(cx: Context, base: ir.ClockRef, expr: ast.Index,
                   scope: nm.Scope) -> ir.ClockRef:
    """A process clock array reached through agent[i].c[...]."""
    declared = base.clock.index_types[len(base.indices):]
    if len(expr.args) != len(declared):
        raise cx.abort("E306", f"clock '{base.clock.local_name}' takes "
                       f"{len(declared)} more index(es)", expr.span)
    idx = [ex.index_value(cx, ex.check_expr(cx, a, scope, t), t, a.span)
           for a, t in zip(expr.args, declared)]
    return ir.ClockRef(base.clock, base.indices + tuple(idx), span=expr.span)
