"""Bounded response as a model: `P ~> Q within T` checked as an invariant of a product.

The product adds a hidden flag `@pend` (an obligation is open: P held and Q has not since)
and a hidden clock `@obs` (time since the oldest open obligation began). After every step,
and in the initial state, the monitor closes the obligation when Q holds and opens one
(resetting `@obs`) when P holds without Q. Only the oldest open obligation matters: it is
the first to expire. The property holds iff no reachable state has an open obligation older
than T, i.e. the invariant `not (@pend and @obs > T)`; a run that stops time (a timelock)
never makes `@obs` exceed T, so only time-divergent runs can violate it.
"""

from __future__ import annotations

from dataclasses import replace

from . import ir
from .types import BOOL

__all__ = ["response_product"]


def response_product(model: ir.Model, prop: ir.Liveness) -> ir.Model:
    assert prop.within is not None
    n = len(model.variables)
    opens = ir.Binary("and", prop.p, ir.Unary("not", prop.q, BOOL), BOOL, prop.span)
    pend = ir.Variable(n, "@pend", BOOL, None, "@pend", "=", opens, (), False, prop.span,
                       hidden=True, init_from_state=True)
    obs = ir.Clock(model.n_clocks, "@obs", None, "@obs", (), prop.span, hidden=True)
    pend_ref = ir.VarRef(pend, BOOL)
    monitor = (
        ir.IfS(ir.Binary("and", pend_ref, prop.q, BOOL),
               (ir.Assign(pend_ref, ir.Lit(False, BOOL)),), ()),
        ir.IfS(ir.Binary("and", ir.Unary("not", pend_ref, BOOL), opens, BOOL),
               (ir.Assign(pend_ref, ir.Lit(True, BOOL)), ir.ResetS(ir.ClockRef(obs, ()))), ()),
    )
    actions = tuple(replace(a, body=a.body + monitor) for a in model.actions)
    expired = ir.Binary("and", pend_ref, ir.ClockAtom(ir.ClockRef(obs, ()), ">", prop.within),
                        BOOL, prop.span)
    invariant = ir.Property(prop.name, "invariant", ir.Unary("not", expired, BOOL), prop.span)
    return replace(model, variables=model.variables + (pend,), clocks=model.clocks + (obs,),
                   actions=actions, properties=(invariant,), scenarios=(), liveness=(),
                   expects={}, allow_deadlock=True)
