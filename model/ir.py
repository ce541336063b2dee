"""The checked model: names resolved, types known, constants folded.

This is what the compiler and the reference interpreter consume. Expressions carry their
semantic type; local variables (action parameters, quantifier and choose binders, lets) are
`Local` objects compared by identity, so no name lookups remain.
"""

from __future__ import annotations

import itertools
from dataclasses import field

from .nodeclass import nodeclass
from .source import NO_SPAN, Span
from .types import BOOL, CLOCK, Type, Value

__all__ = [
    "Local", "Expr", "Lit", "VarRef", "LocalRef", "Index", "Field", "ClockRef", "ClockAtom",
    "Unary", "Binary", "Ite", "Quant", "SetLit", "RangeSet", "SetComp", "RecordLit", "SeqLit",
    "MapComp", "Call", "LetE", "Checked",
    "Stmt", "Assign", "IfS", "ChooseS", "RequireS", "AssertS", "LetS", "ResetS", "PushS", "PopS",
    "Variable", "Clock", "Process", "Action", "Bound", "Property", "ResponseMonitor", "Derived",
    "Liveness", "Interval", "Measure", "ScenarioStep",
    "ScenarioWait", "ScenarioAssert", "ScenarioAssume", "Scenario", "Model",
    "InitPred", "SumE",
]

_uid = itertools.count()


@nodeclass(frozen=True, slots=True, eq=False)
class Local:
    """A bound name. Identity is the binding: two `Local`s named `x` are different."""

    name: str
    type: Type
    uid: int = field(default_factory=lambda: next(_uid))
    span: Span = field(default=NO_SPAN, repr=False)


# ---------------------------------------------------------------------------- expressions


class Expr:
    type: Type
    span: Span


def _sp() -> Span:
    return field(default=NO_SPAN, compare=False, repr=False)  # type: ignore[return-value]


@nodeclass(frozen=True, slots=True)
class Lit(Expr):
    value: Value
    type: Type
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class VarRef(Expr):
    var: Variable
    type: Type
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class LocalRef(Expr):
    local: Local
    type: Type
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class Index(Expr):
    """`base[index]` for an array; `index` has the array's index type (checked at run time
    when its interval is wider)."""

    base: Expr
    index: Expr
    type: Type
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class Field(Expr):
    base: Expr
    name: str
    position: int
    type: Type
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class ClockRef(Expr):
    """A clock, or one element of a clock array (`indices` as many as its index types)."""

    clock: Clock
    indices: tuple[Expr, ...]
    type: Type = CLOCK
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class ClockAtom(Expr):
    """`clock op bound`, op in < <= == >= >, bound a constant in milliseconds."""

    clock: ClockRef
    op: str
    bound: int
    type: Type = BOOL
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class Unary(Expr):
    op: str  # "not" | "-"
    operand: Expr
    type: Type
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr
    type: Type
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class Ite(Expr):
    cond: Expr
    then: Expr
    orelse: Expr
    type: Type
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class Quant(Expr):
    kind: str  # "forall" | "exists"
    local: Local
    domain: Expr  # set-typed
    body: Expr
    type: Type = BOOL
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class SetLit(Expr):
    elems: tuple[Expr, ...]
    type: Type
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class RangeSet(Expr):
    """`lo..hi` as a set of ints (empty when lo > hi)."""

    lo: Expr
    hi: Expr
    type: Type
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class SetComp(Expr):
    local: Local
    domain: Expr
    pred: Expr
    type: Type
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class SumE(SetComp):
    """`sum(x in S: e)`: the sum of `pred` (the body e, an int) over each element of
    `domain` bound to `local`. A SetComp by shape (a binder, a domain, a body), so every
    walk that treats binders alike treats it so; the interpreter and the code generator
    match it before SetComp."""


@nodeclass(frozen=True, slots=True)
class RecordLit(Expr):
    fields: tuple[Expr, ...]  # in the record type's field order
    type: Type
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class SeqLit(Expr):
    elems: tuple[Expr, ...]
    type: Type
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class MapComp(Expr):
    """The array mapping each value of the index type (bound to `local`) to `body`."""

    local: Local
    body: Expr
    type: Type
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class Call(Expr):
    """A built-in function: len, head, min, max, abs (min/max of one set or of two ints)."""

    fn: str
    args: tuple[Expr, ...]
    type: Type
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class LetE(Expr):
    """`body` with `local` bound to `value` (how `def` calls are inlined)."""

    local: Local
    value: Expr
    body: Expr
    type: Type
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class Checked(Expr):
    """`value`, checked at run time to lie in `type` (an int range): E501 otherwise."""

    value: Expr
    type: Type
    span: Span = _sp()


