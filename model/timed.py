"""Compilation targets for timed models: zones, and discrete time.

Clocks are numbered from 1 (0 is the reference clock of a DBM): element k of a clock array
declared as `ir.Clock` is clock `first + k + 1`. A clock constraint is a triple (i, j, raw):
x_i - x_j ≺ c, with raw = (c << 1) | (1 for <=, 0 for <), the encoding checker.dbm uses.

*Zones.* `ZoneCode` generates, over the packed discrete state:
  succ(d)  -> [(instance, choices, d' or None on a run-time error, guard constraints, resets)]
  inv(d)   -> the upper bounds active in d (the `bound`s and timeouts' deadlines)
  live(d)  -> a bit mask of the *conditional read sites* whose condition holds in d.
A read site is a place a clock is compared with a constant, under the discrete condition of
its action or bound. A clock is *live* in d when one of its sites is on there. If every
transition that makes a clock live also resets it (the engine checks this on every
transition), a clock that is not live in d cannot influence the future before it is reset,
so extrapolation can forget it there: a 15 min timeout then costs what a 2 s one costs.
Sites with no condition, with a clock chosen at run time, or in properties are always on.

*Discrete time.* `DiscreteTimeSystem` packs each clock as a slot counting ticks (capped one
above the largest constant it is compared with) and adds `tick(s)`, the zero-cost
successor in which every clock advances one tick, allowed while every active bound holds.
It is exact for closed constraints only; `discrete_refusal` says why it cannot be used.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from . import ir
from .compile import (
    UNROLL_INSTANCES,
    CompiledCode,
    _Ctx,
    _Gen,
    _specialize,
    _successor_function,
    instance_table,
    rep_of,
)
from .irutil import argument_tuples, children, mentions_clock, substitute, walk
from .layout import Layout
from .source import Span
from .system import TransitionSystem
from .types import BOOL

__all__ = ["raw_bound", "atom_constraints", "ZoneCode", "compile_zones", "DiscreteTimeSystem",
           "time_constants", "discrete_refusal", "clock_names", "clock_constants", "default_tick"]

Constraint = tuple[int, int, int]


def raw_bound(c: int, strict: bool) -> int:
    return (c << 1) | (0 if strict else 1)


def atom_constraints(x: int, op: str, k: int) -> tuple[Constraint, ...]:
    """The DBM constraints of `x op k`."""
    if op == "<=":
        return ((x, 0, raw_bound(k, False)),)
    if op == "<":
        return ((x, 0, raw_bound(k, True)),)
    if op == ">=":
        return ((0, x, raw_bound(-k, False)),)
    if op == ">":
        return ((0, x, raw_bound(-k, True)),)
    assert op == "=="
    return ((x, 0, raw_bound(k, False)), (0, x, raw_bound(-k, False)))


def clock_names(model: ir.Model) -> list[str]:
    """Display names by clock number (index 0 is the reference clock `0`):
    `since`, `silent[2]`, `agent[1].down`, `exec[1,2].wait[3]`."""
    from itertools import product

    from .types import format_value

    own = {p.name: len(p.locals) for p in model.processes}
    names = ["0"]
    for clock in model.clocks:
        if not clock.index_types:
            names.append(clock.name)
            continue
        for combo in product(*(list(t.values()) for t in clock.index_types)):
            idx = [format_value(t, v) for t, v in zip(clock.index_types, combo)]
            if clock.process is not None:
                k = own.get(clock.process, 0)
                head, tail = idx[:k], idx[k:]
                name = (f"{clock.process}[{','.join(head)}].{clock.local_name}" if head
                        else f"{clock.process}.{clock.local_name}")
                names.append(name + (f"[{','.join(tail)}]" if tail else ""))
            else:
                names.append(f"{clock.name}[{','.join(idx)}]")
    return names


def _static_number(ref: ir.ClockRef) -> int | None:
    clock = ref.clock
    pos = 0
    for typ, idx in zip(clock.index_types, ref.indices):
        if not isinstance(idx, ir.Lit) or not typ.contains(idx.value):
            return None  # computed, or folded outside the array: checked at run time
        pos = pos * (typ.size() or 0) + typ.ordinal(idx.value)
    return clock.first + 1 + pos


def _all_numbers(clock: ir.Clock) -> range:
    return range(clock.first + 1, clock.first + 1 + clock.count)


def _atoms(e: ir.Expr) -> list[ir.ClockAtom]:
    return [n for n in walk(e) if isinstance(n, ir.ClockAtom)]


def _guarded_atoms(e: ir.Expr, cond: ir.Expr | None = None
                   ) -> list[tuple[ir.Expr | None, ir.ClockAtom]]:
    """Each clock atom of a property with the clock-free conjuncts beside it: in `A and
    c > 5s` the atom can change the property's value only where A holds, so its constant
    needs to be kept only there (None: everywhere)."""
    if isinstance(e, ir.ClockAtom):
        return [(cond, e)]
    if isinstance(e, ir.Binary) and e.op == "and":
        out = []
        for side, other in ((e.left, e.right), (e.right, e.left)):
            c = cond
            if not mentions_clock(other) and not _free_locals(other):
                c = other if cond is None else ir.Binary("and", cond, other, BOOL, other.span)
            out += _guarded_atoms(side, c)
        return out
    if isinstance(e, (ir.Quant, ir.SetComp, ir.MapComp, ir.LetE)):
        cond = None  # a condition outside cannot be read inside a binder's scope, and vice versa
    return [x for child in children(e) for x in _guarded_atoms(child, cond)]


def _free_locals(e: ir.Expr) -> bool:
    bound = {n.local for n in walk(e) if isinstance(n, (ir.Quant, ir.SetComp, ir.MapComp,
                                                        ir.LetE))}
    return any(isinstance(n, ir.LocalRef) and n.local not in bound for n in walk(e))


def time_constants(model: ir.Model) -> list[int]:
    """Every time constant a clock is compared with (ms), and every scenario wait."""
    out: list[int] = []
    for action in model.actions:
        out.extend(a.bound for a in action.clock_guard)
    for bound in model.bounds:
        out.append(bound.atom.bound)
    for prop in model.properties:
        out.extend(a.bound for a in _atoms(prop.expr))
    return out


def clock_constants(model: ir.Model) -> tuple[list[int], list[int]]:
    """The largest lower- and upper-bound constant of each clock (-1: never compared)."""
    n = model.n_clocks + 1
    lower = [-1] * n
    upper = [-1] * n

    def note(ref: ir.ClockRef, op: str, k: int) -> None:
        numbers = [_static_number(ref)]
        if numbers[0] is None:
            numbers = list(_all_numbers(ref.clock))
        for x in numbers:
            if op in (">=", ">", "==") or op == "both":
                lower[x] = max(lower[x], k)  # type: ignore[index]
            if op in ("<=", "<", "==") or op == "both":
                upper[x] = max(upper[x], k)  # type: ignore[index]

    for action in model.actions:
        for a in action.clock_guard:
            note(a.clock, a.op, a.bound)
    for bound in model.bounds:
        note(bound.atom.clock, bound.atom.op, bound.atom.bound)
    for prop in model.properties:
        for a in _atoms(prop.expr):
            note(a.clock, "both", a.bound)
    return lower, upper


def discrete_refusal(model: ir.Model) -> tuple[str, Span] | None:
    """Why the discrete engine would be unsound here (a strict clock constraint), or None."""
    for action in model.actions:
        for a in action.clock_guard:
            if a.op in ("<", ">"):
                return (f"action {action.name} compares a clock strictly ({a.op})", a.span)
    for bound in model.bounds:
        if bound.atom.op == "<":
            return ("a bound is strict (<)", bound.atom.span)
    for prop in model.properties:
        for a in _atoms(prop.expr):
            if a.op in ("<", ">", "!=") and not a.clock.clock.hidden:  # monitors: exact
                return (f"property {prop.name} compares a clock strictly", a.span)
    return None


# ---------------------------------------------------------------------------- zones


@dataclass
class _Site:
    clock: int
    lower: int
    upper: int


@dataclass
class ZoneCode:
    """The zone engine's view of a model (see the module docstring)."""

    n: int
    source: str
    succ: Callable[[int], list[tuple]]
    inv: Callable[[int], tuple[Constraint, ...]]
    live: Callable[[int], int]
    cond_sites: list[list[_Site]]  # per live bit: the sites it switches on
    base_lower: list[int]
    base_upper: list[int]
    global_lower: list[int]
    global_upper: list[int]
    choice_locals: list[ir.Local] = field(default_factory=list)
    _lu_cache: dict = field(default_factory=dict)
    _clocks_cache: dict = field(default_factory=dict)

    def bounds(self, mask: int, always: frozenset[int]) -> tuple[list[int], list[int]]:
        """Per-clock L and U in a discrete state whose live mask is `mask`: a clock's global
        constants if it is live there (a site of it is on, or it is in `always`, or it has an
        unconditional site), else -1 (its value cannot matter before it is reset)."""
        key = (mask, always)
        hit = self._lu_cache.get(key)
        if hit is not None:
            return hit
        live = self.clocks_of(mask) | always | self.unconditional
        lower = [self.global_lower[x] if x in live else -1 for x in range(self.n)]
        upper = [self.global_upper[x] if x in live else -1 for x in range(self.n)]
        result = (lower, upper)
        self._lu_cache[key] = result
        return result

    def clocks_of(self, mask: int) -> set[int]:
        """The clocks some site of `mask` reads."""
        out = self._clocks_cache.get(mask)
        if out is None:
            out = set()
            bit = 0
            m = mask
            while m:
                if m & 1:
                    out.update(site.clock for site in self.cond_sites[bit])
                m >>= 1
                bit += 1
            self._clocks_cache[mask] = out
        return out

    @property
    def unconditional(self) -> set[int]:
        return {x for x in range(1, self.n)
                if self.base_lower[x] >= 0 or self.base_upper[x] >= 0}


