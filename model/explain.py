"""Why a property has the value it has in a state: its parts, as the spec wrote them, with
their values. Reports show this under a violated invariant ("why it is false")."""

from __future__ import annotations

from . import ir
from .interp import EvalError, domain_values, evaluate
from .irutil import mentions_clock
from .source import SourceFile, Span
from .types import format_value

__all__ = ["explain"]

MAX_LINES = 12


def _text(span: Span, sources: dict[str, SourceFile]) -> str | None:
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


def explain(expr: ir.Expr, values: tuple, sources: dict[str, SourceFile]
            ) -> tuple[tuple[str, str], ...]:
    """(sub-expression text, value) pairs, outermost first, at most MAX_LINES. Parts that
    read clocks are skipped (their value depends on the time within a zone)."""
    out: list[tuple[str, str]] = []

    def show(e: ir.Expr, env: dict, suffix: str = "") -> object:
        text = _text(e.span, sources)
        try:
            value = evaluate(e, values, env)
        except EvalError as err:
            if text:
                out.append((text + suffix, f"error: {err.message}"))
            return None
        if text and len(out) < MAX_LINES:
            line = (text + suffix, format_value(e.type, value))
            if line not in out:
                out.append(line)
        return value

    def walk(e: ir.Expr, env: dict, depth: int, suffix: str = "") -> None:
        if depth > 3 or len(out) >= MAX_LINES or mentions_clock(e):
            return
        show(e, env, suffix)
        match e:
            case ir.Unary(op="not", operand=a):
                walk(a, env, depth + 1, suffix)
            case ir.Binary(op=op, left=a, right=b) if op in ("and", "or", "implies", "iff"):
                walk(a, env, depth + 1, suffix)
                walk(b, env, depth + 1, suffix)
            case ir.Binary(left=a, right=b):
                for part in (a, b):
                    if not isinstance(part, ir.Lit):
                        show(part, env, suffix)
            case ir.Quant(kind=kind, local=local, domain=domain, body=body):
                # the instances that decide it: a forall's false ones, an exists's true
                # ones (its witnesses); a false exists shows its first instances
                try:
                    items = domain_values(domain, values, env)
                    overall = bool(evaluate(e, values, env))
                except EvalError:
                    return
                for v in items:
                    inner = dict(env)
                    inner[local] = v
                    try:
                        holds = bool(evaluate(body, values, inner))
                    except EvalError:
                        holds = None
                    deciding = (holds is None or (kind == "forall" and holds is False)
                                or (kind == "exists" and (holds or not overall)))
                    if deciding:
                        walk(body, inner, depth + 1,
                             f"  [{local.name} = {format_value(local.type, v)}]")
                    if len(out) >= MAX_LINES:
                        return

    walk(expr, {}, 0)
    return tuple(out)
