"""Timing queries as models: the products that a `measure` is computed on.

A clock measure `x when COND` needs no monitor: its product is the model with two hidden
reachables, `COND and x >= K` and `COND and x <= K`, whose only job is to give clock x
the extrapolation constant K (a zone is exact about x up to its constant: checker.measure
doubles K until the answer lies below it).

A delay measure `P ~> Q` adds a monitor that runs after every step (and in the initial
state), as the bounded-response monitor does (response.py):

    @wait   an obligation is open: P held and Q has not since (the oldest one counts);
            clock @old is the time since it opened. The longest delay is the supremum of
            @old over the states where @wait holds: exactly what `P ~> Q within T` bounds.
    @prev   P's value in the previous state, so that a rise of P is seen;
    @rwait  P rose and Q has not held since; clock @new is the time since the latest rise;
    @done   Q came in this very step while @rwait held: the delay is @new's value at entry,
            the least @new of the state's zone (time only adds to it);
    @zero   P rose in this step with Q holding at once: a delay of 0.

The shortest delay is the infimum of @new over the states where @done holds (0 if @zero
is reachable). The same hidden reachables give @old and @new the constant K.
"""

from __future__ import annotations

from dataclasses import replace

from .. import ir
from ..irutil import mentions_clock
from ..source import Span
from ..types import BOOL, CLOCK

__all__ = ["measure_product", "waiting_product", "staying_product", "MEASURE_VARS"]

# the monitor's variables and clocks, by role (their names in the product)
MEASURE_VARS = {"wait": "@wait", "done": "@done", "zero": "@zero", "old": "@old", "new": "@new"}


def _and(a: ir.Expr, b: ir.Expr) -> ir.Expr:
    return ir.Binary("and", a, b, BOOL)


def _not(a: ir.Expr) -> ir.Expr:
    return ir.Unary("not", a, BOOL)


def _atom(ref: ir.ClockRef, op: str, k: int) -> ir.Expr:
    return ir.ClockAtom(ref, op, k)


def _probes(tag: str, cond: ir.Expr, ref: ir.ClockRef, k: int, span: Span,
            live: ir.Expr | None = None) -> tuple[ir.Property, ...]:
    """`cond` itself (where the clock is read), then the two probes that give the clock
    the constant k in the states where `live` (default: `cond`) holds. The zone engine's
    constants are local to the states where a read is on, and may grow only along a
    transition that resets the clock: `live` must hold from the reset on."""
    on = cond if live is None else live
    return (ir.Property(f"@where{tag}", "reachable", cond, span),
            ir.Property(f"@above{tag}", "reachable", _and(on, _atom(ref, ">=", k)), span),
            ir.Property(f"@below{tag}", "reachable", _and(on, _atom(ref, "<=", k)), span))


def _bare(model: ir.Model, **changes: object) -> ir.Model:
    """The model with nothing of its own to check (a product's questions are its own)."""
    fields: dict[str, object] = {"scenarios": (), "liveness": (), "expects": {},
                                 "allow_deadlock": True, "measures": ()}
    return replace(model, **{**fields, **changes})  # type: ignore[arg-type]


def measure_product(model: ir.Model, measure: ir.Measure, k: int
                    ) -> tuple[ir.Model, tuple[tuple[int, ir.ClockRef], ...]]:
    """The product on which `measure` is read with constant `k` (module docstring), and
    what to read: for the upper end then the lower end, the index of the product's property
    that says where, and the clock. A delay's product has one more property, last: @zero."""
    if measure.kind == "clock":
        assert measure.clock is not None
        props = _probes("", measure.p, measure.clock, k, measure.span)
        return _bare(model, properties=props), ((0, measure.clock), (0, measure.clock))
    monitored = _monitor(model, measure)
    refs = _refs(monitored)
    old, new = refs["old"], refs["new"]
    assert isinstance(old, ir.ClockRef) and isinstance(new, ir.ClockRef)
    props = _probes("", refs["wait"], old, k, measure.span) + \
        _probes("_new", refs["done"], new, k, measure.span,
                ir.Binary("or", refs["rwait"], refs["done"], BOOL)) + \
        (ir.Property("@zero", "reachable", refs["zero"], measure.span),)
    return replace(monitored, properties=props), ((0, old), (3, new))


def waiting_product(model: ir.Model, measure: ir.Measure) -> ir.Model:
    """The delay monitor with one unbounded leads-to, `@wait ~> not @wait`, named as the
    measure, and no fairness: it fails exactly when a time-divergent run waits forever (the
    longest delay is unbounded), and its lasso is that run."""
    monitored = _monitor(model, measure)
    refs = _refs(monitored)
    waiting = ir.Liveness(measure.name, refs["wait"], _not(refs["wait"]), None, measure.span)
    actions = tuple(replace(a, fairness=None) for a in monitored.actions)
    processes = tuple(replace(p, fairness=None) for p in monitored.processes)
    return replace(monitored, properties=(), liveness=(waiting,), actions=actions,
                   processes=processes)


