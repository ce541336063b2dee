"""Types: type expressions resolved to semantic types, and the typing rules shared by
expressions and statements (compatibility, joins, coercion to a target type).
"""

from __future__ import annotations

from .. import ast, ir
from ..diagnostics import did_you_mean
from ..source import Span
from ..types import (
    BOOL,
    ArrayT,
    BagT,
    BoolT,
    EnumT,
    IntT,
    OptionT,
    QueueT,
    RecordT,
    SetT,
    Type,
    format_value,
)
from . import constants as co
from . import context as cxm
from . import names as nm
from .context import Context


def type_of_sym(cx: Context, sym: nm.Sym) -> Type:
    if sym.resolved is not None:
        return sym.resolved  # type: ignore[return-value]
    if sym.resolving:
        cx.error("E307", f"type '{sym.name}' is defined in terms of itself", sym.span)
        sym.resolved = cxm.ERR
        return cxm.ERR
    sym.resolving = True
    decl = sym.decl
    assert isinstance(decl, ast.TypeDecl)
    typ = resolve_type(cx, decl.type, cx.root, name=sym.name)
    sym.resolving = False
    sym.resolved = typ
    return typ


def resolve_type(cx: Context, texpr: ast.TypeExpr, scope: nm.Scope, name: str = "",
                 storage: bool = True) -> Type:
    """A syntactic type as a semantic type; storage types must be finite."""
    try:
        return resolve_type_expr(cx, texpr, scope, name)
    except cxm.Abort:
        return cxm.ERR


def resolve_type_expr(cx: Context, texpr: ast.TypeExpr, scope: nm.Scope, name: str) -> Type:
    match texpr:
        case ast.NamedType(name=tname):
            sym = cx.globals.get(tname)
            if sym is None or sym.kind != "type":
                if tname in ("int", "integer", "nat", "Int", "Nat"):
                    raise cx.abort("E302", f"'{tname}' is not finite", texpr.span,
                                   hint="give a range such as 0..10")
                if tname in ("boolean", "Bool", "BOOLEAN"):
                    raise cx.abort("E203", f"unknown type '{tname}'", texpr.span,
                                   hint="did you mean 'bool'?")
                types = [n for n, s in cx.globals.items() if s.kind == "type"]
                raise cx.abort("E203", f"unknown type '{tname}'", texpr.span,
                               hint=did_you_mean(tname, types + ["bool"]))
            return type_of_sym(cx, sym)
        case ast.BoolType():
            return BOOL
        case ast.EnumType(members=members):
            seen: set[str] = set()
            for m in members:
                if m in seen:
                    raise cx.abort("E202", f"enum member '{m}' is listed twice",
                                   texpr.span)
                seen.add(m)
            typ = EnumT(name, members)
            for m in members:
                known = cx.enum_members.setdefault(m, [])
                if typ not in known:
                    known.append(typ)
            return typ
        case ast.RangeType(lo=lo, hi=hi):
            a = co.const_int(cx, lo, scope)
            b = co.const_int(cx, hi, scope)
            if a.type is cxm.ERR or b.type is cxm.ERR:
                return cxm.ERR
            time = bool(getattr(a.type, "time", False) and getattr(b.type, "time", False))
            if getattr(a.type, "time", False) != getattr(b.type, "time", False):
                raise cx.abort("E301", "a range mixes a duration with a plain number",
                               texpr.span, hint="give both ends units: 0s..1min")
            lov, hiv = int(a.value), int(b.value)  # type: ignore[call-overload]
            if lov > hiv:
                raise cx.abort("E302", f"the range {lov}..{hiv} is empty", texpr.span,
                               notes=co.override_notes(cx, lo, hi),
                               hint="a range lo..hi needs lo <= hi")
            return IntT(lov, hiv, time)
        case ast.MapType(index=index, elem=elem):
            elem_t = resolve_type_expr(cx, elem, scope, "")
            for idx in reversed(index):
                idx_t = resolve_type_expr(cx, idx, scope, "")
                require_index_type(cx, idx_t, idx.span)
                if idx_t is cxm.ERR or elem_t is cxm.ERR:
                    elem_t = cxm.ERR
                else:
                    elem_t = ArrayT(idx_t, elem_t)
            return elem_t
        case ast.SetType(elem=elem):
            elem_t = resolve_type_expr(cx, elem, scope, "")
            require_element_type(cx, elem_t, elem.span)
            return SetT(elem_t) if elem_t is not cxm.ERR else cxm.ERR
        case ast.QueueType(capacity=cap, elem=elem):
            c = co.const_int(cx, cap, scope)
            elem_t = resolve_type_expr(cx, elem, scope, "")
            if c.type is cxm.ERR or elem_t is cxm.ERR:
                return cxm.ERR
            if int(c.value) < 1:  # type: ignore[call-overload]
                raise cx.abort("E304", f"a queue holds at least 1 element, not {c.value}",
                               cap.span)
            if isinstance(elem_t, QueueT):
                raise cx.abort("E302", "queues of queues are not supported", elem.span)
            return QueueT(int(c.value), elem_t)  # type: ignore[call-overload]
        case ast.RecordType(fields=fields):
            names: set[str] = set()
            out = []
            for f in fields:
                if f.name in names:
                    raise cx.abort("E202", f"field '{f.name}' is declared twice", f.span)
                names.add(f.name)
                out.append((f.name, resolve_type_expr(cx, f.type, scope, "")))
            if any(t is cxm.ERR for _, t in out):
                return cxm.ERR
            return RecordT(name, tuple(out))
        case ast.OptionType():
            return option_type(cx, texpr, scope)
        case ast.BagType():
            return bag_type(cx, texpr, scope)
    raise TypeError(texpr)  # pragma: no cover