def compile_zones(model: ir.Model, layout: Layout) -> ZoneCode:
    gen = _Gen(model, layout)
    gen.zone_mode = True  # type: ignore[attr-defined]
    n = model.n_clocks + 1
    conds: dict[str, int] = {}
    cond_sites: list[list[_Site]] = []
    base_lower = [-1] * n
    base_upper = [-1] * n

    def site(ref: ir.ClockRef, op: str, k: int, cond_code: str | None) -> None:
        x = _static_number(ref)
        lo = k if op in (">=", ">", "==", "both") else -1
        up = k if op in ("<=", "<", "==", "both") else -1
        if x is None or cond_code is None:
            numbers = [x] if x is not None else list(_all_numbers(ref.clock))
            for y in numbers:
                base_lower[y] = max(base_lower[y], lo)
                base_upper[y] = max(base_upper[y], up)
            return
        bit = conds.get(cond_code)
        if bit is None:
            bit = len(cond_sites)
            conds[cond_code] = bit
            cond_sites.append([])
        cond_sites[bit].append(_Site(x, lo, up))

    # -- successors
    gen.line("def _zsucc(s):")
    gen.indent += 1
    gen.line("out = []")
    gen.line("_a = out.append")
    inst = 0
    ctx0 = _Ctx("s", {})
    for action in model.actions:
        count = action.instances
        if count <= UNROLL_INSTANCES:
            for k, args in enumerate(argument_tuples(action.locals)):
                values = {local: ir.Lit(v, local.type) for local, v in zip(action.locals, args)}
                spec = _specialize(action, values)
                cond_code = gen.expr(spec.guard, ctx0) if spec.guard is not None else None
                for atom in spec.clock_guard:
                    site(atom.clock, atom.op, atom.bound, cond_code)
                _zone_instance(gen, spec, ctx0, str(inst + k))
        else:
            names = [gen.fresh("p") for _ in action.locals]
            table = tuple(tuple(rep_of(local.type, v) for local, v in zip(action.locals, args))
                          for args in argument_tuples(action.locals))
            kvar = gen.fresh("k")
            gen.line(f"for {kvar}, ({', '.join(names)},) in enumerate({gen.const(table)}):")
            gen.indent += 1
            env = dict(zip(action.locals, names))
            for atom in action.clock_guard:
                site(atom.clock, atom.op, atom.bound, None)
            _zone_instance(gen, action, _Ctx("s", env), f"{inst} + {kvar}")
            gen.indent -= 1
        inst += count
    gen.line("return out")
    gen.indent -= 1
    gen.line("")

    # -- active bounds
    gen.line("def _zinv(s):")
    gen.indent += 1
    gen.line("out = []")
    for bound in model.bounds:
        for values in _local_values(bound.locals):
            cond = substitute(bound.cond, values) if bound.cond is not None else None
            atom = substitute(bound.atom, values)
            assert isinstance(atom, ir.ClockAtom)
            if isinstance(cond, ir.Lit):
                if not cond.value:
                    continue
                cond = None
            cond_code = gen.expr(cond, ctx0) if cond is not None else None
            site(atom.clock, atom.op, atom.bound, cond_code)
            x = gen.clock_number(atom.clock, ctx0)
            cons = _constraint_code(x, atom.op, atom.bound)
            if cond_code is None:
                gen.line(f"out.extend({cons})")
            else:
                gen.line(f"if {cond_code}: out.extend({cons})")
    gen.line("return tuple(out)")
    gen.indent -= 1
    gen.line("")

    # -- properties: their clock constants apply where the atom can matter
    for prop in model.properties:
        for cond, atom in _guarded_atoms(prop.expr):
            site(atom.clock, "both", atom.bound,
                 gen.expr(cond, ctx0) if cond is not None else None)

    # -- live read sites
    gen.line("def _zlive(s):")
    gen.indent += 1
    gen.line("m = 0")
    for code, bit in conds.items():
        gen.line(f"if {code}: m |= {1 << bit}")
    gen.line("return m")
    gen.indent -= 1
    gen.line("")

    source = "\n".join(gen.lines) + "\n"
    namespace = dict(gen.ns)
    exec(compile(source, f"<tock:{model.name}:zones>", "exec"), namespace)  # noqa: S102
    global_lower, global_upper = clock_constants(model)
    return ZoneCode(n, source, namespace["_zsucc"], namespace["_zinv"],  # type: ignore[arg-type]
                    namespace["_zlive"], cond_sites, base_lower, base_upper,  # type: ignore[arg-type]
                    global_lower, global_upper, gen.choice_locals)


