"""The reference interpreter: evaluates the checked model directly, over plain values.

It is deliberately simple and slow. The checker folds constants and builds initial states
with it, and the tests compare the compiled successor code against it (the differential
test). States here are tuples of values in variable order (see model.types for values).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from itertools import product

from . import ir
from .nodeclass import nodeclass
from .source import Span
from .types import ArrayT, BagT, IntT, OptionT, QueueT, RecordT, SetT, Type, Value, format_value

__all__ = ["EvalError", "evaluate", "instances", "successors", "initial_states", "Env",
           "MAX_INT_BITS", "iter_initial_states", "free_variables"]

Env = Mapping[ir.Local, Value]

MAX_INT_BITS = 4096   # a larger integer is an evaluation error (E506), never a slow crawl
MAX_BUILT = 65_536    # elements of an array or range set built while evaluating (E506)


class EvalError(Exception):
    """A run-time evaluation error (E5xx) at `span`."""

    def __init__(self, code: str, message: str, span: Span):
        super().__init__(message)
        self.code = code
        self.message = message
        self.span = span
        # a failed `assert`: its condition, and the state and locals it saw (for the why)
        self.context: tuple[ir.Expr, tuple, dict] | None = None


def _fail(code: str, message: str, span: Span) -> EvalError:
    return EvalError(code, message, span)


def domain_values(expr: ir.Expr, state: tuple, env: Env, clocks=None) -> list[Value]:
    """The elements of a set-valued expression in ordinal order (deterministic)."""
    value = evaluate(expr, state, env, clocks)
    assert isinstance(expr.type, SetT)
    return sorted(value, key=expr.type.elem.ordinal)  # type: ignore[arg-type]


def _check_in(typ: Type, value: Value, span: Span, what: str = "value") -> Value:
    if not typ.contains(value):
        raise _fail("E501", f"{what} {format_value_safe(value)} is outside {typ}", span)
    return value


def format_value_safe(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, frozenset):
        return "{" + ", ".join(sorted(map(format_value_safe, value))) + "}"
    if isinstance(value, tuple):
        return "(" + ", ".join(map(format_value_safe, value)) + ")"
    return str(value)


def evaluate(expr: ir.Expr, state: tuple, env: Env, clocks=None) -> Value:  # noqa: C901
    """The value of `expr` in `state` with locals `env` (and clock values `clocks`)."""
    match expr:
        case ir.Lit(value=v):
            return v
        case ir.VarRef(var=var):
            return state[var.index]
        case ir.LocalRef(local=local):
            return env[local]
        case ir.Index(base=base, index=index):
            arr = evaluate(base, state, env, clocks)
            i = evaluate(index, state, env, clocks)
            assert isinstance(base.type, ArrayT)
            if not base.type.index.contains(i):
                raise _fail("E502", f"index {_shown(index.type, i)} is outside {base.type.index}",
                            index.span)
            return arr[base.type.index.ordinal(i)]  # type: ignore[index]
        case ir.Field(base=base, position=pos):
            return evaluate(base, state, env, clocks)[pos]  # type: ignore[index]
        case ir.ClockAtom(clock=clock, op=op, bound=bound):
            if clocks is None:
                raise TypeError("clock atoms need clock values")
            value = clocks[clock_index(clock, state, env)]
            return _compare(op, value, bound)
        case ir.Unary(op="not", operand=e):
            return not evaluate(e, state, env, clocks)
        case ir.Unary(op="-", operand=e):
            return -evaluate(e, state, env, clocks)  # type: ignore[operator]
        case ir.Binary(op=op, left=left, right=right):
            return _binary(expr, op, left, right, state, env, clocks)
        case ir.Ite(cond=c, then=a, orelse=b):
            return evaluate(a if evaluate(c, state, env, clocks) else b, state, env, clocks)
        case ir.Quant(kind=kind, local=local, domain=domain, body=body):
            values = domain_values(domain, state, env, clocks)
            inner = dict(env)
            for v in values:
                inner[local] = v
                holds = evaluate(body, state, inner, clocks)
                if kind == "forall" and not holds:
                    return False
                if kind == "exists" and holds:
                    return True
            return kind == "forall"
        case ir.SetLit(elems=elems, type=typ):
            assert isinstance(typ, SetT)
            return frozenset(_check_in(typ.elem, evaluate(e, state, env, clocks), e.span,
                                       "set element") for e in elems)
        case ir.RangeSet(lo=lo, hi=hi):
            a = evaluate(lo, state, env, clocks)
            b = evaluate(hi, state, env, clocks)
            count = b - a + 1  # type: ignore[operator]
            if count > MAX_BUILT:
                raise _fail("E506", f"the range {a}..{b} has {count:,} values, more than "
                            f"{MAX_BUILT:,}", expr.span)
            return frozenset(range(a, b + 1))  # type: ignore[operator]
        case ir.SumE(local=local, domain=domain, pred=body):
            inner = dict(env)
            total = 0
            for v in domain_values(domain, state, env, clocks):
                inner[local] = v
                total += evaluate(body, state, inner, clocks)  # type: ignore[operator]
            return total
        case ir.SetComp(local=local, domain=domain, pred=pred):
            inner = dict(env)
            out = []
            for v in domain_values(domain, state, env, clocks):
                inner[local] = v
                if evaluate(pred, state, inner, clocks):
                    out.append(v)
            return frozenset(out)
        case ir.RecordLit(fields=fields, type=typ):
            assert isinstance(typ, RecordT)
            return tuple(_check_in(t, evaluate(e, state, env, clocks), e.span, f"field {n}")
                         for (n, t), e in zip(typ.fields, fields))
        case ir.SeqLit(elems=elems, type=typ):
            assert isinstance(typ, QueueT)
            return tuple(_check_in(typ.elem, evaluate(e, state, env, clocks), e.span,
                                   "queue element") for e in elems)
        case ir.MapComp(local=local, body=body, type=typ):
            assert isinstance(typ, ArrayT)
            n = typ.index.size() or 0
            if n > MAX_BUILT:
                raise _fail("E506", f"this would build an array of {n:,} elements, more than "
                            f"{MAX_BUILT:,}", expr.span)
            inner = dict(env)
            out = []
            for k in typ.index.values():
                inner[local] = k
                out.append(_check_in(typ.elem, evaluate(body, state, inner, clocks), body.span,
                                     "element"))
            return tuple(out)
        case ir.Call(fn=fn, args=args):
            return _call(expr, fn, args, state, env, clocks)
        case ir.LetE(local=local, value=value, body=body):
            inner = dict(env)
            inner[local] = evaluate(value, state, env, clocks)
            return evaluate(body, state, inner, clocks)
        case ir.Checked(value=value, type=typ):
            return _check_in(typ, evaluate(value, state, env, clocks), expr.span)
    raise TypeError(f"cannot evaluate {type(expr).__name__}")


def _compare(op: str, a, b) -> bool:  # noqa: ANN001
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _binary(expr: ir.Expr, op: str, left: ir.Expr, right: ir.Expr, state, env, clocks) -> Value:
    if op == "and":
        return bool(evaluate(left, state, env, clocks)) and bool(
            evaluate(right, state, env, clocks))
    if op == "or":
        return bool(evaluate(left, state, env, clocks)) or bool(
            evaluate(right, state, env, clocks))
    if op == "implies":
        return (not evaluate(left, state, env, clocks)) or bool(
            evaluate(right, state, env, clocks))
    a = evaluate(left, state, env, clocks)
    b = evaluate(right, state, env, clocks)
    if op == "iff":
        return bool(a) == bool(b)
    if op in ("==", "!=", "<", "<=", ">", ">="):
        return _compare(op, a, b)
    if op == "in":
        return a in b  # type: ignore[operator]
    if op == "notin":
        return a not in b  # type: ignore[operator]
    if op == "subset":
        return a <= b  # type: ignore[operator]
    if op == "union":
        return a | b  # type: ignore[operator]
    if op == "minus":
        return a - b  # type: ignore[operator]
    if op == "intersect":
        return a & b  # type: ignore[operator]
    if op == "+":
        return _sized(a + b, expr)  # type: ignore[operator]
    if op == "-":
        return _sized(a - b, expr)  # type: ignore[operator]
    if op == "*":
        if a.bit_length() + b.bit_length() > MAX_INT_BITS + 1:  # type: ignore[attr-defined]
            raise _too_large(expr)
        return _sized(a * b, expr)  # type: ignore[operator]
    if op in ("/", "%"):
        if b == 0:
            raise _fail("E503", "division by zero", expr.span)
        return a // b if op == "/" else a % b  # type: ignore[operator]
    raise TypeError(f"unknown operator {op}")


def _sized(value: int, expr: ir.Expr) -> int:
    if value.bit_length() > MAX_INT_BITS:
        raise _too_large(expr)
    return value


def _too_large(expr: ir.Expr) -> EvalError:
    return _fail("E506", f"a number of more than {MAX_INT_BITS} bits", expr.span)


def _call(expr: ir.Expr, fn: str, args, state, env, clocks) -> Value:  # noqa: ANN001
    vals = [evaluate(a, state, env, clocks) for a in args]
    if fn == "at":
        return vals[0][_queue_position(vals[0], vals[1], args[1].span)]  # type: ignore[index]
    if fn in ("support", "count") or (fn == "len" and isinstance(args[0].type, BagT)):
        return _bag_call(expr, fn, args, vals)
    if fn == "len":
        return len(vals[0])  # type: ignore[arg-type]
    if fn == "head":
        if not vals[0]:
            raise _fail("E505", "head of an empty queue", expr.span)
        return vals[0][0]  # type: ignore[index]
    if fn == "abs":
        return abs(vals[0])  # type: ignore[arg-type]
    if fn in ("some", "get"):
        return _option_call(expr, fn, args[0], vals[0])
    if fn == "sum":
        return sum(vals[0])  # type: ignore[arg-type]
    if fn == "reach":  # transitive closure along m: [T] -> set of T
        node_t = args[0].type.index
        rows = vals[0]
        todo = list(vals[1]) if isinstance(vals[1], frozenset) else [vals[1]]
        seen: set = set()
        while todo:
            for nxt in rows[node_t.ordinal(todo.pop())]:  # type: ignore[index]
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return frozenset(seen)
    if fn in ("min", "max"):
        if len(vals) == 2:
            return min(vals) if fn == "min" else max(vals)  # type: ignore[type-var]
        if not vals[0]:
            raise _fail("E505", f"{fn} of an empty set", expr.span)
        return min(vals[0]) if fn == "min" else max(vals[0])  # type: ignore[type-var]
    raise TypeError(f"unknown function {fn}")


def _option_call(expr: ir.Expr, fn: str, arg: ir.Expr, value: Value) -> Value:
    """Language v2 options: some(v) lifts v (checked to lie in the option's type), get(x)
    reads an option's value (E508 when it is none)."""
    if fn == "some":
        assert isinstance(expr.type, OptionT)
        return _check_in(expr.type.elem, value, arg.span)
    if value is None:
        raise _fail("E508", f"get of none: {describe_expr(arg)} is none", expr.span)
    return value


def _bag_call(expr: ir.Expr, fn: str, args, vals: list) -> Value:  # noqa: ANN001
    """Language v2 bags (a tuple of counts in the element type's ordinal order)."""
    bag = args[0].type
    assert isinstance(bag, BagT)
    counts = vals[0]
    if fn == "len":
        return sum(counts)
    if fn == "support":
        return frozenset(v for v, n in zip(bag.elem.values(), counts) if n)
    return counts[_bag_position(bag, vals[1], args[1].span)]


def _queue_position(queue: Value, i: Value, span: Span) -> int:
    """The 0-based place of position i (1 is the head) of a queue; E502 outside it."""
    n = len(queue)  # type: ignore[arg-type]
    if not 1 <= i <= n:  # type: ignore[operator]
        raise _fail("E502", f"position {i} is outside the queue, which holds {n} "
                    f"element{'s' if n != 1 else ''}", span)
    return int(i) - 1  # type: ignore[call-overload]


def _bag_position(bag: BagT, value: Value, span: Span) -> int:
    if not bag.elem.contains(value):
        raise _fail("E502", f"{_shown(bag.elem, value)} is outside {bag.elem}", span)
    return bag.elem.ordinal(value)


def _bag_stmt(stmt: ir.BagS, state: tuple, env: Env) -> tuple:
    """put(b, v) / take(b, v): one more or one fewer v in bag b."""
    bag = stmt.target.type
    assert isinstance(bag, BagT)
    counts = list(evaluate(stmt.target, state, env))  # type: ignore[call-overload]
    k = _bag_position(bag, evaluate(stmt.value, state, env), stmt.value.span)
    if stmt.op == "put":
        if counts[k] >= bag.capacity:
            raise _fail("E504", f"put into {describe_target(stmt.target, state, env)}, which "
                        f"holds {_shown(bag.elem, bag.elem.from_ordinal(k))} "
                        f"{'once' if counts[k] == 1 else f'{counts[k]} times'} already "
                        f"(capacity {bag.capacity})", stmt.span)
        counts[k] += 1
    else:
        if counts[k] == 0:
            raise _fail("E505", f"take from {describe_target(stmt.target, state, env)}, which "
                        f"holds no {_shown(bag.elem, bag.elem.from_ordinal(k))}", stmt.span)
        counts[k] -= 1
    return _store(state, stmt.target, tuple(counts), env, stmt.span)


def describe_expr(e: ir.Expr) -> str:
    """A short name for an expression in a message (`x`, `agent[1].leader`, `m.to`)."""
    match e:
        case ir.VarRef(var=var):
            return var.name
        case ir.LocalRef(local=local):
            return local.name
        case ir.Field(base=base, name=name):
            return f"{describe_expr(base)}.{name}"
        case ir.Index(base=base, index=index) if isinstance(index, ir.Lit):
            return f"{describe_expr(base)}[{_shown(index.type, index.value)}]"
        case ir.Index(base=base):
            return f"{describe_expr(base)}[...]"
    return "the option"


def clock_index(ref: ir.ClockRef, state: tuple, env: Env) -> int:
    """The global number of the clock `ref` denotes (0-based, before the reference clock)."""
    clock = ref.clock
    pos = 0
    for typ, e in zip(clock.index_types, ref.indices):
        v = evaluate(e, state, env)
        if not typ.contains(v):
            raise _fail("E502", f"index {format_value_safe(v)} is outside {typ}", e.span)
        pos = pos * (typ.size() or 0) + typ.ordinal(v)
    return clock.first + pos


# ---------------------------------------------------------------------------- statements


@nodeclass(frozen=True, slots=True)
class Outcome:
    """One way an action instance completes: the new state, the values `choose` picked and
    the clocks it reset."""

    state: tuple
    choices: tuple[Value, ...]
    resets: tuple[int, ...]


def _set_path(root: Value, path: list[tuple[str, int]], new: Value) -> Value:
    if not path:
        return new
    kind, pos = path[0]
    items = list(root)  # type: ignore[call-overload]
    items[pos] = _set_path(items[pos], path[1:], new)
    return tuple(items)


def _lvalue_path(target: ir.Expr, state: tuple, env: Env) -> tuple[int, list[tuple[str, int]]]:
    """The variable index and the element/field path an assignment target denotes."""
    path: list[tuple[str, int]] = []
    node = target
    while True:
        match node:
            case ir.VarRef(var=var):
                path.reverse()
                return var.index, path
            case ir.Index(base=base, index=index):
                i = evaluate(index, state, env)
                assert isinstance(base.type, ArrayT)
                if not base.type.index.contains(i):
                    raise _fail("E502",
                                f"index {_shown(index.type, i)} is outside {base.type.index}",
                                index.span)
                path.append(("i", base.type.index.ordinal(i)))
                node = base
            case ir.Field(base=base, position=pos):
                path.append(("f", pos))
                node = base
            case _:
                raise TypeError(f"not an lvalue: {type(node).__name__}")


def _read_path(state: tuple, var_index: int, path) -> Value:  # noqa: ANN001
    value = state[var_index]
    for _, pos in path:
        value = value[pos]  # type: ignore[index]
    return value


def _store(state: tuple, target: ir.Expr, value: Value, env: Env, span: Span) -> tuple:
    var_index, path = _lvalue_path(target, state, env)
    if not target.type.contains(value):
        shown = (format_value(target.type, value) if _formattable(target.type, value)
                 else format_value_safe(value))
        raise _fail("E501", f"{describe_target(target, state, env)} := {shown} is outside "
                    f"{target.type}", span)
    items = list(state)
    items[var_index] = _set_path(state[var_index], path, value)
    return tuple(items)


def _shown(typ: Type, value: Value) -> str:
    """A value as the spec writes it where its type holds it (`{a: 2, b: false}`)."""
    return format_value(typ, value) if _formattable(typ, value) else format_value_safe(value)


def _formattable(typ: Type, value: Value) -> bool:
    return not isinstance(typ, IntT) and typ.contains(value)


def describe_target(target: ir.Expr, state: tuple, env: Env) -> str:
    """`agent[1].state`, `rmState[2]`, `msg.kind`: an lvalue as the spec would write it."""
    match target:
        case ir.VarRef(var=var):
            return var.name
        case ir.Index(base=ir.VarRef(var=var), index=index) if var.process is not None:
            i = evaluate(index, state, env)
            return f"{var.process}[{format_value_safe(i)}].{var.local_name}"
        case ir.Index(base=base, index=index):
            i = evaluate(index, state, env)
            return f"{describe_target(base, state, env)}[{format_value_safe(i)}]"
        case ir.Field(base=base, name=name):
            return f"{describe_target(base, state, env)}.{name}"
    return "value"


def execute(stmts: tuple[ir.Stmt, ...], state: tuple, env: dict, choices: tuple,
            resets: tuple) -> Iterator[Outcome]:
    """Every outcome of running `stmts` from `state` (several with `choose`, none when a
    `require` fails), in order: the first `choose` value's outcomes first. Iterative, so a
    long block or deep nesting costs no Python recursion."""
    # each item: statements still to run (from position k), and the run's values so far
    work: list[tuple[tuple[ir.Stmt, ...], int, tuple, dict, tuple, tuple]] = [
        (stmts, 0, state, env, choices, resets)]
    while work:
        todo, k, state, env, choices, resets = work.pop()
        while True:
            if k == len(todo):
                yield Outcome(state, choices, resets)
                break
            stmt = todo[k]
            k += 1
            match stmt:
                case ir.Assign(target=target, value=value):
                    v = evaluate(value, state, env)
                    state = _store(state, target, v, env, stmt.span)
                case ir.IfS(cond=cond, then=then, orelse=orelse):
                    branch = then if evaluate(cond, state, env) else orelse
                    todo, k = branch + todo[k:], 0
                case ir.ChooseS(local=local, domain=domain, body=body):
                    rest = body + todo[k:]
                    for v in reversed(domain_values(domain, state, env)):
                        inner = dict(env)
                        inner[local] = v
                        work.append((rest, 0, state, inner, choices + (v,), resets))
                    break
                case ir.RequireS(cond=cond):
                    if not evaluate(cond, state, env):
                        break
                case ir.AssertS(cond=cond):
                    if not evaluate(cond, state, env):
                        failed = _fail("E507", "assertion failed", stmt.span)
                        failed.context = (cond, state, env)
                        raise failed
                case ir.LetS(local=local, value=value):
                    env = dict(env)
                    env[local] = evaluate(value, state, env)
                case ir.ResetS(clock=clock):
                    resets = resets + (clock_index(clock, state, env),)
                case ir.PushS(target=target, value=value):
                    queue = evaluate(target, state, env)
                    assert isinstance(target.type, QueueT)
                    if len(queue) >= target.type.capacity:  # type: ignore[arg-type]
                        raise _fail("E504", f"push onto full {describe_target(target, state, env)}"
                                    f" (capacity {target.type.capacity})", stmt.span)
                    item = _check_in(target.type.elem, evaluate(value, state, env), value.span,
                                     "queue element")
                    new = tuple(queue) + (item,)  # type: ignore[arg-type]
                    state = _store(state, target, new, env, stmt.span)
                case ir.BagS():
                    state = _bag_stmt(stmt, state, env)
                case ir.RemoveS(target=target, index=index):
                    queue = tuple(evaluate(target, state, env))  # type: ignore[call-overload]
                    at = _queue_position(queue, evaluate(index, state, env), index.span)
                    state = _store(state, target, queue[:at] + queue[at + 1:], env, stmt.span)
                case ir.PopS(target=target):
                    queue = evaluate(target, state, env)
                    if not queue:
                        raise _fail("E505", f"pop from empty {describe_target(target, state, env)}",
                                    stmt.span)
                    state = _store(state, target, tuple(queue)[1:], env, stmt.span)
                case _:
                    raise TypeError(f"cannot execute {type(stmt).__name__}")


def instances(action: ir.Action | ir.Bound) -> list[tuple[Value, ...]]:
    """Argument tuples of an action (or a bound), in order (the first local varies
    slowest)."""
    return [tuple(args) for args in product(*(list(local.type.values())
                                              for local in action.locals))]


def active_bounds(model: ir.Model, state: tuple) -> list[tuple[int, str, int]]:
    """(clock number, op, constant) of every bound active in `state`; an EvalError where a
    bound's condition or clock index cannot be evaluated there."""
    return [(x, op, k) for _b, x, op, k in active_bound_sites(model, state)]


def active_bound_sites(model: ir.Model, state: tuple) -> list[tuple[int, int, str, int]]:
    """Like active_bounds, with which bound each is first: (bound index in `model.bounds`,
    clock number, op, constant)."""
    out = []
    for b, bound in enumerate(model.bounds):
        for args in instances(bound):
            env = dict(zip(bound.locals, args))
            if bound.cond is None or evaluate(bound.cond, state, env):
                out.append((b, clock_index(bound.atom.clock, state, env), bound.atom.op,
                            bound.atom.bound))
    return out


@nodeclass(frozen=True, slots=True)
class Step:
    """One successor: the action, its arguments and the outcome, or the error it raised."""

    action: int
    args: tuple[Value, ...]
    outcome: Outcome | None
    error: EvalError | None


def successors(model: ir.Model, state: tuple) -> Iterator[Step]:
    """Every transition from `state` in declaration order (untimed semantics: clock guards
    are ignored; the timed engines handle clocks)."""
    for a, action in enumerate(model.actions):
        for args in instances(action):
            env = dict(zip(action.locals, args))
            try:
                if action.guard is not None and not evaluate(action.guard, state, env):
                    continue
                outcomes = list(execute(action.body, state, env, (), ()))
            except EvalError as err:
                yield Step(a, args, None, err)
                continue
            for out in outcomes:
                yield Step(a, args, out, None)


def initial_states(model: ir.Model) -> list[tuple]:
    """All initial states, in a fixed order: every param value, then every choice of the
    `in` initialisers (which may read params), narrowed by the `init` predicates."""
    return list(iter_initial_states(model))


def _plain_initial_states(model: ir.Model) -> list[tuple]:
    """The initial states of a model without `init` predicates (see initial_states)."""
    params = [v for v in model.variables if v.is_param]
    others = [v for v in model.variables if not v.is_param and not v.init_from_state]
    derived = [v for v in model.variables if v.init_from_state]
    out: list[tuple] = []
    for param_values in product(*(initial_values(p, (), {}) for p in params)):
        partial: list[Value] = [None] * len(model.variables)
        for p, value in zip(params, param_values):
            partial[p.index] = value
        frozen = tuple(partial)
        for values in product(*(initial_values(v, frozen, {}) for v in others)):
            state = list(partial)
            for v, value in zip(others, values):
                state[v.index] = value
            for v in derived:  # monitors: computed from the rest of the initial state
                assert v.init is not None
                state[v.index] = evaluate(v.init, tuple(state), {})
            out.append(tuple(state))
    return out


def free_variables(model: ir.Model) -> set[int]:
    """The variables an `init` predicate reads that have no initialiser of their own: they
    range over their whole type in the initial enumeration."""
    read = {k for pred in model.inits for k in pred.reads}
    return {v.index for v in model.variables
            if v.index in read and not v.is_param and v.init_kind is None
            and not v.init_from_state}


INIT_POLL_EVERY = 4096  # candidate values between two calls of iter_initial_states' poll


def iter_initial_states(model: ir.Model, poll: Callable[[int], None] | None = None
                        ) -> Iterator[tuple]:
    """The initial states one at a time, in the order `initial_states` gives them
    (`poll(n)` is called every INIT_POLL_EVERY candidate values, n of them so far). With
    `init` predicates, the variables get their values one after the other (params first,
    then the others in declaration order) and each predicate is tested as soon as every
    variable it reads has one, so a failing predicate prunes every completion of the
    partial assignment: a large initial set is never built whole."""
    if not model.inits:
        yield from _plain_initial_states(model)
        return
    free = free_variables(model)
    params = [v for v in model.variables if v.is_param]
    others = [v for v in model.variables if not v.is_param and not v.init_from_state]
    derived = [v for v in model.variables if v.init_from_state]
    order = params + others
    position = {v.index: k for k, v in enumerate(order)}
    due: list[list[ir.InitPred]] = [[] for _ in order]  # tested once order[k] has a value
    for pred in model.inits:
        due[max(position[i] for i in pred.reads)].append(pred)
    n = len(model.variables)

    def candidates(k: int, partial: list) -> Iterator[Value]:
        var = order[k]
        if var.index in free:
            return var.type.values()
        frozen = tuple(partial) if not var.is_param else ()
        return iter(initial_values(var, frozen, {}))

    partial: list[Value] = [None] * n
    tried = 0  # candidate values given so far (`poll` hears of them now and then)
    if not order:
        if all(evaluate(p.expr, tuple(partial), {}) for p in model.inits):
            yield tuple(partial)
        return
    stack: list[Iterator[Value]] = [candidates(0, partial)]
    while stack:
        k = len(stack) - 1
        var = order[k]
        value = next(stack[-1], _DONE)
        if value is _DONE:
            stack.pop()
            partial[var.index] = None
            continue
        partial[var.index] = value
        tried += 1
        if poll is not None and tried % INIT_POLL_EVERY == 0:
            poll(tried)  # may raise: a budget stops the enumeration there
        if due[k]:
            state = tuple(partial)
            if not all(evaluate(p.expr, state, {}) for p in due[k]):
                continue
        if k + 1 < len(order):
            stack.append(candidates(k + 1, partial))
            continue
        state_list = list(partial)
        for v in derived:  # monitors: computed from the rest of the initial state
            assert v.init is not None
            state_list[v.index] = evaluate(v.init, tuple(state_list), {})
        yield tuple(state_list)


_DONE = object()


def initial_values(var: ir.Variable, params: tuple, env: Env) -> list[Value]:
    """The possible initial values of one variable (`params`: a state holding the params)."""
    if var.init_kind is None:
        return [] if var.type.is_empty() else [var.type.default()]
    assert var.init is not None
    if var.init_kind == "=":
        value = evaluate(var.init, params, env)
        return [_check_in(var.type, value, var.init.span, "initial value")]
    # "in": each process instance picks independently
    if not var.init_locals:
        return [_check_in(var.type, v, var.init.span, "initial value")
                for v in domain_values(var.init, params, env)]
    typ = var.type
    inst_types = []
    for _ in var.init_locals:
        assert isinstance(typ, ArrayT)
        inst_types.append(typ.index)
        typ = typ.elem
    per_inst = []
    for args in product(*(t.values() for t in inst_types)):
        inner = dict(env)
        inner.update(zip(var.init_locals, args))
        per_inst.append([_check_in(typ, v, var.init.span, "initial value")
                         for v in domain_values(var.init, params, inner)])
    values = []
    for combo in product(*per_inst):
        values.append(_nest(list(combo), [t.size() or 0 for t in inst_types]))
    return values


def _nest(flat: list, sizes: list[int]) -> Value:
    if len(sizes) == 1:
        return tuple(flat)
    step = len(flat) // sizes[0]
    return tuple(_nest(flat[i * step:(i + 1) * step], sizes[1:]) for i in range(sizes[0]))
