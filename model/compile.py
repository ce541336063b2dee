"""The compiler: the checked model becomes Python source for its successor function and its
property predicates, over states packed into one int (model.layout), executed once.

Every action instance (an action with its parameters fixed) is generated as straight-line
code with the parameters as constants, so the successor function is one Python function
with no calls, no dicts and no AST in it. Identifiers in the generated code are all ours
(`_l3`, `_o1`, `t`); the user's names never reach it, so a spec cannot inject code.

Run-time errors (a value outside its domain, an index out of range, a full queue, ...) raise
`RuntimeFault` from the fast successor function; the *labeled* variant reports them per
instance so the engine can ask the reference interpreter for the exact message.

Values in generated code: bools and ints as Python ints, enum members as their ordinals,
and composite values (arrays, records, sets, queues) as their packed encodings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count

from . import ir
from .irutil import argument_tuples, miniscope, substitute, substitute_stmts
from .layout import Layout
from .types import ArrayT, BoolT, EnumT, IntT, QueueT, RecordT, SetT, Type, Value

__all__ = ["RuntimeFault", "CompiledCode", "compile_code", "compile_props", "instance_table",
           "rep_of", "value_of"]

UNROLL_INSTANCES = 64  # actions with more instances loop over a table instead
UNROLL_QUANTIFIER = 16  # quantifiers over larger constant domains become all()/any()


class RuntimeFault(Exception):
    """Raised by generated code at a run-time error; `site` identifies the construct."""

    def __init__(self, site: int = -1):
        super().__init__(site)
        self.site = site


def rep_of(typ: Type, value: Value) -> int:
    """The generated-code representation of a value (see module docstring)."""
    if isinstance(typ, IntT):
        return int(value)  # type: ignore[call-overload]
    if isinstance(typ, (BoolT, EnumT)):
        return typ.ordinal(value)
    return typ.encode(value)


def value_of(typ: Type, rep: int) -> Value:
    """The inverse of rep_of."""
    if isinstance(typ, IntT):
        return rep
    if isinstance(typ, (BoolT, EnumT)):
        return typ.from_ordinal(int(rep))
    return typ.decode(rep)


# ---------------------------------------------------------------------------- helpers
# These live in the generated module's namespace.


def _h_chk(v: int, lo: int, hi: int) -> int:
    if lo <= v <= hi:
        return v
    raise RuntimeFault()


def _h_ord(v: int, lo: int, hi: int) -> int:
    if lo <= v <= hi:
        return v - lo
    raise RuntimeFault()


def _h_div(a: int, b: int) -> int:
    if b == 0:
        raise RuntimeFault()
    return a // b


def _h_mod(a: int, b: int) -> int:
    if b == 0:
        raise RuntimeFault()
    return a % b


def _h_bits(mask: int):
    i = 0
    while mask:
        if mask & 1:
            yield i
        mask >>= 1
        i += 1


def _h_bits_plus(mask: int, lo: int):
    i = lo
    while mask:
        if mask & 1:
            yield i
        mask >>= 1
        i += 1


def _h_range_mask(a: int, b: int, lo: int) -> int:
    if a > b:
        return 0
    return ((1 << (b - a + 1)) - 1) << (a - lo)


def _h_setmin(mask: int, lo: int) -> int:
    if not mask:
        raise RuntimeFault()
    return (mask & -mask).bit_length() - 1 + lo


def _h_setmax(mask: int, lo: int) -> int:
    if not mask:
        raise RuntimeFault()
    return mask.bit_length() - 1 + lo


def _h_member(x: int, mask: int, lo: int, hi: int) -> bool:
    return lo <= x <= hi and bool((mask >> (x - lo)) & 1)


def _h_nonempty(q: int, lenmask: int) -> int:
    if not q & lenmask:
        raise RuntimeFault()
    return q


_HELPERS: dict[str, object] = {
    "_RtErr": RuntimeFault, "_chk": _h_chk, "_ord": _h_ord, "_div": _h_div, "_mod": _h_mod,
    "_bits": _h_bits, "_bits_plus": _h_bits_plus, "_range_mask": _h_range_mask,
    "_setmin": _h_setmin, "_setmax": _h_setmax, "_nonempty": _h_nonempty,
    "_member": _h_member,
}


# ---------------------------------------------------------------------------- result


@dataclass
class CompiledCode:
    """What the compiler produces: the functions and the tables that explain them."""

    source: str
    successors: Callable[[int], list[int]]
    labeled: Callable[[int], list[tuple]]
    props: Callable[[int], int]
    instances: list[tuple[int, tuple[Value, ...]]]
    choice_locals: list[ir.Local] = field(default_factory=list)


# ---------------------------------------------------------------------------- generator


class _Ctx:
    """Where code for one statement sequence is being generated."""

    def __init__(self, sv: str, env: dict[ir.Local, str], choices: tuple[str, ...] = (),
                 resets: tuple[str, ...] = ()):
        self.sv = sv
        self.env = env
        self.choices = choices
        self.resets = resets

    def with_(self, **kw) -> _Ctx:  # noqa: ANN003
        ctx = _Ctx(self.sv, dict(self.env), self.choices, self.resets)
        for k, v in kw.items():
            setattr(ctx, k, v)
        return ctx


class _Gen:
    def __init__(self, model: ir.Model, layout: Layout,
                 clock_read: Callable[[ir.ClockRef, _Ctx], tuple[str, int, int, int]]
                 | None = None):
        self.model = model
        self.layout = layout
        self.ns: dict[str, object] = dict(_HELPERS)
        self.lines: list[str] = []
        self.indent = 0
        self.names = count()
        self.consts: dict[object, str] = {}
        self.clock_read = clock_read  # discrete time: clock ref -> (slot code, tick, cap)
        self.emit_check: str | None = None  # discrete time: bounds to hold after a step
        self.choice_locals: list[ir.Local] = []  # what each recorded choice binds

    # -------------------------------------------------------------- emission
    def line(self, text: str) -> None:
        self.lines.append("    " * self.indent + text)

    def fresh(self, prefix: str) -> str:
        return f"_{prefix}{next(self.names)}"

    def const(self, value: object) -> str:
        """A name in the generated namespace bound to `value` (for big or non-literal data)."""
        key = (type(value).__name__, value) if not isinstance(value, (list, dict)) else id(value)
        name = self.consts.get(key)  # type: ignore[arg-type]
        if name is None:
            name = self.fresh("K")
            self.consts[key] = name  # type: ignore[index]
            self.ns[name] = value
        return name

    # -------------------------------------------------------------- locations in the state
    def location(self, e: ir.Expr, ctx: _Ctx) -> tuple[int | str, Type] | None:
        """The bit offset (an int, or code for a dynamic one) of a state component."""
        match e:
            case ir.VarRef(var=var):
                return self.layout.offsets[var.index], var.type
            case ir.Index(base=base, index=index):
                inner = self.location(base, ctx)
                if inner is None:
                    return None
                off, typ = inner
                assert isinstance(typ, ArrayT)
                w = typ.elem.width
                ordinal = self.index_ordinal(index, typ.index, ctx)
                if isinstance(off, int) and isinstance(ordinal, int):
                    return off + ordinal * w, typ.elem
                term = ordinal if w == 1 else f"{ordinal} * {w}"
                return (f"({off} + {term})" if off != 0 else f"({term})"), typ.elem
            case ir.Field(base=base, position=pos):
                inner = self.location(base, ctx)
                if inner is None:
                    return None
                off, typ = inner
                assert isinstance(typ, RecordT)
                delta = typ.offsets()[pos]
                if isinstance(off, int):
                    return off + delta, typ.fields[pos][1]
                return (f"({off} + {delta})" if delta else off), typ.fields[pos][1]
        return None

    def index_ordinal(self, index: ir.Expr, typ: Type, ctx: _Ctx) -> int | str:
        """The position of an index value in its index type (checked if it may be outside).
        A literal is trusted only when it is inside the type: one that folded from index
        arithmetic (`a[p + 1]` with p = 2) gets the run-time check, so it can never reach a
        neighbouring component's bits."""
        if isinstance(index, ir.Lit) and typ.contains(index.value):
            return typ.ordinal(index.value)
        code = self.expr(index, ctx)
        if isinstance(typ, IntT):
            it = index.type
            assert isinstance(it, IntT) and typ.lo is not None and typ.hi is not None
            if it.lo is not None and it.hi is not None and typ.lo <= it.lo and it.hi <= typ.hi:
                return f"({code} - {typ.lo})" if typ.lo else code
            return f"_ord({code}, {typ.lo}, {typ.hi})"
        return code

    def extract(self, src: str, off: int | str, typ: Type) -> str:
        """Read a component of type `typ` at `off` in the packed value `src`."""
        w = typ.width
        if w == 0:
            return str(typ.lo) if isinstance(typ, IntT) else "0"  # type: ignore[attr-defined]
        mask = (1 << w) - 1
        shifted = src if off == 0 else f"({src} >> {off})"
        raw = f"({shifted} & {mask})"
        if isinstance(typ, IntT) and typ.lo:
            return f"({raw} + {typ.lo})"
        return raw

    def encode(self, code: str, typ: Type) -> str:
        """A representation turned into the packed bits of `typ`."""
        if isinstance(typ, IntT) and typ.lo:
            return f"({code} - {typ.lo})"
        return code

    def fits(self, e: ir.Expr, typ: Type) -> bool:
        if not isinstance(typ, IntT):
            return True
        t = e.type
        return (isinstance(t, IntT) and t.lo is not None and t.hi is not None
                and typ.lo is not None and typ.hi is not None
                and typ.lo <= t.lo and t.hi <= typ.hi)

    def checked(self, e: ir.Expr, typ: Type, ctx: _Ctx) -> str:
        """Code for `e` as a value of storage type `typ`, range-checked when needed."""
        code = self.expr(e, ctx)
        if isinstance(typ, IntT) and not self.fits(e, typ):
            return f"_chk({code}, {typ.lo}, {typ.hi})"
        return code

    # -------------------------------------------------------------- expressions
    def expr(self, e: ir.Expr, ctx: _Ctx) -> str:  # noqa: C901
        match e:
            case ir.Lit(value=value, type=typ):
                return repr(rep_of(typ, value))
            case ir.LocalRef(local=local):
                return ctx.env[local]
            case ir.VarRef() | ir.Index() | ir.Field():
                loc = self.location(e, ctx)
                if loc is not None:
                    off, typ = loc
                    return self.extract(ctx.sv, off, typ)
                return self._extract_from_value(e, ctx)
            case ir.ClockAtom(clock=clock, op=op, bound=bound):
                if self.clock_read is None:
                    raise TypeError("clock atoms need a time semantics")
                code, unit = self._clock_value(clock, ctx)
                return f"({code} {op} {bound // unit})"
            case ir.Unary(op="not", operand=x):
                return f"(not {self.expr(x, ctx)})"
            case ir.Unary(op="-", operand=x):
                return f"(-{self.expr(x, ctx)})"
            case ir.Binary():
                return self._binary(e, ctx)
            case ir.Ite(cond=c, then=a, orelse=b):
                return f"({self.expr(a, ctx)} if {self.expr(c, ctx)} else {self.expr(b, ctx)})"
            case ir.Quant(kind=kind, local=local, domain=domain, body=body):
                return self._quant(kind, local, domain, body, ctx)
            case ir.SetLit(elems=elems, type=typ):
                assert isinstance(typ, SetT)
                parts = [f"(1 << {self.elem_ordinal(x, typ.elem, ctx, strict=True)})"
                         for x in elems]
                return "(" + " | ".join(parts) + ")" if parts else "0"
            case ir.RangeSet(lo=lo, hi=hi, type=typ):
                assert isinstance(typ, SetT) and isinstance(typ.elem, IntT)
                return (f"_range_mask({self.expr(lo, ctx)}, {self.expr(hi, ctx)}, "
                        f"{typ.elem.lo})")
            case ir.SetComp(local=local, domain=domain, pred=pred, type=typ):
                assert isinstance(typ, SetT)
                var = self.fresh("q")
                inner = ctx.with_(env={**ctx.env, local: var})
                ordinal = self.elem_ordinal_code(var, typ.elem)
                return (f"sum(1 << {ordinal} for {var} in {self.members(domain, ctx)} "
                        f"if {self.expr(pred, inner)})")
            case ir.RecordLit(fields=fields, type=typ):
                assert isinstance(typ, RecordT)
                return self._pack([(self.checked(f, t, ctx), t) for f, (_, t) in
                                   zip(fields, typ.fields)])
            case ir.SeqLit(elems=elems, type=typ):
                assert isinstance(typ, QueueT)
                w = typ.elem.width
                parts = [str(len(elems))]
                for i, x in enumerate(elems):
                    enc = self.encode(self.checked(x, typ.elem, ctx), typ.elem)
                    parts.append(f"({enc} << {typ.len_width + i * w})")
                return "(" + " | ".join(parts) + ")"
            case ir.MapComp(local=local, body=body, type=typ):
                assert isinstance(typ, ArrayT)
                items = []
                for k in typ.index.values():
                    inner = ctx.with_(env={**ctx.env, local: repr(rep_of(typ.index, k))})
                    items.append((self.checked(body, typ.elem, inner), typ.elem))
                return self._pack(items)
            case ir.Call(fn=fn, args=args):
                return self._call(fn, args, e, ctx)
            case ir.LetE(local=local, value=value, body=body):
                code = self.expr(value, ctx)
                if isinstance(value, (ir.Lit, ir.LocalRef)):
                    return self.expr(body, ctx.with_(env={**ctx.env, local: code}))
                var = self.fresh("w")
                inner = ctx.with_(env={**ctx.env, local: var})
                return f"({self.expr(body, inner)} if (({var} := {code}) or True) else 0)"
            case ir.Checked(value=value, type=typ):
                if isinstance(typ, IntT):
                    return self.checked(value, typ, ctx)
                return self._convert(value, typ, ctx)
        raise TypeError(f"cannot compile {type(e).__name__}")

    def _pack(self, items: list[tuple[str, Type]]) -> str:
        parts = []
        off = 0
        for code, typ in items:
            if typ.width:
                enc = self.encode(code, typ)
                parts.append(enc if off == 0 else f"({enc} << {off})")
            off += typ.width
        return "(" + " | ".join(parts) + ")" if parts else "0"

    def _extract_from_value(self, e: ir.Expr, ctx: _Ctx) -> str:
        match e:
            case ir.Index(base=base, index=index):
                typ = base.type
                assert isinstance(typ, ArrayT)
                src = self.expr(base, ctx)
                ordinal = self.index_ordinal(index, typ.index, ctx)
                w = typ.elem.width
                off: int | str = ordinal * w if isinstance(ordinal, int) else (
                    ordinal if w == 1 else f"({ordinal} * {w})")
                return self.extract(src, off, typ.elem)
            case ir.Field(base=base, position=pos):
                typ = base.type
                assert isinstance(typ, RecordT)
                return self.extract(self.expr(base, ctx), typ.offsets()[pos], typ.fields[pos][1])
        raise TypeError(f"cannot read {type(e).__name__}")

    def _convert(self, value: ir.Expr, typ: Type, ctx: _Ctx) -> str:
        """A composite value re-encoded for another type (checked; the slow path)."""
        src_t = value.type

        def convert(bits: int, _src=src_t, _dst=typ) -> int:
            v = _src.decode(bits)
            if not _dst.contains(v):
                raise RuntimeFault()
            return _dst.encode(v)

        return f"{self.const(convert)}({self.expr(value, ctx)})"

    def elem_ordinal(self, x: ir.Expr, elem: Type, ctx: _Ctx, strict: bool) -> str:
        """Code for the ordinal of a value in a set's element type; `strict` raises when the
        value is not of the type (building a set), else the caller guards."""
        if isinstance(x, ir.Lit) and elem.contains(x.value):
            return repr(elem.ordinal(x.value))
        code = self.expr(x, ctx)
        if isinstance(elem, IntT):
            if strict and not self.fits(x, elem):
                return f"_ord({code}, {elem.lo}, {elem.hi})"
            return f"({code} - {elem.lo})" if elem.lo else code
        return self.elem_ordinal_code(code, elem)

    def elem_ordinal_code(self, code: str, elem: Type) -> str:
        if isinstance(elem, IntT):
            return f"({code} - {elem.lo})" if elem.lo else code
        if isinstance(elem, (BoolT, EnumT)):
            return code
        table = {elem.encode(v): elem.ordinal(v) for v in elem.values()}
        return f"{self.const(table)}[{code}]"

    def members(self, domain: ir.Expr, ctx: _Ctx) -> str:
        """Code iterating over the representations of a set's elements, in ordinal order."""
        typ = domain.type
        assert isinstance(typ, SetT)
        elem = typ.elem
        if isinstance(domain, ir.Lit):
            reps = tuple(rep_of(elem, v) for v in sorted(domain.value, key=elem.ordinal))  # type: ignore[arg-type]
            if isinstance(elem, IntT) and reps and reps == tuple(range(reps[0], reps[-1] + 1)):
                return f"range({reps[0]}, {reps[-1] + 1})"
            return self.const(reps) if len(reps) > 8 else repr(reps)
        if isinstance(domain, ir.RangeSet):
            return f"range({self.expr(domain.lo, ctx)}, {self.expr(domain.hi, ctx)} + 1)"
        mask = self.expr(domain, ctx)
        if isinstance(elem, IntT):
            return f"_bits_plus({mask}, {elem.lo})"
        if isinstance(elem, (BoolT, EnumT)):
            return f"_bits({mask})"
        table = tuple(elem.encode(elem.from_ordinal(i)) for i in range(elem.size() or 0))
        return f"({self.const(table)}[_i] for _i in _bits({mask}))"

    def _quant(self, kind: str, local: ir.Local, domain: ir.Expr, body: ir.Expr,
               ctx: _Ctx) -> str:
        joiner = " and " if kind == "forall" else " or "
        if isinstance(domain, ir.Lit) and len(domain.value) <= UNROLL_QUANTIFIER:  # type: ignore[arg-type]
            elem = domain.type.elem  # type: ignore[attr-defined]
            parts = []
            for v in sorted(domain.value, key=elem.ordinal):  # type: ignore[arg-type]
                # substitute (not just bind) the value, so its index arithmetic folds away
                parts.append(self.expr(substitute(body, {local: ir.Lit(v, elem)}), ctx))
            if not parts:
                return "True" if kind == "forall" else "False"
            return "(" + joiner.join(parts) + ")"
        var = self.fresh("q")
        inner = ctx.with_(env={**ctx.env, local: var})
        fn = "all" if kind == "forall" else "any"
        return f"{fn}({self.expr(body, inner)} for {var} in {self.members(domain, ctx)})"

    def _binary(self, e: ir.Binary, ctx: _Ctx) -> str:
        op = e.op
        a = self.expr(e.left, ctx)
        if op == "in" or op == "notin":
            test = self._membership(e.left, a, e.right, ctx)
            return test if op == "in" else f"(not {test})"
        b = self.expr(e.right, ctx)
        if op in ("and", "or"):
            return f"({a} {op} {b})"
        if op == "implies":
            return f"(not {a} or {b})"
        if op == "iff":
            return f"((not {a}) == (not {b}))"
        if op in ("==", "!=", "<", "<=", ">", ">="):
            return f"({a} {op} {b})"
        if op == "subset":
            return f"(({a} & ~{b}) == 0)"
        if op == "union":
            return f"({a} | {b})"
        if op == "minus":
            return f"({a} & ~{b})"
        if op == "intersect":
            return f"({a} & {b})"
        if op in ("+", "-", "*"):
            return f"({a} {op} {b})"
        if op in ("/", "%"):
            rt = e.right.type
            nonzero = isinstance(rt, IntT) and rt.lo is not None and rt.hi is not None and (
                rt.lo > 0 or rt.hi < 0)
            if nonzero:
                return f"({a} {'//' if op == '/' else '%'} {b})"
            return f"{'_div' if op == '/' else '_mod'}({a}, {b})"
        raise TypeError(f"unknown operator {op}")

    def _membership(self, x: ir.Expr, code: str, s: ir.Expr, ctx: _Ctx) -> str:
        typ = s.type
        assert isinstance(typ, SetT)
        elem = typ.elem
        if isinstance(s, ir.Lit):
            reps = tuple(rep_of(elem, v) for v in sorted(s.value, key=elem.ordinal))  # type: ignore[arg-type]
            if not reps:
                return "False"
            if len(reps) == 1:
                return f"({code} == {reps[0]})"
            if len(reps) <= 6:
                return f"({code} in {reps!r})"
            return f"({code} in {self.const(frozenset(reps))})"
        mask = self.expr(s, ctx)
        if isinstance(elem, IntT):
            shift = f"({code} - {elem.lo})" if elem.lo else code
            test = f"(({mask} >> {shift}) & 1)"
            if self.fits(x, elem):
                return test
            # both operands are evaluated, like the interpreter does, before the range test
            return f"_member({code}, {mask}, {elem.lo}, {elem.hi})"
        return f"(({mask} >> {self.elem_ordinal_code(code, elem)}) & 1)"

    def _call(self, fn: str, args: tuple[ir.Expr, ...], e: ir.Expr, ctx: _Ctx) -> str:
        codes = [self.expr(a, ctx) for a in args]
        if fn == "len":
            t = args[0].type
            if isinstance(t, QueueT):
                return f"({codes[0]} & {(1 << t.len_width) - 1})"
            return f"{codes[0]}.bit_count()"
        if fn == "head":
            t = args[0].type
            assert isinstance(t, QueueT)
            q = f"_nonempty({codes[0]}, {(1 << t.len_width) - 1})"
            return self.extract(q, t.len_width, t.elem)
        if fn == "abs":
            return f"abs({codes[0]})"
        if len(args) == 1:
            t = args[0].type
            assert isinstance(t, SetT) and isinstance(t.elem, IntT)
            helper = "_setmin" if fn == "min" else "_setmax"
            return f"{helper}({codes[0]}, {t.elem.lo})"
        return f"{fn}({codes[0]}, {codes[1]})"

    def _clock_value(self, clock: ir.ClockRef, ctx: _Ctx) -> tuple[str, int]:
        """Discrete time: code reading a clock's slot (in ticks), and the tick (ms)."""
        assert self.clock_read is not None
        off, mask, tick, _cap = self.clock_read(clock, ctx)
        return f"(({ctx.sv} >> {off}) & {mask})", tick

    # -------------------------------------------------------------- statements
    def stmts(self, stmts: tuple[ir.Stmt, ...], ctx: _Ctx,
              emit: Callable[[_Ctx], None]) -> None:
        """Generate `stmts` then `emit`, in continuation-passing style: a `require` guards
        the rest; a `choose` loops over the rest."""
        if not stmts:
            emit(ctx)
            return
        stmt, rest = stmts[0], stmts[1:]
        match stmt:
            case ir.Assign(target=target, value=value):
                self.store(target, self.checked(value, target.type, ctx), ctx)
                self.stmts(rest, ctx, emit)
            case ir.IfS(cond=cond, then=then, orelse=orelse):
                c = self.expr(cond, ctx)
                if _has_control(then) or _has_control(orelse):
                    self.line(f"if {c}:")
                    self.indent += 1
                    self.stmts(then + rest, ctx.with_(), emit)
                    self.indent -= 1
                    self.line("else:")
                    self.indent += 1
                    self.stmts(orelse + rest, ctx.with_(), emit)
                    self.indent -= 1
                else:
                    self.line(f"if {c}:")
                    self.indent += 1
                    self._plain(then, ctx.with_())
                    self.indent -= 1
                    if orelse:
                        self.line("else:")
                        self.indent += 1
                        self._plain(orelse, ctx.with_())
                        self.indent -= 1
                    self.stmts(rest, ctx, emit)
            case ir.ChooseS(local=local, domain=domain, body=body):
                var = self.fresh("c")
                sv = self.fresh("t")
                self.line(f"for {var} in {self.members(domain, ctx)}:")
                self.indent += 1
                self.line(f"{sv} = {ctx.sv}")
                gen_id = len(self.choice_locals)
                self.choice_locals.append(local)
                inner = ctx.with_(sv=sv, env={**ctx.env, local: var},
                                  choices=ctx.choices + (f"({gen_id}, {var})",))
                self.stmts(body + rest, inner, emit)
                self.indent -= 1
            case ir.RequireS(cond=cond):
                self.line(f"if {self.expr(cond, ctx)}:")
                self.indent += 1
                self.stmts(rest, ctx, emit)
                self.indent -= 1
            case ir.LetS(local=local, value=value):
                var = self.fresh("l")
                self.line(f"{var} = {self.expr(value, ctx)}")
                self.stmts(rest, ctx.with_(env={**ctx.env, local: var}), emit)
            case ir.ResetS(clock=clock):
                self.reset(clock, ctx)
                self.stmts(rest, ctx, emit)
            case ir.PushS(target=target, value=value):
                typ = target.type
                assert isinstance(typ, QueueT)
                q = self.fresh("l")
                n = self.fresh("l")
                lenmask = (1 << typ.len_width) - 1
                self.line(f"{q} = {self.expr(target, ctx)}")
                self.line(f"{n} = {q} & {lenmask}")
                self.line(f"if {n} >= {typ.capacity}: raise _RtErr()")
                enc = self.encode(self.checked(value, typ.elem, ctx), typ.elem)
                w = typ.elem.width
                pos = f"({typ.len_width} + {n} * {w})" if w else "0"
                self.store(target, f"(({q} | ({enc} << {pos})) + 1)", ctx)
                self.stmts(rest, ctx, emit)
            case ir.PopS(target=target):
                typ = target.type
                assert isinstance(typ, QueueT)
                q = self.fresh("l")
                n = self.fresh("l")
                lw = typ.len_width
                self.line(f"{q} = {self.expr(target, ctx)}")
                self.line(f"{n} = {q} & {(1 << lw) - 1}")
                self.line(f"if not {n}: raise _RtErr()")
                self.store(target, f"((({q} >> {lw + typ.elem.width}) << {lw}) | ({n} - 1))", ctx)
                self.stmts(rest, ctx, emit)
            case _:
                raise TypeError(f"cannot compile {type(stmt).__name__}")

    def _plain(self, stmts: tuple[ir.Stmt, ...], ctx: _Ctx) -> None:
        """Statements with no require/choose, leaving the state in `ctx.sv`."""
        if not stmts:
            self.line("pass")
            return
        self.stmts(stmts, ctx, lambda _ctx: None)

    def store(self, target: ir.Expr, code: str, ctx: _Ctx) -> None:
        loc = self.location(target, ctx)
        assert loc is not None, "assignment targets are state components"
        off, typ = loc
        w = typ.width
        if w == 0:
            self.line(code if code.startswith("_chk") else "pass")
            return
        mask = (1 << w) - 1
        enc = self.encode(code, typ)
        sv = ctx.sv
        if isinstance(off, int):
            clear = ~(mask << off)
            self.line(f"{sv} = ({sv} & {clear}) | ({enc} << {off})" if off else
                      f"{sv} = ({sv} & {clear}) | {enc}")
        else:
            o = self.fresh("o")
            self.line(f"{o} = {off}")
            self.line(f"{sv} = ({sv} & ~({mask} << {o})) | ({enc} << {o})")

    def reset(self, clock: ir.ClockRef, ctx: _Ctx) -> None:
        """Zones: record the clock in the step's resets. Discrete time: zero its slot."""
        if self.clock_read is None:
            number = self.clock_number(clock, ctx)
            ctx.resets = ctx.resets + (number,)
            if not number.isdigit() and not getattr(self, "zone_mode", False):
                self.line(number)  # untimed code drops resets, but keeps the index check
            return
        off, mask, _tick, _cap = self.clock_read(clock, ctx)
        if off.isdigit():
            self.line(f"{ctx.sv} = {ctx.sv} & {~(mask << int(off))}")
        else:
            o = self.fresh("o")
            self.line(f"{o} = {off}")
            self.line(f"{ctx.sv} = {ctx.sv} & ~({mask} << {o})")

    def clock_number(self, clock: ir.ClockRef, ctx: _Ctx) -> str:
        """Code for the global number of a clock (1-based: 0 is the reference clock)."""
        c = clock.clock
        if not clock.indices:
            return str(c.first + 1)
        parts = []
        stride = 1
        for typ, idx in reversed(list(zip(c.index_types, clock.indices))):
            ordinal = self.index_ordinal(idx, typ, ctx)
            parts.append(ordinal if stride == 1 else
                         (ordinal * stride if isinstance(ordinal, int)
                          else f"{ordinal} * {stride}"))
            stride *= typ.size() or 0
        if all(isinstance(p, int) for p in parts):
            return str(c.first + 1 + sum(parts))  # type: ignore[arg-type]
        return f"({c.first + 1} + " + " + ".join(str(p) for p in parts) + ")"