def _local_values(locals_: tuple[ir.Local, ...]) -> list[dict[ir.Local, ir.Expr]]:
    return [{local: ir.Lit(v, local.type) for local, v in zip(locals_, args)}
            for args in argument_tuples(locals_)]


def _constraint_code(x: str, op: str, k: int) -> str:
    if x.isdigit():
        return repr(atom_constraints(int(x), op, k))
    parts = []
    if op in ("<=", "<", "=="):
        parts.append(f"({x}, 0, {raw_bound(k, op == '<')})")
    if op in (">=", ">", "=="):
        parts.append(f"(0, {x}, {raw_bound(-k, op == '>')})")
    return "(" + ", ".join(parts) + ",)"


def _zone_instance(gen: _Gen, action: ir.Action, ctx: _Ctx, inst: str) -> None:
    """One instance: a run-time error after the clock guard is known reports that guard,
    so the engine can tell whether the instance was enabled at all."""
    start = gen.indent
    guard_var = gen.fresh("g")
    gen.line(f"{guard_var} = None")
    gen.line("try:")
    gen.indent += 1
    gen.line("_b = []")
    if action.guard is not None:
        gen.line(f"if {gen.expr(action.guard, ctx)}:")
        gen.indent += 1
    parts = [_constraint_code(gen.clock_number(a.clock, ctx), a.op, a.bound)
             for a in action.clock_guard]
    gen.line(f"{guard_var} = " + (" + ".join(parts) if parts else "()"))
    work = gen.fresh("t")
    gen.line(f"{work} = s")

    def emit(end: _Ctx) -> None:
        choices = "".join(c + ", " for c in end.choices)
        resets = "".join(r + ", " for r in end.resets)
        gen.line(f"_b.append(({inst}, ({choices}), {end.sv}, {guard_var}, ({resets})))")

    gen.stmts(action.body, ctx.with_(sv=work), emit)
    gen.indent = start + 1
    gen.line("out.extend(_b)")
    gen.indent = start
    gen.line("except _RtErr:")
    gen.indent += 1
    gen.line(f"_a(({inst}, None, None, {guard_var}, None))")
    gen.indent = start


