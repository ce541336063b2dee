"""Why a property has the value it has in a state: its parts, as the spec wrote them, with
their values. Reports show this under a violated property ("why it is false").

Rows are (text, value) pairs, outermost first. A clock atom (`since >= 75s`) is explained by
the clock's value at that point (`since` = `80s`) when the caller knows the clock values
(every concrete trace does: exact in both timed engines); a caller that only knows an
interval for a clock (a symbolic state) gives the interval, shown as such. A quantifier is
explained by its deciding bindings (a forall's false ones, an exists's true ones, or its
first ones when it is false), one row per binding: the binding, the body's value, and the
state values the body reads under it (`a = 2` = `false: running[2] = true, removed[2] =
true`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from fractions import Fraction

from . import ir
from .interp import EvalError, active_bounds, clock_index, domain_values, evaluate, execute
from .irutil import argument_tuples, children, mentions_clock
from .nodeclass import nodeclass
from .source import SourceFile, Span
from .types import BOOL, format_duration, format_value

__all__ = ["explain", "explain_response", "explain_stuck", "explain_runtime", "source_text",
           "ClockInterval", "ClockValue", "Why", "FAILING_INSTANCE"]

MAX_LINES = 12
MAX_READS = 8  # state values listed on one binding's row

Why = tuple[tuple[str, str], ...]
ClockValue = int | Fraction


@nodeclass(frozen=True, slots=True)
class ClockInterval:
    """What is known of a clock (ms) when only a zone is: lo <= x <= hi, or strict (<)
    where `lo_strict`/`hi_strict`; hi None means unbounded."""

    lo: ClockValue
    hi: ClockValue | None
    lo_strict: bool = False
    hi_strict: bool = False


def _plain_duration(ms: ClockValue) -> str:
    value = Fraction(ms)
    if value.denominator == 1:
        return format_duration(int(value))
    return f"{float(value / 1000):g}s"


def source_text(span: Span, sources: dict[str, SourceFile]) -> str | None:
    source = sources.get(span.file)
    if source is None or span.line == 0:
        return None
    lines = source.text.splitlines()[span.line - 1: span.end_line]
    if not lines:
        return None
    if len(lines) == 1:
        text = lines[0][span.col - 1: span.end_col - 1]
    else:
        lines[0] = lines[0][span.col - 1:]
        lines[-1] = lines[-1][: span.end_col - 1]
        text = " ".join(line.strip() for line in lines)
    return " ".join(text.split())


def _interval_text(iv: ClockInterval, fmt: Callable[[ClockValue], str]) -> str:
    if iv.hi is None:
        return f"{'more than' if iv.lo_strict else 'at least'} {fmt(iv.lo)}"
    if iv.lo == iv.hi and not iv.lo_strict and not iv.hi_strict:
        return fmt(iv.lo)
    return (f"in {'(' if iv.lo_strict else '['}{fmt(iv.lo)}, {fmt(iv.hi)}"
            f"{')' if iv.hi_strict else ']'}")


def explain(expr: ir.Expr, values: tuple, sources: dict[str, SourceFile],
            clocks: Sequence[ClockValue | ClockInterval] | None = None,
            format_clock: Callable[[ClockValue], str] | None = None,
            clock_names: Sequence[str] | None = None,
            ranges: Sequence[ClockInterval] | None = None,
            clock_texts: Sequence[str | None] | None = None) -> Why:
    """(sub-expression text, value) pairs, outermost first, at most MAX_LINES.

    `clocks`: the clock values in ms, clock 1 first (as model.interp.evaluate reads them),
    or an interval for a clock whose exact value is not known; None: no clock values, and
    parts that read clocks are skipped. `format_clock` writes a clock value (default: whole
    units, else decimal seconds); `clock_names` are the display names by clock number
    (index 0 the reference clock), for the values a
    quantifier's binding reads. `ranges`: where the caller also knows each clock's interval
    over every run like this one (the zone engine: every run along the trace's path that
    ends in a violation), a clock's row gives it after the value: `80s (on this path: in
    [75s, 90s])`. `clock_texts`: the clocks' values as the trace's last step shows them
    (`5001ms (just after 5s)`), used instead of `format_clock` so both read the same."""
    fmt = format_clock or _plain_duration

    def shown(x: int, c: ClockValue) -> str:
        if clock_texts is not None and x < len(clock_texts) and clock_texts[x] is not None:
            return clock_texts[x]  # type: ignore[return-value]
        return fmt(c)

    exact: list[ClockValue] | None = None
    known = clocks is not None
    if clocks is not None:
        # an interval has no single value: evaluate with its lower end, and say so
        exact = [c.lo if isinstance(c, ClockInterval) else c for c in clocks]
        exact_only = not any(isinstance(c, ClockInterval) for c in clocks)
    else:
        exact_only = True
    out: list[tuple[str, str]] = []

    def add(text: str, value: str) -> None:
        line = (text, value)
        if len(out) < MAX_LINES and line not in out:
            out.append(line)

    def clock_text(ref: ir.ClockRef, env: dict) -> str | None:
        assert clocks is not None
        try:
            c = clocks[clock_index(ref, values, env)]
        except (EvalError, IndexError):
            return None
        if isinstance(c, ClockInterval):
            return _interval_text(c, fmt)
        x = clock_index(ref, values, env)  # it evaluated just above
        text = shown(x, c)
        if ranges is not None and x < len(ranges):
            iv = ranges[x]
            if not (iv.lo == iv.hi == c and not iv.lo_strict and not iv.hi_strict):
                where = f"on this path: {_interval_text(iv, fmt)}"
                return f"{text[:-1]}; {where})" if text.endswith(")") else f"{text} ({where})"
        return text

    def readable(e: ir.Expr) -> bool:
        return known or not mentions_clock(e)

    def value_of(e: ir.Expr, env: dict) -> tuple[bool, object]:
        try:
            return True, evaluate(e, values, env, exact)
        except EvalError as err:
            return False, f"error: {err.message}"

    def show(e: ir.Expr, env: dict) -> object:
        text = source_text(e.span, sources)
        ok, value = value_of(e, env)
        if text:
            if not ok:
                add(text, str(value))
            elif exact_only or not mentions_clock(e):
                add(text, format_value(e.type, value))
            else:  # decided on an interval's lower end: give the interval, not a verdict
                add(text, "depends on the clocks below")
        return value if ok else None

    # Breadth first: each part's row, then the rows of the parts under it, level by level,
    # so the rows cut at MAX_LINES are the deepest ones.
    pending: deque[tuple[ir.Expr, dict, int, str]] = deque()

    def walk(e: ir.Expr, env: dict, depth: int, binding: str) -> None:
        if depth > 3 or len(out) >= MAX_LINES or not readable(e):
            return
        show(e, env)
        pending.append((e, env, depth, binding))

    def expand(e: ir.Expr, env: dict, depth: int, binding: str) -> None:
        """The rows under `e` (whose own row is shown)."""
        match e:
            case ir.Quant():
                quantifier(e, env, depth, binding)
            case ir.Unary(op="not", operand=a):
                walk(a, env, depth + 1, binding)
            case ir.Binary(op=op) if op in ("and", "or"):
                # a chain `a or b or c` is one level; the operands that decide it (those
                # with the chain's value), each on its row
                ok, whole = value_of(e, env)
                parts = [part for part in _chain(e, op) if readable(part)]
                if ok:
                    parts = [part for part in parts if value_of(part, env) == (True, whole)]
                for part in parts:
                    walk(part, env, depth + 1, binding)
            case ir.Binary(op=op, left=a, right=b) if op in ("implies", "iff"):
                walk(a, env, depth + 1, binding)
                walk(b, env, depth + 1, binding)
            case ir.LetE(local=local, value=value, body=body):
                # a definition's call: its argument, then its body with the argument bound
                if not isinstance(value, ir.Lit):
                    show(value, env)
                ok, bound = value_of(value, env)
                if ok:
                    inner = dict(env)
                    inner[local] = bound
                    walk(body, inner, depth + 1, binding)
            case ir.ClockAtom(clock=ref):
                text = source_text(ref.span, sources)
                shown = clock_text(ref, env)
                if text and shown is not None:
                    add(text, shown)
            case ir.Binary(left=a, right=b):
                for part in (a, b):
                    if not isinstance(part, (ir.Lit, ir.LocalRef)):
                        show(part, env)

    def quantifier(e: ir.Quant, env: dict, depth: int, binding: str) -> None:
        # the instances that decide it: a forall's false ones, an exists's true
        # ones (its witnesses); a false exists shows its first instances
        try:
            items = domain_values(e.domain, values, env, exact)
            overall = bool(evaluate(e, values, env, exact))
        except EvalError:
            return
        shown_witness = False
        for v in items:
            inner = dict(env)
            inner[e.local] = v
            try:
                holds: bool | None = bool(evaluate(e.body, values, inner, exact))
            except EvalError:
                holds = None
            # a false forall: its counterexamples; a true exists: its first witness; a
            # true forall or a false exists: every binding decides it
            witness = (e.kind == "forall") != overall
            if holds is not None and witness and holds == (e.kind == "forall"):
                continue
            if witness and e.kind == "exists" and shown_witness:
                return
            shown_witness = True
            here = f"{binding}{e.local.name} = {format_value(e.local.type, v)}"
            nested = _quantifiers(e.body)
            if nested:
                # the inner quantifiers give the rows, each with the whole binding
                for q in nested:
                    if len(out) >= MAX_LINES:
                        return
                    quantifier(q, inner, depth + 1, here + ", ")
            else:
                verdict = "error" if holds is None else format_value(BOOL, holds)
                reads = _reads(e.body, values, inner, exact, clock_names, shown)
                add(here, verdict + (": " + ", ".join(reads) if reads else ""))
            if len(out) >= MAX_LINES:
                return

    walk(expr, {}, 0, "")
    while pending and len(out) < MAX_LINES:
        expand(*pending.popleft())
    return tuple(out)


def _chain(e: ir.Expr, op: str) -> list[ir.Expr]:
    """The operands of a chain of `op` (`a or b or c`: a, b, c), left to right."""
    out: list[ir.Expr] = []
    stack = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Binary) and node.op == op and _inside(node.span, e.span):
            stack.append(node.right)
            stack.append(node.left)
        else:
            out.append(node)
    return out


def _inside(inner: Span, outer: Span) -> bool:
    """Whether `inner` lies within `outer` (a definition's body, inlined where it is used,
    does not lie within the expression that uses it)."""
    return inner.file == outer.file and (inner.line, inner.col) >= (outer.line, outer.col) \
        and (inner.end_line, inner.end_col) <= (outer.end_line, outer.end_col)


def _quantifiers(e: ir.Expr) -> list[ir.Quant]:
    """The outermost quantifiers in `e` (`e` itself if it is one)."""
    found: list[ir.Quant] = []
    stack = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Quant):
            found.append(node)
            continue
        stack.extend(reversed(children(node)))
    return found


def _reads(body: ir.Expr, values: tuple, env: dict, clocks: list[ClockValue] | None,
           clock_names: Sequence[str] | None, shown: Callable[[int, ClockValue], str]
           ) -> list[str]:
    """The state values `body` reads under `env`, as `name = value` (each once, in the
    order the spec reads them): variables, array elements and fields with their indices
    evaluated (`running[2]`), and clocks (`silent[2] = 80s`)."""
    out: list[str] = []

    def add(text: str) -> None:
        if text not in out and len(out) < MAX_READS:
            out.append(text)

    def visit(e: ir.Expr) -> None:
        if len(out) >= MAX_READS:
            return
        if _is_path(e):
            try:
                name = _describe(e, values, env)
                value = evaluate(e, values, env, clocks)
            except (EvalError, KeyError):
                name = None
            if name is not None:
                add(f"{name} = {format_value(e.type, value)}")
            for index in _path_indices(e):
                visit(index)
            return
        if isinstance(e, ir.ClockRef):
            if clocks is not None:
                try:
                    x = clock_index(e, values, env)
                    name = (clock_names[x + 1] if clock_names is not None
                            and x + 1 < len(clock_names) else e.clock.name)
                    add(f"{name} = {shown(x, clocks[x])}")
                except (EvalError, KeyError, IndexError):
                    pass
            for index in e.indices:
                visit(index)
            return
        if isinstance(e, (ir.Quant, ir.SetComp, ir.MapComp, ir.LetE)):
            return  # reads under locals of their own: not one value per binding
        for kid in children(e):
            visit(kid)

    visit(body)
    return out


def _describe(e: ir.Expr, values: tuple, env: dict) -> str:
    """`agent[1].state`, `master.removed[2]`, `msg.kind`: a state path as the reports name
    its leaves (a process variable's first indices are the process's own)."""
    steps: list[tuple[str, str]] = []
    while isinstance(e, (ir.Index, ir.Field)):
        if isinstance(e, ir.Index):
            steps.append(("i", format_value(e.index.type, evaluate(e.index, values, env))))
        else:
            steps.append(("f", e.name))
        e = e.base
    assert isinstance(e, ir.VarRef)
    steps.reverse()
    var = e.var
    own = len(var.init_locals) if var.process is not None else 0
    if own and len(steps) >= own and all(kind == "i" for kind, _ in steps[:own]):
        name = f"{var.process}[{','.join(v for _, v in steps[:own])}].{var.local_name}"
        steps = steps[own:]
    else:
        name = var.name
    for kind, v in steps:
        name += f"[{v}]" if kind == "i" else f".{v}"
    return name


def _is_path(e: ir.Expr) -> bool:
    """A state variable, or an element or field of one (`running[a]`, `agent[a].state`)."""
    while isinstance(e, (ir.Index, ir.Field)):
        e = e.base
    return isinstance(e, ir.VarRef)


def _path_indices(e: ir.Expr) -> list[ir.Expr]:
    out = []
    while isinstance(e, (ir.Index, ir.Field)):
        if isinstance(e, ir.Index):
            out.append(e.index)
        e = e.base
    return list(reversed(out))


FAILING_INSTANCE = "the failing instance"  # the why's first row for a `forall` property


def explain_response(monitors: Sequence[ir.ResponseMonitor], values: tuple,
                     sources: dict[str, SourceFile],
                     clocks: Sequence[ClockValue | ClockInterval] | None = None,
                     format_clock: Callable[[ClockValue], str] | None = None,
                     clock_names: Sequence[str] | None = None) -> Why:
    """Why a bounded response `p ~> q within T` is violated in a state of its product: how
    long ago the left side opened the obligation (the monitor's clock), and the right side,
    still false, with its parts; for a `forall` one, of the first instance whose deadline
    has passed there, named in the first row."""
    fmt = format_clock or _plain_duration
    monitor, c = _expired(monitors, values, clocks)
    rows: list[tuple[str, str]] = []
    if monitor.label is not None:
        rows.append((FAILING_INSTANCE, monitor.label))
    p_text = source_text(monitor.p.span, sources) or "the left side"
    if c is not None:
        ago = _interval_text(c, fmt) if isinstance(c, ClockInterval) else fmt(c)
        rows.append((p_text, f"true {ago} ago, and the right side false ever since: "
                     f"longer than the {fmt(monitor.within)} allowed"))
    else:
        rows.append((p_text, f"true more than {fmt(monitor.within)} ago, and the right side "
                     "false ever since"))
    for row in explain(monitor.q, values, sources, clocks, format_clock, clock_names):
        if row not in rows and len(rows) < MAX_LINES:
            rows.append(row)
    return tuple(rows)


def _expired(monitors: Sequence[ir.ResponseMonitor], values: tuple,
             clocks: Sequence[ClockValue | ClockInterval] | None,
             ) -> tuple[ir.ResponseMonitor, ClockValue | ClockInterval | None]:
    """The first monitor with an open obligation older than its bound in this state (or,
    where the clocks leave that open, the first with an open obligation), and its clock's
    value when known."""
    found: list[tuple[ir.ResponseMonitor, ClockValue | ClockInterval | None]] = []
    for monitor in monitors:
        c = None
        if clocks is not None:
            try:
                c = clocks[clock_index(monitor.clock, values, {})]
            except (EvalError, IndexError):
                c = None
        if len(monitors) == 1:
            return monitor, c
        try:
            if not evaluate(monitor.pend, values, {}):
                continue
        except EvalError:
            continue
        late = c is None or (c.hi is None or c.hi > monitor.within
                             if isinstance(c, ClockInterval) else c > monitor.within)
        if late:
            return monitor, c
        found.append((monitor, c))
    return found[0] if found else (monitors[0], None)


def explain_stuck(model: ir.Model, values: tuple, sources: dict[str, SourceFile],
                  clocks: Sequence[ClockValue] | None = None,
                  format_clock: Callable[[ClockValue], str] | None = None,
                  clock_names: Sequence[str] | None = None, timelock: bool = False) -> Why:
    """Why a state is stuck (a deadlock, or a timelock): for each action, its guard and
    whether it holds (for which arguments); for a timelock, the bounds that stop time, with
    their clocks' values."""
    fmt = format_clock or _plain_duration
    rows: list[tuple[str, str]] = []
    if timelock and clocks is not None:
        for bound in model.bounds:
            for args in argument_tuples(bound.locals):
                env = dict(zip(bound.locals, args))
                try:
                    if bound.cond is not None and not evaluate(bound.cond, values, env):
                        continue
                    x = clock_index(bound.atom.clock, values, env)
                except EvalError:
                    continue
                name = (clock_names[x + 1] if clock_names is not None
                        and x + 1 < len(clock_names) else bound.atom.clock.clock.name)
                text = source_text(bound.atom.span, sources) or name
                where = ", ".join(f"{lo.name} = {format_value(lo.type, v)}"
                                  for lo, v in zip(bound.locals, args))
                rows.append((text + (f"  [{where}]" if where else ""),
                             f"{name} = {fmt(clocks[x])}: time cannot pass beyond it"))
    shown = 0
    for action in model.actions:
        if len(rows) >= MAX_LINES - 1 and shown < len(model.actions) - 1:
            break
        enabled = []
        failed = None
        for args in argument_tuples(action.locals):
            env = dict(zip(action.locals, args))
            try:
                if action.guard is None or evaluate(action.guard, values, env):
                    enabled.append(args)
            except EvalError as err:
                failed = err.message
        guard = (source_text(action.guard.span, sources) if action.guard is not None
                 else None) or "true"
        text = f"{action.name} when {guard}"
        binders = ", ".join(lo.name for lo in action.locals)
        if failed is not None and not enabled:
            value = f"error: {failed}"
        elif not enabled:
            value = "false" + (f" for every {binders}" if action.locals else "")
            if action.guard is not None:
                first = next(iter(argument_tuples(action.locals)), ())
                env = dict(zip(action.locals, first))
                reads = _reads(action.guard, values, env, list(clocks) if clocks else None,
                               clock_names, lambda _x, c: fmt(c))
                where = ", ".join(f"{lo.name} = {format_value(lo.type, v)}"
                                  for lo, v in zip(action.locals, first))
                if reads:
                    value += f" ({where + ': ' if where else ''}{', '.join(reads)})"
        else:
            some = ", ".join(
                "(" + ", ".join(format_value(lo.type, v) for lo, v in zip(action.locals, args))
                + ")" for args in enabled[:3]) + (", ..." if len(enabled) > 3 else "")
            where = f" for {binders} in {some}" if action.locals else ""
            atoms = " and ".join(t for t in (source_text(a.span, sources)
                                             for a in action.clock_guard) if t)
            error = _body_error(model, action, values, enabled)
            if error is not None:  # it fires, and fails: no successor, a runtime violation
                blocker = f"it fails with error[{error.code}]: {error.message} (see runtime)"
            elif action.clock_guard:
                blocker = f"its clock guard {atoms} is never met, now or later".replace("  ", " ")
            else:
                blocker = "a require, an empty choose or a bound blocks it"
            value = f"true{where}, but it cannot fire: {blocker}"
        rows.append((text, value))
        shown += 1
    if shown < len(model.actions):
        rows.append((f"{len(model.actions) - shown} more actions", "not shown"))
    return tuple(rows)


def _body_error(model: ir.Model, action: ir.Action, values: tuple,
                enabled: list[tuple]) -> EvalError | None:
    """The run-time error of the action's body (or of a bound after it) when every
    enabled instance fails with one: the first instance's error; None if one completes
    or is blocked (clocks are not read: a body only resets them)."""
    first: EvalError | None = None
    for args in enabled:
        env = dict(zip(action.locals, args))
        try:
            for outcome in execute(action.body, values, env, (), ()):
                active_bounds(model, outcome.state)
        except EvalError as err:
            first = first or err
            continue
        return None
    return first


def explain_runtime(model: ir.Model, values: tuple, sources: dict[str, SourceFile],
                    what: str, action: int, args: tuple) -> Why:
    """Why a run-time error happens in a state with these values: the failing expression
    or statement as the spec wrote it with the error, and the action's arguments. `what` is
    "action" (instance `action` with `args`, from model.actions) or "property" (the first
    property, without clocks, that fails to evaluate)."""
    err: EvalError | None = None
    rows: list[tuple[str, str]] = []
    if what == "action":
        act = model.actions[action]
        env = dict(zip(act.locals, args))
        try:
            if act.guard is None or evaluate(act.guard, values, env):
                for atom in act.clock_guard:
                    clock_index(atom.clock, values, env)
                for outcome in execute(act.body, values, env, (), ()):
                    active_bounds(model, outcome.state)
        except EvalError as e:
            err = e
        where = ", ".join(f"{lo.name} = {format_value(lo.type, v)}"
                          for lo, v in zip(act.locals, args))
        head = (f"{act.name}", f"fails{' with ' + where if where else ''}")
    else:
        head = ("", "")
        for prop in model.properties:
            if mentions_clock(prop.expr):
                continue
            try:
                evaluate(prop.expr, values, {})
            except EvalError as e:
                err = e
                head = (prop.name, "fails to evaluate")
                break
    if err is None:
        return ()
    rows.append(head)
    message = f"error[{err.code}]: {err.message}"
    if err.context is not None:  # a failed assert: the values it read, as it saw them
        cond, seen, seen_env = err.context
        reads = _reads(cond, seen, seen_env, None, None, lambda x, c: "")
        if reads:
            message += f" ({', '.join(reads)})"
    rows.append((source_text(err.span, sources) or str(err.span), message))
    return tuple(rows)