# ---------------------------------------------------------------------------- option types
# Language v2 (issue 17): `option T`, `none`, a T lifted where an option is expected, and
# get(x) (model.check.expressions) that fails at run time (E508) on none.


def option_type(cx: Context, texpr: ast.OptionType, scope: nm.Scope) -> Type:
    elem_t = resolve_type_expr(cx, texpr.elem, scope, "")
    if elem_t is cxm.ERR:
        return cxm.ERR
    if isinstance(elem_t, OptionT):
        raise cx.abort("E302", f"an option of an option ({elem_t}) is not supported",
                       texpr.elem.span, hint="one `none` is enough: write option T")
    if contains_queue(elem_t):
        raise cx.abort("E302", f"an option of {elem_t} is not supported: it holds a queue",
                       texpr.elem.span, hint="an empty queue already says `nothing`")
    return OptionT(elem_t)


def bag_type(cx: Context, texpr: ast.BagType, scope: nm.Scope) -> Type:
    """`bag[N] of T`: T as a set's element type (finite, at most 4,096 values, no queue)."""
    c = co.const_int(cx, texpr.capacity, scope)
    elem_t = resolve_type_expr(cx, texpr.elem, scope, "")
    if c.type is cxm.ERR or elem_t is cxm.ERR:
        return cxm.ERR
    if int(c.value) < 1:  # type: ignore[call-overload]
        raise cx.abort("E304", f"a bag holds each value at least once, not {c.value} times",
                       texpr.capacity.span, hint="bag[1] of T holds each value at most once")
    if contains_queue(elem_t) or elem_t.size() is None:
        raise cx.abort("E302", f"cannot make a bag of {elem_t}", texpr.elem.span,
                       hint="bag elements are what set elements are: bools, enums, ranges, "
                       "and records, maps or sets of those; not queues")
    if elem_t.size() > cxm.MAX_SET_ELEMS:  # type: ignore[operator]
        raise cx.abort("E401", f"a bag of {elem_t} would count {elem_t.size():,} values",
                       texpr.elem.span,
                       hint=f"bag element types have at most {cxm.MAX_SET_ELEMS:,} values")
    return BagT(int(c.value), elem_t)  # type: ignore[call-overload]


def lift(cx: Context, e: ir.Expr, target: OptionT, span: Span, store: bool = False) -> ir.Expr:
    """A value of T (or of a type compatible with it) as a value of `option T`."""
    inner = coerce(cx, e, target.elem, span, store=store)
    if isinstance(inner, ir.Lit) and target.elem.contains(inner.value):
        return ir.Lit(inner.value, target, span)
    return ir.Call("some", (inner,), target, span)


def lifts(a: Type, b: Type) -> bool:
    """Whether a value of `a` is lifted to option type `b` (a not an option)."""
    return isinstance(b, OptionT) and not isinstance(a, OptionT) and a is not cxm.ERR


def require_index_type(cx: Context, typ: Type, span: Span, role: str | None = None) -> None:
    """`typ` indexes a map or clock array, or (`role`: "an action parameter", "a process
    parameter") ranges over a parameter's instances: bool, an enum or an integer range."""
    if typ is cxm.ERR:
        return
    if not is_index_type(typ):
        bad = _non_index_field(typ)
        if bad is not None:
            path, ftype = bad
            raise cx.abort("E302", f"{'cannot index by' if role is None else role + ' cannot be'}"
                           f" {typ}: its field {path} is {ftype}", span,
                           hint="a record is an index or parameter type when every field is "
                           "a bool, an enum, an integer range or such a record")
        if role is None:
            raise cx.abort("E302", f"cannot index by {typ}", span,
                           hint="index types are bool, enums, integer ranges and records "
                           "of those")
        raise cx.abort("E302", f"{role} cannot be of type {typ}", span,
                       hint=f"{role.split(' ', 1)[1]}s are bools, enums, integer ranges or "
                       "records of those, one instance per value; keep other values in "
                       "variables")