# ---------------------------------------------------------------------------- discrete time


def default_tick(model: ir.Model) -> int:
    constants = [k for k in time_constants(model) if k > 0]
    return math.gcd(*constants) if constants else 1000


class DiscreteTimeSystem(TransitionSystem):
    """A timed model in integer time: clocks are slots counting ticks (see module doc)."""

    def __init__(self, model: ir.Model, sources, tick: int):  # noqa: ANN001
        self.tick_ms = tick
        lower, upper = clock_constants(model)
        self.caps = tuple(max(lower[x], upper[x], 0) // tick + 1
                          for x in range(1, model.n_clocks + 1))
        # all elements of a clock array share the widest cap, so slots are evenly spaced
        caps = list(self.caps)
        for clock in model.clocks:
            numbers = list(_all_numbers(clock))
            widest = max((caps[x - 1] for x in numbers), default=1)
            for x in numbers:
                caps[x - 1] = widest
        self.caps = tuple(caps)
        super().__init__(model, sources)
        self._tick_fn: Callable[[int], int | None] | None = None

    def _make_layout(self) -> Layout:
        return Layout(self.model, self.caps)

    def _clock_read(self):  # noqa: ANN202
        """How generated code finds a clock's slot: (offset code, mask, tick, cap)."""
        layout = self.layout
        tick = self.tick_ms

        def read(ref: ir.ClockRef, ctx: _Ctx, gen: _Gen | None = None
                 ) -> tuple[str, int, int, int]:
            clock = ref.clock
            cap = self.caps[clock.first]
            width = cap.bit_length()
            mask = (1 << width) - 1
            x = _static_number(ref)
            if x is not None:
                return str(layout.clock_offsets[x - 1]), mask, tick, cap
            assert gen is not None
            base = layout.clock_offsets[clock.first]
            number = gen.clock_number(ref, ctx)
            return f"({base} + ({number} - {clock.first + 1}) * {width})", mask, tick, cap

        return read

    def _compile(self) -> CompiledCode:
        gen = _Gen(self.model, self.layout)
        read = self._clock_read()
        gen.clock_read = lambda ref, ctx: read(ref, ctx, gen)  # type: ignore[assignment]
        _bounds_function(gen, self.model, "_binv")
        gen.emit_check = "_binv"
        _successor_function(gen, self.model, "_succ", labeled=False)
        _successor_function(gen, self.model, "_labeled", labeled=True)
        _tick_function(gen, self)
        from .compile import _props_function

        _props_function(gen, self.model)
        source = "\n".join(gen.lines) + "\n"
        namespace = dict(gen.ns)
        exec(compile(source, f"<tock:{self.model.name}:discrete>", "exec"), namespace)  # noqa: S102
        self._tick_fn = namespace["_tick"]  # type: ignore[assignment]
        self._bounds_hold = namespace["_binv"]
        return CompiledCode(source, namespace["_succ"], namespace["_labeled"],  # type: ignore[arg-type]
                            namespace["_props"], instance_table(self.model),  # type: ignore[arg-type]
                            gen.choice_locals)

    def tick(self, state: int) -> int | None:
        if self._tick_fn is None:
            _ = self.code
        return self._tick_fn(state)  # type: ignore[misc]

    def initial_states(self) -> list[int]:
        # clocks start at 0; an initial state that violates a bound cannot exist
        check = self._bounds_check()
        return [s for s in super().initial_states() if check(s)]

    def _bounds_check(self) -> Callable[[int], bool]:
        _ = self.code
        return self._bounds_hold  # type: ignore[return-value]

    def clock_values_ms(self, state: int) -> tuple[int, ...]:
        return tuple(v * self.tick_ms for v in self.layout.clock_values(state))

    def _clock_ms(self, state: int) -> tuple[int, ...]:
        return self.clock_values_ms(state)