def _has_control(stmts: tuple[ir.Stmt, ...]) -> bool:
    """Whether an `if` must be generated in continuation-passing style: its branches
    stop (require), branch (choose) or reset clocks (recorded per outcome)."""
    for s in stmts:
        if isinstance(s, (ir.RequireS, ir.ChooseS, ir.ResetS)):
            return True
        if isinstance(s, ir.IfS) and (_has_control(s.then) or _has_control(s.orelse)):
            return True
    return False


# ---------------------------------------------------------------------------- functions


def instance_table(model: ir.Model) -> list[tuple[int, tuple[Value, ...]]]:
    """(action index, argument values) of every action instance, in generation order."""
    return [(a, args) for a, action in enumerate(model.actions)
            for args in argument_tuples(action.locals)]


def compile_code(model: ir.Model, layout: Layout) -> CompiledCode:
    """Generate, compile and load the successor and property functions of an untimed
    model."""
    instances = instance_table(model)
    gen = _Gen(model, layout)
    _successor_function(gen, model, "_succ", labeled=False)
    _successor_function(gen, model, "_labeled", labeled=True)
    _props_function(gen, model)
    source = "\n".join(gen.lines) + "\n"
    namespace = dict(gen.ns)
    exec(compile(source, f"<tock:{model.name}>", "exec"), namespace)  # noqa: S102 - our own code
    return CompiledCode(source, namespace["_succ"], namespace["_labeled"],  # type: ignore[arg-type]
                        namespace["_props"], instances, gen.choice_locals)  # type: ignore[arg-type]


