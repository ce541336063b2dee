"""Source files and spans: where every AST node and diagnostic points, and how a source line
is shown to people.

Lines end at '\\n'. Spec text is normalised when it is read (`normalise`): a leading
byte-order mark is dropped and '\\r\\n' and a lone '\\r' become '\\n', so lines and columns
are the ones an editor shows. Columns count characters (code points) from 1.

Shown text (`escape`) never carries a control character to the terminal: tabs become four
spaces, and control and format characters (C0, DEL, C1, bidirectional overrides, zero-width
characters, line and paragraph separators) are written as `\\xNN`, `\\uNNNN` or
`\\UNNNNNNNN`. Carets are placed by display cells (`cells`): East Asian wide and fullwidth
characters take two, combining marks none.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from .nodeclass import nodeclass

__all__ = ["SourceFile", "Span", "NO_SPAN", "normalise", "escape", "escape_name", "cells",
           "excerpt", "EXCERPT_CELLS"]

EXCERPT_CELLS = 160   # a longer line is shown as a window around the caret


def normalise(text: str) -> str:
    """Spec text with a leading BOM removed and every line ending made '\\n'."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A spec's text and the name it is reported under (a path, or `<text>`)."""

    name: str
    text: str = field(repr=False)
    _lines: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lines = self.text.split("\n")
        if len(lines) > 1 and lines[-1] == "":
            lines.pop()  # the newline that ends the last line opens no new one
        object.__setattr__(self, "_lines", tuple(lines))

    @property
    def line_count(self) -> int:
        """Lines in the file (at least 1: an empty file has one empty line)."""
        return len(self._lines)

    def line(self, number: int) -> str:
        """Line `number` (1-based) without its newline, or '' past the end."""
        return self._lines[number - 1] if 1 <= number <= len(self._lines) else ""


@nodeclass(frozen=True, slots=True)
class Span:
    """A region of a source file: 1-based lines and columns, end exclusive."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{escape_name(self.file)}:{self.line}:{self.col}"

    def to(self, other: Span) -> Span:
        """The span from the start of self to the end of other."""
        return Span(self.file, self.line, self.col, other.end_line, other.end_col)


NO_SPAN = Span("<builtin>", 0, 0, 0, 0)


# ---------------------------------------------------------------------------- display

def _hidden(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp")


def _code(ch: str) -> str:
    n = ord(ch)
    if 0xDC80 <= n <= 0xDCFF:       # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{n - 0xDC00:02x}"
    if n < 0x100:
        return f"\\x{n:02x}"
    if n < 0x10000:
        return f"\\u{n:04x}"
    return f"\\U{n:08x}"


def _shown(ch: str) -> str:
    if ch == "\t":
        return "    "
    return _code(ch) if _hidden(ch) else ch


def escape(text: str) -> str:
    """Text as it is shown: tabs as four spaces, control and format characters escaped."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(_shown(ch) for ch in text)


def escape_name(text: str) -> str:
    """A file name (or other text quoted in a message) as it is shown: like `escape`, but
    a tab is escaped too, so the name stays one visible token."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(_code(ch) if ch == "\t" or _hidden(ch) else ch for ch in text)


def _cell(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def cells(text: str) -> int:
    """Terminal cells taken by shown (already escaped) text."""
    if text.isascii():
        return len(text)
    return sum(_cell(ch) for ch in text)


def excerpt(line: str, col: int, end_col: int, width: int = EXCERPT_CELLS
            ) -> tuple[str, int, int]:
    """How to show `line` with a caret under columns col..end_col-1: the shown text, the
    caret's offset and its width, both in cells. A line wider than `width` cells is cut to
    a window around the caret, with '...' where text was left out."""
    col = max(1, min(col, len(line) + 1))
    end_col = max(col + 1, min(end_col, len(line) + 1))
    if len(line) > 4 * width:  # only the part that can be shown is looked at
        start = max(0, col - 1 - 2 * width)
        line = line[start:min(len(line), end_col - 1 + 2 * width, col - 1 + 4 * width)]
        col, end_col = col - start, min(end_col - start, len(line) + 1)
    before = [_shown(ch) for ch in line[:col - 1]]
    marked = [_shown(ch) for ch in line[col - 1:end_col - 1]]
    after = [_shown(ch) for ch in line[end_col - 1:]]
    if sum(map(cells, before + marked + after)) <= width:
        shown_before = "".join(before)
        return (shown_before + "".join(marked) + "".join(after), cells(shown_before),
                max(1, cells("".join(marked))))
    lead = trail = ""
    if sum(map(cells, before)) > width // 3:
        before = _fit(before[::-1], width // 3)[::-1]
        lead = "..."
    room = width - sum(map(cells, before))
    if sum(map(cells, marked)) > room:
        marked, after, trail = _fit(marked, room), [], "..."
    elif sum(map(cells, marked + after)) > room:
        after, trail = _fit(after, room - sum(map(cells, marked))), "..."
    shown_before = lead + "".join(before)
    return (shown_before + "".join(marked) + "".join(after) + trail, cells(shown_before),
            max(1, cells("".join(marked))))


def _fit(pieces: list[str], room: int) -> list[str]:
    """The longest prefix of `pieces` within `room` cells."""
    out, used = [], 0
    for piece in pieces:
        used += cells(piece)
        if used > room:
            break
        out.append(piece)
    return out
