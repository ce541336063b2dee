"""Size limits of a checked model, enforced before anything is compiled or enumerated.

`check_limits(model)` runs right after the checks (model.load_model). Each limit protects a
later phase that would otherwise hang or give a wrong answer:

* E107, nesting: definitions are expanded where they are used, so a chain of `def`s that
  each use the previous one nests deeper than any one declaration (the parser's limit);
  the compiled code and the interpreter need a bounded depth.
* E402, instances: process instances and action instances are compiled one by one, and
  initial states are enumerated; clock instances are the dimension of every zone.
* E403, state width: a state is one packed int; explain and the reports count its values.
* E404, time constants: the zone engine works in units of g, the gcd of every time
  constant of the spec (clock comparisons, bounds, timeouts, the `within` of bounded
  responses, scenario waits), and represents |c| / g up to MAX_ZONE_UNITS exactly; its
  difference-bound matrices hold constants below MAX_ZONE_MS milliseconds. Past either
  limit an answer could be wrong, so the spec is refused.

Every limit is far above what the specs in specs/ need (the flagship: 102 bits, a few
dozen instances, constants up to 15 min in units of 1 s).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from . import ir
from .check.context import ERR
from .diagnostics import Diagnostic
from .irutil import children, stmt_parts
from .source import Span
from .types import SIZE_CAP, ArrayT, RecordT, Type, format_duration

__all__ = ["check_limits", "MAX_STATE_BITS", "MAX_COMPONENTS", "MAX_ACTION_INSTANCES",
           "MAX_PROCESS_INSTANCES",
           "MAX_INITIAL_STATES", "MAX_CLOCKS", "MAX_ZONE_UNITS", "MAX_ZONE_MS",
           "MAX_IR_DEPTH"]

MAX_STATE_BITS = 8192
MAX_COMPONENTS = 65_536           # array elements and record fields, shown one by one
MAX_ACTION_INSTANCES = 20_000     # all actions together
MAX_PROCESS_INSTANCES = 10_000    # per process
MAX_INITIAL_STATES = 100_000      # combinations of params and `in` initialisers
MAX_CLOCKS = 64                   # clock instances
MAX_ZONE_UNITS = 2**28 - 1
MAX_ZONE_MS = 2**55 - 1
MAX_IR_DEPTH = 60                 # expression and statement levels, definitions expanded


def check_limits(model: ir.Model) -> list[Diagnostic]:
    """Every limit the model exceeds (an empty list when it fits)."""
    out: list[Diagnostic] = list(_unresolved(model))
    if out:
        return out
    out.extend(_depth(model))
    out.extend(_instances(model))
    out.extend(_width(model))
    out.extend(_time_constants(model))
    return out


def _count(n: int) -> str:
    return f"{n:,}" if n < 10**30 else f"more than 10^{len(str(10**30)) - 1}"


# ---------------------------------------------------------------------------- leftovers

def _unresolved(model: ir.Model) -> Iterator[Diagnostic]:
    """A variable whose type the checks left unresolved without saying why (a range bound
    that reads a variable, `var y: 0..x`): refused here rather than crashing later."""
    for var in model.variables:
        if var.type == ERR:
            yield Diagnostic("E312", f"the type of '{var.name}' cannot be worked out",
                             var.span, hint="the bounds of a range type must be constants, "
                             "not variables")


# ---------------------------------------------------------------------------- depth

def _roots(model: ir.Model) -> Iterator[tuple[object, Span]]:
    """Every expression and statement list of the model, with the declaration it is in."""
    for var in model.variables:
        if var.init is not None:
            yield var.init, var.span
    for action in model.actions:
        if action.guard is not None:
            yield action.guard, action.span
        yield action.body, action.span
    for bound in model.bounds:
        if bound.cond is not None:
            yield bound.cond, bound.span
    for prop in model.properties:
        yield prop.expr, prop.span
    for live in model.liveness:
        yield live.p, live.span
        yield live.q, live.span
    for scenario in model.scenarios:
        for item in scenario.items:
            if isinstance(item, (ir.ScenarioAssert, ir.ScenarioAssume)):
                yield item.expr, item.span


def _depth_of(root: object) -> int:
    """Levels of `root` (an expression or a tuple of statements), without recursion; a
    `choose` counts twice (it is a loop and a block in the compiled code)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, tuple):
            stack.extend((s, depth) for s in node)
            continue
        depth += 2 if isinstance(node, ir.ChooseS) else 1
        deepest = max(deepest, depth)
        if isinstance(node, ir.Expr):
            stack.extend((c, depth) for c in children(node))
            continue
        for name in getattr(node, "__dataclass_fields__", {}):
            value = getattr(node, name)
            if isinstance(value, (ir.Expr, ir.Stmt)) or (
                    isinstance(value, tuple) and value and isinstance(value[0], ir.Stmt)):
                stack.append((value, depth))
    return deepest