def _successor_function(gen: _Gen, model: ir.Model, name: str, labeled: bool) -> None:
    gen.line(f"def {name}(s):")
    gen.indent += 1
    gen.line("out = []")
    gen.line("_a = out.append")
    inst = 0
    for action in model.actions:
        n = action.instances
        if n <= UNROLL_INSTANCES:
            for k, args in enumerate(argument_tuples(action.locals)):
                values = {local: ir.Lit(v, local.type) for local, v in zip(action.locals, args)}
                _instance(gen, _specialize(action, values), _Ctx("s", {}), str(inst + k),
                          labeled)
        else:
            table = tuple(tuple(rep_of(local.type, v) for local, v in zip(action.locals, args))
                          for args in argument_tuples(action.locals))
            k = gen.fresh("k")
            names = [gen.fresh("p") for _ in action.locals]
            gen.line(f"for {k}, ({', '.join(names)},) in enumerate({gen.const(table)}):")
            gen.indent += 1
            env = dict(zip(action.locals, names))
            _instance(gen, action, _Ctx("s", env), f"{inst} + {k}", labeled)
            gen.indent -= 1
        inst += n
    gen.line("return out")
    gen.indent -= 1
    gen.line("")


def _specialize(action: ir.Action, values: dict[ir.Local, ir.Expr]) -> ir.Action:
    """The action with its parameters fixed: constant parts folded away."""
    guard = miniscope(substitute(action.guard, values)) if action.guard is not None else None
    if isinstance(guard, ir.Lit) and guard.value is True:
        guard = None
    return dataclasses.replace(
        action, guard=guard, body=substitute_stmts(action.body, values),
        clock_guard=tuple(substitute(a, values) for a in action.clock_guard))  # type: ignore[misc]


