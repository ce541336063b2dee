"""Names from the user (file names, spec names, command lines) made safe to show: every
control or format character written as `\\xNN`, `\\uNNNN` or `\\UNNNNNNNN`, a byte that was
not UTF-8 in a file name (a surrogate escape) as `\\xNN`. So no report line carries a
terminal escape, and no SVG or HTML holds a character XML forbids. It is the rule of the
diagnostics, model.source.escape_name, used as it is: one rule for everything shown."""

from __future__ import annotations

from model import escape_name

__all__ = ["visible"]


def visible(text: str) -> str:
    """`text` with its control and format characters escaped (tabs too)."""
    return escape_name(text)
