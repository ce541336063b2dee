"""Generic walks over the checked model: children, substitution, constant folding.

`walk` is iterative. `substitute` and `fold` recurse, one level per level of the
expression, which model.limits bounds (MAX_IR_DEPTH, definitions expanded) before anything
is compiled."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from itertools import product

from . import ir
from .interp import EvalError, evaluate
from .types import ArrayT, IntT, OptionT, RecordT, SetT

__all__ = ["children", "walk", "is_constant", "mentions_state", "mentions_clock", "substitute",
           "substitute_stmts", "fold", "argument_tuples", "miniscope", "can_fail",
           "SubstMemo"]


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
    """`e` and every expression inside it, parents first, children left to right (without
    recursion: however deep `e` is)."""
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        kids = children(node)
        if kids:
            stack.extend(reversed(kids))


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
    return _evaluated(e)


def _evaluated(e: ir.Expr) -> ir.Expr:
    """A constant `e` as a literal (itself when it fails to evaluate)."""
    try:
        value = evaluate(e, (), {})
    except EvalError:
        return e  # left for run time, where the error gets its trace
    typ = e.type
    if isinstance(typ, IntT):
        typ = IntT(value, value, typ.time)  # type: ignore[arg-type]
    return ir.Lit(value, typ, e.span)


def substitute(e: ir.Expr, values: Mapping[ir.Local, ir.Expr],
               memo: SubstMemo | None = None) -> ir.Expr:
    """`e` with the given locals replaced (by literals, usually), constant parts folded.
    With `memo`, the result for one of its roots under the same values is taken from it
    (SubstMemo)."""
    if isinstance(e, ir.LocalRef):
        return values.get(e.local, e)
    if not values:
        return e
    if memo is not None:
        vkey = memo.values_key(values)
        if vkey is not None:
            return _substitute(e, values, {}, memo, vkey)
    return _substitute(e, values, {})


class SubstMemo:
    """Results of substitute, miniscope and can_fail kept for reuse, for a family of
    models that share subtrees: a scenario product's actions are the spec's with a
    conjunct added to the guard and statements to the body (model.products), so each
    product specialises the spec's guards and statements to the same arguments again.
    Substitution is remembered only at `roots` (the spec's guards and statements, by
    id, each entry holding its node so that no id is reused while the memo lives);
    miniscope and can_fail, pure functions of one node, at every node they are asked
    about. The answers are those the functions give: the memo changes no result."""

    def __init__(self, roots: Iterable[object] = ()):
        self.kept: list[object] = []  # the roots, alive while the memo is
        self.roots: set[int] = set()
        self.subst: dict[tuple[int, tuple], tuple[object, object, _Facts | None]] = {}
        self.scoped: dict[int, tuple[ir.Expr, ir.Expr]] = {}
        self.fails: dict[int, tuple[ir.Expr, bool]] = {}
        self.add_roots(roots)

    def add_roots(self, roots: Iterable[object]) -> None:
        for node in roots:
            if node is not None and id(node) not in self.roots:
                self.kept.append(node)
                self.roots.add(id(node))

    @staticmethod
    def values_key(values: Mapping[ir.Local, ir.Expr]) -> tuple | None:
        """A key for `values` (locals by id, literal values), or None (not hashable, or
        not all literals: not remembered)."""
        parts = []
        for local, v in values.items():
            if not isinstance(v, ir.Lit):
                return None
            parts.append((id(local), v.value))
        key = tuple(parts)
        try:
            hash(key)
        except TypeError:
            return None
        return key

    def clear(self) -> None:
        self.subst.clear()
        self.scoped.clear()
        self.fails.clear()


# What is_constant reads of an expression, gathered bottom-up: whether it mentions state or
# clocks, the locals it refers to, the locals bound inside it. Constant: no state, and
# every local referred to is bound inside.
_Facts = tuple[bool, frozenset, frozenset]
_NONE: frozenset = frozenset()


def _facts(e: ir.Expr, known: dict[int, tuple[ir.Expr, _Facts]]) -> _Facts:
    """The facts of `e` from those of its children (`known`, by id, each entry holding its
    expression so that no id is reused while the table lives; any child not in it is
    walked)."""
    state = isinstance(e, (ir.VarRef, ir.ClockRef, ir.ClockAtom))
    refs = frozenset((e.local,)) if isinstance(e, ir.LocalRef) else _NONE
    bound = frozenset((e.local,)) if isinstance(e, (ir.Quant, ir.SetComp, ir.MapComp,
                                                    ir.LetE)) else _NONE
    for child in children(e):
        entry = known.get(id(child))
        if entry is None or entry[0] is not child:
            facts = _walked_facts(child)
        else:
            facts = entry[1]
        state = state or facts[0]
        if facts[1]:
            refs = refs | facts[1]
        if facts[2]:
            bound = bound | facts[2]
    return state, refs, bound


def _walked_facts(e: ir.Expr) -> _Facts:
    state = False
    refs: set[ir.Local] = set()
    bound: set[ir.Local] = set()
    for node in walk(e):
        if isinstance(node, (ir.VarRef, ir.ClockRef, ir.ClockAtom)):
            state = True
        elif isinstance(node, ir.LocalRef):
            refs.add(node.local)
        if isinstance(node, (ir.Quant, ir.SetComp, ir.MapComp, ir.LetE)):
            bound.add(node.local)
    return state, frozenset(refs), frozenset(bound)


def _substitute(e: ir.Expr, values: Mapping[ir.Local, ir.Expr],
                known: dict[int, tuple[ir.Expr, _Facts]], memo: SubstMemo | None = None,
                vkey: tuple | None = None) -> ir.Expr:
    """substitute(), with the facts of every expression it returns kept in `known`, so
    that deciding whether a changed node folds reads its children's facts instead of
    walking its subtree again (which made substitution quadratic in the depth)."""
    if memo is not None and id(e) in memo.roots:
        hit = memo.subst.get((id(e), vkey))  # type: ignore[arg-type]
        if hit is not None and hit[0] is e:
            out, facts = hit[1], hit[2]
            assert isinstance(out, ir.Expr) and facts is not None
            known[id(out)] = (out, facts)
            return out
        out = _substitute(e, values, known, None)
        memo.subst[(id(e), vkey)] = (e, out, known[id(out)][1])  # type: ignore[index]
        return out
    if isinstance(e, ir.LocalRef):
        out = values.get(e.local, e)
        known[id(out)] = (out, _facts(out, known) if out is e else _walked_facts(out))
        return out
    if isinstance(e, (ir.Lit, ir.VarRef)):
        known[id(e)] = (e, (isinstance(e, ir.VarRef), _NONE, _NONE))
        return e
    changes = {}
    for f in dataclasses.fields(e):  # type: ignore[arg-type]
        old = getattr(e, f.name)
        if isinstance(old, ir.Expr):
            changes[f.name] = _substitute(old, values, known, memo, vkey)
        elif isinstance(old, tuple) and old and isinstance(old[0], ir.Expr):
            changes[f.name] = tuple(_substitute(x, values, known, memo, vkey) for x in old)
    if not changes:
        known[id(e)] = (e, _facts(e, known))
        return e
    new = dataclasses.replace(e, **changes)  # type: ignore[type-var]
    facts = _facts(new, known)
    if not facts[0] and facts[1] <= facts[2]:  # constant: fold it (as fold() does)
        new = _evaluated(new)
        if isinstance(new, ir.Lit):
            facts = (False, _NONE, _NONE)
    known[id(new)] = (new, facts)
    return new


def stmt_parts(s: ir.Stmt) -> Iterator[ir.Expr | tuple[ir.Stmt, ...]]:
    """A statement's expressions and its blocks of statements (an `if`'s branches, a
    `choose`'s body), field by field."""
    for name in s.__dataclass_fields__:  # type: ignore[attr-defined]
        value = getattr(s, name)
        if isinstance(value, ir.Expr) or \
                (isinstance(value, tuple) and value and isinstance(value[0], ir.Stmt)):
            yield value


