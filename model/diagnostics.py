"""Diagnostics: coded, positioned messages about a spec, rendered like a compiler's.

Codes are stable and grouped by phase (see docs/errors.md):
E1xx syntax and files, E2xx names, E3xx types and semantics, E4xx compilation,
E5xx evaluation at run time (reported as `runtime` violations, not as diagnostics).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .lazy import lazy_module
from .nodeclass import nodeclass
from .source import NO_SPAN, SourceFile, Span, escape_name, excerpt

if TYPE_CHECKING:
    import difflib
    import json
else:  # only an error's suggestion, or its JSON form, needs them
    difflib = lazy_module("difflib")
    json = lazy_module("json")

__all__ = ["CODES", "Diagnostic", "SpecError", "render_diagnostic", "diagnostic_data",
           "did_you_mean", "MAX_SHOWN"]

MAX_SHOWN = 20   # diagnostics rendered per SpecError; the rest are counted

CODES: dict[str, str] = {
    # syntax and files
    "E101": "syntax error",
    "E102": "unexpected character",
    "E103": "unexpected end of file",
    "E104": "cannot read file",
    "E105": "import cycle",
    "E106": "number too long",
    "E107": "nesting too deep",
    "E108": "block too long",
    "E109": "file too long",
    "E110": "name too long",
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
    "E314": "invalid measure",
    "E315": "invalid derived column (show)",
    "E318": "invalid init or boundary (reads no variable, or names one twice)",
    "E319": "invalid for loop (a domain read from the state, a name already taken)",
    # compilation
    "E401": "model too large",
    "E402": "too many instances",
    "E403": "state too wide",
    "E404": "time constant too large",
    # evaluation (runtime violations)
    "E501": "value outside its domain",
    "E502": "index out of range",
    "E503": "division by zero",
    "E504": "queue full",
    "E505": "queue empty",
    "E506": "value too large",
    "E507": "assertion failed",
    "E508": "get of none",
}


@nodeclass(frozen=True, slots=True)
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

    def render(self, limit: int | None = MAX_SHOWN) -> str:
        """The first `limit` diagnostics (all with None), then how many were left out."""
        shown = self.diagnostics if limit is None else self.diagnostics[:limit]
        text = "\n".join(render_diagnostic(d, self.sources) for d in shown)
        rest = len(self.diagnostics) - len(shown)
        if rest:
            text += f"\n... and {rest:,} more error{'s' if rest != 1 else ''}\n"
        return text

    def json_lines(self) -> str:
        """Every diagnostic as one JSON object per line (ASCII: any other character as a
        \\u escape), for editors (docs/editors.md)."""
        return "".join(json.dumps(diagnostic_data(d, self.sources), ensure_ascii=True) + "\n"
                       for d in self.diagnostics)


def _position(span: Span | None, sources: dict[str, SourceFile]) -> dict[str, object]:
    """A span as JSON: the file as named (not escaped: an editor opens it), 1-based lines
    and columns in code points, the end exclusive; null line and columns for a whole-file
    or built-in position. Clamped into the file as the text form is."""
    if span is None:
        return {"file": None, "line": None, "column": None, "end_line": None,
                "end_column": None}
    if span is NO_SPAN or span.line == 0:
        return {"file": span.file, "line": None, "column": None, "end_line": None,
                "end_column": None}
    if span.file in sources:
        span = _clamp(span, sources[span.file])
    return {"file": span.file, "line": span.line, "column": span.col,
            "end_line": span.end_line, "end_column": span.end_col}


def diagnostic_data(d: Diagnostic, sources: dict[str, SourceFile]) -> dict[str, object]:
    """One diagnostic as JSON-ready data (docs/editors.md): where, code, severity, message,
    hint and notes. Messages are escaped as in the text form (no control characters)."""
    out: dict[str, object] = _position(d.span, sources)
    out.update({
        "code": d.code,
        "severity": "error",
        "title": CODES.get(d.code),
        "message": escape_name(d.message),
        "hint": None if d.hint is None else escape_name(d.hint),
        "notes": [dict(_position(where, sources), message=escape_name(note))
                  for note, where in d.notes],
    })
    return out


def render_diagnostic(d: Diagnostic, sources: dict[str, SourceFile]) -> str:
    """`file:line:col: error[E201]: message`, the source line, carets, notes and a hint.
    Text from the spec or the command line is escaped, so no control character reaches the
    terminal; a position past the end of its file is shown at the file's end."""
    span = d.span
    source = sources.get(span.file)
    if span is NO_SPAN or span.line == 0:
        lines = [f"{escape_name(span.file)}: error[{d.code}]: {escape_name(d.message)}"]
    else:
        if source is not None:
            span = _clamp(span, source)
        lines = [f"{span}: error[{d.code}]: {escape_name(d.message)}"]
        if source is not None:
            lines.extend(_excerpt(source, span))
    for note, where in d.notes:
        if where is not None and where.file in sources:
            where = _clamp(where, sources[where.file])
        at = f" (at {where})" if where is not None else ""
        lines.append(f"  note: {escape_name(note)}{at}")
    if d.hint:
        lines.append(f"  hint: {escape_name(d.hint)}")
    return "\n".join(lines) + "\n"


def _clamp(span: Span, source: SourceFile) -> Span:
    """`span` moved inside the file: a line past the end becomes the end of the last line,
    a column past the end of its line the end of that line."""
    if span.line == 0:
        return span
    last = source.line_count
    if span.line > last:
        col = len(source.line(last)) + 1
        return Span(span.file, last, col, last, col + 1)
    col = min(span.col, len(source.line(span.line)) + 1)
    if col != span.col:
        return Span(span.file, span.line, col, span.end_line, max(span.end_col, col + 1))
    return span


def _excerpt(source: SourceFile, span: Span) -> list[str]:
    line = source.line(span.line)
    end_col = span.end_col if span.end_line == span.line else len(line) + 1
    shown, offset, width = excerpt(line, span.col, end_col)
    gutter = str(span.line)
    pad = " " * len(gutter)
    return [
        f" {gutter} | {shown}",
        f" {pad} | {' ' * offset}{'^' * width}",
    ]


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, or None when nothing is close."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
