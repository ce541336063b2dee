"""The zone target: code over the packed discrete state that the zone engine runs.

  succ(d)  -> [(instance, choices, d' or None on a run-time error, guard constraints, resets)]
  inv(d)   -> the upper bounds active in d (the `bound`s and timeouts' deadlines)
  live(d)  -> a bit mask of the *conditional read sites* whose condition holds in d.

A read site is a place a clock is compared with a constant, under the discrete condition of
its action or bound. A clock is *live* in d when one of its sites is on there. If every
transition that makes a clock live also resets it (the engine checks this on every
transition), a clock that is not live in d cannot influence the future before it is reset,
so extrapolation can forget it there: a 15 min timeout then costs what a 2 s one costs.
Sites with no condition, with a clock chosen at run time, or in properties are always on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field

from .. import ir
from ..irutil import (
    SubstMemo,
    argument_tuples,
    can_fail,
    children,
    mentions_clock,
    substitute,
    walk,
)
from ..layout import Layout
from ..nodeclass import nodeclass
from ..products import ProductInfo
from ..time import Constraint, all_numbers, clock_constants, raw_bound, static_number
from ..types import BOOL
from .generator import (
    UNROLL_INSTANCES,
    ClockAccess,
    Context,
    Generator,
    scoped,
    specialize,
)

__all__ = ["SharedSuccessors", "ZoneCode", "ZoneSite", "compile_zones",
           "compile_scenario_zones"]


class ZoneClocks(ClockAccess):
    """Zones: a reset is recorded in the step's outcome; comparisons become constraints."""

    records_resets = True

    def reset(self, gen: Generator, ref: ir.ClockRef, ctx: Context) -> Context:
        number = gen.clock_number(ref, ctx)
        if ctx.dyn is not None:  # in an `if`'s branch: appended at run time
            gen.line(f"{ctx.dyn}.append({number})")
            known = gen.dynamic_resets[ctx.dyn]
            if known is not None and number.isdigit():
                # a number already there may come from the other branch: distinct only
                # while no number is appended twice anywhere
                gen.dynamic_resets[ctx.dyn] = known | {number} if number not in known \
                    else None
            else:
                gen.dynamic_resets[ctx.dyn] = None
            return ctx
        if number.isdigit() and number in ctx.resets:
            return ctx  # resetting a clock twice in one step is resetting it once
        return ctx.replace(resets=ctx.resets + (number,))


@nodeclass
class ZoneSite:
    """A clock read under one condition: the constants it is compared with (-1: none)."""

    clock: int
    lower: int
    upper: int


@nodeclass
class ZoneCode:
    """The zone engine's view of a model (see the module docstring)."""

    n: int
    source: str
    succ: Callable[[int], list[tuple]]
    inv: Callable[[int], tuple[Constraint, ...]]
    live: Callable[[int], int]
    cond_sites: list[list[ZoneSite]]  # per live bit: the sites it switches on
    base_lower: list[int]
    base_upper: list[int]
    global_lower: list[int]
    global_upper: list[int]
    choice_locals: list[ir.Local] = field(default_factory=list)
    width: int = -1  # bits of a packed discrete state (-1: not known)
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


class _Sites:
    """The read sites found while generating: conditional ones by condition code."""

    def __init__(self, n: int):
        self.conds: dict[str, int] = {}
        self.cond_sites: list[list[ZoneSite]] = []
        self.base_lower = [-1] * n
        self.base_upper = [-1] * n

    def add(self, ref: ir.ClockRef, op: str, k: int, cond_code: str | None) -> None:
        x = static_number(ref)
        lo = k if op in (">=", ">", "==", "both") else -1
        up = k if op in ("<=", "<", "==", "both") else -1
        if x is None or cond_code is None:
            for y in ([x] if x is not None else all_numbers(ref.clock)):
                self.base_lower[y] = max(self.base_lower[y], lo)
                self.base_upper[y] = max(self.base_upper[y], up)
            return
        bit = self.conds.get(cond_code)
        if bit is None:
            bit = len(self.cond_sites)
            self.conds[cond_code] = bit
            self.cond_sites.append([])
        self.cond_sites[bit].append(ZoneSite(x, lo, up))


