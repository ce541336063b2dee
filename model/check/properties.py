"""Properties: invariants, reachables, expectations, `allow`, leads-to and bounded
response, timing queries (`measure`), and scenarios; and the `show` columns of traces.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import product

from .. import ast, ir
from ..diagnostics import did_you_mean
from ..irutil import mentions_state, substitute
from ..source import Span
from ..time import static_number
from ..types import BOOL, IntT, SetT, Value, format_value
from . import constants as co
from . import context as cxm
from . import expressions as ex
from . import types as ty
from .context import Context


def check_properties(cx: Context) -> None:
    names: dict[str, Span] = {}

    def claim(name: str, span: Span) -> bool:
        if name in cxm.BUILTIN_PROPERTIES:
            cx.error("E202", f"'{name}' is the name of a built-in property", span,
                     hint="choose another name")
            return False
        if name in names:
            cx.error("E202", f"property '{name}' is declared twice", span,
                     notes=[("first declared here", names[name])])
            return False
        names[name] = span
        return True

    expects: list[ast.ExpectDecl] = []
    for spec in cx.files:
        main = spec is cx.files[-1]
        for decl in spec.decls:
            if isinstance(decl, (ast.InvariantDecl, ast.ReachableDecl)):
                kind = "invariant" if isinstance(decl, ast.InvariantDecl) else "reachable"
                if not claim(decl.name, decl.name_span):
                    continue
                try:
                    e = ex.bool_expr(cx, decl.expr, cx.root.child(clocks=True, what=kind))
                    cx.properties.append(ir.Property(decl.name, kind, e, decl.span))
                except cxm.Abort:
                    pass
            elif isinstance(decl, ast.ScenarioDecl):
                if claim(decl.name, decl.name_span):
                    check_scenario(cx, decl)
            elif isinstance(decl, ast.LivenessDecl):
                if claim(decl.name, decl.name_span):
                    check_liveness(cx, decl)
            elif isinstance(decl, ast.MeasureDecl):
                if claim(decl.name, decl.name_span):
                    check_measure(cx, decl)
            elif isinstance(decl, ast.ExpectDecl) and main:
                expects.append(decl)
            elif isinstance(decl, ast.AllowDecl) and main:
                if decl.what != "deadlock":
                    cx.error("E312", f"cannot allow '{decl.what}'", decl.span,
                             hint="the only switch is: allow deadlock")
                else:
                    cx.allow_deadlock = True
    known = list(names) + [p for p in cxm.BUILTIN_PROPERTIES
                           if p != "timelock" or cx.clocks]
    for decl in expects:
        if decl.name == "timelock" and not cx.clocks:
            cx.error("E205", "a spec without clocks has no timelock property", decl.span,
                     hint="timelocks (time cannot pass) exist only with clocks")
        elif decl.name not in known:
            cx.error("E205", f"no property named '{decl.name}'", decl.name_span,
                     hint=did_you_mean(decl.name, known))
        elif not _expectation_fits(cx, decl, {m.name for m in cx.measures}):
            continue
        elif not expectation_applies(cx, decl):
            continue
        elif decl.interval is not None:
            expect_interval(cx, decl)
        elif decl.name in cx.expects:
            cx.error("E202", f"'{decl.name}' has two expectations that apply", decl.span,
                     notes=[("the first is here", cx.expects[decl.name][1])],
                     hint="give each 'expect ... when' a condition that excludes the others")
        else:
            cx.expects[decl.name] = (decl.verdict, decl.span)


def expectation_applies(cx: Context, decl: ast.ExpectDecl) -> bool:
    """An expectation without `when` always applies; with `when COND`, COND must be a
    constant condition, and the expectation applies when it is true."""
    if decl.when is None:
        return True
    cond = co.const_expr(cx, decl.when, cx.root, BOOL)
    if cond.type is cxm.ERR:
        return False
    if cond.type is not BOOL:
        cx.error("E301", f"expected a condition (bool), found {ty.describe(cond.type)}",
                 decl.when.span)
        return False
    return bool(cond.value)


def check_liveness(cx: Context, decl: ast.LivenessDecl) -> None:
    if decl.binders:
        check_forall_liveness(cx, decl)
        return
    scope = cx.root.child(what="liveness condition")
    try:
        p = ex.bool_expr(cx, decl.p, scope)
        q = ex.bool_expr(cx, decl.q, scope)
        within = check_within(cx, decl)
    except cxm.Abort:
        return
    cx.liveness.append(ir.Liveness(decl.name, p, q, within, decl.span))


def check_within(cx: Context, decl: ast.LivenessDecl) -> int | None:
    """The `within` of a bounded response in ms (None: an unbounded leads-to); an error
    aborts the declaration."""
    if decl.within is None:
        return None
    d = co.const_expr(cx, decl.within, cx.root)
    if d.type is cxm.ERR:
        raise cxm.Abort()
    if not (isinstance(d.type, IntT) and d.type.time) or int(d.value) <= 0:  # type: ignore[call-overload]
        raise cx.abort("E301", "within takes a positive duration such as 90s",
                       decl.within.span)
    if not cx.clocks:
        raise cx.abort("E310", "`within` needs a timed spec (one with clocks)",
                       decl.within.span, hint="without clocks no time passes between steps")
    return int(d.value)  # type: ignore[call-overload]


def check_measure(cx: Context, decl: ast.MeasureDecl) -> None:
    """`measure NAME: CLOCK [when COND]` or `measure NAME: P ~> Q` (docs/properties.md)."""
    if not cx.clocks:
        cx.error("E310", "`measure` needs a timed spec (one with clocks)", decl.span,
                 hint="a measure is an interval of times; without clocks no time passes")
        return
    try:
        if decl.kind == "delay":
            scope = cx.root.child(what="measure condition")
            p = ex.bool_expr(cx, decl.value, scope)
            assert decl.cond is not None
            q = ex.bool_expr(cx, decl.cond, scope)
            cx.measures.append(ir.Measure(decl.name, "delay", None, p, q, decl.span))
            return
        scope = cx.root.child(clocks=True, what="measure")
        value = ex.check_expr(cx, decl.value, scope)
        if value.type is cxm.ERR:
            return
        if not isinstance(value, ir.ClockRef):
            raise cx.abort("E314", f"measure {decl.name} takes a clock, found "
                           f"{ty.describe(value.type)}", decl.value.span,
                           hint="measure NAME: CLOCK when COND, or measure NAME: P ~> Q "
                           "for the delay from P to Q")
        if static_number(value) is None:
            raise cx.abort("E314", "the measured clock's index must be a constant",
                           decl.value.span, hint="name one element, e.g. silent[1]")
        cond = ir.Lit(True, BOOL) if decl.cond is None else \
            ex.bool_expr(cx, decl.cond, scope)
    except cxm.Abort:
        return
    cx.measures.append(ir.Measure(decl.name, "clock", value, cond, None, decl.span))


def _expectation_fits(cx: Context, decl: ast.ExpectDecl, measures: set[str]) -> bool:
    """A measure is expected to give an interval (`expect NAME == [lo, hi]`), and only a
    measure is."""
    if decl.interval is None and decl.name in measures:
        cx.error("E314", f"measure {decl.name} has no verdict to expect: it gives an interval",
                 decl.span, hint=f"write: expect {decl.name} == [lo, hi]")
        return False
    if decl.interval is not None and decl.name not in measures:
        cx.error("E314", f"'{decl.name}' is not a measure: only a measure is expected to "
                 "equal an interval", decl.span,
                 hint=f"write: expect {decl.name} holds (or fails)")
        return False
    return True


def _duration(cx: Context, e: ast.Expr) -> int:
    d = co.const_expr(cx, e, cx.root)
    if d.type is cxm.ERR:
        raise cxm.Abort()
    if not (isinstance(d.type, IntT) and d.type.time) or int(d.value) < 0:  # type: ignore[call-overload]
        raise cx.abort("E301", "an interval's end is a duration such as 90s (or inf)", e.span)
    return int(d.value)  # type: ignore[call-overload]


def expect_interval(cx: Context, decl: ast.ExpectDecl) -> None:
    """`expect NAME == [lo, hi]`: attach the interval to measure NAME."""
    iv = decl.interval
    assert iv is not None
    index = next(k for k, m in enumerate(cx.measures) if m.name == decl.name)
    measure = cx.measures[index]
    if measure.expected is not None:
        assert measure.expect_span is not None
        cx.error("E202", f"'{decl.name}' has two expectations that apply", decl.span,
                 notes=[("the first is here", measure.expect_span)],
                 hint="give each 'expect ... when' a condition that excludes the others")
        return
    try:
        if iv.lo is None:
            raise cx.abort("E314", "an interval's lower end cannot be inf", iv.span,
                           hint="a measure is at least 0s: [0s, inf)")
        lo = _duration(cx, iv.lo)
        hi = None if iv.hi is None else _duration(cx, iv.hi)
        if hi is None and iv.hi_closed:
            raise cx.abort("E314", "an interval that has no upper end is open there",
                           iv.span, hint="write inf) rather than inf]")
        if hi is not None and (hi < lo or (hi == lo and not (iv.lo_closed and iv.hi_closed))):
            raise cx.abort("E314", "this interval is empty", iv.span,
                           hint="the lower end comes first: [lo, hi] with lo <= hi")
    except cxm.Abort:
        return
    cx.measures[index] = replace(measure, expected=ir.Interval(lo, iv.lo_closed, hi,
                                                               iv.hi_closed),
                                 expect_span=decl.span)


def check_scenario(cx: Context, decl: ast.ScenarioDecl) -> None:
    items: list[ir.ScenarioStep | ir.ScenarioWait | ir.ScenarioAssert
                | ir.ScenarioAssume] = []
    errors_before = len(cx.diags)
    for item in decl.items:
        try:
            if isinstance(item, ast.StepItem):
                items.append(scenario_step(cx, item))
            elif isinstance(item, ast.WaitItem):
                d = co.const_expr(cx, item.duration, cx.root)
                if d.type is cxm.ERR:
                    continue
                if not (isinstance(d.type, IntT) and d.type.time) or int(d.value) < 0:  # type: ignore[call-overload]
                    raise cx.abort("E301", "wait takes a duration such as 30s",
                                   item.duration.span)
                items.append(ir.ScenarioWait(int(d.value), item.span))  # type: ignore[call-overload]
            elif isinstance(item, ast.AssumeItem):
                e = ex.bool_expr(cx, item.expr, cx.root.child(what="assume"))
                items.append(ir.ScenarioAssume(e, item.span))
            else:
                e = ex.bool_expr(cx, item.expr, cx.root.child(clocks=True, what="assert"))
                items.append(ir.ScenarioAssert(e, item.span))
        except cxm.Abort:
            continue
    if not any(isinstance(i, ast.StepItem) for i in decl.items):
        cx.error("E311", f"scenario '{decl.name}' has no steps", decl.name_span,
                 hint="list actions such as crash(a = 1)")
    skipped = _left_out(cx, errors_before)
    cx.scenarios.append(ir.Scenario(decl.name, decl.strict, tuple(items), decl.span, skipped))


def _left_out(cx: Context, errors_before: int) -> str | None:
    """Why a scenario is skipped: constants set from outside (`--set`) shrank a range, and
    the scenario names a value outside it (`acquire(c = 2)`, `client[2]` with CLIENTS = 1).
    Its range errors (E304) are then dropped, and the scenario is reported as skipped with
    the first of them as the reason, so a spec can be scaled down without deleting its
    scenarios. Any other error in the scenario stays an error."""
    new = cx.diags[errors_before:]
    if not cx.overrides or not new or any(d.code != "E304" for d in new):
        return None
    del cx.diags[errors_before:]
    first = new[0]
    given = ", ".join(f"{name} = {value}" for name, value in cx.overrides.items())
    return (f"not run: it names a value that the constants set leave out ({given}): "
            f"{first.message} (at {first.span})")


def scenario_step(cx: Context, item: ast.StepItem) -> ir.ScenarioStep:
    action = cx.action_names.get(item.action)
    if action is None:
        raise cx.abort("E204", f"no action named '{item.action}'", item.span,
                       hint=did_you_mean(item.action, cx.action_names))
    patterns: list[Value | None] = [None] * len(action.locals)
    given = [False] * len(action.locals)
    names = [local.name for local in action.locals]
    positional = 0
    for arg in item.args:
        if arg.name is None:
            pos = positional
            positional += 1
            if pos >= len(names):
                raise cx.abort("E306", f"{item.action} takes {len(names)} argument"
                               f"{'s' if len(names) != 1 else ''}: "
                               f"({', '.join(names)})", arg.span)
        else:
            if arg.name not in names:
                raise cx.abort("E201", f"{item.action} has no parameter '{arg.name}'",
                               arg.span, hint=did_you_mean(arg.name, names)
                               or f"its parameters are ({', '.join(names)})")
            pos = names.index(arg.name)
        if given[pos]:
            raise cx.abort("E202", f"argument '{names[pos]}' is given twice", arg.span)
        given[pos] = True
        if isinstance(arg.value, ast.NameRef) and arg.value.name == "_":
            continue
        local = action.locals[pos]
        v = co.const_expr(cx, arg.value, cx.root, local.type)
        if v.type is cxm.ERR:
            continue
        if not local.type.contains(v.value):
            raise cx.abort("E304", f"{ty.fmt(v)} is not a value of {local.name}: {local.type}",
                           arg.value.span)
        patterns[pos] = v.value
    return ir.ScenarioStep(action, tuple(patterns), item.span)


def check_shows(cx: Context) -> None:
    """`show NAME = expr`: a derived column of every trace. Its name is new (no other
    declaration and no other column has it) and its expression reads the state (a variable
    or a clock atom): a constant would be the same in every step."""
    seen: dict[str, Span] = {}
    for spec in cx.files:
        for decl in spec.decls:
            if not isinstance(decl, ast.ShowDecl):
                continue
            first = seen.get(decl.name)
            if first is None and decl.name in cx.globals:
                first = cx.globals[decl.name].span
            if first is not None:
                cx.error("E202", f"'{decl.name}' is declared twice", decl.name_span,
                         notes=[("first declared here", first)],
                         hint="a column needs a name of its own: rename the show")
                continue
            seen[decl.name] = decl.name_span
            try:
                e = ex.check_expr(cx, decl.expr, cx.root.child(clocks=True, what="show"))
            except cxm.Abort:
                continue
            if e.type is cxm.ERR:
                continue
            if not mentions_state(e):
                cx.error("E315", f"show '{decl.name}' reads no variable or clock: it would "
                         "be the same in every step", decl.expr.span,
                         hint="show a value that the state decides; a fixed value is a const")
                continue
            cx.derived.append(ir.Derived(decl.name, e, decl.span))


# ---------------------------------------------------------------------------- issue 17


MAX_LIVENESS_INSTANCES = 4096  # leads-to properties one `forall` may stand for


def check_forall_liveness(cx: Context, decl: ast.LivenessDecl) -> None:
    """`property NAME: forall x in S, ...: P ~> Q [within T]`: one leads-to (or bounded
    response) per value of the binders (S a constant set, or a type), all judged as the
    property NAME (each instance is named in a counterexample: `c=2`)."""
    scope = cx.root.child(what="liveness condition")
    names: dict[str, ir.Local] = {}
    domains: list[tuple[ir.Local, list]] = []
    try:
        for binder in decl.binders:
            ex.check_binder(cx, binder)
            domain = co.const_expr(cx, binder.domain, scope.child(names))
            if domain.type is cxm.ERR:
                return
            if not isinstance(domain.type, SetT):
                raise cx.abort("E301", f"expected a set, found {ty.describe(domain.type)}",
                               binder.domain.span, hint="a type name (Agent), a range "
                               "(1..N) or a constant set ({a, b})")
            local = ir.Local(binder.name, domain.type.elem, span=binder.span)
            names[binder.name] = local
            values = sorted(domain.value, key=domain.type.elem.ordinal)  # type: ignore[arg-type]
            domains.append((local, values))
        inner = scope.child(names)
        p = ex.bool_expr(cx, decl.p, inner)
        q = ex.bool_expr(cx, decl.q, inner)
        within = check_within(cx, decl)
    except cxm.Abort:
        return
    count = 1
    for _, values in domains:
        count *= len(values)
    if count > MAX_LIVENESS_INSTANCES:
        cx.error("E401", f"this forall stands for {count:,} leads-to properties, more than "
                 f"{MAX_LIVENESS_INSTANCES:,}", decl.span)
        return
    instances = []
    for combo in product(*(values for _, values in domains)):
        bound = {local: ir.Lit(v, local.type, decl.span)
                 for (local, _), v in zip(domains, combo)}
        label = ", ".join(f"{local.name}={format_value(local.type, v)}"
                          for (local, _), v in zip(domains, combo))
        instances.append((label, substitute(p, bound), substitute(q, bound)))
    cx.liveness.append(ir.Liveness(decl.name, p, q, within, decl.span, tuple(instances),
                                   tuple(local for local, _ in domains)))