def _depth(model: ir.Model) -> Iterator[Diagnostic]:
    for root, span in _roots(model):
        depth = _depth_of(root)
        if depth > MAX_IR_DEPTH:
            yield Diagnostic("E107", f"nested {depth} levels deep once definitions are "
                             "expanded", span, hint=f"expressions and statements nest at most "
                             f"{MAX_IR_DEPTH} levels, definitions expanded; a chain of defs "
                             "that each use the previous one adds up")


# ---------------------------------------------------------------------------- instances

def _instances(model: ir.Model) -> Iterator[Diagnostic]:
    for proc in model.processes:
        n = 1
        for local in proc.locals:
            n *= local.type.size() or 0
        if n > MAX_PROCESS_INSTANCES:
            yield Diagnostic("E402", f"process '{proc.name}' has {_count(n)} instances",
                             proc.span, hint=f"a process has at most "
                             f"{MAX_PROCESS_INSTANCES:,} instances; use a smaller index type")
    total = 0
    for action in model.actions:
        total += action.instances
        if total > MAX_ACTION_INSTANCES:
            yield Diagnostic("E402", f"{_count(total)} action instances by '{action.name}'",
                             action.span, hint=f"all actions together have at most "
                             f"{MAX_ACTION_INSTANCES:,} instances (one per process instance "
                             "and argument values); use smaller parameter types")
            break
    clocks = model.n_clocks
    if clocks > MAX_CLOCKS:
        big = max(model.clocks, key=lambda c: c.count)
        yield Diagnostic("E402", f"{_count(clocks)} clocks", big.span,
                         hint=f"a spec has at most {MAX_CLOCKS} clocks (each one is a "
                         "dimension of every zone)")
    else:  # a bounded response adds an observer clock per instance (model.products.response)
        for live in model.liveness:
            if live.within is not None:
                clocks += len(live.instances) if live.binders else 1
                if clocks > MAX_CLOCKS:
                    yield Diagnostic("E402", f"{_count(clocks)} clocks with the observer "
                                     f"clocks of the bounded responses up to '{live.name}'",
                                     live.span, hint=f"a spec has at most {MAX_CLOCKS} clocks, "
                                     "and each instance of a bounded response adds one; "
                                     "quantify over fewer values")
                    break
    initial = 1
    for var in model.variables:
        if var.is_param or var.init_kind == "in":
            initial *= max(1, var.type.size() or 1)
            if initial > MAX_INITIAL_STATES:
                yield Diagnostic("E402", f"up to {_count(initial)} initial states, counting "
                                 f"the values of '{var.name}'", var.span,
                                 hint=f"params and `in` initialisers give at most "
                                 f"{MAX_INITIAL_STATES:,} initial states; fix a param with "
                                 "--set or use smaller types")
                break


# ---------------------------------------------------------------------------- width

def _components(typ: Type) -> int:
    """How many leaves a report shows for a value of `typ` (saturating)."""
    if isinstance(typ, ArrayT):
        return min(SIZE_CAP, (typ.index.size() or 0) * _components(typ.elem))
    if isinstance(typ, RecordT):
        return min(SIZE_CAP, sum(_components(t) for _, t in typ.fields))
    return 1


