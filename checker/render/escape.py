"""Names from the user (file names, spec names, command lines) made safe to show: every
control or format character written as `\\xNN`, `\\uNNNN` or `\\UNNNNNNNN`, a byte that was
not UTF-8 in a file name (a surrogate escape) as `\\xNN`. So no report line carries a
terminal escape, and no SVG or HTML holds a character XML forbids. It is the rule of the
diagnostics, model.source.escape_name, used as it is: one rule for everything shown."""

from __future__ import annotations

from model import escape_name

__all__ = ["visible", "html_text", "page_head"]


def visible(text: str) -> str:
    """`text` with its control and format characters escaped (tabs too)."""
    return escape_name(text)


def html_text(text: object) -> str:
    """Text for HTML content and attribute values (made visible first)."""
    return (visible(str(text)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def page_head(title: str, css: str) -> list[str]:
    """The lines that open every report page, up to `<main>`: no script and no resource
    from outside (the Content-Security-Policy says so), the title escaped, the style."""
    return ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; img-src data:\">",
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<link rel="icon" href="data:,">', f"<title>{html_text(title)}</title>",
            f"<style>{css}</style>", "</head>", "<body>", "<main>"]
