"""Bounded response as a model: `P ~> Q within T` checked as an invariant of a product.

The product adds, per property, a hidden flag `@pend` (an obligation is open: P held and Q
has not since) and a hidden clock `@obs` (time since the oldest open obligation began); a
quantified one, `forall x in S: P ~> Q within T`, a flag and a clock per value of x. All
bounded responses of a spec share one product. After every step,
and in the initial state, the monitor closes the obligation when Q holds and opens one
(resetting `@obs`) when P holds without Q. Only the oldest open obligation matters: it is
the first to expire. The property holds iff no reachable state has an open obligation older
than T, i.e. the invariant `not (@pend and @obs > T)`; a run that stops time (a timelock)
never makes `@obs` exceed T, so only time-divergent runs can violate it.
"""

from __future__ import annotations

from dataclasses import replace

from .. import ir
from ..irutil import fold
from ..types import BOOL

__all__ = ["response_product"]


def response_product(model: ir.Model, props: list[ir.Liveness]) -> ir.Model:
    """One product for several bounded responses: a monitor each (one per instance of a
    `forall x in S: P ~> Q within T`, each with its own flag and clock), and the invariant
    of property k is the product's property k (for a quantified one, the conjunction of its
    instances' invariants: a shortest run where some instance's deadline passes)."""
    variables = list(model.variables)
    clocks = list(model.clocks)
    monitors: list[ir.Stmt] = []
    invariants = []
    for prop in props:
        assert prop.within is not None
        instances = prop.instances if prop.binders else ((None, prop.p, prop.q),)
        held: list[ir.Expr] = []  # per instance with a monitor: its deadline has not passed
        watched: list[ir.ResponseMonitor] = []
        for label, p, q in instances:
            if _never(p):
                # no obligation ever opens (a conjunct is false under these constants): the
                # instance holds and its monitor would only widen every zone by a clock
                continue
            tag = "" if len(props) == 1 and label is None else \
                f"[{prop.name}]" if label is None else f"[{prop.name} {label}]"
            opens = ir.Binary("and", p, ir.Unary("not", q, BOOL), BOOL, prop.span)
            pend = ir.Variable(len(variables), f"@pend{tag}", BOOL, None, f"@pend{tag}", "=",
                               opens, (), False, prop.span, hidden=True, init_from_state=True)
            n_clocks = sum(c.count for c in clocks)
            obs = ir.Clock(n_clocks, f"@obs{tag}", None, f"@obs{tag}", (), prop.span,
                           hidden=True)
            variables.append(pend)
            clocks.append(obs)
            pend_ref = ir.VarRef(pend, BOOL)
            monitors += [
                ir.IfS(ir.Binary("and", pend_ref, q, BOOL),
                       (ir.Assign(pend_ref, ir.Lit(False, BOOL)),), ()),
                ir.IfS(ir.Binary("and", ir.Unary("not", pend_ref, BOOL), opens, BOOL),
                       (ir.Assign(pend_ref, ir.Lit(True, BOOL)),
                        ir.ResetS(ir.ClockRef(obs, ()))), ()),
            ]
            expired = ir.Binary("and", pend_ref,
                                ir.ClockAtom(ir.ClockRef(obs, ()), ">", prop.within), BOOL,
                                prop.span)
            held.append(ir.Unary("not", expired, BOOL))
            watched.append(ir.ResponseMonitor(p, q, prop.within, ir.ClockRef(obs, ()),
                                              pend_ref, label))
        if not held:
            invariants.append(ir.Property(prop.name, "invariant", ir.Lit(True, BOOL), prop.span))
            continue
        expr = held[0]
        for more in held[1:]:
            expr = ir.Binary("and", expr, more, BOOL, prop.span)
        invariants.append(ir.Property(prop.name, "invariant", expr, prop.span,
                                      monitors=tuple(watched)))
    actions = tuple(replace(a, body=a.body + tuple(monitors)) for a in model.actions)
    return replace(model, variables=tuple(variables), clocks=tuple(clocks), actions=actions,
                   properties=tuple(invariants), scenarios=(), liveness=(), expects={},
                   allow_deadlock=True)


def _never(e: ir.Expr) -> bool:
    """Whether `e` is false in every state: a conjunct of it folds to `false`."""
    if isinstance(e, ir.Binary) and e.op == "and":
        return _never(e.left) or _never(e.right)
    folded = fold(e)
    return isinstance(folded, ir.Lit) and folded.value is False