def _bounds_function(gen: _Gen, model: ir.Model, name: str) -> None:
    """`name(t)`: True when every bound active in t holds (clock slots in ticks)."""
    gen.line(f"def {name}(s):")
    gen.indent += 1
    ctx = _Ctx("s", {})
    for bound in model.bounds:
        for values in _local_values(bound.locals):
            cond = substitute(bound.cond, values) if bound.cond is not None else None
            atom = substitute(bound.atom, values)
            if isinstance(cond, ir.Lit):
                if not cond.value:
                    continue
                cond = None
            test = gen.expr(atom, ctx)
            if cond is None:
                gen.line(f"if not {test}: return False")
            else:
                gen.line(f"if {gen.expr(cond, ctx)} and not {test}: return False")
    gen.line("return True")
    gen.indent -= 1
    gen.line("")


def _tick_function(gen: _Gen, system: DiscreteTimeSystem) -> None:
    """`_tick(s)`: every clock one tick later (capped), or None when a bound forbids it."""
    layout = system.layout
    gen.line("def _tick(s):")
    gen.indent += 1
    gen.line("t = s")
    for off, cap in zip(layout.clock_offsets, layout.clock_caps):
        mask = (1 << cap.bit_length()) - 1
        gen.line(f"v = (s >> {off}) & {mask}")
        gen.line(f"if v < {cap}: t += {1 << off}")
    gen.line("if t != s and not _binv(t): return None")
    gen.line("return t")
    gen.indent -= 1
    gen.line("")