def compile_zones(model: ir.Model, layout: Layout, memo: SubstMemo | None = None) -> ZoneCode:
    """The zone target of `model`; with `memo`, its actions' specialisations are shared
    with the related models compiled with the same memo (irutil.SubstMemo: a scenario
    product reuses what the spec's own compilation specialised)."""
    gen = Generator(model, layout, ZoneClocks())
    gen.memo = memo
    n = model.n_clocks + 1
    sites = _Sites(n)
    _successors(gen, sites)
    return _finish(gen, sites, "_zsucc")[0]


def _finish(gen: Generator, sites: _Sites, succ: str) -> tuple[ZoneCode, dict[str, object]]:
    """The bounds, the properties' read sites and the live function after the successors;
    the code loaded (`succ`: the name of the successor function), and its namespace."""
    model = gen.model
    n = model.n_clocks + 1
    _bounds(gen, sites)
    ctx0 = Context("s")
    for prop in model.properties:  # their clock constants apply where the atom can matter
        for cond, atom in _guarded_atoms(prop.expr):
            sites.add(atom.clock, "both", atom.bound,
                      gen.expr(cond, ctx0) if cond is not None else None)
    with gen.function("def _zlive(s):", "bit k: the read sites of condition k are on in s",
                      hoist=True):
        gen.line("m = 0")
        for code, bit in sites.conds.items():
            # a condition that fails to evaluate (its action fails there, which the
            # successors report) counts as on: a live clock keeps its constants, so the
            # abstraction stays sound
            gen.line("try:")
            gen.line(f"    if {code}: m |= {gen.num(1 << bit)}")
            gen.line("except _RtErr:")
            gen.line(f"    m |= {gen.num(1 << bit)}")
        gen.line("return m")
    source, namespace = gen.load("zones")
    global_lower, global_upper = clock_constants(model)
    code = ZoneCode(n, source, namespace[succ], namespace["_zinv"],  # type: ignore[arg-type]
                    namespace["_zlive"], sites.cond_sites, sites.base_lower,  # type: ignore[arg-type]
                    sites.base_upper, global_lower, global_upper, gen.choice_locals,
                    gen.layout.width)
    return code, namespace


class SharedSuccessors:
    """A spec's zone successor function as its scenario products read it (one object per
    spec, shared by all its products): the entries of a discrete state grouped by action,
    `((action, first instance, entries), ...)` in the successor function's order, and
    remembered per state. The products explore much the same states of the spec (the
    flagship's 52: 50,889 calls, 3,142 distinct states), so each is computed about once.
    The memo starts afresh at `limit` states, so it stays bounded whatever the products
    explore; what it returns never depends on what it remembers."""

    def __init__(self, succ: Callable[[int], list[tuple]], spec: ir.Model,
                 limit: int = 1 << 16):
        self.succ = succ
        self.limit = limit
        self.memo: dict[int, tuple[tuple[int, int, tuple[tuple, ...]], ...]] = {}
        action_of: list[int] = []  # instance -> its action
        self.first: list[int] = []  # action -> its first instance
        for a, action in enumerate(spec.actions):
            self.first.append(len(action_of))
            action_of += [a] * action.instances
        self.action_of = action_of

    def __call__(self, s: int) -> tuple[tuple[int, int, tuple[tuple, ...]], ...]:
        groups = self.memo.get(s)
        if groups is None:
            groups = self._group(self.succ(s))
            if len(self.memo) >= self.limit:
                self.memo.clear()
            self.memo[s] = groups
        return groups

    def _group(self, entries: list[tuple]) -> tuple[tuple[int, int, tuple[tuple, ...]], ...]:
        action_of, first = self.action_of, self.first
        groups = []
        i, n = 0, len(entries)
        while i < n:
            a = action_of[entries[i][0]]
            j = i + 1
            while j < n and action_of[entries[j][0]] == a:
                j += 1
            groups.append((a, first[a], tuple(entries[i:j])))
            i = j
        return tuple(groups)

    def clear(self) -> None:
        self.memo.clear()


