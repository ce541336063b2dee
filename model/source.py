"""Source files and spans: where every AST node and diagnostic points."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["SourceFile", "Span", "NO_SPAN"]


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A spec's text and the name it is reported under (a path, or `<text>`)."""

    name: str
    text: str = field(repr=False)

    def line(self, number: int) -> str:
        """Line `number` (1-based) without its newline, or '' past the end."""
        lines = self.text.splitlines()
        return lines[number - 1] if 1 <= number <= len(lines) else ""


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source file: 1-based lines and columns, end exclusive."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def to(self, other: Span) -> Span:
        """The span from the start of self to the end of other."""
        return Span(self.file, self.line, self.col, other.end_line, other.end_col)


NO_SPAN = Span("<builtin>", 0, 0, 0, 0)