def _width(model: ir.Model) -> Iterator[Diagnostic]:
    for var in model.variables:
        n = _components(var.type)
        if n > MAX_COMPONENTS:   # zero-width elements take no bits, but each is shown
            yield Diagnostic("E403", f"'{var.name}' has {_count(n)} components", var.span,
                             hint=f"a variable has at most {MAX_COMPONENTS:,} array elements "
                             "and record fields; use smaller index types")
            return
    total = 0
    widest: ir.Variable | None = None
    for var in model.variables:
        w = var.type.width
        total += w
        if widest is None or w > widest.type.width:
            widest = var
    if total > MAX_STATE_BITS and widest is not None:
        yield Diagnostic("E403", f"a state needs {_count(total)} bits; '{widest.name}' alone "
                         f"needs {_count(widest.type.width)}", widest.span,
                         hint=f"a state has at most {MAX_STATE_BITS:,} bits; use smaller "
                         "index, element or range types")


# ---------------------------------------------------------------------------- time

def _atoms(e: ir.Expr) -> Iterator[ir.ClockAtom]:
    stack = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.ClockAtom):
            yield node
        stack.extend(children(node))


def _stmt_exprs(stmts: tuple[ir.Stmt, ...]) -> Iterator[ir.Expr]:
    stack = list(stmts)
    while stack:
        for part in stmt_parts(stack.pop()):
            if isinstance(part, tuple):
                stack.extend(part)
            else:
                yield part


def time_constants(model: ir.Model) -> list[tuple[int, Span]]:
    """Every time constant of the spec (ms) with where it is: clock comparisons anywhere
    (guards, timeouts, bounds, properties, scenario asserts), `within`s, scenario waits."""
    out: list[tuple[int, Span]] = []
    exprs: list[ir.Expr] = []
    for action in model.actions:
        out.extend((a.bound, a.span if a.span.line else action.span)
                   for a in action.clock_guard)
        if action.guard is not None:
            exprs.append(action.guard)
        exprs.extend(_stmt_exprs(action.body))
    for bound in model.bounds:
        out.append((bound.atom.bound, bound.atom.span if bound.atom.span.line else bound.span))
    exprs.extend(p.expr for p in model.properties)
    for live in model.liveness:
        exprs.extend((live.p, live.q))
        if live.within is not None:
            out.append((live.within, live.span))
    for scenario in model.scenarios:
        for item in scenario.items:
            if isinstance(item, ir.ScenarioWait):
                out.append((item.millis, item.span))
            elif isinstance(item, (ir.ScenarioAssert, ir.ScenarioAssume)):
                exprs.append(item.expr)
    for e in exprs:
        out.extend((a.bound, a.span) for a in _atoms(e))
    return out


def _time_constants(model: ir.Model) -> Iterator[Diagnostic]:
    if not model.clocks:
        return
    constants = time_constants(model)
    g = math.gcd(*(abs(c) for c, _ in constants)) if constants else 0
    for c, span in constants:
        if abs(c) > MAX_ZONE_MS:
            yield Diagnostic("E404", f"the time constant {format_duration(abs(c))} is too "
                             "large for the zone engine", span,
                             hint=f"time constants are at most {MAX_ZONE_MS:,} ms "
                             "(about a million years)")
            return
    if g == 0:
        return
    worst, span = max(constants, key=lambda item: abs(item[0]))
    if abs(worst) // g > MAX_ZONE_UNITS:
        yield Diagnostic("E404", f"the time constant {format_duration(abs(worst))} is "
                         f"{abs(worst) // g:,} times the spec's time unit "
                         f"{format_duration(g)}, more than the zone engine holds exactly",
                         span, hint=f"the zone engine counts time in units of the gcd of "
                         f"every time constant and holds at most {MAX_ZONE_UNITS:,} units; "
                         "round the constants to a coarser unit")