def substitute_stmts(stmts: tuple[ir.Stmt, ...], values: Mapping[ir.Local, ir.Expr],
                     memo: SubstMemo | None = None) -> tuple[ir.Stmt, ...]:
    vkey = memo.values_key(values) if memo is not None and values else None
    out = []
    for s in stmts:
        if vkey is not None and id(s) in memo.roots:  # type: ignore[union-attr]
            hit = memo.subst.get((id(s), vkey))  # type: ignore[union-attr]
            if hit is None or hit[0] is not s:
                hit = (s, substitute_stmts((s,), values)[0], None)
                memo.subst[(id(s), vkey)] = hit  # type: ignore[union-attr]
            out.append(hit[1])
            continue
        changes = {}
        for f in dataclasses.fields(s):  # type: ignore[arg-type]
            old = getattr(s, f.name)
            if isinstance(old, ir.Expr):
                changes[f.name] = substitute(old, values)
            elif isinstance(old, tuple) and old and isinstance(old[0], ir.Stmt):
                changes[f.name] = substitute_stmts(old, values)
        out.append(dataclasses.replace(s, **changes) if changes else s)  # type: ignore[type-var]
    return tuple(out)


def _mentions_local(e: ir.Expr, local: ir.Local) -> bool:
    return any(isinstance(n, ir.LocalRef) and n.local is local for n in walk(e))