def compile_scenario_zones(model: ir.Model, layout: Layout, spec: ir.Model, spec_width: int,
                           spec_succ: SharedSuccessors, info: ProductInfo,
                           memo: SubstMemo | None = None) -> ZoneCode | None:
    """The zone target of scenario product `model` (model.products.scenario) of `spec`,
    with the spec's own successor function `spec_succ` (over its packed states, the low
    `spec_width` bits of the product's; grouped by action and shared by the spec's
    products: SharedSuccessors) composed with the script instead of compiling every
    product action again: the successors, in the same order, the same live sites and
    bounds that compile_zones gives the product. Only the script's own parts are compiled
    here: its guards and assumptions, the waits' pseudo-actions, the bounds, the properties
    and the live function (whose conditions are the product actions' guards).

    None where the composition cannot promise compile_zones' outcomes: an assumption that
    can fail at run time (the product evaluates it between the spec's guard and body, where
    the spec's successors cannot say whether the guard held), or a `choose` in the spec (the
    product numbers its choices per product action)."""
    nv = len(info.variants)
    parts = [v.guard for v in info.variants] + [info.keep]
    if any(e is not None and can_fail(e, memo) for e in parts) or \
            any(_chooses(a.body) for a in spec.actions):
        return None
    assert info.pos is not None and info.fresh is not None
    assert layout.offsets[:len(spec.variables)] == Layout(spec).offsets
    gen = Generator(model, layout, ZoneClocks())
    gen.memo = memo
    sites = _Sites(model.n_clocks + 1)
    ctx0 = Context("s")
    firsts = []  # per product action: its first instance number
    with gen.function("def _zwait(s):", "the successors of the waits' pseudo-actions in s "
                      "(the spec's actions' variants are composed with the spec's successors)",
                      hoist=True):
        gen.line("out = []")
        gen.line("_a = out.append")
        inst = 0
        for k, action in enumerate(model.actions):
            firsts.append(inst)
            if k < nv:
                _variant_sites(gen, sites, action, memo)
            else:
                assert not action.locals
                wait = specialize(action, {}, memo)
                cond = gen.expr(wait.guard, ctx0) if wait.guard is not None else None
                for atom in wait.clock_guard:
                    sites.add(atom.clock, atom.op, atom.bound, cond)
                _instance(gen, wait, Context("s"), str(inst))
            inst += action.instances
        gen.line("return out")
    guards: dict[int, str] = {}  # id of a script guard -> its function's name
    for e in parts:
        if e is not None and id(e) not in guards:
            name = guards[id(e)] = f"_zobs{len(guards)}"
            with gen.function(f"def {name}(s):", hoist=True):
                gen.line(f"return {gen.expr(e, ctx0)}")
    code, namespace = _finish(gen, sites, "_zwait")

    def fn(e: ir.Expr | None) -> Callable[[int], bool] | None:
        return None if e is None else namespace[guards[id(e)]]  # type: ignore[return-value]

    spec_first = spec_succ.first
    pos_t, fresh_t = info.pos.type, info.fresh.type
    pos_off, fresh_off = layout.offsets[info.pos.index], layout.offsets[info.fresh.index]
    pos_mask = ((1 << pos_t.width) - 1) << pos_off
    fresh_mask = ((1 << fresh_t.width) - 1) << fresh_off
    wait_number = static_number(ir.ClockRef(info.wait_clock, ())) \
        if info.wait_clock is not None else None
    plans: list[list[tuple]] = [[] for _ in spec.actions]
    for k, v in enumerate(info.variants):
        spec_action = spec.actions[v.action]
        if v.step == 0:
            clear, bits = fresh_mask, fresh_t.encode(False) << fresh_off
            allowed = None
            reset: tuple = ()
        else:
            clear = pos_mask | fresh_mask
            bits = (pos_t.encode(v.step) << pos_off) | (fresh_t.encode(True) << fresh_off)
            allowed = None
            if any(p is not None for p in v.patterns):
                allowed = frozenset(
                    j for j, args in enumerate(argument_tuples(spec_action.locals))
                    if all(p is None or p == x for p, x in zip(v.patterns, args)))
            reset = (wait_number,) if wait_number is not None else ()
        extra = ((wait_number, 0, raw_bound(0, False)),) if v.waited else ()
        assert wait_number is not None or not v.waited
        plans[v.action].append((firsts[k] - spec_first[v.action], fn(v.guard), allowed,
                                ~clear, bits, extra, reset))
    spec_mask = (1 << spec_width) - 1
    keep = fn(info.keep)
    waits = code.succ

    def succ(s: int) -> list[tuple]:
        rest = s & ~spec_mask
        out: list[tuple] = []
        _a = out.append
        for a, first, entries in spec_succ(s & spec_mask):
            for shift, obs, allowed, keep_bits, bits, extra, reset in plans[a]:
                ok = obs is None or obs(s)
                for inst, choices, nxt, guard, resets in entries:
                    here = ok and (allowed is None or inst - first in allowed)
                    if nxt is None:
                        if guard is None:  # the spec's guard failed: the product's fails first
                            _a((inst + shift, None, None, None, None))
                        elif here:  # the body failed, after the script's guard held
                            _a((inst + shift, None, None, guard + extra, None))
                    elif here:
                        t = (((nxt & spec_mask) | rest) & keep_bits) | bits
                        if keep is None or keep(t):
                            _a((inst + shift, choices, t, guard + extra, resets + reset))
        out += waits(s)
        return out

    code.succ = succ
    return code


