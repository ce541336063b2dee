"""Names from the user (file names, spec names, command lines) made safe to show: every
control or format character written as `\\xNN`, `\\uNNNN` or `\\UNNNNNNNN`, a byte that was
not UTF-8 in a file name (a surrogate escape) as `\\xNN`. So no report line carries a
terminal escape, and no SVG or HTML holds a character XML forbids. The same rule as
model.source.escape_name, which the diagnostics use."""

from __future__ import annotations

import unicodedata

__all__ = ["visible"]


def _code(ch: str) -> str:
    n = ord(ch)
    if 0xDC80 <= n <= 0xDCFF:
        return f"\\x{n - 0xDC00:02x}"
    if n < 0x100:
        return f"\\x{n:02x}"
    if n < 0x10000:
        return f"\\u{n:04x}"
    return f"\\U{n:08x}"


def visible(text: str) -> str:
    """`text` with its control and format characters escaped (tabs too)."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(_code(ch) if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp")
                   else ch for ch in text)