# ---------------------------------------------------------------------------- statements


class Stmt:
    span: Span


@nodeclass(frozen=True, slots=True)
class Assign(Stmt):
    target: Expr  # VarRef with Index/Field on top
    value: Expr
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class IfS(Stmt):
    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class ChooseS(Stmt):
    local: Local
    domain: Expr
    body: tuple[Stmt, ...]
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class RequireS(Stmt):
    cond: Expr
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class AssertS(Stmt):
    cond: Expr
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class LetS(Stmt):
    local: Local
    value: Expr
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class ResetS(Stmt):
    clock: ClockRef
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class PushS(Stmt):
    target: Expr
    value: Expr
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class PopS(Stmt):
    target: Expr
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class BagS(Stmt):
    """`put(b, v)` (op "put": one more v, E504 beyond the capacity) or `take(b, v)` (op
    "take": one v fewer, E505 if there is none) on bag `target` (language v2)."""

    op: str
    target: Expr
    value: Expr
    span: Span = _sp()


@nodeclass(frozen=True, slots=True)
class RemoveS(Stmt):
    """`remove(q, i)`: delete the i-th element of queue `target` (1 is the head; E502
    outside 1..len(q)), the later ones moving up (language v2)."""

    target: Expr
    index: Expr
    span: Span = _sp()


# ---------------------------------------------------------------------------- the model


@nodeclass(eq=False)
class Variable:
    """A state variable (a process variable is an array over the process's indices).

    `init_kind` "=" evaluates `init` (a value of `type`); "in" picks any element of `init`
    for each instance of the process (`init_locals` are the process indices); None means the
    type's default. A `param` is a variable no action assigns."""

    index: int
    name: str
    type: Type
    process: str | None
    local_name: str
    init_kind: str | None
    init: Expr | None
    init_locals: tuple[Local, ...]
    is_param: bool
    span: Span
    hidden: bool = False  # bookkeeping the checker adds (a scenario's script position)
    init_from_state: bool = False  # init reads the other variables' initial values

    def __repr__(self) -> str:
        return f"Variable({self.name})"


@nodeclass(eq=False)
class Clock:
    """A clock or clock array; element k of the array is global clock `first + k`."""

    first: int
    name: str
    process: str | None
    local_name: str
    index_types: tuple[Type, ...]
    span: Span
    hidden: bool = False

    @property
    def count(self) -> int:
        n = 1
        for t in self.index_types:
            n *= t.size() or 0
        return n

    def __repr__(self) -> str:
        return f"Clock({self.name})"


@nodeclass(eq=False)
class Process:
    name: str
    locals: tuple[Local, ...]  # its index parameters
    span: Span
    fairness: str | None = None  # "weak" | "strong": fairness of each instance as a whole


@nodeclass(eq=False)
class Action:
    """An action. `locals` are the process indices then the action's parameters; one
    transition instance exists per tuple of their values. `clock_guard` are the clock
    constraints of the guard (a timeout's deadline included)."""

    name: str
    process: str | None
    locals: tuple[Local, ...]
    guard: Expr | None
    clock_guard: tuple[ClockAtom, ...]
    body: tuple[Stmt, ...]
    is_timeout: bool
    span: Span
    fairness: str | None = None  # "weak" | "strong": fairness of each instance

    @property
    def instances(self) -> int:
        """How many transition instances: the product of the locals' domain sizes."""
        n = 1
        for local in self.locals:
            n *= local.type.size() or 0
        return n


@nodeclass(eq=False)
class Bound:
    """Time cannot pass beyond `atom` (an upper bound on a clock) while `cond` holds, for
    every value of `locals`."""

    locals: tuple[Local, ...]
    cond: Expr | None
    atom: ClockAtom
    span: Span


@nodeclass(frozen=True, slots=True)
class ResponseMonitor:
    """What the monitor invariant of a bounded response `p ~> q within` watches: `clock`
    measures the time since the open obligation began, `pend` whether one is open (what its
    "why" explains); `label` names the instance of a `forall` one (`k=2`), else None."""

    p: Expr
    q: Expr
    within: int
    clock: ClockRef
    pend: Expr
    label: str | None = None


@nodeclass(eq=False)
class Property:
    name: str
    kind: str  # "invariant" | "reachable"
    expr: Expr
    span: Span
    # a bounded response's monitors (products): one, or one per instance of a `forall`
    monitors: tuple[ResponseMonitor, ...] = ()
    shown: Expr | None = None  # what its "why" explains instead of expr (a scenario's assert)


