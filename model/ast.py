"""The Tock syntax tree: frozen dataclasses, one per grammar alias, each with a source span
(made by `@nodeclass`, model/nodeclass.py: the same classes, cheaper to import).

Spans are excluded from equality, so two trees parsed from differently formatted text compare
equal. The parser only builds these nodes; every check happens in later phases.
"""

from __future__ import annotations

from dataclasses import field

from .nodeclass import nodeclass
from .source import NO_SPAN, Span

__all__ = [
    # types
    "TypeExpr", "NamedType", "BoolType", "EnumType", "RangeType", "MapType", "SetType",
    "QueueType", "RecordType", "FieldType",
    # expressions
    "Expr", "IntLit", "DurationLit", "BoolLit", "NameRef", "Quantifier", "Ite", "Binary",
    "Unary", "RangeLit", "FieldAccess", "Index", "Call", "EmptyBraces", "SetLit", "SetComp",
    "RecordLit", "FieldInit", "TypeValues", "EmptyBrackets", "SeqLit", "MapComp", "Binder",
    # statements
    "Stmt", "Block", "Assign", "CallStmt", "Let", "Require", "Assert", "Reset", "Skip", "If",
    "Choose", "For",
    # declarations
    "Decl", "Formal", "ImportDecl", "ConstDecl", "ParamDecl", "TypeDecl", "VarDecl",
    "ClockDecl", "DefDecl", "ProcessDecl", "ActionDecl", "BoundDecl", "InvariantDecl",
    "MeasureDecl", "ExpectedInterval",
    "ReachableDecl", "LivenessDecl", "ExpectDecl", "ShowDecl", "AllowDecl", "ScenarioDecl",
    "StepItem",
    "StepArg",
    "WaitItem", "AssertItem", "AssumeItem", "SpecFile",
    "InitDecl", "BoundaryDecl", "BoundCall", "LivenessModeDecl",
]


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, repr=False)  # type: ignore[return-value]


# ---------------------------------------------------------------------------- types


class TypeExpr:
    """Base of the syntactic types."""

    span: Span


@nodeclass(frozen=True, slots=True)
class NamedType(TypeExpr):
    name: str
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class BoolType(TypeExpr):
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class EnumType(TypeExpr):
    members: tuple[str, ...]
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class RangeType(TypeExpr):
    lo: Expr
    hi: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class MapType(TypeExpr):
    index: tuple[TypeExpr, ...]
    elem: TypeExpr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class SetType(TypeExpr):
    elem: TypeExpr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class QueueType(TypeExpr):
    capacity: Expr
    elem: TypeExpr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class FieldType:
    name: str
    type: TypeExpr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class RecordType(TypeExpr):
    fields: tuple[FieldType, ...]
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class OptionType(TypeExpr):
    """`option T` (language v2): `none` or a value of T."""

    elem: TypeExpr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class BagType(TypeExpr):
    """`bag[N] of T` (language v2): a multiset, each value at most N times."""

    capacity: Expr
    elem: TypeExpr
    span: Span = _span()


# ---------------------------------------------------------------------------- expressions


class Expr:
    """Base of the syntactic expressions."""

    span: Span


@nodeclass(frozen=True, slots=True)
class IntLit(Expr):
    value: int
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class DurationLit(Expr):
    """A time literal such as `15s`; `millis` is its length in milliseconds."""

    millis: int
    text: str
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class BoolLit(Expr):
    value: bool
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class NameRef(Expr):
    name: str
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class TypeValues(Expr):
    """Every value of a type written in place, as a set: `set of 0..3` in an expression is
    the set of all subsets of 0..3 (`{s in set of Node | len(s) > 1}`)."""

    type: TypeExpr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class Binder:
    """`x in S` in a quantifier, a `choose` or a comprehension."""

    name: str
    domain: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class Quantifier(Expr):
    kind: str  # "forall" | "exists"
    binders: tuple[Binder, ...]
    body: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class Ite(Expr):
    cond: Expr
    then: Expr
    orelse: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class Binary(Expr):
    """`op` is one of: implies iff or and == != < <= > >= in notin subset + - union minus
    * / % intersect."""

    op: str
    left: Expr
    right: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class Unary(Expr):
    op: str  # "not" | "-"
    operand: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class RangeLit(Expr):
    lo: Expr
    hi: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class FieldAccess(Expr):
    base: Expr
    name: str
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class Index(Expr):
    base: Expr
    args: tuple[Expr, ...]
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class Call(Expr):
    name: str
    args: tuple[Expr, ...]
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class EmptyBraces(Expr):
    """`{}`: the empty set (or an empty record type error)."""

    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class SetLit(Expr):
    elems: tuple[Expr, ...]
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class SetComp(Expr):
    """`{x in S | P}`."""

    binder: Binder
    pred: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class FieldInit:
    name: str
    value: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class RecordLit(Expr):
    fields: tuple[FieldInit, ...]
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class EmptyBrackets(Expr):
    """`[]`: the empty queue."""

    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class SeqLit(Expr):
    """`[a, b, c]`: a queue's contents, head first."""

    elems: tuple[Expr, ...]
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class MapComp(Expr):
    """`[x in D -> e]`: the map from each x in D to e."""

    binder: Binder
    body: Expr
    span: Span = _span()


