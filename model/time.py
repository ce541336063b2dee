"""Time in a checked model: how clocks are numbered and named, the constants they are
compared with, DBM constraints of clock comparisons, and properties over clocks in normal
form. The code generation of the timed targets is in model.codegen.

Clocks are numbered from 1 (0 is the reference clock of a DBM): element k of a clock array
declared as `ir.Clock` is clock `first + k + 1`. A clock constraint is a triple (i, j, raw):
x_i - x_j ≺ c, with raw = (c << 1) | (1 for <=, 0 for <), the encoding checker.dbm uses.
"""

from __future__ import annotations

import math
from itertools import product

from . import ir
from .interp import clock_index, domain_values, evaluate
from .irutil import mentions_clock, walk
from .source import Span
from .types import format_value

__all__ = ["Constraint", "raw_bound", "atom_constraints", "clock_names", "static_number",
           "all_numbers", "clock_atoms", "time_constants", "clock_constants",
           "discrete_refusal", "default_tick", "clock_dnf"]

Constraint = tuple[int, int, int]


def raw_bound(c: int, strict: bool) -> int:
    return (c << 1) | (0 if strict else 1)


def atom_constraints(x: int, op: str, k: int) -> tuple[Constraint, ...]:
    """The DBM constraints of `x op k`."""
    if op == "<=":
        return ((x, 0, raw_bound(k, False)),)
    if op == "<":
        return ((x, 0, raw_bound(k, True)),)
    if op == ">=":
        return ((0, x, raw_bound(-k, False)),)
    if op == ">":
        return ((0, x, raw_bound(-k, True)),)
    assert op == "=="
    return ((x, 0, raw_bound(k, False)), (0, x, raw_bound(-k, False)))


def clock_names(model: ir.Model) -> list[str]:
    """Display names by clock number (index 0 is the reference clock `0`):
    `since`, `silent[2]`, `agent[1].down`, `exec[1,2].wait[3]`."""
    own = {p.name: len(p.locals) for p in model.processes}
    names = ["0"]
    for clock in model.clocks:
        if not clock.index_types:
            names.append(clock.name)
            continue
        for combo in product(*(list(t.values()) for t in clock.index_types)):
            idx = [format_value(t, v) for t, v in zip(clock.index_types, combo)]
            if clock.process is not None:
                k = own.get(clock.process, 0)
                head, tail = idx[:k], idx[k:]
                name = (f"{clock.process}[{','.join(head)}].{clock.local_name}" if head
                        else f"{clock.process}.{clock.local_name}")
                names.append(name + (f"[{','.join(tail)}]" if tail else ""))
            else:
                names.append(f"{clock.name}[{','.join(idx)}]")
    return names


def static_number(ref: ir.ClockRef) -> int | None:
    """The number of the clock `ref` names, when its indices are literals inside the
    array (None: computed, or folded outside the array, and so checked at run time)."""
    clock = ref.clock
    pos = 0
    for typ, idx in zip(clock.index_types, ref.indices):
        if not isinstance(idx, ir.Lit) or not typ.contains(idx.value):
            return None
        pos = pos * (typ.size() or 0) + typ.ordinal(idx.value)
    return clock.first + 1 + pos


def all_numbers(clock: ir.Clock) -> range:
    """The numbers of every element of a clock (array)."""
    return range(clock.first + 1, clock.first + 1 + clock.count)


def clock_atoms(e: ir.Expr) -> list[ir.ClockAtom]:
    return [n for n in walk(e) if isinstance(n, ir.ClockAtom)]


def time_constants(model: ir.Model) -> list[int]:
    """Every time constant a clock is compared with (ms), and every scenario wait."""
    out: list[int] = []
    for action in model.actions:
        out.extend(a.bound for a in action.clock_guard)
    for bound in model.bounds:
        out.append(bound.atom.bound)
    for prop in model.properties:
        out.extend(a.bound for a in clock_atoms(prop.expr))
    return out


def clock_constants(model: ir.Model) -> tuple[list[int], list[int]]:
    """The largest lower- and upper-bound constant of each clock (-1: never compared)."""
    n = model.n_clocks + 1
    lower = [-1] * n
    upper = [-1] * n

    def note(ref: ir.ClockRef, op: str, k: int) -> None:
        x = static_number(ref)
        for y in ([x] if x is not None else all_numbers(ref.clock)):
            if op in (">=", ">", "==", "both"):
                lower[y] = max(lower[y], k)
            if op in ("<=", "<", "==", "both"):
                upper[y] = max(upper[y], k)

    for action in model.actions:
        for a in action.clock_guard:
            note(a.clock, a.op, a.bound)
    for bound in model.bounds:
        note(bound.atom.clock, bound.atom.op, bound.atom.bound)
    for prop in model.properties:
        for a in clock_atoms(prop.expr):
            note(a.clock, "both", a.bound)
    return lower, upper


