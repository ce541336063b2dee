"""Names, types and semantic rules: the syntax trees of a spec (and its imports) become the
checked model (`ir.Model`), or one SpecError listing every problem found.

Resolution is lazy for constants, types and definitions (each is resolved when first needed,
with cycle detection), so declarations may appear in any order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from . import ast, ir
from .diagnostics import Diagnostic, SpecError, did_you_mean
from .interp import EvalError, evaluate
from .irutil import argument_tuples
from .irutil import is_constant as _is_constant
from .irutil import mentions_clock as _mentions_clock
from .irutil import mentions_state as _mentions_state
from .source import SourceFile, Span
from .types import (
    BOOL,
    ArrayT,
    BoolT,
    EnumT,
    IntT,
    QueueT,
    RecordT,
    SetT,
    Type,
    Value,
    format_value,
)

__all__ = ["check_spec", "BUILTIN_PROPERTIES"]

BUILTIN_PROPERTIES = ("deadlock", "timelock", "runtime")
BUILTIN_FUNCTIONS = ("len", "head", "min", "max", "abs")
STATEMENT_FUNCTIONS = ("push", "pop")
MAX_SET_ELEMS = 4096
MAX_INSTANCES = 1_000_000


class _ErrT(Type):
    """The type of an expression that already produced a diagnostic (suppresses cascades)."""

    __slots__ = ()

    def size(self) -> None:
        return None

    def __str__(self) -> str:
        return "<error>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ErrT)

    def __hash__(self) -> int:
        return 0


ERR = _ErrT()


def _err_expr(span: Span) -> ir.Expr:
    return ir.Lit(None, ERR, span)


class _Abort(Exception):
    """Raised to stop checking one construct after its diagnostic has been recorded."""


# ---------------------------------------------------------------------------- symbols


@dataclass(eq=False)
class _Sym:
    kind: str  # const type param var clock def process
    name: str
    decl: object
    span: Span
    process: _ProcSym | None = None
    resolved: object = None
    resolving: bool = False


@dataclass(eq=False)
class _ProcSym:
    decl: ast.ProcessDecl
    process: ir.Process
    members: dict[str, _Sym] = field(default_factory=dict)


@dataclass(eq=False)
class _Def:
    locals: tuple[ir.Local, ...]
    body: ir.Expr
    type: Type


class _Scope:
    """A chain of name tables. `state` says whether state variables may be read."""

    def __init__(self, parent: _Scope | None, names: dict | None = None, *,
                 state: bool | None = None, clocks: bool | None = None,
                 process: _ProcSym | None = None, what: str | None = None):
        self.parent = parent
        self.names: dict[str, object] = dict(names or {})
        self.state = state if state is not None else (parent.state if parent else True)
        self.clocks = clocks if clocks is not None else (parent.clocks if parent else False)
        self.process = process if process is not None else (parent.process if parent else None)
        self.what = what if what is not None else (parent.what if parent else "expression")

    def lookup(self, name: str) -> object | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None

    def visible(self) -> list[str]:
        out: list[str] = []
        scope: _Scope | None = self
        while scope is not None:
            out.extend(scope.names)
            scope = scope.parent
        return out

    def child(self, names: dict | None = None, **kw) -> _Scope:  # noqa: ANN003
        return _Scope(self, names, **kw)


# ---------------------------------------------------------------------------- entry point


def check_spec(files: list[ast.SpecFile], sources: dict[str, SourceFile],
               overrides: dict[str, str] | None = None) -> ir.Model:
    """Check the main spec (last in `files`) with its imports; raise SpecError on problems."""
    checker = _Checker(files, sources, overrides or {})
    model = checker.run()
    if checker.diags:
        raise SpecError(checker.diags, sources)
    assert model is not None
    return model


class _Checker:
    def __init__(self, files: list[ast.SpecFile], sources: dict[str, SourceFile],
                 overrides: dict[str, str]):
        self.files = files
        self.sources = sources
        self.overrides = dict(overrides)
        self.diags: list[Diagnostic] = []
        self.globals: dict[str, _Sym] = {}
        self.enum_members: dict[str, list[EnumT]] = {}
        self.variables: list[ir.Variable] = []
        self.clocks: list[ir.Clock] = []
        self.n_clocks = 0
        self.processes: list[_ProcSym] = []
        self.actions: list[ir.Action] = []
        self.action_names: dict[str, ir.Action] = {}
        self.bounds: list[ir.Bound] = []
        self.properties: list[ir.Property] = []
        self.liveness: list[ir.Liveness] = []
        self.scenarios: list[ir.Scenario] = []
        self.expects: dict[str, tuple[str, Span]] = {}
        self.allow_deadlock = False
        self.used_overrides: set[str] = set()
        self.root = _Scope(None, {}, state=True)

    # -------------------------------------------------------------- diagnostics
    def error(self, code: str, message: str, span: Span, *, hint: str | None = None,
              notes: Iterable[tuple[str, Span | None]] = ()) -> None:
        self.diags.append(Diagnostic(code, message, span, tuple(notes), hint))

    def abort(self, code: str, message: str, span: Span, **kw) -> _Abort:  # noqa: ANN003
        self.error(code, message, span, **kw)
        return _Abort()

    # -------------------------------------------------------------- driver
    def run(self) -> ir.Model | None:
        main = self.files[-1]
        self._collect()
        # Types first: enum members must be known before expressions are checked.
        for sym in list(self.globals.values()):
            if sym.kind == "type":
                self._type_of_sym(sym)
        self._declare_state()
        for proc in self.processes:
            self._declare_process_state(proc)
        for sym in list(self.globals.values()):
            if sym.kind == "const":
                self._const_value(sym)
        for sym in list(self.globals.values()):
            if sym.kind == "def":
                self._def_of(sym)
        self._check_inits()
        self._check_behaviour()
        self._check_properties()
        self._check_overrides_used()
        if self.diags:
            return None
        constants = tuple(
            (sym.name, sym.resolved.type, sym.resolved.value)  # type: ignore[union-attr]
            for sym in self.globals.values()
            if sym.kind == "const" and isinstance(sym.resolved, ir.Lit)
        )
        return ir.Model(
            name=main.name or _stem(main.file), file=main.file, constants=constants,
            variables=tuple(self.variables), clocks=tuple(self.clocks),
            processes=tuple(p.process for p in self.processes), actions=tuple(self.actions),
            bounds=tuple(self.bounds), properties=tuple(self.properties),
            scenarios=tuple(self.scenarios), expects=self.expects,
            allow_deadlock=self.allow_deadlock, liveness=tuple(self.liveness),
        )

    # -------------------------------------------------------------- collection
    def _declare(self, table: dict[str, _Sym], sym: _Sym, scope_name: str) -> None:
        previous = table.get(sym.name)
        if previous is not None:
            self.error("E202", f"'{sym.name}' is declared twice{scope_name}", sym.span,
                       notes=[("first declared here", previous.span)],
                       hint="rename one of them")
            return
        table[sym.name] = sym

    def _collect(self) -> None:
        kinds = {
            ast.ConstDecl: "const", ast.TypeDecl: "type", ast.ParamDecl: "param",
            ast.VarDecl: "var", ast.ClockDecl: "clock", ast.DefDecl: "def",
        }
        for spec in self.files:
            for decl in spec.decls:
                kind = kinds.get(type(decl))
                if kind is not None:
                    self._declare(self.globals, _Sym(kind, decl.name, decl, decl.name_span), "")
                elif isinstance(decl, ast.ProcessDecl):
                    proc = self._collect_process(decl)
                    self._declare(self.globals, _Sym("process", decl.name, decl, decl.name_span,
                                                     resolved=proc), "")
        self.root.names.update(self.globals)

    def _collect_process(self, decl: ast.ProcessDecl) -> _ProcSym:
        proc = _ProcSym(decl, ir.Process(decl.name, (), decl.span, decl.fairness))
        kinds = {ast.VarDecl: "var", ast.ClockDecl: "clock", ast.DefDecl: "def"}
        for item in decl.items:
            kind = kinds.get(type(item))
            if kind is not None:
                self._declare(proc.members, _Sym(kind, item.name, item, item.name_span,
                                                 process=proc), f" in process {decl.name}")
        self.processes.append(proc)
        return proc

    # -------------------------------------------------------------- types
    def _type_of_sym(self, sym: _Sym) -> Type:
        if sym.resolved is not None:
            return sym.resolved  # type: ignore[return-value]
        if sym.resolving:
            self.error("E307", f"type '{sym.name}' is defined in terms of itself", sym.span)
            sym.resolved = ERR
            return ERR
        sym.resolving = True
        decl = sym.decl
        assert isinstance(decl, ast.TypeDecl)
        typ = self.resolve_type(decl.type, self.root, name=sym.name)
        sym.resolving = False
        sym.resolved = typ
        return typ

    def resolve_type(self, texpr: ast.TypeExpr, scope: _Scope, name: str = "",
                     storage: bool = True) -> Type:
        """A syntactic type as a semantic type; storage types must be finite."""
        try:
            return self._resolve_type(texpr, scope, name)
        except _Abort:
            return ERR

    def _resolve_type(self, texpr: ast.TypeExpr, scope: _Scope, name: str) -> Type:
        match texpr:
            case ast.NamedType(name=tname):
                sym = self.globals.get(tname)
                if sym is None or sym.kind != "type":
                    if tname in ("int", "integer", "nat", "Int", "Nat"):
                        raise self.abort("E302", f"'{tname}' is not finite", texpr.span,
                                         hint="give a range such as 0..10")
                    if tname in ("boolean", "Bool", "BOOLEAN"):
                        raise self.abort("E203", f"unknown type '{tname}'", texpr.span,
                                         hint="did you mean 'bool'?")
                    types = [n for n, s in self.globals.items() if s.kind == "type"]
                    raise self.abort("E203", f"unknown type '{tname}'", texpr.span,
                                     hint=did_you_mean(tname, types + ["bool"]))
                return self._type_of_sym(sym)
            case ast.BoolType():
                return BOOL
            case ast.EnumType(members=members):
                seen: set[str] = set()
                for m in members:
                    if m in seen:
                        raise self.abort("E202", f"enum member '{m}' is listed twice",
                                         texpr.span)
                    seen.add(m)
                typ = EnumT(name, members)
                for m in members:
                    known = self.enum_members.setdefault(m, [])
                    if typ not in known:
                        known.append(typ)
                return typ
            case ast.RangeType(lo=lo, hi=hi):
                a = self.const_int(lo, scope)
                b = self.const_int(hi, scope)
                if a.type is ERR or b.type is ERR:
                    return ERR
                time = bool(getattr(a.type, "time", False) and getattr(b.type, "time", False))
                if getattr(a.type, "time", False) != getattr(b.type, "time", False):
                    raise self.abort("E301", "a range mixes a duration with a plain number",
                                     texpr.span, hint="give both ends units: 0s..1min")
                lov, hiv = int(a.value), int(b.value)  # type: ignore[call-overload]
                if lov > hiv:
                    raise self.abort("E302", f"the range {lov}..{hiv} is empty", texpr.span,
                                     notes=self._override_notes(lo, hi),
                                     hint="a range lo..hi needs lo <= hi")
                return IntT(lov, hiv, time)
            case ast.MapType(index=index, elem=elem):
                elem_t = self._resolve_type(elem, scope, "")
                for idx in reversed(index):
                    idx_t = self._resolve_type(idx, scope, "")
                    self._require_index_type(idx_t, idx.span)
                    if idx_t is ERR or elem_t is ERR:
                        elem_t = ERR
                    else:
                        elem_t = ArrayT(idx_t, elem_t)
                return elem_t
            case ast.SetType(elem=elem):
                elem_t = self._resolve_type(elem, scope, "")
                self._require_element_type(elem_t, elem.span)
                return SetT(elem_t) if elem_t is not ERR else ERR
            case ast.QueueType(capacity=cap, elem=elem):
                c = self.const_int(cap, scope)
                elem_t = self._resolve_type(elem, scope, "")
                if c.type is ERR or elem_t is ERR:
                    return ERR
                if int(c.value) < 1:  # type: ignore[call-overload]
                    raise self.abort("E304", f"a queue holds at least 1 element, not {c.value}",
                                     cap.span)
                if isinstance(elem_t, QueueT):
                    raise self.abort("E302", "queues of queues are not supported", elem.span)
                return QueueT(int(c.value), elem_t)  # type: ignore[call-overload]
            case ast.RecordType(fields=fields):
                names: set[str] = set()
                out = []
                for f in fields:
                    if f.name in names:
                        raise self.abort("E202", f"field '{f.name}' is declared twice", f.span)
                    names.add(f.name)
                    out.append((f.name, self._resolve_type(f.type, scope, "")))
                if any(t is ERR for _, t in out):
                    return ERR
                return RecordT(name, tuple(out))
        raise TypeError(texpr)  # pragma: no cover

    def _require_index_type(self, typ: Type, span: Span) -> None:
        if typ is ERR:
            return
        if not isinstance(typ, (BoolT, EnumT, IntT)) or typ.size() is None:
            raise self.abort("E302", f"cannot index by {typ}", span,
                             hint="index types are bool, enums and integer ranges")

    def _require_element_type(self, typ: Type, span: Span) -> None:
        if typ is ERR:
            return
        if _contains_queue(typ) or typ.size() is None:
            raise self.abort("E302", f"cannot make a set of {typ}", span,
                             hint="set elements are bools, enums, ranges, and records, maps or "
                             "sets of those; not queues")
        if typ.size() > MAX_SET_ELEMS:  # type: ignore[operator]
            raise self.abort("E401", f"a set of {typ} would need {typ.size()} bits", span,
                             hint=f"set element types have at most {MAX_SET_ELEMS} values")

    def _override_notes(self, *exprs: ast.Expr) -> list[tuple[str, Span | None]]:
        notes: list[tuple[str, Span | None]] = []
        for e in exprs:
            if isinstance(e, ast.NameRef) and e.name in self.overrides:
                notes.append((f"{e.name} = {self.overrides[e.name]} was set on the command line",
                              None))
        return notes

    # -------------------------------------------------------------- constants
    def const_int(self, expr: ast.Expr, scope: _Scope) -> ir.Lit:
        value = self.const_expr(expr, scope)
        if value.type is ERR:
            return value
        if not isinstance(value.type, IntT):
            self.error("E301", f"expected an integer, found {_t(value.type)}", expr.span)
            return ir.Lit(None, ERR, expr.span)
        return value

    def const_expr(self, expr: ast.Expr, scope: _Scope, expected: Type | None = None) -> ir.Lit:
        const_scope = scope.child(state=False, what="constant")
        try:
            e = self.expr(expr, const_scope, expected)
        except _Abort:
            return ir.Lit(None, ERR, expr.span)
        if e.type is ERR:
            return ir.Lit(None, ERR, expr.span)
        if not isinstance(e, ir.Lit):
            self.error("E308", "this must be a constant", expr.span,
                       hint="constants, literals and arithmetic on them are constant")
            return ir.Lit(None, ERR, expr.span)
        return e

    def _const_value(self, sym: _Sym) -> ir.Lit:
        if sym.resolved is not None:
            return sym.resolved  # type: ignore[return-value]
        if sym.resolving:
            self.error("E307", f"constant '{sym.name}' is defined in terms of itself", sym.span)
            sym.resolved = ir.Lit(None, ERR, sym.span)
            return sym.resolved  # type: ignore[return-value]
        sym.resolving = True
        decl = sym.decl
        assert isinstance(decl, ast.ConstDecl)
        declared = self.resolve_type(decl.type, self.root) if decl.type is not None else None
        if sym.name in self.overrides:
            value = self._override_value(sym, declared, decl)
        else:
            value = self.const_expr(decl.value, self.root, declared)
            if declared is not None and value.type is not ERR:
                value = self._fit_const(value, declared, decl.value.span)
        sym.resolving = False
        sym.resolved = value
        return value

    def _fit_const(self, value: ir.Lit, declared: Type, span: Span) -> ir.Lit:
        if declared is ERR:
            return ir.Lit(None, ERR, span)
        if not self.compatible(value.type, declared):
            self.error("E301", f"expected {declared}, found {_t(value.type)}", span)
            return ir.Lit(None, ERR, span)
        if not declared.contains(value.value):
            self.error("E304", f"{_fmt(value)} is outside {declared}", span)
            return ir.Lit(None, ERR, span)
        return ir.Lit(value.value, declared if not isinstance(declared, IntT) else
                      IntT(value.value, value.value, declared.time), span)  # type: ignore[arg-type]

    def _override_value(self, sym: _Sym, declared: Type | None, decl: ast.ConstDecl) -> ir.Lit:
        from .parser import parse_text  # local: parser imports nothing from here

        self.used_overrides.add(sym.name)
        text = self.overrides[sym.name]
        where = _override_span(sym.name, text)
        source = SourceFile(where.file, f"const {sym.name} = {text}\n")
        notes = [(f"'{sym.name}' is declared here", decl.span)]
        try:
            spec = parse_text(source)
        except SpecError:
            self.error("E303", f"cannot read '{text}' as a value for {sym.name}", where,
                       notes=notes, hint="write a number, a duration such as 15s, true or false,"
                       " or an enum member")
            return ir.Lit(None, ERR, where)
        if len(spec.decls) != 1:
            self.error("E303", f"cannot read '{text}' as a value for {sym.name}", where,
                       notes=notes)
            return ir.Lit(None, ERR, where)
        errors_before = len(self.diags)
        value = self.const_expr(spec.decls[0].value, self.root, declared)  # type: ignore[attr-defined]
        if len(self.diags) > errors_before:
            for i in range(errors_before, len(self.diags)):
                d = self.diags[i]
                self.diags[i] = Diagnostic("E303", f"bad value for {sym.name}: {d.message}",
                                           where, tuple(notes), d.hint)
            return ir.Lit(None, ERR, where)
        default = self.const_expr(decl.value, self.root, declared)
        target = declared if declared is not None else default.type
        if target is ERR or default.type is ERR:
            return ir.Lit(None, ERR, where)
        if isinstance(target, IntT) and declared is None:
            target = IntT(None, None, target.time)
        if not self.compatible(value.type, target):
            self.error("E303", f"{sym.name} is {_kind_name(target)}, not {_kind_name(value.type)}",
                       where, notes=notes,
                       hint=_override_hint(target))
            return ir.Lit(None, ERR, where)
        if declared is not None and not declared.contains(value.value):
            self.error("E304", f"{sym.name} = {_fmt(value)} is outside {declared}", where,
                       notes=notes)
            return ir.Lit(None, ERR, where)
        return value

    def _check_overrides_used(self) -> None:
        for name in self.overrides:
            if name in self.used_overrides:
                continue
            candidates = [n for n, s in self.globals.items() if s.kind in ("const", "param")]
            sym = self.globals.get(name)
            if sym is not None:
                self.error("E303", f"{name} is a {sym.kind}, not a constant or param",
                           _override_span(name, self.overrides[name]),
                           notes=[(f"'{name}' is declared here", sym.span)],
                           hint="only const and param declarations can be set with --set")
            else:
                self.error("E208", f"no constant or param named '{name}'",
                           _override_span(name, self.overrides[name]),
                           hint=did_you_mean(name, candidates)
                           or ("this spec has: " + ", ".join(candidates) if candidates
                               else "this spec declares no constants"))

    # -------------------------------------------------------------- state declarations
    def _declare_state(self) -> None:
        for spec in self.files:
            for decl in spec.decls:
                if isinstance(decl, ast.ParamDecl):
                    self._declare_param(self.globals[decl.name], decl)
                elif isinstance(decl, ast.VarDecl):
                    self._declare_var(self.globals[decl.name], decl, None)
                elif isinstance(decl, ast.ClockDecl):
                    self._declare_clock(self.globals[decl.name], decl, None)

    def _storage_type(self, texpr: ast.TypeExpr, scope: _Scope, name: str) -> Type:
        typ = self.resolve_type(texpr, scope)
        if typ is not ERR and typ.size() is None:
            self.error("E302", f"'{name}' has no finite type", texpr.span)
            return ERR
        return typ

    def _declare_param(self, sym: _Sym, decl: ast.ParamDecl) -> None:
        if sym.decl is not decl:
            return
        typ = self._storage_type(decl.type, self.root, decl.name)
        var = ir.Variable(len(self.variables), decl.name, typ, None, decl.name, "in",
                          ir.Lit(frozenset(typ.values()) if typ is not ERR else None,
                                 SetT(typ), decl.span), (), True, decl.name_span)
        if typ is not ERR and not isinstance(typ, (BoolT, EnumT, IntT)):
            self.error("E302", f"param '{decl.name}' must be a bool, an enum or a range",
                       decl.type.span)
        if decl.name in self.overrides and typ is not ERR:
            self.used_overrides.add(decl.name)
            fixed = self._param_override(decl, typ)
            if fixed is not None:
                var.init_kind = "="
                var.init = fixed
        self.variables.append(var)
        sym.resolved = var

    def _param_override(self, decl: ast.ParamDecl, typ: Type) -> ir.Lit | None:
        from .parser import parse_text

        text = self.overrides[decl.name]
        where = _override_span(decl.name, text)
        notes = [(f"'{decl.name}' is declared here", decl.span)]
        errors_before = len(self.diags)
        try:
            spec = parse_text(SourceFile(where.file, f"const {decl.name} = {text}\n"))
            value = self.const_expr(spec.decls[0].value, self.root, typ)  # type: ignore[attr-defined]
        except (SpecError, IndexError):
            value = ir.Lit(None, ERR, where)
        del self.diags[errors_before:]  # replaced by the one diagnostic below
        if value.type is ERR or not typ.contains(value.value):
            self.error("E303", f"'{text}' is not a value of {decl.name}: {typ}", where,
                       notes=notes, hint="values: " + ", ".join(
                           format_value(typ, v) for v in list(typ.values())[:12]))
            return None
        return ir.Lit(value.value, typ, where)

    def _declare_var(self, sym: _Sym, decl: ast.VarDecl, proc: _ProcSym | None) -> None:
        if sym.decl is not decl:
            return
        scope = self.root if proc is None else self._process_scope(proc)
        typ = self._storage_type(decl.type, scope, decl.name)
        full = typ
        inst_locals: tuple[ir.Local, ...] = ()
        name = decl.name
        if proc is not None:
            inst_locals = proc.process.locals
            for local in reversed(inst_locals):
                full = ArrayT(local.type, full) if full is not ERR else ERR
            name = f"{proc.decl.name}.{decl.name}"
        var = ir.Variable(len(self.variables), name, full, proc.decl.name if proc else None,
                          decl.name, decl.init_kind, None, inst_locals, False, decl.name_span)
        self.variables.append(var)
        sym.resolved = var

    def _declare_clock(self, sym: _Sym, decl: ast.ClockDecl, proc: _ProcSym | None) -> None:
        if sym.decl is not decl:
            return
        scope = self.root if proc is None else self._process_scope(proc)
        index: list[Type] = []
        if proc is not None:
            index.extend(local.type for local in proc.process.locals)
        for texpr in decl.index:
            t = self.resolve_type(texpr, scope)
            try:
                self._require_index_type(t, texpr.span)
            except _Abort:
                t = ERR
            index.append(t)
        name = decl.name if proc is None else f"{proc.decl.name}.{decl.name}"
        clock = ir.Clock(self.n_clocks, name, proc.decl.name if proc else None, decl.name,
                         tuple(index), decl.name_span)
        if all(t is not ERR for t in index):
            self.n_clocks += clock.count
        self.clocks.append(clock)
        sym.resolved = clock

    def _declare_process_state(self, proc: _ProcSym) -> None:
        decl = proc.decl
        locals_: list[ir.Local] = []
        seen: dict[str, Span] = {}
        for formal in decl.params:
            if formal.name in seen:
                self.error("E202", f"parameter '{formal.name}' is declared twice", formal.span)
            seen[formal.name] = formal.span
            typ = self.resolve_type(formal.type, self.root)
            try:
                self._require_index_type(typ, formal.type.span)
            except _Abort:
                typ = ERR
            locals_.append(ir.Local(formal.name, typ, span=formal.span))
        proc.process.locals = tuple(locals_)
        for item in decl.items:
            if isinstance(item, ast.VarDecl):
                self._declare_var(proc.members[item.name], item, proc)
            elif isinstance(item, ast.ClockDecl):
                self._declare_clock(proc.members[item.name], item, proc)

    def _process_scope(self, proc: _ProcSym) -> _Scope:
        names: dict[str, object] = {local.name: local for local in proc.process.locals}
        names.update(proc.members)
        return self.root.child(names, process=proc)

    def _check_inits(self) -> None:
        for var in self.variables:
            if var.is_param or var.type is ERR:
                continue
            decl = self._var_decl(var)
            if decl is None or decl.init is None:
                continue
            proc = next((p for p in self.processes if p.decl.name == var.process), None)
            scope = (self.root if proc is None else self._process_scope(proc)).child(
                state=False, what="initial value")
            elem_t = var.type
            for _ in var.init_locals:
                assert isinstance(elem_t, ArrayT)
                elem_t = elem_t.elem
            try:
                if decl.init_kind == "=":
                    value = self.expr(decl.init, scope, elem_t, broadcast=True)
                    value = self.coerce(value, elem_t, decl.init.span, store=True)
                    for local in reversed(var.init_locals):
                        value = self._fold(ir.MapComp(local, value, ArrayT(local.type, value.type),
                                                      decl.init.span))
                    var.init = value
                else:
                    domain = self.set_expr(decl.init, scope, SetT(elem_t))
                    self.coerce(domain, SetT(elem_t), decl.init.span)
                    var.init = domain
            except _Abort:
                continue
            var.init_kind = decl.init_kind

    def _var_decl(self, var: ir.Variable) -> ast.VarDecl | None:
        if var.process is None:
            sym = self.globals.get(var.local_name)
        else:
            proc = next(p for p in self.processes if p.decl.name == var.process)
            sym = proc.members.get(var.local_name)
        decl = sym.decl if sym is not None else None
        return decl if isinstance(decl, ast.VarDecl) else None

    # -------------------------------------------------------------- definitions
    def _def_of(self, sym: _Sym) -> _Def | None:
        if isinstance(sym.resolved, _Def):
            return sym.resolved
        if sym.resolved is ERR:
            return None
        if sym.resolving:
            self.error("E307", f"'{sym.name}' is defined in terms of itself", sym.span,
                       hint="definitions are expanded where used, so they cannot recurse")
            sym.resolved = ERR
            return None
        sym.resolving = True
        decl = sym.decl
        assert isinstance(decl, ast.DefDecl)
        base = self.root if sym.process is None else self._process_scope(sym.process)
        locals_ = []
        names: dict[str, object] = {}
        for formal in decl.params:
            typ = self.resolve_type(formal.type, base)
            local = ir.Local(formal.name, typ, span=formal.span)
            if formal.name in names:
                self.error("E202", f"parameter '{formal.name}' is declared twice", formal.span)
            names[formal.name] = local
            locals_.append(local)
        scope = base.child(names, clocks=False, what="definition")
        declared = self.resolve_type(decl.type, base) if decl.type is not None else None
        try:
            body = self.expr(decl.body, scope, declared)
            if declared is not None:
                body = self.coerce(body, declared, decl.body.span, store=True)
                if isinstance(declared, IntT) and not _within(body.type, declared):
                    body = ir.Checked(body, declared, decl.body.span)
            result: object = _Def(tuple(locals_), body, declared or body.type)
        except _Abort:
            result = ERR
        sym.resolving = False
        sym.resolved = result
        return result if isinstance(result, _Def) else None

    # -------------------------------------------------------------- behaviour
    def _check_behaviour(self) -> None:
        for spec in self.files:
            for decl in spec.decls:
                if isinstance(decl, ast.ActionDecl):
                    self._check_action(decl, None)
                elif isinstance(decl, ast.BoundDecl):
                    self._check_bound(decl, None)
                elif isinstance(decl, ast.ProcessDecl):
                    proc = next(p for p in self.processes if p.decl is decl)
                    for item in decl.items:
                        if isinstance(item, ast.ActionDecl):
                            self._check_action(item, proc)
                        elif isinstance(item, ast.BoundDecl):
                            self._check_bound(item, proc)

    def _check_action(self, decl: ast.ActionDecl, proc: _ProcSym | None) -> None:
        kind = "timeout" if decl.after is not None else "action"
        if decl.name in self.action_names:
            other = self.action_names[decl.name]
            self.error("E202", f"action '{decl.name}' is declared twice", decl.name_span,
                       notes=[("first declared here", other.span)],
                       hint="action names are unique in a spec, so traces can name them")
            return
        base = self.root if proc is None else self._process_scope(proc)
        names: dict[str, object] = {}
        locals_: list[ir.Local] = list(proc.process.locals) if proc else []
        for formal in decl.params:
            typ = self.resolve_type(formal.type, base)
            try:
                self._require_index_type(typ, formal.type.span)
            except _Abort:
                typ = ERR
            if formal.name in names or any(x.name == formal.name for x in locals_):
                self.error("E202", f"parameter '{formal.name}' is declared twice", formal.span)
            local = ir.Local(formal.name, typ, span=formal.span)
            names[formal.name] = local
            locals_.append(local)
        n_inst = 1
        for local in locals_:
            n_inst *= local.type.size() or 1
        if n_inst > MAX_INSTANCES:
            self.error("E401", f"{kind} '{decl.name}' has {n_inst} argument combinations",
                       decl.name_span, hint=f"at most {MAX_INSTANCES} are supported")
        scope = base.child(names, what=f"{kind} guard")
        guard: ir.Expr | None = None
        atoms: list[ir.ClockAtom] = []
        try:
            if decl.guard is not None:
                g = self.bool_expr(decl.guard, scope.child(clocks=True))
                guard, atoms = self._split_guard(g, decl.guard.span,
                                                 allow_clocks=decl.after is None)
        except _Abort:
            pass
        if decl.after is not None:
            try:
                after = self.bool_expr(decl.after, scope.child(clocks=True))
                if not (isinstance(after, ir.ClockAtom) and after.op == "=="):
                    raise self.abort("E310", "a timeout's deadline is written CLOCK == DURATION",
                                     decl.after.span, hint="timeout expire after c == 75s when ...")
                atoms.append(ir.ClockAtom(after.clock, ">=", after.bound, span=after.span))
                self._check_bound_clock(tuple(locals_), after)
                self.bounds.append(ir.Bound(tuple(locals_), guard,
                                            ir.ClockAtom(after.clock, "<=", after.bound,
                                                         span=after.span), decl.span))
            except _Abort:
                pass
        body = self.block(decl.body, scope.child(what=f"{kind} body"))
        action = ir.Action(decl.name, proc.decl.name if proc else None, tuple(locals_), guard,
                           tuple(atoms), body, decl.after is not None, decl.name_span,
                           decl.fairness)
        self.action_names[decl.name] = action
        self.actions.append(action)

    def _split_guard(self, g: ir.Expr, span: Span, allow_clocks: bool
                     ) -> tuple[ir.Expr | None, list[ir.ClockAtom]]:
        conjuncts: list[ir.Expr] = []

        def flatten(e: ir.Expr) -> None:
            if isinstance(e, ir.Binary) and e.op == "and":
                flatten(e.left)
                flatten(e.right)
            else:
                conjuncts.append(e)

        flatten(g)
        discrete: ir.Expr | None = None
        atoms: list[ir.ClockAtom] = []
        for c in conjuncts:
            if isinstance(c, ir.ClockAtom):
                if not allow_clocks:
                    raise self.abort("E310", "a timeout's condition cannot compare clocks; its "
                                     "deadline is given by 'after'", c.span)
                atoms.append(c)
            elif _mentions_clock(c):
                raise self.abort("E310", "clock comparisons in a guard must be conjuncts",
                                 c.span, hint="write the guard as COND and c >= K and ...; "
                                 "a disjunction over clocks is not a zone")
            elif isinstance(c, ir.Lit) and c.value is True:
                continue
            else:
                discrete = c if discrete is None else ir.Binary("and", discrete, c, BOOL,
                                                                discrete.span.to(c.span))
        return discrete, atoms

    def _check_bound(self, decl: ast.BoundDecl, proc: _ProcSym | None) -> None:
        base = self.root if proc is None else self._process_scope(proc)
        locals_ = tuple(proc.process.locals) if proc else ()
        try:
            atom = self.bool_expr(decl.constraint, base.child(clocks=True, what="bound"))
            if not (isinstance(atom, ir.ClockAtom) and atom.op in ("<=", "<")):
                raise self.abort("E310", "a bound is an upper limit on a clock: c <= K or c < K",
                                 decl.constraint.span)
            cond = None
            if decl.cond is not None:
                cond = self.bool_expr(decl.cond, base.child(what="bound condition"))
            self._check_bound_clock(locals_, atom)
            self.bounds.append(ir.Bound(locals_, cond, atom, decl.span))
        except _Abort:
            pass

    def _check_bound_clock(self, locals_: tuple[ir.Local, ...], atom: ir.ClockAtom) -> None:
        """A bound (or a timeout's deadline) limits time in every state, so the clock it
        names must exist in each of its instances: an index may vary with the instance (a
        process index, a timeout parameter) but must stay inside the clock array, and one
        that reads the state must have a type inside it."""
        for idx, typ in zip(atom.clock.indices, atom.clock.clock.index_types):
            if _within(idx.type, typ):
                continue
            if _mentions_state(idx):
                raise self.abort("E310", f"this clock index may be outside {typ}", idx.span,
                                 hint=f"a bound applies in every state: index it with a value "
                                 f"whose type is inside {typ} (this one ranges over "
                                 f"{idx.type})")
            for args in argument_tuples(locals_):
                env = dict(zip(locals_, args))
                try:
                    value = evaluate(idx, (), env)
                except EvalError as err:
                    raise self.abort(err.code, err.message, err.span) from None
                if not typ.contains(value):
                    where = ", ".join(f"{x.name} = {format_value(x.type, v)}"
                                      for x, v in zip(locals_, args) if x.type is not ERR)
                    raise self.abort("E304", f"index {value} is outside {typ} "
                                     f"(where {where})", idx.span,
                                     hint="every instance of a bound or timeout must name a "
                                     "clock of the array")

    # -------------------------------------------------------------- statements
    def block(self, block: ast.Block, scope: _Scope) -> tuple[ir.Stmt, ...]:
        out: list[ir.Stmt] = []
        scope = scope.child()
        for stmt in block.stmts:
            try:
                out.extend(self.stmt(stmt, scope))
            except _Abort:
                continue
        return tuple(out)

    def stmt(self, stmt: ast.Stmt, scope: _Scope) -> list[ir.Stmt]:
        match stmt:
            case ast.Assign(target=target, value=value):
                lhs = self.lvalue(target, scope)
                rhs = self.expr(value, scope, lhs.type)
                rhs = self.coerce(rhs, lhs.type, value.span, store=True)
                return [ir.Assign(lhs, rhs, stmt.span)]
            case ast.CallStmt(call=call):
                if not isinstance(call, ast.Call) or call.name not in STATEMENT_FUNCTIONS:
                    hint = None
                    if isinstance(call, (ast.NameRef, ast.Index, ast.FieldAccess)):
                        hint = "assignments are written x := value"
                    raise self.abort("E301", "this is not a statement", stmt.span,
                                     hint=hint or "statements are assignments, push(q, v), "
                                     "pop(q), let, if, choose, require and reset")
                if call.name == "push":
                    if len(call.args) != 2:
                        raise self.abort("E306", "push takes a queue and a value", call.span)
                    q = self.lvalue(call.args[0], scope)
                    if not isinstance(q.type, QueueT):
                        raise self.abort("E301", f"push needs a queue, found {_t(q.type)}",
                                         call.args[0].span)
                    v = self.expr(call.args[1], scope, q.type.elem)
                    v = self.coerce(v, q.type.elem, call.args[1].span, store=True)
                    return [ir.PushS(q, v, stmt.span)]
                if len(call.args) != 1:
                    raise self.abort("E306", "pop takes one queue", call.span)
                q = self.lvalue(call.args[0], scope)
                if not isinstance(q.type, QueueT):
                    raise self.abort("E301", f"pop needs a queue, found {_t(q.type)}",
                                     call.args[0].span)
                return [ir.PopS(q, stmt.span)]
            case ast.Let(name=name, type=texpr, value=value):
                declared = self.resolve_type(texpr, scope) if texpr is not None else None
                v = self.expr(value, scope, declared)
                if declared is not None:
                    v = self.coerce(v, declared, value.span, store=True)
                    if isinstance(declared, IntT) and not _within(v.type, declared):
                        v = ir.Checked(v, declared, value.span)
                local = ir.Local(name, declared or v.type, span=stmt.span)
                scope.names[name] = local
                return [ir.LetS(local, v, stmt.span)]
            case ast.Require(cond=cond):
                return [ir.RequireS(self.bool_expr(cond, scope), stmt.span)]
            case ast.Reset(clocks=clocks):
                out: list[ir.Stmt] = []
                for c in clocks:
                    ref = self.expr(c, scope.child(clocks=True))
                    if not isinstance(ref, ir.ClockRef):
                        raise self.abort("E310", "only clocks can be reset", c.span,
                                         hint="variables are assigned with :=")
                    out.append(ir.ResetS(ref, stmt.span))
                return out
            case ast.Skip():
                return []
            case ast.If(cond=cond, then=then, orelse=orelse):
                c = self.bool_expr(cond, scope)
                t = self.block(then, scope)
                e = self.block(orelse, scope) if orelse is not None else ()
                return [ir.IfS(c, t, e, stmt.span)]
            case ast.Choose(binders=binders, body=body):
                return [self._choose(list(binders), body, scope, stmt.span)]
        raise TypeError(stmt)  # pragma: no cover

    def _choose(self, binders: list[ast.Binder], body: ast.Block, scope: _Scope,
                span: Span) -> ir.Stmt:
        binder = binders[0]
        domain = self.set_expr(binder.domain, scope)
        self._check_binder(binder)
        local = ir.Local(binder.name, _elem(domain.type), span=binder.span)
        inner = scope.child({binder.name: local})
        if len(binders) > 1:
            stmts: tuple[ir.Stmt, ...] = (self._choose(binders[1:], body, inner, span),)
        else:
            stmts = self.block(body, inner)
        return ir.ChooseS(local, domain, stmts, span)

    def _check_binder(self, binder: ast.Binder) -> None:
        if not binder.name:
            raise self.abort("E101", "expected 'NAME in SET' here", binder.span)

    def lvalue(self, target: ast.Expr, scope: _Scope) -> ir.Expr:
        e = self.expr(target, scope.child(what="assignment target"))
        node = e
        while isinstance(node, (ir.Index, ir.Field)):
            node = node.base
        if isinstance(node, ir.VarRef) and not node.var.is_param:
            return e
        if isinstance(node, ir.VarRef):
            raise self.abort("E305", f"'{node.var.name}' is a param; it cannot be assigned",
                             target.span, hint="params are fixed for a run; use a var")
        what = "a constant"
        if isinstance(node, ir.LocalRef):
            what = "a parameter or bound name"
        elif isinstance(node, ir.ClockRef):
            raise self.abort("E305", "clocks are reset, not assigned", target.span,
                             hint=f"write reset {_expr_text(target)}")
        raise self.abort("E305", f"cannot assign to this: it is {what}", target.span)

    # -------------------------------------------------------------- properties
    def _check_properties(self) -> None:
        names: dict[str, Span] = {}

        def claim(name: str, span: Span) -> bool:
            if name in BUILTIN_PROPERTIES:
                self.error("E202", f"'{name}' is the name of a built-in property", span,
                           hint="choose another name")
                return False
            if name in names:
                self.error("E202", f"property '{name}' is declared twice", span,
                           notes=[("first declared here", names[name])])
                return False
            names[name] = span
            return True

        expects: list[ast.ExpectDecl] = []
        for spec in self.files:
            main = spec is self.files[-1]
            for decl in spec.decls:
                if isinstance(decl, (ast.InvariantDecl, ast.ReachableDecl)):
                    kind = "invariant" if isinstance(decl, ast.InvariantDecl) else "reachable"
                    if not claim(decl.name, decl.name_span):
                        continue
                    try:
                        e = self.bool_expr(decl.expr, self.root.child(clocks=True, what=kind))
                        self.properties.append(ir.Property(decl.name, kind, e, decl.span))
                    except _Abort:
                        pass
                elif isinstance(decl, ast.ScenarioDecl):
                    if claim(decl.name, decl.name_span):
                        self._check_scenario(decl)
                elif isinstance(decl, ast.LivenessDecl):
                    if claim(decl.name, decl.name_span):
                        self._check_liveness(decl)
                elif isinstance(decl, ast.ExpectDecl) and main:
                    expects.append(decl)
                elif isinstance(decl, ast.AllowDecl) and main:
                    if decl.what != "deadlock":
                        self.error("E312", f"cannot allow '{decl.what}'", decl.span,
                                   hint="the only switch is: allow deadlock")
                    else:
                        self.allow_deadlock = True
        known = list(names) + [p for p in BUILTIN_PROPERTIES
                               if p != "timelock" or self.clocks]
        for decl in expects:
            if decl.name == "timelock" and not self.clocks:
                self.error("E205", "a spec without clocks has no timelock property", decl.span,
                           hint="timelocks (time cannot pass) exist only with clocks")
            elif decl.name not in known:
                self.error("E205", f"no property named '{decl.name}'", decl.name_span,
                           hint=did_you_mean(decl.name, known))
            elif not self._expectation_applies(decl):
                continue
            elif decl.name in self.expects:
                self.error("E202", f"'{decl.name}' has two expectations that apply", decl.span,
                           notes=[("the first is here", self.expects[decl.name][1])],
                           hint="give each 'expect ... when' a condition that excludes the others")
            else:
                self.expects[decl.name] = (decl.verdict, decl.span)

    def _expectation_applies(self, decl: ast.ExpectDecl) -> bool:
        """An expectation without `when` always applies; with `when COND`, COND must be a
        constant condition, and the expectation applies when it is true."""
        if decl.when is None:
            return True
        cond = self.const_expr(decl.when, self.root, BOOL)
        if cond.type is ERR:
            return False
        if cond.type is not BOOL:
            self.error("E301", f"expected a condition (bool), found {_t(cond.type)}",
                       decl.when.span)
            return False
        return bool(cond.value)

    def _check_liveness(self, decl: ast.LivenessDecl) -> None:
        scope = self.root.child(what="liveness condition")
        try:
            p = self.bool_expr(decl.p, scope)
            q = self.bool_expr(decl.q, scope)
            within: int | None = None
            if decl.within is not None:
                d = self.const_expr(decl.within, self.root)
                if d.type is ERR:
                    return
                if not (isinstance(d.type, IntT) and d.type.time) or int(d.value) <= 0:  # type: ignore[call-overload]
                    raise self.abort("E301", "within takes a positive duration such as 90s",
                                     decl.within.span)
                if not self.clocks:
                    raise self.abort("E310", "`within` needs a timed spec (one with clocks)",
                                     decl.within.span,
                                     hint="without clocks no time passes between steps")
                within = int(d.value)  # type: ignore[call-overload]
        except _Abort:
            return
        self.liveness.append(ir.Liveness(decl.name, p, q, within, decl.span))

    def _check_scenario(self, decl: ast.ScenarioDecl) -> None:
        items: list[ir.ScenarioStep | ir.ScenarioWait | ir.ScenarioAssert
                    | ir.ScenarioAssume] = []
        for item in decl.items:
            try:
                if isinstance(item, ast.StepItem):
                    items.append(self._scenario_step(item))
                elif isinstance(item, ast.WaitItem):
                    d = self.const_expr(item.duration, self.root)
                    if d.type is ERR:
                        continue
                    if not (isinstance(d.type, IntT) and d.type.time) or int(d.value) < 0:  # type: ignore[call-overload]
                        raise self.abort("E301", "wait takes a duration such as 30s",
                                         item.duration.span)
                    items.append(ir.ScenarioWait(int(d.value), item.span))  # type: ignore[call-overload]
                elif isinstance(item, ast.AssumeItem):
                    e = self.bool_expr(item.expr, self.root.child(what="assume"))
                    items.append(ir.ScenarioAssume(e, item.span))
                else:
                    e = self.bool_expr(item.expr, self.root.child(clocks=True, what="assert"))
                    items.append(ir.ScenarioAssert(e, item.span))
            except _Abort:
                continue
        if not any(isinstance(i, ast.StepItem) for i in decl.items):
            self.error("E311", f"scenario '{decl.name}' has no steps", decl.name_span,
                       hint="list actions such as crash(a = 1)")
        self.scenarios.append(ir.Scenario(decl.name, decl.strict, tuple(items), decl.span))

    def _scenario_step(self, item: ast.StepItem) -> ir.ScenarioStep:
        action = self.action_names.get(item.action)
        if action is None:
            raise self.abort("E204", f"no action named '{item.action}'", item.span,
                             hint=did_you_mean(item.action, self.action_names))
        patterns: list[Value | None] = [None] * len(action.locals)
        given = [False] * len(action.locals)
        names = [local.name for local in action.locals]
        positional = 0
        for arg in item.args:
            if arg.name is None:
                pos = positional
                positional += 1
                if pos >= len(names):
                    raise self.abort("E306", f"{item.action} takes {len(names)} argument"
                                     f"{'s' if len(names) != 1 else ''}: "
                                     f"({', '.join(names)})", arg.span)
            else:
                if arg.name not in names:
                    raise self.abort("E201", f"{item.action} has no parameter '{arg.name}'",
                                     arg.span, hint=did_you_mean(arg.name, names)
                                     or f"its parameters are ({', '.join(names)})")
                pos = names.index(arg.name)
            if given[pos]:
                raise self.abort("E202", f"argument '{names[pos]}' is given twice", arg.span)
            given[pos] = True
            if isinstance(arg.value, ast.NameRef) and arg.value.name == "_":
                continue
            local = action.locals[pos]
            v = self.const_expr(arg.value, self.root, local.type)
            if v.type is ERR:
                continue
            if not local.type.contains(v.value):
                raise self.abort("E304", f"{_fmt(v)} is not a value of {local.name}: {local.type}",
                                 arg.value.span)
            patterns[pos] = v.value
        return ir.ScenarioStep(action, tuple(patterns), item.span)

    # -------------------------------------------------------------- expressions
    def bool_expr(self, expr: ast.Expr, scope: _Scope) -> ir.Expr:
        e = self.expr(expr, scope, BOOL)
        if e.type is not ERR and not isinstance(e.type, BoolT):
            raise self.abort("E301", f"expected a condition (bool), found {_t(e.type)}", expr.span,
                             hint="compare with == to get a bool" if not isinstance(
                                 e.type, BoolT) else None)
        return e

    def int_expr(self, expr: ast.Expr, scope: _Scope) -> ir.Expr:
        e = self.expr(expr, scope)
        if e.type is not ERR and not isinstance(e.type, IntT):
            raise self.abort("E301", f"expected a number, found {_t(e.type)}", expr.span)
        return e

    def set_expr(self, expr: ast.Expr, scope: _Scope, expected: Type | None = None) -> ir.Expr:
        e = self.expr(expr, scope, expected)
        if e.type is ERR:
            raise _Abort()
        if not isinstance(e.type, SetT):
            raise self.abort("E301", f"expected a set, found {_t(e.type)}", expr.span,
                             hint="a type name (Agent), a range (1..N) or a set ({a, b})")
        return e

    def expr(self, expr: ast.Expr, scope: _Scope, expected: Type | None = None,
             broadcast: bool = False) -> ir.Expr:
        if broadcast and isinstance(expected, ArrayT) and isinstance(
                expr, (ast.EmptyBraces, ast.EmptyBrackets, ast.SeqLit, ast.RecordLit,
                       ast.SetLit)):
            leaf: Type = expected
            while isinstance(leaf, ArrayT):
                leaf = leaf.elem
            return self._broadcast(self._expr(expr, scope, leaf), expected, expr.span)
        e = self._expr(expr, scope, expected)
        if broadcast and isinstance(expected, ArrayT) and not isinstance(e.type, ArrayT) \
                and e.type is not ERR:
            return self._broadcast(e, expected, expr.span)
        return e

    def _broadcast(self, e: ir.Expr, target: ArrayT, span: Span) -> ir.Expr:
        inner = target.elem
        value = self._broadcast(e, inner, span) if isinstance(inner, ArrayT) and \
            not isinstance(e.type, ArrayT) else self.coerce(e, inner, span, store=True)
        local = ir.Local("_", target.index)
        return self._fold(ir.MapComp(local, value, ArrayT(target.index, value.type), span))

    def _expr(self, expr: ast.Expr, scope: _Scope, expected: Type | None) -> ir.Expr:  # noqa: C901
        match expr:
            case ast.IntLit(value=v):
                return ir.Lit(v, IntT(v, v), expr.span)
            case ast.DurationLit(millis=ms):
                return ir.Lit(ms, IntT(ms, ms, True), expr.span)
            case ast.BoolLit(value=v):
                return ir.Lit(v, BOOL, expr.span)
            case ast.NameRef():
                return self._name(expr, scope, expected)
            case ast.Unary(op="not", operand=operand):
                e = self.bool_expr(operand, scope)
                if isinstance(e, ir.ClockAtom) and e.op != "==":
                    return _negate_atom(e)
                return self._fold(ir.Unary("not", e, BOOL, expr.span))
            case ast.Unary(op="-", operand=operand):
                e = self.int_expr(operand, scope)
                self._no_clock(e, operand.span)
                t = e.type
                rt = IntT(_neg(t.hi), _neg(t.lo), t.time) if isinstance(t, IntT) else ERR
                return self._fold(ir.Unary("-", e, rt, expr.span))
            case ast.Binary():
                return self._binary(expr, scope, expected)
            case ast.Ite(cond=c, then=a, orelse=b):
                cond = self.bool_expr(c, scope)
                self._no_clock(cond, c.span)
                then = self.expr(a, scope, expected)
                other = self.expr(b, scope, expected or then.type)
                typ = self.join(then.type, other.type, expr.span)
                return self._fold(ir.Ite(cond, self.coerce(then, typ, a.span),
                                         self.coerce(other, typ, b.span), typ, expr.span))
            case ast.Quantifier(kind=kind, binders=binders, body=body):
                return self._quantifier(kind, list(binders), body, scope, expr.span)
            case ast.RangeLit(lo=lo, hi=hi):
                a = self.int_expr(lo, scope)
                b = self.int_expr(hi, scope)
                self._no_clock(a, lo.span)
                self._no_clock(b, hi.span)
                if a.type is ERR or b.type is ERR:
                    return _err_expr(expr.span)
                elo = a.type.lo  # type: ignore[union-attr]
                ehi = b.type.hi  # type: ignore[union-attr]
                if elo is None or ehi is None:
                    raise self.abort("E302", "this range has no finite bounds", expr.span,
                                     hint="use constants or bounded variables as range ends")
                if ehi - elo + 1 > MAX_SET_ELEMS:
                    raise self.abort("E401", f"the range {elo}..{ehi} is too large", expr.span)
                elem = IntT(elo, max(elo, ehi), a.type.time)  # type: ignore[union-attr]
                return self._fold(ir.RangeSet(a, b, SetT(elem), expr.span))
            case ast.FieldAccess():
                return self._field(expr, scope, expected)
            case ast.Index():
                return self._index(expr, scope)
            case ast.Call():
                return self._call(expr, scope, expected)
            case ast.EmptyBraces():
                if isinstance(expected, SetT):
                    return ir.Lit(frozenset(), expected, expr.span)
                raise self.abort("E309", "cannot tell what set {} is", expr.span,
                                 hint="compare it with, or assign it to, a typed set")
            case ast.SetLit(elems=elems):
                return self._set_lit(expr, elems, scope, expected)
            case ast.SetComp(binder=binder, pred=pred):
                self._check_binder(binder)
                domain = self.set_expr(binder.domain, scope)
                local = ir.Local(binder.name, _elem(domain.type), span=binder.span)
                p = self.bool_expr(pred, scope.child({binder.name: local}))
                return self._fold(ir.SetComp(local, domain, p, domain.type, expr.span))
            case ast.RecordLit(fields=fields):
                return self._record_lit(expr, fields, scope, expected)
            case ast.EmptyBrackets():
                if isinstance(expected, QueueT):
                    return ir.Lit((), expected, expr.span)
                raise self.abort("E309", "cannot tell what queue [] is", expr.span,
                                 hint="compare it with, or assign it to, a typed queue")
            case ast.SeqLit(elems=elems):
                if not isinstance(expected, QueueT):
                    raise self.abort("E309", "cannot tell what queue this is", expr.span,
                                     hint="compare it with, or assign it to, a typed queue")
                if len(elems) > expected.capacity:
                    raise self.abort("E304", f"{len(elems)} elements do not fit in "
                                     f"{expected}", expr.span)
                items = tuple(self.coerce(self.expr(e, scope, expected.elem), expected.elem,
                                          e.span, store=True) for e in elems)
                return self._fold(ir.SeqLit(items, expected, expr.span))
            case ast.MapComp(binder=binder, body=body):
                self._check_binder(binder)
                domain = self.set_expr(binder.domain, scope)
                index_t = self._static_domain(domain, binder.domain.span)
                local = ir.Local(binder.name, index_t, span=binder.span)
                elem_expected = expected.elem if isinstance(expected, ArrayT) else None
                b = self.expr(body, scope.child({binder.name: local}), elem_expected)
                if elem_expected is not None:
                    b = self.coerce(b, elem_expected, body.span, store=True)
                elif isinstance(b.type, IntT) and b.type.size() is None:
                    raise self.abort("E309", "cannot tell the range of this map's values",
                                     body.span, hint="assign it to a typed variable")
                return self._fold(ir.MapComp(local, b, ArrayT(index_t, b.type), expr.span))
        raise TypeError(expr)  # pragma: no cover

    def _static_domain(self, domain: ir.Expr, span: Span) -> Type:
        """The index type a map comprehension ranges over: a whole type or constant range."""
        if isinstance(domain, ir.Lit) and isinstance(domain.type, SetT):
            elem = domain.type.elem
            if frozenset(elem.values()) == domain.value:
                return elem
            if isinstance(elem, IntT) and domain.value:
                lo, hi = min(domain.value), max(domain.value)  # type: ignore[type-var]
                if frozenset(range(lo, hi + 1)) == domain.value:
                    return IntT(lo, hi)
        raise self.abort("E308", "a map is built over a whole type or a constant range",
                         span, hint="[x in Agent -> ...] or [i in 1..N -> ...]")

    def _name(self, expr: ast.NameRef, scope: _Scope, expected: Type | None) -> ir.Expr:
        name = expr.name
        binding = scope.lookup(name)
        if isinstance(binding, ir.Local):
            return ir.LocalRef(binding, binding.type, expr.span)
        if isinstance(binding, _Sym):
            return self._sym_value(binding, expr, scope, None)
        if name in self.enum_members:
            return self._enum_member(expr, name, expected)
        if name == "_":
            raise self.abort("E201", "'_' is only a wildcard in scenario steps", expr.span)
        candidates = scope.visible() + list(self.enum_members)
        hint = did_you_mean(name, candidates)
        notes = []
        if hint:
            target = hint.split("'")[1]
            sym = scope.lookup(target)
            if isinstance(sym, _Sym):
                notes.append((f"'{target}' is declared here", sym.span))
        kind = "variable" if scope.state else "name"
        raise self.abort("E201", f"unknown {kind} '{name}'", expr.span, hint=hint, notes=notes)

    def _enum_member(self, expr: ast.NameRef, name: str, expected: Type | None) -> ir.Expr:
        options = self.enum_members[name]
        if isinstance(expected, EnumT) and expected in options:
            return ir.Lit(name, expected, expr.span)
        if isinstance(expected, SetT) and expected.elem in options:
            return ir.Lit(name, expected.elem, expr.span)
        if len(options) == 1:
            return ir.Lit(name, options[0], expr.span)
        named = [t.name for t in options if t.name]
        raise self.abort("E207", f"'{name}' is a member of several enums", expr.span,
                         hint=(f"write {named[0]}.{name}" if named else
                               "give the enums names with type declarations and qualify it"))

    def _sym_value(self, sym: _Sym, expr: ast.Expr, scope: _Scope,
                   indices: list[ir.Expr] | None) -> ir.Expr:
        span = expr.span
        if sym.kind == "const":
            value = self._const_value(sym)
            if value.type is ERR:
                raise _Abort()
            return ir.Lit(value.value, value.type, span)
        if sym.kind == "type":
            typ = self._type_of_sym(sym)
            if typ is ERR:
                raise _Abort()
            if typ.size() is None or typ.size() > MAX_SET_ELEMS:  # type: ignore[operator]
                raise self.abort("E302", f"the type {sym.name} is too large to use as a set",
                                 span)
            return ir.Lit(frozenset(typ.values()), SetT(typ), span)
        if sym.kind in ("var", "param"):
            var = sym.resolved
            if not isinstance(var, ir.Variable):
                raise _Abort()
            if var.type is ERR:
                raise _Abort()
            if not scope.state and not (sym.kind == "param" and scope.what == "initial value"):
                raise self.abort("E308", f"'{sym.name}' is a "
                                 f"{'variable' if sym.kind == 'var' else 'param'}; "
                                 f"{_article(scope.what)} cannot depend on the state", span)
            ref: ir.Expr = ir.VarRef(var, var.type, span)
            if sym.process is not None:
                own = indices
                if own is None:
                    if scope.process is not sym.process:
                        raise self.abort("E201", f"'{sym.name}' belongs to process "
                                         f"{sym.process.decl.name}", span,
                                         hint=f"write {sym.process.decl.name}[...].{sym.name}")
                    own = [ir.LocalRef(x, x.type, span) for x in sym.process.process.locals]
                for idx in own:
                    assert isinstance(ref.type, ArrayT)
                    ref = ir.Index(ref, self._index_value(idx, ref.type.index, idx.span),
                                   ref.type.elem, span)
            return ref
        if sym.kind == "clock":
            clock = sym.resolved
            if not isinstance(clock, ir.Clock):
                raise _Abort()
            if not scope.clocks:
                raise self.abort("E310", f"clock '{sym.name}' can only be compared in guards, "
                                 "bounds, timeouts and properties", span,
                                 hint="compare it with a duration, e.g. "
                                 f"{sym.name} >= 15s, or reset it")
            idx_list: list[ir.Expr] = []
            if sym.process is not None:
                if indices is None:
                    if scope.process is not sym.process:
                        raise self.abort("E201", f"'{sym.name}' belongs to process "
                                         f"{sym.process.decl.name}", span)
                    idx_list = [ir.LocalRef(x, x.type, span)
                                for x in sym.process.process.locals]
                else:
                    idx_list = list(indices)
            return ir.ClockRef(clock, tuple(idx_list), span=span)
        if sym.kind == "def":
            d = self._def_of(sym)
            if d is None:
                raise _Abort()
            if d.locals:
                raise self.abort("E306", f"'{sym.name}' takes {len(d.locals)} argument"
                                 f"{'s' if len(d.locals) > 1 else ''}", span,
                                 hint=f"call it as {sym.name}(...)")
            if sym.process is not None and scope.process is not sym.process:
                raise self.abort("E201", f"'{sym.name}' belongs to process "
                                 f"{sym.process.decl.name}", span)
            if not scope.state and _mentions_state(d.body):
                raise self.abort("E308", f"'{sym.name}' depends on the state", span)
            return d.body
        if sym.kind == "process":
            raise self.abort("E301", f"'{sym.name}' is a process, not a value", span,
                             hint=f"name one of its variables: {sym.name}.x or {sym.name}[i].x")
        raise TypeError(sym.kind)  # pragma: no cover

    def _index_value(self, idx: ir.Expr, index_t: Type, span: Span) -> ir.Expr:
        if idx.type is ERR:
            raise _Abort()
        if not self.compatible(idx.type, index_t):
            raise self.abort("E301", f"index of type {index_t} expected, found {_t(idx.type)}",
                             span)
        if isinstance(idx, ir.Lit) and not index_t.contains(idx.value):
            raise self.abort("E304", f"index {_fmt(idx)} is outside {index_t}", span,
                             hint=_index_hint(index_t))
        return idx

    def _process_member(self, base: ast.Expr, name: str, scope: _Scope, span: Span
                        ) -> ir.Expr | None:
        """`master.x` or `agent[i].x`; None when base is not a process reference."""
        pname: str | None = None
        args: tuple[ast.Expr, ...] = ()
        if isinstance(base, ast.NameRef):
            pname = base.name
        elif isinstance(base, ast.Index) and isinstance(base.base, ast.NameRef):
            pname = base.base.name
            args = base.args
        if pname is None:
            return None
        sym = scope.lookup(pname)
        if not (isinstance(sym, _Sym) and sym.kind == "process"):
            return None
        proc: _ProcSym = sym.resolved  # type: ignore[assignment]
        locals_ = proc.process.locals
        if len(args) != len(locals_):
            if not locals_:
                raise self.abort("E306", f"process {pname} has no index", base.span,
                                 hint=f"write {pname}.{name}")
            raise self.abort("E306", f"process {pname} has {len(locals_)} index"
                             f"{'es' if len(locals_) > 1 else ''}", base.span,
                             hint=f"write {pname}[{', '.join(x.name for x in locals_)}].{name}")
        member = proc.members.get(name)
        if member is None or member.kind == "def":
            raise self.abort("E206", f"process {pname} has no variable or clock '{name}'", span,
                             hint=did_you_mean(name, [m for m, s in proc.members.items()
                                                      if s.kind != "def"]))
        indices = [self.expr(a, scope, x.type) for a, x in zip(args, locals_)]
        return self._sym_value(member, ast.NameRef(name, span), scope, indices)

    def _field(self, expr: ast.FieldAccess, scope: _Scope, expected: Type | None) -> ir.Expr:
        member = self._process_member(expr.base, expr.name, scope, expr.span)
        if member is not None:
            return member
        if isinstance(expr.base, ast.NameRef):
            sym = scope.lookup(expr.base.name)
            if isinstance(sym, _Sym) and sym.kind == "type":
                typ = self._type_of_sym(sym)
                if isinstance(typ, EnumT):
                    if expr.name not in typ.members:
                        raise self.abort("E206", f"enum {typ.name} has no member '{expr.name}'",
                                         expr.span, hint=did_you_mean(expr.name, typ.members))
                    return ir.Lit(expr.name, typ, expr.span)
        base = self.expr(expr.base, scope)
        if base.type is ERR:
            raise _Abort()
        if not isinstance(base.type, RecordT):
            raise self.abort("E301", f"{base.type} has no fields", expr.span)
        names = base.type.field_names()
        if expr.name not in names:
            raise self.abort("E206", f"{base.type} has no field '{expr.name}'", expr.span,
                             hint=did_you_mean(expr.name, names)
                             or f"its fields are {', '.join(names)}")
        pos = names.index(expr.name)
        return self._fold(ir.Field(base, expr.name, pos, base.type.fields[pos][1], expr.span))

    def _index(self, expr: ast.Index, scope: _Scope) -> ir.Expr:
        if isinstance(expr.base, ast.NameRef):
            sym = scope.lookup(expr.base.name)
            if isinstance(sym, _Sym) and sym.kind == "process":
                raise self.abort("E301", f"'{expr.base.name}[...]' is a process instance, not a "
                                 "value", expr.span, hint=f"name one of its variables: "
                                 f"{expr.base.name}[...].x")
            if isinstance(sym, _Sym) and sym.kind == "clock":
                clock = sym.resolved
                if not isinstance(clock, ir.Clock):
                    raise _Abort()
                own = len(sym.process.process.locals) if sym.process else 0
                declared = clock.index_types[own:]
                if len(expr.args) != len(declared):
                    raise self.abort("E306", f"clock '{sym.name}' takes {len(declared)} index"
                                     f"{'es' if len(declared) != 1 else ''}", expr.span)
                if not scope.clocks:
                    raise self.abort("E310", f"clock '{sym.name}' can only be compared in "
                                     "guards, bounds, timeouts and properties", expr.span)
                base_ref = self._sym_value(sym, expr.base, scope, None) if sym.process is None \
                    or scope.process is sym.process else None
                if base_ref is None:
                    raise self.abort("E201", f"'{sym.name}' belongs to process "
                                     f"{sym.process.decl.name}", expr.span)  # type: ignore[union-attr]
                assert isinstance(base_ref, ir.ClockRef)
                idx = [self._index_value(self.expr(a, scope, t), t, a.span)
                       for a, t in zip(expr.args, declared)]
                return ir.ClockRef(clock, base_ref.indices + tuple(idx), span=expr.span)
        base = self.expr(expr.base, scope)
        if isinstance(base, ir.ClockRef):
            # a process clock array reached through agent[i].c[...]
            declared = base.clock.index_types[len(base.indices):]
            if len(expr.args) != len(declared):
                raise self.abort("E306", f"clock '{base.clock.local_name}' takes "
                                 f"{len(declared)} more index(es)", expr.span)
            idx = [self._index_value(self.expr(a, scope, t), t, a.span)
                   for a, t in zip(expr.args, declared)]
            return ir.ClockRef(base.clock, base.indices + tuple(idx), span=expr.span)
        result = base
        for arg in expr.args:
            if result.type is ERR:
                raise _Abort()
            if not isinstance(result.type, ArrayT):
                raise self.abort("E301", f"{result.type} cannot be indexed", expr.span,
                                 hint="only maps ([A] -> T) are indexed")
            idx = self._index_value(self.expr(arg, scope, result.type.index),
                                    result.type.index, arg.span)
            result = self._fold(ir.Index(result, idx, result.type.elem, expr.span))
        return result

    def _call(self, expr: ast.Call, scope: _Scope, expected: Type | None) -> ir.Expr:
        name = expr.name
        binding = scope.lookup(name)
        if isinstance(binding, _Sym) and binding.kind == "def":
            d = self._def_of(binding)
            if d is None:
                raise _Abort()
            if binding.process is not None and scope.process is not binding.process:
                raise self.abort("E201", f"'{name}' belongs to process "
                                 f"{binding.process.decl.name}", expr.span)
            if len(expr.args) != len(d.locals):
                raise self.abort("E306", f"'{name}' takes {len(d.locals)} argument"
                                 f"{'s' if len(d.locals) != 1 else ''}, not {len(expr.args)}",
                                 expr.span)
            if not scope.state and _mentions_state(d.body):
                raise self.abort("E308", f"'{name}' depends on the state", expr.span)
            result = d.body
            for local, arg in reversed(list(zip(d.locals, expr.args))):
                value = self.coerce(self.expr(arg, scope, local.type), local.type, arg.span)
                if isinstance(local.type, IntT) and not _within(value.type, local.type):
                    value = ir.Checked(value, local.type, arg.span)
                result = ir.LetE(local, value, result, result.type, expr.span)
            return self._fold(result)
        if name in STATEMENT_FUNCTIONS:
            raise self.abort("E301", f"{name}(...) is a statement, not a value", expr.span)
        if name not in BUILTIN_FUNCTIONS:
            defs = [n for n in scope.visible() if isinstance(scope.lookup(n), _Sym)
                    and scope.lookup(n).kind == "def"]  # type: ignore[union-attr]
            raise self.abort("E201", f"unknown function '{name}'", expr.span,
                             hint=did_you_mean(name, defs + list(BUILTIN_FUNCTIONS)
                                               + list(STATEMENT_FUNCTIONS)))
        args = [self.expr(a, scope) for a in expr.args]
        for a, src in zip(args, expr.args):
            self._no_clock(a, src.span)
        if any(a.type is ERR for a in args):
            raise _Abort()
        if name == "len":
            self._arity(expr, args, 1)
            t = args[0].type
            if isinstance(t, QueueT):
                rt: Type = IntT(0, t.capacity)
            elif isinstance(t, SetT):
                rt = IntT(0, t.elem.size())
            else:
                raise self.abort("E301", f"len needs a queue or a set, found {t}",
                                 expr.args[0].span)
            return self._fold(ir.Call("len", tuple(args), rt, expr.span))
        if name == "head":
            self._arity(expr, args, 1)
            t = args[0].type
            if not isinstance(t, QueueT):
                raise self.abort("E301", f"head needs a queue, found {t}", expr.args[0].span)
            return self._fold(ir.Call("head", tuple(args), t.elem, expr.span))
        if name == "abs":
            self._arity(expr, args, 1)
            t = args[0].type
            if not isinstance(t, IntT):
                raise self.abort("E301", f"abs needs a number, found {t}", expr.args[0].span)
            return self._fold(ir.Call("abs", tuple(args), _abs_interval(t), expr.span))
        # min / max
        if len(args) == 1:
            t = args[0].type
            if not (isinstance(t, SetT) and isinstance(t.elem, IntT)):
                raise self.abort("E301", f"{name} needs a set of numbers or two numbers",
                                 expr.args[0].span)
            return self._fold(ir.Call(name, tuple(args), t.elem, expr.span))
        self._arity(expr, args, 2)
        a, b = (x.type for x in args)
        if not (isinstance(a, IntT) and isinstance(b, IntT)) or a.time != b.time:
            raise self.abort("E301", f"{name} needs two numbers of the same kind", expr.span)
        rt = IntT(_minmax(min if name == "min" else max, a.lo, b.lo, name == "max"),
                  _minmax(min if name == "min" else max, a.hi, b.hi, name == "min"), a.time)
        return self._fold(ir.Call(name, tuple(args), rt, expr.span))

    def _arity(self, expr: ast.Call, args: list, n: int) -> None:
        if len(args) != n:
            raise self.abort("E306", f"{expr.name} takes {n} argument{'s' if n != 1 else ''}",
                             expr.span)

    def _set_lit(self, expr: ast.SetLit, elems, scope: _Scope, expected: Type | None
                 ) -> ir.Expr:
        elem_expected = expected.elem if isinstance(expected, SetT) else None
        items = [self.expr(e, scope, elem_expected) for e in elems]
        for item, src in zip(items, elems):
            self._no_clock(item, src.span)
        if any(i.type is ERR for i in items):
            raise _Abort()
        if elem_expected is not None:
            elem_t = elem_expected
        else:
            elem_t = items[0].type
            for item, src in zip(items[1:], elems[1:]):
                elem_t = self.join(elem_t, item.type, src.span)
        if isinstance(elem_t, IntT) and elem_t.size() is None:
            raise self.abort("E309", "cannot tell the range of this set's elements", expr.span,
                             hint="use it where a typed set is expected")
        try:
            self._require_element_type(elem_t, expr.span)
        except _Abort:
            raise
        out = []
        for item, src in zip(items, elems):
            if isinstance(item, ir.Lit) and not elem_t.contains(item.value):
                raise self.abort("E304", f"{_fmt(item)} is not a value of {elem_t}", src.span)
            out.append(self.coerce(item, elem_t, src.span))
        return self._fold(ir.SetLit(tuple(out), SetT(elem_t), expr.span))

    def _record_lit(self, expr: ast.RecordLit, fields, scope: _Scope, expected: Type | None
                    ) -> ir.Expr:
        if not isinstance(expected, RecordT):
            raise self.abort("E309", "cannot tell which record type this is", expr.span,
                             hint="compare it with, or assign it to, a typed record")
        given = {f.name: f for f in fields}
        if len(given) != len(fields):
            raise self.abort("E202", "a field is given twice", expr.span)
        for f in fields:
            if f.name not in expected.field_names():
                raise self.abort("E206", f"{expected} has no field '{f.name}'", f.span,
                                 hint=did_you_mean(f.name, expected.field_names()))
        missing = [n for n in expected.field_names() if n not in given]
        if missing:
            raise self.abort("E206", f"missing field{'s' if len(missing) > 1 else ''} "
                             + ", ".join(missing), expr.span)
        values = []
        for n, t in expected.fields:
            f = given[n]
            v = self.coerce(self.expr(f.value, scope, t), t, f.value.span, store=True)
            values.append(v)
        return self._fold(ir.RecordLit(tuple(values), expected, expr.span))

    def _quantifier(self, kind: str, binders: list[ast.Binder], body: ast.Expr, scope: _Scope,
                    span: Span) -> ir.Expr:
        binder = binders[0]
        self._check_binder(binder)
        domain = self.set_expr(binder.domain, scope)
        local = ir.Local(binder.name, _elem(domain.type), span=binder.span)
        inner = scope.child({binder.name: local})
        if len(binders) > 1:
            b = self._quantifier(kind, binders[1:], body, inner, span)
        else:
            b = self.bool_expr(body, inner)
        return self._fold(ir.Quant(kind, local, domain, b, BOOL, span))

    def _binary(self, expr: ast.Binary, scope: _Scope, expected: Type | None) -> ir.Expr:
        op = expr.op
        span = expr.span
        if op in ("and", "or", "implies", "iff"):
            a = self.bool_expr(expr.left, scope)
            b = self.bool_expr(expr.right, scope)
            return self._fold(ir.Binary(op, a, b, BOOL, span))
        if op in ("==", "!=", "<", "<=", ">", ">="):
            return self._comparison(expr, scope)
        if op in ("in", "notin"):
            first = self._maybe_contextual(expr.left, scope)
            if first is not None and isinstance(first.type, (BoolT, EnumT, RecordT)):
                s = self.set_expr(expr.right, scope, SetT(first.type))
            else:
                s = self.set_expr(expr.right, scope)
            assert isinstance(s.type, SetT)
            v = first if first is not None else self.expr(expr.left, scope, s.type.elem)
            self._no_clock(v, expr.left.span)
            if v.type is ERR:
                raise _Abort()
            if not self.compatible(v.type, s.type.elem):
                raise self.abort("E301", f"{v.type} cannot be in {s.type}", span)
            return self._fold(ir.Binary(op, v, s, BOOL, span))
        if op in ("subset", "union", "minus", "intersect"):
            a = self.set_expr(expr.left, scope, expected if isinstance(expected, SetT) else None)
            own = self._maybe_contextual(expr.right, scope)
            if own is not None and own.type is not ERR and not isinstance(own.type, SetT):
                raise self.abort("E301", f"expected a set, found {_t(own.type)}", expr.right.span)
            b = own if own is not None else self.set_expr(expr.right, scope, a.type)
            if not self.compatible(b.type, a.type):
                raise self.abort("E301", f"cannot combine {a.type} with {b.type}", span)
            joined = self.join(a.type, b.type, span)
            a = self.coerce(a, joined, expr.left.span)
            b = self.coerce(b, joined, expr.right.span)
            rt = BOOL if op == "subset" else joined
            return self._fold(ir.Binary(op, a, b, rt, span))
        # arithmetic
        a = self.expr(expr.left, scope)
        b = self.expr(expr.right, scope)
        for e, src in ((a, expr.left), (b, expr.right)):
            if isinstance(e, ir.ClockRef):
                raise self.abort("E310", "arithmetic on clocks is not supported", src.span,
                                 hint="zones compare a clock with a constant: c >= 15s")
            if e.type is ERR:
                raise _Abort()
            if isinstance(e.type, SetT) and op in ("+", "-"):
                raise self.abort("E301", f"'{op}' is for numbers; sets use "
                                 f"{'union' if op == '+' else 'minus'}", span)
            if not isinstance(e.type, IntT):
                raise self.abort("E301", f"'{op}' needs numbers, found {_t(e.type)}", src.span)
        ta, tb = a.type, b.type
        assert isinstance(ta, IntT) and isinstance(tb, IntT)
        time = _time_result(op, ta, tb)
        if time is None:
            raise self.abort("E301", f"cannot apply '{op}' to {_kind_name(ta)} and "
                             f"{_kind_name(tb)}", span,
                             hint="durations are written with units: 75s, 15min")
        lo, hi = _interval(op, ta, tb)
        return self._fold(ir.Binary(op, a, b, IntT(lo, hi, time), span))

    def _comparison(self, expr: ast.Binary, scope: _Scope) -> ir.Expr:
        op = expr.op
        left_raw, right_raw = expr.left, expr.right
        a = self._maybe_contextual(left_raw, scope)
        if a is None:
            b = self.expr(right_raw, scope)
            a = self.expr(left_raw, scope, b.type)
        else:
            b = self.expr(right_raw, scope, a.type)
        if isinstance(a, ir.ClockRef) or isinstance(b, ir.ClockRef):
            return self._clock_atom(op, a, b, expr)
        self._no_clock(a, left_raw.span)
        self._no_clock(b, right_raw.span)
        if a.type is ERR or b.type is ERR:
            raise _Abort()
        if op in ("<", "<=", ">", ">="):
            for e, src in ((a, left_raw), (b, right_raw)):
                if not isinstance(e.type, IntT):
                    raise self.abort("E301", f"'{op}' compares numbers, found {_t(e.type)}",
                                     src.span)
        if not self.compatible(a.type, b.type):
            hint = None
            if isinstance(a.type, IntT) and isinstance(b.type, IntT):
                hint = "durations are written with units: 75s, 15min"
            raise self.abort("E301", f"cannot compare {_t(a.type)} with {_t(b.type)}", expr.span,
                             hint=hint)
        if _needs_convert(a.type, b.type):
            joined = self.join(a.type, b.type, expr.span)
            a = self.coerce(a, joined, left_raw.span)
            b = self.coerce(b, joined, right_raw.span)
        return self._fold(ir.Binary(op, a, b, BOOL, expr.span))

    def _maybe_contextual(self, e: ast.Expr, scope: _Scope) -> ir.Expr | None:
        """Check `e` without context, or None if it needs one ({}, [], a record literal...)."""
        if isinstance(e, (ast.EmptyBraces, ast.EmptyBrackets, ast.RecordLit, ast.SeqLit)):
            return None
        if isinstance(e, ast.NameRef) and scope.lookup(e.name) is None and \
                len(self.enum_members.get(e.name, ())) > 1:
            return None
        if isinstance(e, ast.SetLit) and all(
                isinstance(x, ast.NameRef) and scope.lookup(x.name) is None
                and len(self.enum_members.get(x.name, ())) > 1 for x in e.elems):
            return None
        return self.expr(e, scope)

    def _clock_atom(self, op: str, a: ir.Expr, b: ir.Expr, expr: ast.Binary) -> ir.Expr:
        flip = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
        if isinstance(a, ir.ClockRef) and isinstance(b, ir.ClockRef):
            raise self.abort("E310", "comparing two clocks (a diagonal constraint) is not "
                             "supported", expr.span, hint="compare each clock with a constant")
        clock, other, src = (a, b, expr.right) if isinstance(a, ir.ClockRef) else (b, a, expr.left)
        if clock is b:
            op = flip[op]
        assert isinstance(clock, ir.ClockRef)
        if len(clock.indices) != len(clock.clock.index_types):
            raise self.abort("E306", f"clock array '{clock.clock.local_name}' needs an index",
                             expr.span)
        if op == "!=":
            raise self.abort("E310", "'!=' on a clock is not a zone", expr.span,
                             hint="write c < K or c > K")
        if other.type is ERR:
            raise _Abort()
        if not isinstance(other, ir.Lit):
            raise self.abort("E310", "a clock is compared with a constant duration, not with "
                             "a variable", src.span,
                             hint="zones need constant bounds; declare the bound with const")
        if not (isinstance(other.type, IntT) and other.type.time):
            raise self.abort("E301", f"a clock is compared with a duration, found {_t(other.type)}",
                             src.span, hint=f"write {other.value}s or {other.value}ms")
        if int(other.value) < 0:  # type: ignore[call-overload]
            raise self.abort("E310", "clock bounds are not negative", src.span)
        assert isinstance(clock, ir.ClockRef)
        return ir.ClockAtom(clock, op, int(other.value), span=expr.span)  # type: ignore[call-overload]

    def _no_clock(self, e: ir.Expr, span: Span) -> None:
        if isinstance(e, ir.ClockRef):
            raise self.abort("E310", "a clock can only be compared with a duration or reset",
                             span, hint="c >= 15s, c < 2min, reset c")

    # -------------------------------------------------------------- typing helpers
    def compatible(self, a: Type, b: Type) -> bool:
        if a is ERR or b is ERR:
            return True
        if isinstance(a, IntT) and isinstance(b, IntT):
            return a.time == b.time
        if isinstance(a, BoolT) and isinstance(b, BoolT):
            return True
        if isinstance(a, EnumT) and isinstance(b, EnumT):
            return a == b
        if isinstance(a, SetT) and isinstance(b, SetT):
            return self.compatible(a.elem, b.elem)
        if isinstance(a, ArrayT) and isinstance(b, ArrayT):
            return a.index == b.index and self.compatible(a.elem, b.elem)
        if isinstance(a, RecordT) and isinstance(b, RecordT):
            return a.field_names() == b.field_names() and all(
                self.compatible(x, y) for x, y in zip(a.parts(), b.parts()))
        if isinstance(a, QueueT) and isinstance(b, QueueT):
            return self.compatible(a.elem, b.elem)
        return False

    def join(self, a: Type, b: Type, span: Span) -> Type:
        if a is ERR or b is ERR:
            return ERR
        if not self.compatible(a, b):
            raise self.abort("E301", f"{a} and {b} do not mix", span)
        return _deep_join(a, b)

    def coerce(self, e: ir.Expr, target: Type, span: Span, store: bool = False) -> ir.Expr:
        """`e` as a value of `target`: a type error if incompatible, a compile-time error for
        a constant out of range, and a run-time check where encodings differ."""
        if e.type is ERR or target is ERR:
            return e
        if isinstance(e, ir.ClockRef):
            raise self.abort("E310", "a clock is not a value", span,
                             hint="compare it with a duration, e.g. c >= 15s")
        if not self.compatible(e.type, target):
            hint = None
            if isinstance(e.type, IntT) and isinstance(target, IntT):
                hint = ("durations are written with units: 75s, 15min" if target.time
                        else "this is a duration; the target is a plain number")
            elif isinstance(e.type, EnumT) and isinstance(target, EnumT):
                hint = f"{e.type} and {target} are different enums"
            raise self.abort("E301", f"expected {target}, found {_t(e.type)}", span, hint=hint)
        if store and isinstance(e, ir.Lit) and target.size() is not None \
                and not target.contains(e.value):
            raise self.abort("E304", f"{_fmt(e)} is outside {target}", span)
        if _needs_convert(e.type, target):
            return ir.Checked(e, target, span)
        return e

    def _fold(self, e: ir.Expr) -> ir.Expr:
        """Evaluate `e` now if it depends on nothing but constants."""
        if isinstance(e, ir.Lit) or e.type is ERR or not _is_constant(e):
            return e
        try:
            value = evaluate(e, (), {})
        except EvalError as err:
            raise self.abort(err.code, err.message, err.span) from None
        typ = e.type
        if isinstance(typ, IntT):
            typ = IntT(value, value, typ.time)  # type: ignore[arg-type]
        return ir.Lit(value, typ, e.span)


# ---------------------------------------------------------------------------- helpers


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name[:-5] if name.endswith(".tock") else name


def _override_span(name: str, text: str) -> Span:
    return Span(f"--set {name}={text}", 0, 0, 0, 0)


def _t(t: Type) -> str:
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


def _kind_name(t: Type) -> str:
    if isinstance(t, IntT):
        return "a duration" if t.time else "a number"
    if isinstance(t, BoolT):
        return "a bool"
    if isinstance(t, EnumT):
        return f"one of {{{', '.join(t.members)}}}"
    return str(t)


def _override_hint(t: Type) -> str | None:
    if isinstance(t, IntT):
        return "durations need a unit: 75s, 15min" if t.time else "write a whole number"
    if isinstance(t, BoolT):
        return "write true or false"
    if isinstance(t, EnumT):
        return "write one of: " + ", ".join(t.members)
    return None


def _fmt(lit: ir.Lit) -> str:
    try:
        return format_value(lit.type, lit.value)
    except Exception:  # noqa: BLE001 - only for messages
        return str(lit.value)


def _article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _neg(v: int | None) -> int | None:
    return None if v is None else -v


def _elem(t: Type) -> Type:
    return t.elem if isinstance(t, SetT) else ERR


def _contains_queue(t: Type) -> bool:
    if isinstance(t, QueueT):
        return True
    if isinstance(t, ArrayT):
        return _contains_queue(t.elem)
    if isinstance(t, RecordT):
        return any(_contains_queue(f) for _, f in t.fields)
    if isinstance(t, SetT):
        return _contains_queue(t.elem)
    return False


def _deep_join(a: Type, b: Type) -> Type:
    """The smallest type holding the values of two compatible types."""
    if isinstance(a, IntT) and isinstance(b, IntT):
        lo = None if a.lo is None or b.lo is None else min(a.lo, b.lo)
        hi = None if a.hi is None or b.hi is None else max(a.hi, b.hi)
        return IntT(lo, hi, a.time)
    if isinstance(a, SetT) and isinstance(b, SetT):
        return SetT(_deep_join(a.elem, b.elem))
    if isinstance(a, ArrayT) and isinstance(b, ArrayT):
        return ArrayT(a.index, _deep_join(a.elem, b.elem))
    if isinstance(a, RecordT) and isinstance(b, RecordT):
        return RecordT(a.name or b.name, tuple((n, _deep_join(x, y)) for (n, x), (_, y)
                                               in zip(a.fields, b.fields)))
    if isinstance(a, QueueT) and isinstance(b, QueueT):
        return QueueT(max(a.capacity, b.capacity), _deep_join(a.elem, b.elem))
    return a


def _index_hint(t: Type) -> str | None:
    """What a constant index outside its array could have been (only integer indices can
    be: a bool or enum literal of the right type is always inside)."""
    if isinstance(t, IntT) and t.lo is not None and t.hi is not None:
        return f"the indices run from {t.lo} to {t.hi}"
    return None


def _within(inner: Type, outer: Type) -> bool:
    if not (isinstance(inner, IntT) and isinstance(outer, IntT)):
        return True
    return (inner.lo is not None and inner.hi is not None and outer.lo is not None
            and outer.hi is not None and outer.lo <= inner.lo and inner.hi <= outer.hi)


def _needs_convert(src: Type, dst: Type) -> bool:
    """Whether packed encodings of the two (compatible) types differ."""
    if isinstance(src, IntT) and isinstance(dst, IntT):
        return False
    if isinstance(src, (BoolT, EnumT)):
        return False
    if src is ERR or dst is ERR:
        return False
    return _encoding(src) != _encoding(dst)


def _encoding(t: Type) -> object:
    if isinstance(t, IntT):
        return ("int", t.lo, t.hi)
    if isinstance(t, SetT):
        return ("set", _encoding(t.elem))
    if isinstance(t, ArrayT):
        return ("array", t.index, _encoding(t.elem))
    if isinstance(t, RecordT):
        return ("record", tuple((n, _encoding(f)) for n, f in t.fields))
    if isinstance(t, QueueT):
        return ("queue", t.capacity, _encoding(t.elem))
    return t


def _time_result(op: str, a: IntT, b: IntT) -> bool | None:
    """Whether `a op b` is a duration (True), a number (False), or meaningless (None)."""
    if not a.time and not b.time:
        return False
    if op in ("+", "-", "%"):
        return True if a.time and b.time else None
    if op == "*":
        return True if a.time != b.time else None
    if op == "/":
        if a.time and b.time:
            return False
        return True if a.time else None
    return None


def _interval(op: str, a: IntT, b: IntT) -> tuple[int | None, int | None]:
    if op == "+":
        return (_add(a.lo, b.lo), _add(a.hi, b.hi))
    if op == "-":
        return (_add(a.lo, _neg(b.hi)), _add(a.hi, _neg(b.lo)))
    if op == "*":
        if None in (a.lo, a.hi, b.lo, b.hi):
            return (None, None)
        products = [x * y for x in (a.lo, a.hi) for y in (b.lo, b.hi)]  # type: ignore[operator]
        return (min(products), max(products))
    if op == "/":
        if None in (a.lo, a.hi, b.lo, b.hi) or (b.lo <= 0 <= b.hi):  # type: ignore[operator]
            return (None, None)
        quotients = [x // y for x in (a.lo, a.hi) for y in (b.lo, b.hi)]  # type: ignore[operator]
        return (min(quotients), max(quotients))
    if op == "%":
        if b.lo is not None and b.lo > 0 and b.hi is not None:
            return (0, b.hi - 1)
        return (None, None)
    return (None, None)


def _add(x: int | None, y: int | None) -> int | None:
    return None if x is None or y is None else x + y


def _abs_interval(t: IntT) -> IntT:
    if t.lo is None or t.hi is None:
        return IntT(0, None, t.time)
    if t.lo >= 0:
        return t
    if t.hi <= 0:
        return IntT(-t.hi, -t.lo, t.time)
    return IntT(0, max(-t.lo, t.hi), t.time)


def _minmax(fn, x: int | None, y: int | None, unbounded_wins: bool) -> int | None:  # noqa: ANN001
    if x is None or y is None:
        if unbounded_wins:
            return None
        return y if x is None else x
    return fn(x, y)


def _negate_atom(a: ir.ClockAtom) -> ir.ClockAtom:
    neg = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}
    return ir.ClockAtom(a.clock, neg[a.op], a.bound, span=a.span)


def _expr_text(e: ast.Expr) -> str:
    match e:
        case ast.NameRef(name=n):
            return n
        case ast.Index(base=b, args=args):
            return f"{_expr_text(b)}[{', '.join(_expr_text(a) for a in args)}]"
        case ast.FieldAccess(base=b, name=n):
            return f"{_expr_text(b)}.{n}"
    return "..."