def is_index_type(typ: Type) -> bool:
    """bool, an enum, an integer range, or a record (however nested) or option of those: the
    types with an ordinal that index maps and range over parameters' instances."""
    if isinstance(typ, OptionT):
        return is_index_type(typ.elem)
    if isinstance(typ, RecordT):
        return all(is_index_type(t) for _, t in typ.fields)
    return isinstance(typ, (BoolT, EnumT, IntT)) and typ.size() is not None


def _non_index_field(typ: Type) -> tuple[str, Type] | None:
    """The first field (as a path `a.b`) that keeps record `typ` from being an index type."""
    if not isinstance(typ, RecordT):
        return None
    for fname, ftype in typ.fields:
        if isinstance(ftype, RecordT):
            inner = _non_index_field(ftype)
            if inner is not None:
                return f"{fname}.{inner[0]}", inner[1]
        elif not is_index_type(ftype):
            return fname, ftype
    return None


def require_element_type(cx: Context, typ: Type, span: Span) -> None:
    if typ is cxm.ERR:
        return
    if contains_queue(typ) or typ.size() is None:
        raise cx.abort("E302", f"cannot make a set of {typ}", span,
                       hint="set elements are bools, enums, ranges, and records, maps or "
                       "sets of those; not queues")
    if typ.size() > cxm.MAX_SET_ELEMS:  # type: ignore[operator]
        raise cx.abort("E401", f"a set of {typ} would need {typ.size():,} bits: its element "
                       f"type has {typ.size():,} values", span,
                       hint=f"set element types have at most {cxm.MAX_SET_ELEMS:,} values")


def compatible(cx: Context, a: Type, b: Type) -> bool:
    if a is cxm.ERR or b is cxm.ERR:
        return True
    if isinstance(a, IntT) and isinstance(b, IntT):
        return a.time == b.time
    if isinstance(a, BoolT) and isinstance(b, BoolT):
        return True
    if isinstance(a, EnumT) and isinstance(b, EnumT):
        return a == b
    if isinstance(a, SetT) and isinstance(b, SetT):
        return compatible(cx, a.elem, b.elem)
    if isinstance(a, ArrayT) and isinstance(b, ArrayT):
        return a.index == b.index and compatible(cx, a.elem, b.elem)
    if isinstance(a, RecordT) and isinstance(b, RecordT):
        return a.field_names() == b.field_names() and all(
            compatible(cx, x, y) for x, y in zip(a.parts(), b.parts()))
    if isinstance(a, QueueT) and isinstance(b, QueueT):
        return compatible(cx, a.elem, b.elem)
    if isinstance(a, OptionT) and isinstance(b, OptionT):
        return compatible(cx, a.elem, b.elem)
    if isinstance(a, BagT) and isinstance(b, BagT):  # counts are by the element's ordinals
        return a.elem == b.elem
    return False


def join(cx: Context, a: Type, b: Type, span: Span) -> Type:
    if a is cxm.ERR or b is cxm.ERR:
        return cxm.ERR
    if lifts(a, b) and compatible(cx, a, b.elem):  # type: ignore[attr-defined]
        a = OptionT(a)
    elif lifts(b, a) and compatible(cx, b, a.elem):  # type: ignore[attr-defined]
        b = OptionT(b)
    if not compatible(cx, a, b):
        raise cx.abort("E301", f"{a} and {b} do not mix", span)
    return deep_join(a, b)


def coerce(cx: Context, e: ir.Expr, target: Type, span: Span, store: bool = False) -> ir.Expr:
    """`e` as a value of `target`: a type error if incompatible, a compile-time error for
    a constant out of range, and a run-time check where encodings differ."""
    if e.type is cxm.ERR or target is cxm.ERR:
        return e
    if isinstance(e, ir.ClockRef):
        raise cx.abort("E310", "a clock is not a value", span,
                       hint="compare it with a duration, e.g. c >= 15s")
    if lifts(e.type, target) and compatible(cx, e.type, target.elem):  # type: ignore[attr-defined]
        return lift(cx, e, target, span, store)  # type: ignore[arg-type]
    if isinstance(e.type, OptionT) and not isinstance(target, OptionT) \
            and compatible(cx, e.type.elem, target):
        raise cx.abort("E301", f"expected {target}, found {e.type}", span,
                       hint="an option may be none: test x != none, then read get(x)")
    if not compatible(cx, e.type, target):
        hint = None
        if isinstance(e.type, IntT) and isinstance(target, IntT):
            hint = ("durations are written with units: 75s, 15min" if target.time
                    else "this is a duration; the target is a plain number")
        elif isinstance(e.type, EnumT) and isinstance(target, EnumT):
            hint = f"{e.type} and {target} are different enums"
        raise cx.abort("E301", f"expected {target}, found {describe(e.type)}", span, hint=hint)
    if store and isinstance(e, ir.Lit) and target.size() is not None \
            and not target.contains(e.value):
        raise cx.abort("E304", f"{fmt(e)} is outside {target}", span)
    if needs_convert(e.type, target):
        return ir.Checked(e, target, span)
    return e