def _instance(gen: _Gen, action: ir.Action, ctx: _Ctx, inst: str, labeled: bool) -> None:
    """One action instance: guard, body, and the emission of each outcome."""
    start_indent = gen.indent
    if labeled:
        gen.line("try:")
        gen.indent += 1
        gen.line("_b = []")
    sink = "_b.append" if labeled else "_a"
    tests = [gen.expr(action.guard, ctx)] if action.guard is not None else []
    if gen.clock_read is not None:  # discrete time: clock guards are tests on slots
        tests.extend(gen.expr(atom, ctx) for atom in action.clock_guard)
    if tests:
        gen.line(f"if {' and '.join(tests)}:")
        gen.indent += 1
    work = gen.fresh("t")
    gen.line(f"{work} = s")
    ctx = ctx.with_(sv=work)

    def emit(end: _Ctx) -> None:
        if gen.emit_check is not None:
            gen.line(f"if {gen.emit_check}({end.sv}):")
            gen.indent += 1
        if labeled:
            gen.line(f"{sink}(({inst}, ({''.join(c + ', ' for c in end.choices)}), {end.sv}))")
        else:
            gen.line(f"{sink}({end.sv})")
        if gen.emit_check is not None:
            gen.indent -= 1

    gen.stmts(action.body, ctx, emit)
    gen.indent = start_indent
    if labeled:
        gen.indent += 1
        gen.line("out.extend(_b)")
        gen.indent -= 1
        gen.line("except _RtErr:")
        gen.indent += 1
        gen.line(f"_a(({inst}, None, None))")
        gen.indent -= 1


