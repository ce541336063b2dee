"""`init` predicates and `boundary` declarations (issue 17).

`init [NAME]: P` narrows the initial states to the assignments where P holds; a variable
without an initialiser of its own that some init reads ranges over its whole type (the
others keep their type's first value). `boundary NAME: P` cuts the search like TLC's
CONSTRAINT: a state where P is false is checked (invariants, reachables) but not expanded.
Both are conditions on the variables (params included), without clocks (in a timed spec
a boundary cuts at the discrete part of a state).
"""

from __future__ import annotations

from .. import ast, ir
from ..irutil import walk
from ..source import Span
from . import context as cxm
from . import expressions as ex
from .context import Context

__all__ = ["check_inits_and_boundaries"]


def check_inits_and_boundaries(cx: Context) -> tuple[tuple[ir.InitPred, ...],
                                                     tuple[ir.InitPred, ...]]:
    """The checked init predicates and boundaries of every file, in declaration order."""
    inits: list[ir.InitPred] = []
    boundaries: list[ir.InitPred] = []
    names: dict[str, Span] = {}
    for spec in cx.files:
        for decl in spec.decls:
            if not isinstance(decl, (ast.InitDecl, ast.BoundaryDecl)):
                continue
            what = "init" if isinstance(decl, ast.InitDecl) else "boundary"
            if decl.name is not None:
                if decl.name in names:
                    cx.error("E318", f"'{decl.name}' names two inits or boundaries",
                             decl.name_span, notes=[("first declared here", names[decl.name])],
                             hint="give each init and boundary a name of its own")
                    continue
                names[decl.name] = decl.name_span
            try:
                e = ex.bool_expr(cx, decl.expr, cx.root.child(clocks=False, what=what))
            except cxm.Abort:
                continue
            if e.type is cxm.ERR:
                continue
            reads = sorted({n.var.index for n in walk(e) if isinstance(n, ir.VarRef)})
            if not reads:
                cx.error("E318", f"this {what} reads no variable: it is the same in every "
                         "state", decl.expr.span,
                         hint="a condition on constants alone belongs in the constants; "
                         "an init or boundary names the variables it constrains")
                continue
            name = decl.name or f"init@{decl.span.line}"
            (inits if what == "init" else boundaries).append(
                ir.InitPred(name, e, tuple(reads), decl.span))
    return tuple(inits), tuple(boundaries)


LIVENESS_MODES = ("maximal", "stuttering")


def check_liveness_mode(cx: Context) -> str | None:
    """The main file's `liveness MODE` (None: not declared; imported files' are ignored,
    like `allow`)."""
    mode: str | None = None
    first: Span | None = None
    for decl in cx.files[-1].decls:
        if not isinstance(decl, ast.LivenessModeDecl):
            continue
        if decl.mode not in LIVENESS_MODES:
            cx.error("E312", f"unknown liveness semantics '{decl.mode}'", decl.name_span,
                     hint="write `liveness maximal` (the default) or `liveness stuttering`")
            continue
        if first is not None:
            cx.error("E312", "the liveness semantics is declared twice", decl.span,
                     notes=[("first declared here", first)])
            continue
        if decl.mode == "stuttering" and cx.clocks:
            cx.error("E312", "`liveness stuttering` is not supported in a spec with clocks",
                     decl.span, hint="timed specs judge leads-to on time-divergent runs")
            continue
        mode, first = decl.mode, decl.span
    return mode