# ---------------------------------------------------------------------------- clock formulas


def clock_dnf(expr: ir.Expr, values: tuple, negate: bool = False,
              env: dict | None = None) -> list[tuple[Constraint, ...]]:
    """A property over clocks, in a discrete state (`values`), as a disjunction of
    conjunctions of DBM constraints; with `negate`, the formula's negation. The discrete
    parts are evaluated with the reference interpreter."""
    from .interp import clock_index, domain_values, evaluate
    from .irutil import mentions_clock

    env = dict(env or {})

    def both(a: list, b: list) -> list:
        return [x + y for x in a for y in b]

    def timed(e: ir.Expr) -> bool:
        hit = _MENTIONS_CLOCK.get(id(e))
        if hit is None or hit[0] is not e:
            hit = _MENTIONS_CLOCK[id(e)] = (e, mentions_clock(e))
        return hit[1]

    def conjunction(a: ir.Expr, b: ir.Expr, neg_a: bool, neg_b: bool) -> list:
        first = go(a, neg_a)
        return both(first, go(b, neg_b)) if first else []

    def go(e: ir.Expr, neg: bool) -> list[tuple[Constraint, ...]]:
        if not timed(e):
            truth = bool(evaluate(e, values, env))
            return [()] if truth != neg else []
        match e:
            case ir.ClockAtom(clock=ref, op=op, bound=k):
                x = clock_index(ref, values, env) + 1
                if not neg:
                    return [atom_constraints(x, op, k)]
                if op == "==":
                    return [atom_constraints(x, "<", k), atom_constraints(x, ">", k)]
                flipped = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}[op]
                return [atom_constraints(x, flipped, k)]
            case ir.Unary(op="not", operand=a):
                return go(a, not neg)
            case ir.Binary(op="and", left=a, right=b):
                return go(a, True) + go(b, True) if neg else conjunction(a, b, False, False)
            case ir.Binary(op="or", left=a, right=b):
                return conjunction(a, b, True, True) if neg else go(a, False) + go(b, False)
            case ir.Binary(op="implies", left=a, right=b):
                return conjunction(a, b, False, True) if neg else go(a, True) + go(b, False)
            case ir.Binary(op="iff", left=a, right=b):
                same = both(go(a, False), go(b, False)) + both(go(a, True), go(b, True))
                differ = both(go(a, False), go(b, True)) + both(go(a, True), go(b, False))
                return differ if neg else same
            case ir.Ite(cond=c, then=a, orelse=b):
                return (both(go(c, False), go(a, neg)) + both(go(c, True), go(b, neg)))
            case ir.Quant(kind=kind, local=local, domain=domain, body=body):
                parts = []
                for v in domain_values(domain, values, env):
                    env[local] = v
                    parts.append(go(body, neg))
                env.pop(local, None)
                conjunctive = (kind == "forall") != neg
                if conjunctive:
                    out: list = [()]
                    for p in parts:
                        out = both(out, p)
                    return out
                return [c for p in parts for c in p]
            case ir.LetE(local=local, value=value, body=body):
                env[local] = evaluate(value, values, env)
                return go(body, neg)
        raise TypeError(f"cannot put {type(e).__name__} over clocks in normal form")

    return go(expr, negate)


# whether a property's subexpression mentions a clock, by identity (the object is kept so
# that its id is not reused): clock_dnf runs once per symbolic state
_MENTIONS_CLOCK: dict[int, tuple[ir.Expr, bool]] = {}

__all__.append("clock_dnf")
