"""A scenario as a model: the product of the system and the scenario's script.

The product adds hidden bookkeeping: `@pos` (how many script items are done), `@fresh`
(the last transition was scripted) and, when the script waits, a clock `@wait`. Each
action gets a *scripted* variant per script step it matches (its arguments fixed by the
step's patterns; it advances `@pos`) and, unless the scenario is `strict`, an
*unscripted* variant (any arguments; `@pos` stays). Every variant needs an unfinished
script, so exploration ends where the script does.

`wait D` becomes a pseudo-action firing exactly D after the previous scripted item; the
item after a wait happens at that same instant. `assert P` after item k becomes the
invariant `(@pos == k and @fresh) implies P`: it is checked right after item k, on every
run that matches the script so far. The reachables `@at1`, `@at2`, ... say how far the
script gets; the last one means the script can run to its end.

`assume P` after item k restricts the runs: from item k on, until the next `assume`, every
state satisfies P. With A that condition over `@pos`, every transition requires A before
(which keeps a start that breaks an assumption from moving) and after (`require` discards
a successor that breaks one); asserts read `(@pos == k and @fresh and A) implies P`.
"""

from __future__ import annotations

from dataclasses import replace

from .. import ir
from ..nodeclass import nodeclass
from ..source import NO_SPAN
from ..types import BOOL, IntT, format_duration

__all__ = ["scenario_product", "ProductInfo", "ScenarioVariant"]


@nodeclass(frozen=True)
class ScenarioVariant:
    """How product action k (k < len(ProductInfo.variants)) extends spec action `action`:
    its guard is the spec's, then `guard` (the script's part, over `@pos` and the
    assumptions, evaluated only where the spec's holds); `step` 0 is the unscripted
    variant (`@fresh := false`), step k the scripted one (`@pos := k`, `@fresh := true`,
    `@wait` reset when there is one), enabled only for the arguments `patterns` allows
    (None: any) and, when `waited`, only at the instant of the wait before it (`@wait <=
    0`). Every variant's body ends with `require keep` (ProductInfo.keep)."""

    action: int
    step: int
    patterns: tuple
    guard: ir.Expr | None
    waited: bool


@nodeclass(frozen=True)
class ProductInfo:
    """What the checker needs to read a product's verdicts back, and how the product
    extends the spec (a code generator may compose the spec's own successors with the
    script instead of compiling every product action: model.codegen.zones)."""

    n_items: int
    asserts: tuple[tuple[str, ir.ScenarioAssert], ...]  # property name, assert
    at: tuple[str, ...]  # @at{k} names, k = 1..n_items
    items: tuple[ir.ScenarioStep | ir.ScenarioWait, ...]
    # product actions [0, len(variants)) in order; the rest are the waits' pseudo-actions
    variants: tuple[ScenarioVariant, ...] = ()
    keep: ir.Expr | None = None  # the assumptions every successor must satisfy
    pos: ir.Variable | None = None
    fresh: ir.Variable | None = None
    wait_clock: ir.Clock | None = None


def _lit(value, typ) -> ir.Lit:  # noqa: ANN001
    return ir.Lit(value, typ)


def _and(*parts: ir.Expr | None) -> ir.Expr | None:
    out: ir.Expr | None = None
    for p in parts:
        if p is None:
            continue
        out = p if out is None else ir.Binary("and", out, p, BOOL, p.span)
    return out


