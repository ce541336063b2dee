"""SVG pictures: DOT source (checker.render.dot) laid out and drawn by graphviz's `dot`.

The only renderer that runs a program. Without graphviz the checker works as before; the
caller asks `graphviz_available()` first, or catches `GraphvizMissing`.
"""

from __future__ import annotations

import re
import shutil
import subprocess

__all__ = ["GraphvizMissing", "GraphvizFailed", "graphviz_available", "dot_to_svg",
           "inline_svg"]

DOT = "dot"


class GraphvizMissing(Exception):
    """graphviz's `dot` program is not installed (or not on PATH)."""


class GraphvizFailed(Exception):
    """`dot` ran but did not draw the picture."""


def graphviz_available() -> bool:
    return shutil.which(DOT) is not None


def dot_to_svg(source: str) -> str:
    """The SVG drawing of DOT `source`, as text."""
    program = shutil.which(DOT)
    if program is None:
        raise GraphvizMissing("graphviz's dot program is not installed")
    try:
        done = subprocess.run([program, "-Tsvg"], input=source.encode("utf-8"),
                              capture_output=True, check=False)
    except OSError as err:
        raise GraphvizMissing(f"cannot run {program}: {err}") from err
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise GraphvizFailed(f"dot failed: {message}")
    return done.stdout.decode("utf-8")


_PROLOG = re.compile(r"\A(?:\s*<\?xml[^>]*\?>)?(?:\s*<!DOCTYPE[^>]*>)?(?:\s*<!--.*?-->)*\s*",
                     re.S)


def inline_svg(svg: str) -> str:
    """An SVG document as an element to embed in HTML: no XML declaration, no DOCTYPE, no
    leading comments (graphviz writes its version there)."""
    return _PROLOG.sub("", svg, count=1).strip() + "\n"