# ---------------------------------------------------------------------------- statements


class Stmt:
    """Base of the statements of an action body."""

    span: Span


@nodeclass(frozen=True, slots=True)
class Block:
    stmts: tuple[Stmt, ...]
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class Assign(Stmt):
    target: Expr
    value: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class CallStmt(Stmt):
    """A call used as a statement: `push(q, m)`, `pop(q)`."""

    call: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class Let(Stmt):
    name: str
    type: TypeExpr | None
    value: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class Require(Stmt):
    cond: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class Assert(Stmt):
    """`assert C` in an action: a false C is a run-time error (E507), not a blocked outcome."""

    cond: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class Reset(Stmt):
    clocks: tuple[Expr, ...]
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class Skip(Stmt):
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class If(Stmt):
    cond: Expr
    then: Block
    orelse: Block | None
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class Choose(Stmt):
    binders: tuple[Binder, ...]
    body: Block
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class For(Stmt):
    """`for k in D { ... }`: the body once per value of the constant domain D, in order
    (several binders nest, the first outermost); unrolled by the checker."""

    binders: tuple[Binder, ...]
    body: Block
    span: Span = _span()


# ---------------------------------------------------------------------------- declarations


class Decl:
    """Base of the declarations. `name_span` points at the declared name."""

    span: Span


@nodeclass(frozen=True, slots=True)
class Formal:
    """A parameter: `a: Agent`."""

    name: str
    type: TypeExpr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class ImportDecl(Decl):
    path: str
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class ConstDecl(Decl):
    name: str
    type: TypeExpr | None
    value: Expr
    span: Span = _span()
    name_span: Span = _span()


@nodeclass(frozen=True, slots=True)
class ParamDecl(Decl):
    name: str
    type: TypeExpr
    span: Span = _span()
    name_span: Span = _span()


@nodeclass(frozen=True, slots=True)
class TypeDecl(Decl):
    name: str
    type: TypeExpr
    span: Span = _span()
    name_span: Span = _span()


@nodeclass(frozen=True, slots=True)
class VarDecl(Decl):
    """`var x: T = e` (init "=") or `var x: T in S` (init "in": any element of S)."""

    name: str
    type: TypeExpr
    init_kind: str | None  # "=" | "in" | None (the type's first value)
    init: Expr | None
    span: Span = _span()
    name_span: Span = _span()


@nodeclass(frozen=True, slots=True)
class ClockDecl(Decl):
    name: str
    index: tuple[TypeExpr, ...]
    span: Span = _span()
    name_span: Span = _span()


@nodeclass(frozen=True, slots=True)
class DefDecl(Decl):
    name: str
    params: tuple[Formal, ...]
    type: TypeExpr | None
    body: Expr
    span: Span = _span()
    name_span: Span = _span()


@nodeclass(frozen=True, slots=True)
class ActionDecl(Decl):
    """An action; a `timeout` is an action whose `after` names the clock reaching its deadline."""

    name: str
    params: tuple[Formal, ...]
    guard: Expr | None
    body: Block
    after: Expr | None = None
    span: Span = _span()
    name_span: Span = _span()
    fairness: str | None = None  # "weak" | "strong"