def _variant_sites(gen: Generator, sites: _Sites, action: ir.Action,
                   memo: SubstMemo | None) -> None:
    """The read sites of a product action's clock guard, as _successors finds them (an
    unrolled instance's guard is their condition) without generating its body."""
    if not action.clock_guard:
        return
    if action.instances > UNROLL_INSTANCES:
        for atom in action.clock_guard:
            sites.add(atom.clock, atom.op, atom.bound, None)
        return
    ctx0 = Context("s")
    for values in _local_values(action.locals):
        guard = scoped(substitute(action.guard, values, memo), memo) \
            if action.guard is not None else None
        if isinstance(guard, ir.Lit) and guard.value is True:
            guard = None
        cond = gen.expr(guard, ctx0) if guard is not None else None
        for atom in action.clock_guard:
            fixed = substitute(atom, values)
            assert isinstance(fixed, ir.ClockAtom)
            sites.add(fixed.clock, fixed.op, fixed.bound, cond)


def _successors(gen: Generator, sites: _Sites) -> None:
    with gen.function("def _zsucc(s):", "successors of discrete state s: (instance, choices, "
                      "next or None on a run-time error, clock guard, resets)", hoist=True):
        gen.line("out = []")
        gen.line("_a = out.append")
        ctx0 = Context("s")
        for action, ctx, inst, unrolled in gen.instances():
            # an unrolled instance's guard is the condition of its clock guard's read sites
            cond = gen.expr(action.guard, ctx0) if unrolled and action.guard is not None \
                else None
            for atom in action.clock_guard:
                sites.add(atom.clock, atom.op, atom.bound, cond)
            _instance(gen, action, ctx, inst)
        gen.line("return out")


