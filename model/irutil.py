"""Generic walks over the checked model: children, substitution, constant folding."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from itertools import product

from . import ir
from .interp import EvalError, evaluate
from .types import IntT

__all__ = ["children", "walk", "is_constant", "mentions_state", "mentions_clock", "substitute",
           "substitute_stmts", "fold", "argument_tuples"]


def argument_tuples(locals_: tuple[ir.Local, ...]) -> list[tuple]:
    """Every combination of values of `locals_`, the first varying slowest."""
    return [tuple(args) for args in product(*(list(local.type.values()) for local in locals_))]


def children(e: ir.Expr) -> list[ir.Expr]:
    match e:
        case ir.Index(base=b, index=i):
            return [b, i]
        case ir.Field(base=b):
            return [b]
        case ir.ClockRef(indices=idx):
            return list(idx)
        case ir.ClockAtom(clock=c):
            return [c]
        case ir.Unary(operand=o):
            return [o]
        case ir.Binary(left=a, right=b):
            return [a, b]
        case ir.Ite(cond=c, then=a, orelse=b):
            return [c, a, b]
        case ir.Quant(domain=d, body=b):
            return [d, b]
        case ir.SetLit(elems=es) | ir.SeqLit(elems=es):
            return list(es)
        case ir.RecordLit(fields=fs):
            return list(fs)
        case ir.RangeSet(lo=a, hi=b):
            return [a, b]
        case ir.SetComp(domain=d, pred=p):
            return [d, p]
        case ir.MapComp(body=b):
            return [b]
        case ir.Call(args=args):
            return list(args)
        case ir.LetE(value=v, body=b):
            return [v, b]
        case ir.Checked(value=v):
            return [v]
    return []


def walk(e: ir.Expr) -> Iterator[ir.Expr]:
    yield e
    for c in children(e):
        yield from walk(c)


def _bound_locals(e: ir.Expr) -> set[ir.Local]:
    out: set[ir.Local] = set()
    for node in walk(e):
        if isinstance(node, (ir.Quant, ir.SetComp, ir.MapComp, ir.LetE)):
            out.add(node.local)
    return out


def is_constant(e: ir.Expr) -> bool:
    """True when `e` reads no state, no clock and no free local."""
    bound = _bound_locals(e)
    for node in walk(e):
        if isinstance(node, (ir.VarRef, ir.ClockRef, ir.ClockAtom)):
            return False
        if isinstance(node, ir.LocalRef) and node.local not in bound:
            return False
    return True


def mentions_state(e: ir.Expr) -> bool:
    return any(isinstance(n, (ir.VarRef, ir.ClockRef, ir.ClockAtom)) for n in walk(e))


def mentions_clock(e: ir.Expr) -> bool:
    return any(isinstance(n, (ir.ClockRef, ir.ClockAtom)) for n in walk(e))


def fold(e: ir.Expr) -> ir.Expr:
    """`e` evaluated to a literal when it is constant (and evaluates without error)."""
    if isinstance(e, ir.Lit) or not is_constant(e):
        return e
    try:
        value = evaluate(e, (), {})
    except EvalError:
        return e  # left for run time, where the error gets its trace
    typ = e.type
    if isinstance(typ, IntT):
        typ = IntT(value, value, typ.time)  # type: ignore[arg-type]
    return ir.Lit(value, typ, e.span)


def substitute(e: ir.Expr, values: Mapping[ir.Local, ir.Expr]) -> ir.Expr:
    """`e` with the given locals replaced (by literals, usually), constant parts folded."""
    if isinstance(e, ir.LocalRef):
        return values.get(e.local, e)
    if not values or isinstance(e, (ir.Lit, ir.VarRef)):
        return e
    changes = {}
    for f in dataclasses.fields(e):  # type: ignore[arg-type]
        old = getattr(e, f.name)
        if isinstance(old, ir.Expr):
            changes[f.name] = substitute(old, values)
        elif isinstance(old, tuple) and old and isinstance(old[0], ir.Expr):
            changes[f.name] = tuple(substitute(x, values) for x in old)
    if not changes:
        return e
    return fold(dataclasses.replace(e, **changes))  # type: ignore[type-var]


def substitute_stmts(stmts: tuple[ir.Stmt, ...], values: Mapping[ir.Local, ir.Expr]
                     ) -> tuple[ir.Stmt, ...]:
    out = []
    for s in stmts:
        changes = {}
        for f in dataclasses.fields(s):  # type: ignore[arg-type]
            old = getattr(s, f.name)
            if isinstance(old, ir.Expr):
                changes[f.name] = substitute(old, values)
            elif isinstance(old, tuple) and old and isinstance(old[0], ir.Stmt):
                changes[f.name] = substitute_stmts(old, values)
        out.append(dataclasses.replace(s, **changes) if changes else s)  # type: ignore[type-var]
    return tuple(out)
