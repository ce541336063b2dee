"""Parsing with a cache: a file parsed before is read back as its syntax tree, so a run
whose files are all unchanged since an earlier run imports neither lark nor its tables
(about 0.1 s of start-up for a small spec: lark's import, its tables, the parse).

The tree is kept in the user's private cache folder (model/cache.py; `TOCK_NO_CACHE=1`
turns it off), pickled, under a hash of the file's name and text and of everything that
shapes a tree: the grammar, the parser, the syntax tree's classes and lark's version. A
file with syntax errors is parsed every time (its diagnostics are never cached), and an
entry that does not load is parsed again and replaced. Nothing is written outside that
folder.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import sys
from functools import lru_cache
from typing import TYPE_CHECKING

from . import ast
from .cache import read_entry, write_entry
from .lazy import lazy_module
from .source import SourceFile

if TYPE_CHECKING:
    from . import parser
else:
    parser = lazy_module("model.parser")

__all__ = ["parse_text"]

# what the trees depend on, besides the text: these files of the model package, and lark
_SHAPERS = ("grammar.lark", "parser.py", "ast.py", "source.py", "nodeclass.py")


def parse_text(source: SourceFile) -> ast.SpecFile:
    """model.parser.parse_text(source), from the cache when this file was parsed before.
    Raises SpecError with every syntax error found."""
    shape = _shape()
    key = None
    if shape is not None:
        key = hashlib.sha256(b"\0".join(
            (shape, source.name.encode("utf-8", "surrogatepass"),
             source.text.encode("utf-8", "surrogatepass")))).hexdigest()
        data = read_entry("ast", key)
        if data is not None:
            try:
                tree = pickle.loads(data)
            except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError,
                    TypeError, ValueError):  # a damaged or stale entry: parsed again
                tree = None
            if isinstance(tree, ast.SpecFile) and tree.file == source.name:
                return tree
    tree = parser.parse_text(source)
    if key is not None:
        write_entry("ast", key, pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL))
    return tree


@lru_cache(maxsize=1)
def _shape() -> bytes | None:
    """A digest of what shapes a syntax tree besides the text; None when it cannot be
    read (then nothing is cached)."""
    digest = hashlib.sha256(sys.version.encode())
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        lark = importlib.util.find_spec("lark")
        paths = [os.path.join(here, name) for name in _SHAPERS]
        if lark is None or lark.origin is None:
            return None
        paths.append(lark.origin)  # lark/__init__.py, which holds its __version__
        for path in paths:
            with open(path, "rb") as handle:
                digest.update(handle.read())
                digest.update(b"\0")
    except (OSError, ImportError, ValueError):
        return None
    return digest.digest()