@nodeclass(frozen=True, slots=True)
class BoundDecl(Decl):
    """`bound c <= K while COND`: time cannot pass beyond K on c while COND holds."""

    constraint: Expr
    cond: Expr | None
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class ProcessDecl(Decl):
    name: str
    params: tuple[Formal, ...]
    items: tuple[Decl, ...]
    span: Span = _span()
    name_span: Span = _span()
    fairness: str | None = None  # "weak" | "strong": every action of each instance


@nodeclass(frozen=True, slots=True)
class InvariantDecl(Decl):
    name: str
    expr: Expr
    span: Span = _span()
    name_span: Span = _span()


@nodeclass(frozen=True, slots=True)
class ReachableDecl(Decl):
    name: str
    expr: Expr
    span: Span = _span()
    name_span: Span = _span()


@nodeclass(frozen=True, slots=True)
class LivenessDecl(Decl):
    """`property NAME: P ~> Q [within T]`; `always eventually Q` is `true ~> Q`."""

    name: str
    p: Expr
    q: Expr
    within: Expr | None
    span: Span = _span()
    name_span: Span = _span()
    binders: tuple[Binder, ...] = ()  # `forall x in S: P ~> Q`: one leads-to per x


@nodeclass(frozen=True, slots=True)
class MeasureDecl(Decl):
    """`measure NAME: CLOCK [when COND]` (kind "clock": `value` is the clock, `cond` COND or
    None) or `measure NAME: P ~> Q` (kind "delay": `value` is P, `cond` is Q)."""

    name: str
    kind: str  # "clock" | "delay"
    value: Expr
    cond: Expr | None
    span: Span = _span()
    name_span: Span = _span()


@nodeclass(frozen=True, slots=True)
class ShowDecl(Decl):
    """`show NAME = expr`: a derived column of every trace."""

    name: str
    expr: Expr
    span: Span = _span()
    name_span: Span = _span()


@nodeclass(frozen=True, slots=True)
class ExpectedInterval:
    """`[lo, hi]`, `(lo, hi]`, ...: `hi` None is `inf`."""

    lo: Expr | None  # None: `inf` written as the lower end (an error)
    lo_closed: bool
    hi: Expr | None
    hi_closed: bool
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class ExpectDecl(Decl):
    name: str
    verdict: str  # "holds" | "fails" | "==" (a measure's interval: `interval`)
    when: Expr | None  # a constant condition: the expectation applies when it is true
    span: Span = _span()
    name_span: Span = _span()
    interval: ExpectedInterval | None = None


@nodeclass(frozen=True, slots=True)
class AllowDecl(Decl):
    what: str
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class StepArg:
    name: str | None
    value: Expr  # NameRef("_") is a wildcard
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class StepItem:
    action: str
    args: tuple[StepArg, ...]
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class WaitItem:
    duration: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class AssertItem:
    expr: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class AssumeItem:
    expr: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class ScenarioDecl(Decl):
    name: str
    strict: bool
    items: tuple[StepItem | WaitItem | AssertItem | AssumeItem, ...]
    span: Span = _span()
    name_span: Span = _span()


@nodeclass(frozen=True, slots=True)
class SpecFile:
    """One parsed file: its `spec` name (or None) and its declarations in order."""

    name: str | None
    decls: tuple[Decl, ...]
    file: str
    span: Span = _span()


# ---------------------------------------------------------------------------- issue 17


@nodeclass(frozen=True, slots=True)
class InitDecl(Decl):
    """`init [NAME]: P`: the initial states are the assignments where every init holds."""

    name: str | None
    expr: Expr
    span: Span = _span()
    name_span: Span = _span()


@nodeclass(frozen=True, slots=True)
class BoundaryDecl(Decl):
    """`boundary NAME: P`: a state where P is false is checked but not expanded (TLC's
    CONSTRAINT)."""

    name: str
    expr: Expr
    span: Span = _span()
    name_span: Span = _span()


@nodeclass(frozen=True, slots=True)
class BoundCall(Expr):
    """`sum(x in S: e)`: a built-in over the elements of a binder's domain."""

    name: str
    binder: Binder
    body: Expr
    span: Span = _span()


@nodeclass(frozen=True, slots=True)
class LivenessModeDecl(Decl):
    """`liveness maximal` | `liveness stuttering`: which runs a leads-to is judged on."""

    mode: str
    span: Span = _span()
    name_span: Span = _span()


__all__ += ["OptionType", "BagType"]  # language v2 (issue 17)