def compile_props(model: ir.Model, layout: Layout, indices: frozenset[int],
                  clock_read=None) -> Callable[[int], int]:  # noqa: ANN001
    """A function of a packed state: bit k set when property k (k in `indices`) is
    noteworthy there (an invariant false, a reachable true)."""
    gen = _Gen(model, layout)
    if clock_read is not None:
        gen.clock_read = lambda ref, ctx: clock_read(ref, ctx, gen)
    _props_function(gen, model, indices)
    namespace = dict(gen.ns)
    exec(compile("\n".join(gen.lines) + "\n", f"<tock:{model.name}:props>", "exec"),  # noqa: S102
         namespace)
    return namespace["_props"]  # type: ignore[return-value]


def _props_function(gen: _Gen, model: ir.Model, indices: frozenset[int] | None = None) -> None:
    gen.line("def _props(s):")
    gen.indent += 1
    gen.line("r = 0")
    ctx = _Ctx("s", {})
    for k, prop in enumerate(model.properties):
        if indices is not None and k not in indices:
            continue
        code = gen.expr(miniscope(prop.expr), ctx)
        if prop.kind == "invariant":
            gen.line(f"if not {code}: r |= {1 << k}")
        else:
            gen.line(f"if {code}: r |= {1 << k}")
    gen.line("return r")
    gen.indent -= 1
    gen.line("")