def scenario_product(model: ir.Model, scenario: ir.Scenario) -> tuple[ir.Model, ProductInfo]:
    items = [i for i in scenario.items
             if not isinstance(i, (ir.ScenarioAssert, ir.ScenarioAssume))]
    m = len(items)
    pos_t = IntT(0, m)
    pos = ir.Variable(len(model.variables), "@pos", pos_t, None, "@pos", "=", _lit(0, pos_t),
                      (), False, scenario.span, hidden=True)
    fresh = ir.Variable(len(model.variables) + 1, "@fresh", BOOL, None, "@fresh", "=",
                        _lit(True, BOOL), (), False, scenario.span, hidden=True)
    variables = model.variables + (pos, fresh)
    clocks = model.clocks
    wait_clock: ir.Clock | None = None
    if any(isinstance(i, ir.ScenarioWait) for i in items):
        wait_clock = ir.Clock(model.n_clocks, "@wait", None, "@wait", (), scenario.span,
                              hidden=True)
        clocks = clocks + (wait_clock,)

    pos_ref = ir.VarRef(pos, pos_t)
    fresh_ref = ir.VarRef(fresh, BOOL)

    def at(k: int) -> ir.Expr:
        return ir.Binary("==", pos_ref, _lit(k, pos_t), BOOL)

    def advance(k: int) -> tuple[ir.Stmt, ...]:
        stmts: list[ir.Stmt] = [ir.Assign(pos_ref, _lit(k, pos_t)),
                                ir.Assign(fresh_ref, _lit(True, BOOL))]
        if wait_clock is not None:
            stmts.append(ir.ResetS(ir.ClockRef(wait_clock, ())))
        return tuple(stmts)

    def after_wait(k: int) -> bool:
        """Whether item k (1-based) directly follows a wait."""
        return k >= 2 and isinstance(items[k - 2], ir.ScenarioWait)

    wait_ref = ir.ClockRef(wait_clock, ()) if wait_clock is not None else None
    assumed = _assumptions(scenario, pos_ref, pos_t)
    keep = (ir.RequireS(assumed, assumed.span),) if assumed is not None else ()
    unfinished = _and(ir.Binary("<", pos_ref, _lit(m, pos_t), BOOL), assumed)
    actions: list[ir.Action] = []
    variants: list[ScenarioVariant] = []
    bounds: list[ir.Bound] = list(model.bounds)
    for a, action in enumerate(model.actions):
        if not scenario.strict:
            variants.append(ScenarioVariant(a, 0, (None,) * len(action.locals), unfinished,
                                            False))
            actions.append(replace(action, guard=_and(action.guard, unfinished),
                                   body=action.body + (ir.Assign(fresh_ref, _lit(False, BOOL)),)
                                   + keep))
        for k, item in enumerate(items, start=1):
            if not (isinstance(item, ir.ScenarioStep) and item.action is action):
                continue
            matches = [ir.Binary("==", ir.LocalRef(local, local.type), _lit(v, local.type),
                                 BOOL) for local, v in zip(action.locals, item.patterns)
                       if v is not None]
            clock_guard = action.clock_guard
            if after_wait(k):
                assert wait_ref is not None
                clock_guard = clock_guard + (ir.ClockAtom(wait_ref, "<=", 0),)
            variants.append(ScenarioVariant(a, k, tuple(item.patterns),
                                            _and(at(k - 1), assumed), after_wait(k)))
            actions.append(replace(action, guard=_and(action.guard, at(k - 1), assumed,
                                                      *matches),
                                   clock_guard=clock_guard, body=action.body + advance(k) + keep,
                                   span=item.span))
    for k, item in enumerate(items, start=1):
        if isinstance(item, ir.ScenarioWait):
            assert wait_ref is not None
            actions.append(ir.Action(f"wait {format_duration(item.millis)}", None, (),
                                     _and(at(k - 1), assumed),
                                     (ir.ClockAtom(wait_ref, ">=", item.millis),
                                      ir.ClockAtom(wait_ref, "<=", item.millis)),
                                     advance(k) + keep, False, item.span))
            bounds.append(ir.Bound((), at(k - 1), ir.ClockAtom(wait_ref, "<=", item.millis),
                                   item.span))
        elif after_wait(k):
            assert wait_ref is not None
            bounds.append(ir.Bound((), at(k - 1), ir.ClockAtom(wait_ref, "<=", 0), item.span))

    properties: list[ir.Property] = []
    asserts: list[tuple[str, ir.ScenarioAssert]] = []
    k = 0
    for item in scenario.items:
        if isinstance(item, ir.ScenarioAssert):
            name = f"@assert{len(asserts) + 1}"
            checked = ir.Binary("implies", _and(at(k), fresh_ref, assumed), item.expr,
                                BOOL, item.span)
            # its why: the assert as written (the script position and assumes hold where
            # it is violated)
            properties.append(ir.Property(name, "invariant", checked, item.span,
                                          shown=item.expr))
            asserts.append((name, item))
        elif not isinstance(item, ir.ScenarioAssume):
            k += 1
    at_names = []
    for j in range(1, m + 1):
        name = f"@at{j}"
        properties.append(ir.Property(name, "reachable",
                                      ir.Binary(">=", pos_ref, _lit(j, pos_t), BOOL), NO_SPAN))
        at_names.append(name)
    product = ir.Model(
        name=model.name, file=model.file, constants=model.constants, variables=variables,
        clocks=clocks, processes=model.processes, actions=tuple(actions), bounds=tuple(bounds),
        properties=tuple(properties), scenarios=(), expects={}, allow_deadlock=True,
        derived=model.derived, inits=model.inits, boundaries=model.boundaries)
    return product, ProductInfo(m, tuple(asserts), tuple(at_names), tuple(items),
                                tuple(variants), assumed, pos, fresh, wait_clock)


def _assumptions(scenario: ir.Scenario, pos_ref: ir.Expr, pos_t: IntT) -> ir.Expr | None:
    """What the scenario's `assume` items require of a state, as one formula over `@pos`:
    an `assume P` after k items (steps and waits) is in force while `k <= @pos < k'`, where
    k' is the position of the next `assume` (assumes in a row are one conjunction); None
    when there are none."""
    groups: list[tuple[int, ir.Expr]] = []  # (position, conjunction), in script order
    k = 0
    for item in scenario.items:
        if isinstance(item, ir.ScenarioAssume):
            if groups and groups[-1][0] == k:
                start, expr = groups[-1]
                groups[-1] = (start, ir.Binary("and", expr, item.expr, BOOL, item.span))
            else:
                groups.append((k, item.expr))
        elif not isinstance(item, ir.ScenarioAssert):
            k += 1
    parts: list[ir.Expr | None] = []
    for g, (start, expr) in enumerate(groups):
        window = _and(ir.Binary(">=", pos_ref, _lit(start, pos_t), BOOL) if start else None,
                      ir.Binary("<", pos_ref, _lit(groups[g + 1][0], pos_t), BOOL)
                      if g + 1 < len(groups) else None)
        parts.append(expr if window is None else
                     ir.Binary("implies", window, expr, BOOL, expr.span))
    return _and(*parts)
