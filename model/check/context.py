"""What every part of the check shares: one Context (the spec's files and sources, the
`--set` overrides, the diagnostics so far, the symbol tables and the checked declarations),
the error type that stops cascades, and the language's fixed names and limits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field

from .. import ast, ir
from ..diagnostics import Diagnostic
from ..nodeclass import nodeclass
from ..source import SourceFile, Span
from ..types import EnumT, Type

__all__ = ["Context", "ERR", "ErrT", "Abort", "err_expr", "BUILTIN_PROPERTIES",
           "BUILTIN_FUNCTIONS", "STATEMENT_FUNCTIONS", "MAX_SET_ELEMS", "MAX_INSTANCES"]

BUILTIN_PROPERTIES = ("deadlock", "timelock", "runtime")
BUILTIN_FUNCTIONS = ("len", "head", "min", "max", "abs", "sum", "reach")
STATEMENT_FUNCTIONS = ("push", "pop")
MAX_SET_ELEMS = 4096
MAX_INSTANCES = 1_000_000


class ErrT(Type):
    """The type of an expression that already produced a diagnostic (suppresses cascades)."""

    __slots__ = ()

    def size(self) -> None:
        return None

    def __str__(self) -> str:
        return "<error>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ErrT)

    def __hash__(self) -> int:
        return 0


ERR = ErrT()


def err_expr(span: Span) -> ir.Expr:
    return ir.Lit(None, ERR, span)


class Abort(Exception):
    """Raised to stop checking one construct after its diagnostic has been recorded."""


@nodeclass(eq=False)
class Sym:
    kind: str  # const type param var clock def process
    name: str
    decl: object
    span: Span
    process: ProcSym | None = None
    resolved: object = None
    resolving: bool = False


@nodeclass(eq=False)
class ProcSym:
    decl: ast.ProcessDecl
    process: ir.Process
    members: dict[str, Sym] = field(default_factory=dict)


@nodeclass(eq=False)
class Def:
    locals: tuple[ir.Local, ...]
    body: ir.Expr
    type: Type


class Scope:
    """A chain of name tables. `state` says whether state variables may be read."""

    def __init__(self, parent: Scope | None, names: dict | None = None, *,
                 state: bool | None = None, clocks: bool | None = None,
                 process: ProcSym | None = None, what: str | None = None):
        self.parent = parent
        self.names: dict[str, object] = dict(names or {})
        self.state = state if state is not None else (parent.state if parent else True)
        self.clocks = clocks if clocks is not None else (parent.clocks if parent else False)
        self.process = process if process is not None else (parent.process if parent else None)
        self.what = what if what is not None else (parent.what if parent else "expression")

    def lookup(self, name: str) -> object | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None

    def visible(self) -> list[str]:
        out: list[str] = []
        scope: Scope | None = self
        while scope is not None:
            out.extend(scope.names)
            scope = scope.parent
        return out

    def child(self, names: dict | None = None, **kw) -> Scope:  # noqa: ANN003
        return Scope(self, names, **kw)


# Constants and definitions resolve lazily, each on first use, so a chain of them declared
# in reverse order (`const C2 = C1 + 1` before `const C1 = C0 + 1`) resolves by recursion,
# a few Python frames per link: longer chains are refused (E107) before Python's limit
MAX_RESOLUTION_DEPTH = 64


class Context:
    """The state of one check: inputs, diagnostics, symbol tables, and what is declared."""

    def __init__(self, files: list[ast.SpecFile], sources: dict[str, SourceFile],
                 overrides: dict[str, str], origin: str = "--set"):
        self.files = files
        self.sources = sources
        self.overrides = dict(overrides)
        self.origin = origin  # where the overrides come from: `--set`, or the API's `constants`
        self.diags: list[Diagnostic] = []
        self.globals: dict[str, Sym] = {}
        self.enum_members: dict[str, list[EnumT]] = {}
        self.variables: list[ir.Variable] = []
        self.clocks: list[ir.Clock] = []
        self.n_clocks = 0
        self.processes: list[ProcSym] = []
        self.actions: list[ir.Action] = []
        self.action_names: dict[str, ir.Action] = {}
        self.bounds: list[ir.Bound] = []
        self.properties: list[ir.Property] = []
        self.liveness: list[ir.Liveness] = []
        self.measures: list[ir.Measure] = []
        self.derived: list[ir.Derived] = []
        self.scenarios: list[ir.Scenario] = []
        self.expects: dict[str, tuple[str, Span]] = {}
        self.allow_deadlock = False
        self.used_overrides: set[str] = set()
        self.root = Scope(None, {}, state=True)
        self.constness: dict[int, tuple[ir.Expr, bool]] = {}  # see constants.constant
        self.resolution_depth = 0  # constants and definitions being resolved, nested

    def too_deep(self, what: str, name: str, span: Span) -> bool:
        """Whether resolving `name` would nest resolutions beyond MAX_RESOLUTION_DEPTH
        (then E107 is reported at it)."""
        if self.resolution_depth < MAX_RESOLUTION_DEPTH:
            return False
        self.error("E107", f"{what} '{name}' depends on a chain of more than "
                   f"{MAX_RESOLUTION_DEPTH} {what}s", span,
                   hint=f"declare each {what} after the ones it uses, or shorten the chain")
        return True

    def error(self, code: str, message: str, span: Span, *, hint: str | None = None,
              notes: Iterable[tuple[str, Span | None]] = ()) -> None:
        self.diags.append(Diagnostic(code, message, span, tuple(notes), hint))

    def abort(self, code: str, message: str, span: Span, **kw) -> Abort:  # noqa: ANN003
        self.error(code, message, span, **kw)
        return Abort()