def _flatten(e: ir.Expr, op: str) -> list[ir.Expr]:
    if isinstance(e, ir.Binary) and e.op == op:
        return _flatten(e.left, op) + _flatten(e.right, op)
    return [e]


def _join(parts: list[ir.Expr], op: str) -> ir.Expr:
    out = parts[0]
    for p in parts[1:]:
        out = ir.Binary(op, out, p, out.type, out.span)
    return out


def can_fail(e: ir.Expr, memo: SubstMemo | None = None) -> bool:
    """Whether evaluating `e` might raise a run-time error (conservatively). With `memo`,
    a subtree it has an answer for is not walked again (the answer is remembered for
    `e`)."""
    if memo is None:
        return _can_fail(walk(e))
    fails = memo.fails
    hit = fails.get(id(e))
    if hit is not None and hit[0] is e:
        return hit[1]
    answer = False
    stack = [e]
    while stack:
        node = stack.pop()
        known = fails.get(id(node)) if node is not e else None
        if known is not None and known[0] is node:
            if known[1]:
                answer = True
                break
            continue
        if _can_fail((node,)):
            answer = True
            break
        kids = children(node)
        if kids:
            stack.extend(reversed(kids))
    fails[id(e)] = (e, answer)
    return answer


def _can_fail(nodes: Iterable[ir.Expr]) -> bool:
    for n in nodes:
        match n:
            case ir.Index(base=base, index=index) if isinstance(index.type, (RecordT, OptionT)):
                # language v2 keys: only a key of exactly the index type cannot miss
                if not (isinstance(base.type, ArrayT) and base.type.index == index.type):
                    return True
            case ir.Call(fn="get" | "some" | "at" | "count"):  # language v2: E508/E501/E502
                return True
            case ir.Index(base=base, index=index):
                it, dom = index.type, base.type.index if isinstance(base.type, ArrayT) else None
                if not (isinstance(dom, type(it)) and (not isinstance(it, IntT) or (
                        it.lo is not None and it.hi is not None and dom.lo <= it.lo
                        and it.hi <= dom.hi))):
                    return True
            case ir.Binary(op="/" | "%", right=r):
                t = r.type
                if not (isinstance(t, IntT) and t.lo is not None and t.hi is not None
                        and (t.lo > 0 or t.hi < 0)):
                    return True
            case ir.Call(fn="head"):
                return True
            case ir.Call(fn="min" | "max", args=args) if len(args) == 1:
                return True
            case ir.Checked() | ir.SetLit() | ir.RecordLit() | ir.SeqLit() | ir.MapComp():
                return True
            case ir.Quant(domain=d) if not isinstance(d.type, SetT):
                return True
    return False


def miniscope(e: ir.Expr, memo: SubstMemo | None = None) -> ir.Expr:
    """Quantifiers pushed inwards, so generated code evaluates each part once:
    `exists x: (a(x) and b)` becomes `(exists x: a(x)) and b`, `forall x: (a and b)`
    becomes `(forall x: a) and (forall x: b)`; likewise for `or`. Equivalent for every
    domain (an empty one included). Reordering could change which run-time error comes
    first, so expressions that can fail at run time are left as they are. With `memo`,
    a node it has the answer for is not scoped again."""
    if memo is None:
        return _miniscope(e, None)
    hit = memo.scoped.get(id(e))
    if hit is not None and hit[0] is e:
        return hit[1]
    out = _miniscope(e, memo)
    memo.scoped[id(e)] = (e, out)
    return out


def _miniscope(e: ir.Expr, memo: SubstMemo | None) -> ir.Expr:
    if can_fail(e, memo):
        return e
    if isinstance(e, ir.Binary) and e.op in ("and", "or", "implies", "iff"):
        return dataclasses.replace(e, left=miniscope(e.left, memo),
                                   right=miniscope(e.right, memo))
    if isinstance(e, ir.Unary) and e.op == "not":
        return dataclasses.replace(e, operand=miniscope(e.operand, memo))
    if not isinstance(e, ir.Quant):
        return e
    body = miniscope(e.body, memo)
    local = e.local
    # distribute forall over and, exists over or
    split = "and" if e.kind == "forall" else "or"
    pieces = _flatten(body, split)
    if len(pieces) > 1:
        return _join([miniscope(dataclasses.replace(e, body=p), memo) for p in pieces], split)
    # move parts that do not mention the bound name out: forall over or, exists over and
    other = "or" if e.kind == "forall" else "and"
    parts = _flatten(body, other)
    dependent = [p for p in parts if _mentions_local(p, local)]
    independent = [p for p in parts if not _mentions_local(p, local)]
    if not independent or not dependent:
        return dataclasses.replace(e, body=body)
    inner = dataclasses.replace(e, body=_join(dependent, other))
    return _join([miniscope(inner, memo)] + independent, other)
