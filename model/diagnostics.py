"""Diagnostics: coded, positioned messages about a spec, rendered like a compiler's.

Codes are stable and grouped by phase (see docs/errors.md):
E1xx syntax and files, E2xx names, E3xx types and semantics, E4xx compilation,
E5xx evaluation at run time (reported as `runtime` violations, not as diagnostics).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from .source import NO_SPAN, SourceFile, Span

__all__ = ["CODES", "Diagnostic", "SpecError", "render_diagnostic", "did_you_mean"]

CODES: dict[str, str] = {
    # syntax and files
    "E101": "syntax error",
    "E102": "unexpected character",
    "E103": "unexpected end of file",
    "E104": "cannot read file",
    "E105": "import cycle",
    # names
    "E201": "unknown name",
    "E202": "duplicate declaration",
    "E203": "unknown type",
    "E204": "unknown action",
    "E205": "unknown property",
    "E206": "unknown field",
    "E207": "ambiguous enum member",
    "E208": "unknown constant in override",
    # types and semantics
    "E301": "type mismatch",
    "E302": "domain is not finite",
    "E303": "bad constant override",
    "E304": "literal out of range",
    "E305": "not assignable",
    "E306": "wrong number of arguments",
    "E307": "recursive definition",
    "E308": "not a constant",
    "E309": "cannot infer type",
    "E310": "invalid use of a clock",
    "E311": "invalid scenario",
    "E312": "invalid declaration",
    "E313": "no initial state",
    # compilation
    "E401": "model too large",
    # evaluation (runtime violations)
    "E501": "value outside its domain",
    "E502": "index out of range",
    "E503": "division by zero",
    "E504": "queue full",
    "E505": "queue empty",
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in a spec: code, message, where, and optional note and hint."""

    code: str
    message: str
    span: Span
    notes: tuple[tuple[str, Span | None], ...] = ()
    hint: str | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.span.file, self.span.line, self.span.col, self.code)


class SpecError(Exception):
    """A phase failed: carries every diagnostic the phase found, sorted by position."""

    def __init__(self, diagnostics: Iterable[Diagnostic], sources: dict[str, SourceFile]):
        self.diagnostics = tuple(sorted(diagnostics, key=Diagnostic.sort_key))
        self.sources = sources
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(render_diagnostic(d, self.sources) for d in self.diagnostics)


def render_diagnostic(d: Diagnostic, sources: dict[str, SourceFile]) -> str:
    """`file:line:col: error[E201]: message`, the source line, carets, notes and a hint."""
    span = d.span
    if span is NO_SPAN or span.line == 0:
        lines = [f"{span.file}: error[{d.code}]: {d.message}"]
    else:
        lines = [f"{span}: error[{d.code}]: {d.message}"]
        source = sources.get(span.file)
        if source is not None:
            lines.extend(_excerpt(source, span))
    for note, where in d.notes:
        lines.append(f"  note: {note}" + (f" (at {where})" if where is not None else ""))
    if d.hint:
        lines.append(f"  hint: {d.hint}")
    return "\n".join(lines) + "\n"


def _excerpt(source: SourceFile, span: Span) -> list[str]:
    text = source.line(span.line).replace("\t", " ")
    if not text and span.line > len(source.text.splitlines()):
        return []
    gutter = str(span.line)
    end_col = span.end_col if span.end_line == span.line else len(text) + 1
    width = max(1, end_col - span.col)
    pad = " " * len(gutter)
    return [
        f" {gutter} | {text}",
        f" {pad} | {' ' * (span.col - 1)}{'^' * width}",
    ]


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, or None when nothing is close."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