def describe(t: Type) -> str:
    """A type as error messages describe it: `a number (0..5)`, `a duration (15s)`."""
    if isinstance(t, IntT):
        if t.time:
            return "a duration" + (f" ({format_value(t, t.lo)})" if t.lo is not None
                                   and t.lo == t.hi else "")
        if t.lo is not None and t.lo == t.hi:
            return f"a number ({t.lo})"
        if t.lo is not None and t.hi is not None:
            return f"a number ({t.lo}..{t.hi})"
        return "a number"
    if isinstance(t, BoolT):
        return "bool"
    return str(t)


def kind_name(t: Type) -> str:
    if isinstance(t, IntT):
        return "a duration" if t.time else "a number"
    if isinstance(t, BoolT):
        return "a bool"
    if isinstance(t, EnumT):
        return f"one of {{{', '.join(t.members)}}}"
    return str(t)


def fmt(lit: ir.Lit) -> str:
    try:
        return format_value(lit.type, lit.value)
    except Exception:  # noqa: BLE001 - only for messages
        return str(lit.value)


def elem_of(t: Type) -> Type:
    return t.elem if isinstance(t, SetT) else cxm.ERR


def contains_queue(t: Type) -> bool:
    if isinstance(t, QueueT):
        return True
    if isinstance(t, ArrayT):
        return contains_queue(t.elem)
    if isinstance(t, RecordT):
        return any(contains_queue(f) for _, f in t.fields)
    if isinstance(t, (SetT, OptionT)):
        return contains_queue(t.elem)
    return False


def deep_join(a: Type, b: Type) -> Type:
    """The smallest type holding the values of two compatible types."""
    if isinstance(a, IntT) and isinstance(b, IntT):
        lo = None if a.lo is None or b.lo is None else min(a.lo, b.lo)
        hi = None if a.hi is None or b.hi is None else max(a.hi, b.hi)
        return IntT(lo, hi, a.time)
    if isinstance(a, SetT) and isinstance(b, SetT):
        return SetT(deep_join(a.elem, b.elem))
    if isinstance(a, ArrayT) and isinstance(b, ArrayT):
        return ArrayT(a.index, deep_join(a.elem, b.elem))
    if isinstance(a, RecordT) and isinstance(b, RecordT):
        return RecordT(a.name or b.name, tuple((n, deep_join(x, y)) for (n, x), (_, y)
                                               in zip(a.fields, b.fields)))
    if isinstance(a, QueueT) and isinstance(b, QueueT):
        return QueueT(max(a.capacity, b.capacity), deep_join(a.elem, b.elem))
    if isinstance(a, OptionT) and isinstance(b, OptionT):
        return OptionT(deep_join(a.elem, b.elem))
    if isinstance(a, BagT) and isinstance(b, BagT):
        return BagT(max(a.capacity, b.capacity), a.elem)
    return a


def within(inner: Type, outer: Type) -> bool:
    if not (isinstance(inner, IntT) and isinstance(outer, IntT)):
        return True
    return (inner.lo is not None and inner.hi is not None and outer.lo is not None
            and outer.hi is not None and outer.lo <= inner.lo and inner.hi <= outer.hi)


def needs_convert(src: Type, dst: Type) -> bool:
    """Whether packed encodings of the two (compatible) types differ."""
    if isinstance(src, IntT) and isinstance(dst, IntT):
        return False
    if isinstance(src, (BoolT, EnumT)):
        return False
    if src is cxm.ERR or dst is cxm.ERR:
        return False
    return encoding(src) != encoding(dst)


def encoding(t: Type) -> object:
    if isinstance(t, IntT):
        return ("int", t.lo, t.hi)
    if isinstance(t, SetT):
        return ("set", encoding(t.elem))
    if isinstance(t, ArrayT):
        return ("array", t.index, encoding(t.elem))
    if isinstance(t, RecordT):
        return ("record", tuple((n, encoding(f)) for n, f in t.fields))
    if isinstance(t, QueueT):
        return ("queue", t.capacity, encoding(t.elem))
    if isinstance(t, OptionT):
        return ("option", encoding(t.elem))
    if isinstance(t, BagT):
        return ("bag", t.capacity, t.elem)
    return t