def staying_product(model: ir.Model, measure: ir.Measure) -> ir.Model | None:
    """For a clock measure `x when COND` with a discrete COND: a hidden flag `@parity` that
    flips in every step that resets x, and two unbounded leads-to without fairness, one per
    parity: `COND and @parity ~> not COND or not @parity` (named as the measure) and the
    same with the parity negated (named NAME@even). One of them fails when a time-divergent
    run stays in COND forever without resetting x (every reset would show as the other
    parity on the cycle): then x grows without bound where COND holds. A sufficient
    condition for an unbounded upper end; None when COND reads clocks."""
    assert measure.kind == "clock" and measure.clock is not None
    if mentions_clock(measure.p):
        return None
    target = measure.clock
    variables = list(model.variables)

    def var(name: str) -> ir.Expr:
        v = ir.Variable(len(variables), name, BOOL, None, name, "=", ir.Lit(False, BOOL), (),
                        False, measure.span, hidden=True)
        variables.append(v)
        return ir.VarRef(v, BOOL)

    parity, reset = var("@parity"), var("@reset")  # @reset: only inside a step
    mark = ir.Assign(reset, ir.Lit(True, BOOL))

    def test(ref: ir.ClockRef) -> ir.Expr | None:
        """Whether a reset of `ref` resets the measured clock: None (always), or a test."""
        if ref.clock is not target.clock:
            return ir.Lit(False, BOOL)
        out: ir.Expr | None = None
        for idx, want in zip(ref.indices, target.indices):
            eq = ir.Binary("==", idx, want, BOOL)
            out = eq if out is None else _and(out, eq)
        return out

    def rewrite(body: tuple[ir.Stmt, ...]) -> tuple[ir.Stmt, ...]:
        out: list[ir.Stmt] = []
        for stmt in body:
            if isinstance(stmt, ir.IfS):
                out.append(replace(stmt, then=rewrite(stmt.then), orelse=rewrite(stmt.orelse)))
                continue
            if isinstance(stmt, ir.ChooseS):
                out.append(replace(stmt, body=rewrite(stmt.body)))
                continue
            out.append(stmt)
            if isinstance(stmt, ir.ResetS):
                when = test(stmt.clock)
                if when is None:
                    out.append(mark)
                elif not (isinstance(when, ir.Lit) and when.value is False):
                    out.append(ir.IfS(when, (mark,), ()))
        return tuple(out)

    flip = ir.IfS(reset, (ir.Assign(parity, _not(parity)),
                          ir.Assign(reset, ir.Lit(False, BOOL))), ())
    actions = tuple(replace(a, body=rewrite(a.body) + (flip,), fairness=None)
                    for a in model.actions)
    cond = measure.p
    stays = tuple(ir.Liveness(name, _and(cond, side), ir.Binary("or", _not(cond), _not(side),
                                                                  BOOL), None, measure.span)
                  for name, side in ((measure.name, parity),
                                     (f"{measure.name}@even", _not(parity))))
    processes = tuple(replace(p, fairness=None) for p in model.processes)
    return _bare(model, variables=tuple(variables), actions=actions, processes=processes,
                 properties=(), liveness=stays)


def _refs(model: ir.Model) -> dict[str, ir.Expr]:
    out: dict[str, ir.Expr] = {}
    roles = {**MEASURE_VARS, "rwait": "@rwait"}
    for var in model.variables:
        for role, name in roles.items():
            if var.name == name:
                out[role] = ir.VarRef(var, BOOL)
    for clock in model.clocks:
        for role, name in roles.items():
            if clock.name == name:
                out[role] = ir.ClockRef(clock, ())
    return out


def _monitor(model: ir.Model, measure: ir.Measure) -> ir.Model:
    assert measure.kind == "delay" and measure.q is not None
    p, q, span = measure.p, measure.q, measure.span
    variables = list(model.variables)
    n_clocks = sum(c.count for c in model.clocks)

    def var(name: str, init: ir.Expr) -> ir.Expr:
        v = ir.Variable(len(variables), name, BOOL, None, name, "=", init, (), False, span,
                        hidden=True, init_from_state=True)
        variables.append(v)
        return ir.VarRef(v, BOOL)

    opens = _and(p, _not(q))
    wait = var("@wait", opens)
    prev = var("@prev", p)
    rwait = var("@rwait", opens)
    done = var("@done", ir.Lit(False, BOOL))
    zero = var("@zero", _and(p, q))
    old = ir.Clock(n_clocks, "@old", None, "@old", (), span, hidden=True)
    new = ir.Clock(n_clocks + 1, "@new", None, "@new", (), span, hidden=True)
    old_ref, new_ref = ir.ClockRef(old, (), CLOCK), ir.ClockRef(new, (), CLOCK)
    false, true = ir.Lit(False, BOOL), ir.Lit(True, BOOL)
    rise = _and(p, _not(prev))
    monitor: tuple[ir.Stmt, ...] = (
        ir.Assign(done, false),
        ir.Assign(zero, false),
        ir.IfS(_and(wait, q), (ir.Assign(wait, false),), ()),
        ir.IfS(_and(_not(wait), opens), (ir.Assign(wait, true), ir.ResetS(old_ref)), ()),
        ir.IfS(_and(rwait, q), (ir.Assign(rwait, false), ir.Assign(done, true)), ()),
        ir.IfS(rise, (ir.IfS(q, (ir.Assign(zero, true),),
                             (ir.Assign(rwait, true), ir.ResetS(new_ref))),), ()),
        ir.Assign(prev, p),
    )
    actions = tuple(replace(a, body=a.body + monitor) for a in model.actions)
    return _bare(model, variables=tuple(variables), clocks=model.clocks + (old, new),
                 actions=actions, properties=())