@nodeclass(eq=False)
class Derived:
    """`show NAME = expr`: a column every trace shows, `expr`'s value in each state."""

    name: str
    expr: Expr
    span: Span


@nodeclass(eq=False)
class Liveness:
    """`P ~> Q` (every fair run from a P state reaches a Q state), optionally `within` a
    duration (ms) for timed specs."""

    name: str
    p: Expr
    q: Expr
    within: int | None
    span: Span
    # `forall x in S: P ~> Q`: per value of the binders, its label (`c=1`) and the two
    # sides with the binders replaced; empty for a plain leads-to (then p, q are the sides;
    # for a quantified one they read the binders' locals, free)
    instances: tuple[tuple[str, Expr, Expr], ...] = ()
    binders: tuple[Local, ...] = ()  # the forall's binders (empty: a plain leads-to)


@nodeclass(frozen=True, slots=True)
class Interval:
    """An interval of durations (ms): `lo` to `hi` (None: no upper end), each end closed
    (the value belongs to it) or open. An expected answer of a measure."""

    lo: int
    lo_closed: bool
    hi: int | None
    hi_closed: bool


@nodeclass(eq=False)
class Measure:
    """A timing query. Kind "clock": the values of `clock` over the reachable states where
    `p` holds (true by default). Kind "delay": the time from a state where `p` becomes true
    to the first later state where `q` holds (`p`, `q` discrete). `expected` is the spec's
    `expect NAME == [lo, hi]` (with its span), or None."""

    name: str
    kind: str  # "clock" | "delay"
    clock: ClockRef | None
    p: Expr
    q: Expr | None
    span: Span
    expected: Interval | None = None
    expect_span: Span | None = None


@nodeclass(eq=False)
class ScenarioStep:
    action: Action
    patterns: tuple[Value | None, ...]  # per action local; None = any value
    span: Span


@nodeclass(eq=False)
class ScenarioWait:
    millis: int
    span: Span


@nodeclass(eq=False)
class ScenarioAssert:
    expr: Expr
    span: Span


@nodeclass(eq=False)
class ScenarioAssume:
    """`assume P`: only runs whose every later state satisfies P (discrete P)."""

    expr: Expr
    span: Span


@nodeclass(eq=False)
class Scenario:
    """A scenario; `skipped` says why it is not run (it names a value that the constants
    set from outside leave out), or None."""

    name: str
    strict: bool
    items: tuple[ScenarioStep | ScenarioWait | ScenarioAssert | ScenarioAssume, ...]
    span: Span
    skipped: str | None = None

    @property
    def steps(self) -> tuple[ScenarioStep, ...]:
        return tuple(i for i in self.items if isinstance(i, ScenarioStep))


@nodeclass(eq=False)
class InitPred:
    """An `init` predicate or a `boundary`: a condition on the variables; `reads` are the
    indices of the variables it reads (the initial enumeration tests it as soon as the
    last of them has a value)."""

    name: str
    expr: Expr
    reads: tuple[int, ...]
    span: Span


@nodeclass(eq=False)
class Model:
    name: str
    file: str
    constants: tuple[tuple[str, Type, Value], ...]
    variables: tuple[Variable, ...]
    clocks: tuple[Clock, ...]
    processes: tuple[Process, ...]
    actions: tuple[Action, ...]
    bounds: tuple[Bound, ...]
    properties: tuple[Property, ...]
    scenarios: tuple[Scenario, ...]
    expects: dict[str, tuple[str, Span]]
    allow_deadlock: bool
    liveness: tuple[Liveness, ...] = ()
    measures: tuple[Measure, ...] = ()
    derived: tuple[Derived, ...] = ()  # `show` columns of every trace
    inits: tuple[InitPred, ...] = ()  # `init` predicates (narrow the initial states)
    boundaries: tuple[InitPred, ...] = ()  # `boundary`: states outside are not expanded
    # which runs leads-to is judged on: "maximal" (a run stops only where nothing is
    # enabled) or "stuttering" (TLA+: a run may stop anywhere but where a fair group is
    # enabled); `liveness_declared`: the spec says which
    liveness_mode: str = "maximal"
    liveness_declared: bool = False

    @property
    def n_clocks(self) -> int:
        return sum(c.count for c in self.clocks)

    @property
    def params(self) -> tuple[Variable, ...]:
        return tuple(v for v in self.variables if v.is_param)

__all__ += ["BagS", "RemoveS"]  # language v2 (issue 17)