def _bounds(gen: Generator, sites: _Sites) -> None:
    ctx0 = Context("s")
    with gen.function("def _zinv(s):", "the upper bounds on clocks active in s", hoist=True):
        gen.line("out = []")
        for bound in gen.model.bounds:
            for values in _local_values(bound.locals):
                cond = substitute(bound.cond, values) if bound.cond is not None else None
                atom = substitute(bound.atom, values)
                assert isinstance(atom, ir.ClockAtom)
                if isinstance(cond, ir.Lit):
                    if not cond.value:
                        continue
                    cond = None
                cond_code = gen.expr(cond, ctx0) if cond is not None else None
                sites.add(atom.clock, atom.op, atom.bound, cond_code)
                cons = _constraints(gen, gen.clock_number(atom.clock, ctx0), atom.op,
                                    atom.bound)
                if cond_code is None:
                    gen.line(f"out.extend(({', '.join(cons)},))")
                else:
                    gen.line(f"if {cond_code}: out.extend(({', '.join(cons)},))")
        gen.line("return tuple(out)")


def _local_values(locals_: tuple[ir.Local, ...]) -> list[dict[ir.Local, ir.Expr]]:
    return [{local: ir.Lit(v, local.type) for local, v in zip(locals_, args)}
            for args in argument_tuples(locals_)]


def _constraints(gen: Generator, x: str, op: str, k: int) -> list[str]:
    """Code for the constraint triples of `x op k` (x: code for a clock number)."""
    parts = []
    if op in ("<=", "<", "=="):
        parts.append(f"({x}, 0, {gen.num(raw_bound(k, op == '<'))})")
    if op in (">=", ">", "=="):
        parts.append(f"(0, {x}, {gen.num(raw_bound(-k, op == '>'))})")
    return parts


def _instance(gen: Generator, action: ir.Action, ctx: Context, inst: str) -> None:
    """One instance: a run-time error after the clock guard is known reports that guard,
    so the engine can tell whether the instance was enabled at all."""
    start = (gen.indent, gen.blocks)
    guard_var = gen.fresh("g")
    gen.line(f"{guard_var} = None")
    gen.line("try:")
    gen.indent += 1
    gen.blocks += 1
    # without a `choose` a run reaches at most one outcome, after every statement that
    # can fail: it is appended to `out` directly; a `choose` collects its outcomes in `_b`
    # first, so an error in a later iteration leaves none of them
    outcomes = "_b" if _chooses(action.body) else "_a"
    if outcomes == "_b":
        gen.line("_b = []")
    if action.guard is not None:
        gen.line(f"if {gen.expr(action.guard, ctx)}:")
        gen.indent += 1
    parts = [c for a in action.clock_guard
             for c in _constraints(gen, gen.clock_number(a.clock, ctx), a.op, a.bound)]
    gen.line(f"{guard_var} = ({', '.join(parts)},)" if parts else f"{guard_var} = ()")
    work = gen.fresh("t")
    gen.line(f"{work} = s")

    def emit(end: Context) -> None:
        choices = "".join(c + ", " for c in end.choices)
        resets = "".join(r + ", " for r in end.resets)
        if not gen.distinct_resets(end.resets):
            # an index read from the state, or two branches' resets, may name one clock
            # twice; the kernel takes each clock once (at most one reset per clock)
            resets = f"*dict.fromkeys(({resets})), "
        append = "_b.append" if outcomes == "_b" else "_a"
        gen.line(f"{append}(({inst}, ({choices}), {end.sv}, {guard_var}, ({resets})))")

    gen.stmts(action.body, ctx.replace(sv=work, live=ctx.live + (outcomes, guard_var)), emit)
    gen.indent, gen.blocks = start
    if outcomes == "_b":
        gen.indent += 1
        gen.line("out.extend(_b)")
        gen.indent -= 1
    gen.line("except _RtErr:")
    gen.indent += 1
    gen.line(f"_a(({inst}, None, None, {guard_var}, None))")
    gen.indent = start[0]


def _chooses(stmts: tuple[ir.Stmt, ...]) -> bool:
    """Whether a `choose` is among `stmts`, at any depth."""
    stack = list(stmts)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, ir.ChooseS):
            return True
        if isinstance(stmt, ir.IfS):
            stack.extend(stmt.then)
            stack.extend(stmt.orelse)
    return False


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