def discrete_refusal(model: ir.Model) -> tuple[str, Span] | None:
    """Why the discrete engine would be unsound here (a strict clock constraint), or None."""
    for action in model.actions:
        for a in action.clock_guard:
            if a.op in ("<", ">"):
                return (f"action {action.name} compares a clock strictly ({a.op})", a.span)
    for bound in model.bounds:
        if bound.atom.op == "<":
            return ("a bound is strict (<)", bound.atom.span)
    for prop in model.properties:
        for a in clock_atoms(prop.expr):
            if a.op in ("<", ">", "!=") and not a.clock.clock.hidden:  # monitors: exact
                return (f"property {prop.name} compares a clock strictly", a.span)
    return None


def default_tick(model: ir.Model) -> int:
    """The discrete engine's tick (ms): the gcd of the time constants (1 s if none)."""
    constants = [k for k in time_constants(model) if k > 0]
    return math.gcd(*constants) if constants else 1000


# ---------------------------------------------------------------------------- clock formulas


def clock_dnf(expr: ir.Expr, values: tuple, negate: bool = False,
              env: dict | None = None) -> list[tuple[Constraint, ...]]:
    """A property over clocks, in a discrete state (`values`), as a disjunction of
    conjunctions of DBM constraints; with `negate`, the formula's negation. The discrete
    parts are evaluated with the reference interpreter."""
    env = dict(env or {})

    def both(a: list, b: list) -> list:
        return [x + y for x in a for y in b]

    def timed(e: ir.Expr) -> bool:
        hit = _MENTIONS_CLOCK.get(id(e))
        if hit is None or hit[0] is not e:
            hit = _MENTIONS_CLOCK[id(e)] = (e, mentions_clock(e))
        return hit[1]

    def conjunction(a: ir.Expr, b: ir.Expr, neg_a: bool, neg_b: bool) -> list:
        first = go(a, neg_a)
        return both(first, go(b, neg_b)) if first else []

    def go(e: ir.Expr, neg: bool) -> list[tuple[Constraint, ...]]:
        if not timed(e):
            truth = bool(evaluate(e, values, env))
            return [()] if truth != neg else []
        match e:
            case ir.ClockAtom(clock=ref, op=op, bound=k):
                x = clock_index(ref, values, env) + 1
                if not neg:
                    return [atom_constraints(x, op, k)]
                if op == "==":
                    return [atom_constraints(x, "<", k), atom_constraints(x, ">", k)]
                flipped = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}[op]
                return [atom_constraints(x, flipped, k)]
            case ir.Unary(op="not", operand=a):
                return go(a, not neg)
            case ir.Binary(op="and", left=a, right=b):
                return go(a, True) + go(b, True) if neg else conjunction(a, b, False, False)
            case ir.Binary(op="or", left=a, right=b):
                return conjunction(a, b, True, True) if neg else go(a, False) + go(b, False)
            case ir.Binary(op="implies", left=a, right=b):
                return conjunction(a, b, False, True) if neg else go(a, True) + go(b, False)
            case ir.Binary(op="iff", left=a, right=b):
                same = both(go(a, False), go(b, False)) + both(go(a, True), go(b, True))
                differ = both(go(a, False), go(b, True)) + both(go(a, True), go(b, False))
                return differ if neg else same
            case ir.Ite(cond=c, then=a, orelse=b):
                return (both(go(c, False), go(a, neg)) + both(go(c, True), go(b, neg)))
            case ir.Quant(kind=kind, local=local, domain=domain, body=body):
                parts = []
                for v in domain_values(domain, values, env):
                    env[local] = v
                    parts.append(go(body, neg))
                env.pop(local, None)
                conjunctive = (kind == "forall") != neg
                if conjunctive:
                    out: list = [()]
                    for p in parts:
                        out = both(out, p)
                    return out
                return [c for p in parts for c in p]
            case ir.LetE(local=local, value=value, body=body):
                env[local] = evaluate(value, values, env)
                return go(body, neg)
        raise TypeError(f"cannot put {type(e).__name__} over clocks in normal form")

    return go(expr, negate)


# whether a property's subexpression mentions a clock, by identity (the object is kept so
# that its id is not reused): clock_dnf runs once per symbolic state
_MENTIONS_CLOCK: dict[int, tuple[ir.Expr, bool]] = {}
