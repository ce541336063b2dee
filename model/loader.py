"""Reading a spec and the files it imports, in dependency order.

Only spec files are read (`read_spec`): a regular file of at most MAX_SOURCE_BYTES, in
UTF-8. A path that goes through a symbolic link must end, once resolved, in a `.tock`
file: a link named like a spec that points at anything else (`/etc/passwd`, a device, a
folder) is refused before a byte of it is read, so no diagnostic can show its content.
"""

from __future__ import annotations

import os
import stat

from . import ast
from .diagnostics import Diagnostic, SpecError
from .parsecache import parse_text
from .source import SourceFile, escape_name, normalise

__all__ = ["load_files", "read_spec", "ReadError", "MAX_SOURCE_BYTES"]

MAX_SOURCE_BYTES = 1 << 20   # 1 MiB per file: 18 times the largest spec in specs/


class ReadError(Exception):
    """A file that cannot be read as a spec: the reason, and a hint."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


def read_spec(path: str) -> str:
    """The normalised text of the spec file at `path` (see the module docstring). Raises
    ReadError; OSError only for a path that does not exist."""
    shown = escape_name(path)
    if "\x00" in path:
        raise ReadError(f"cannot read {shown}: a file name cannot hold a NUL character")
    real = os.path.realpath(path)
    if real != os.path.abspath(path) and not real.endswith(".tock"):
        raise ReadError(f"{shown} is a link to {escape_name(real)}, which is not a .tock file",
                        "tock follows a link only to a spec file (a name ending in .tock)")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        if err.errno == 2:  # ENOENT: the caller says "no such file" its own way
            raise
        raise ReadError(f"cannot read {shown}: {err.strerror or err}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ReadError(f"{shown} is a folder, not a spec file")
        if not stat.S_ISREG(info.st_mode):
            raise ReadError(f"{shown} is not a regular file", "give the path of a .tock file")
        if info.st_size > MAX_SOURCE_BYTES:
            raise ReadError(f"{shown} has {info.st_size:,} bytes; a spec file has at most "
                            f"{MAX_SOURCE_BYTES:,}", "split it into files that import each other")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_SOURCE_BYTES + 1)
    except OSError as err:
        raise ReadError(f"cannot read {shown}: {err.strerror or err}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_SOURCE_BYTES:
        raise ReadError(f"{shown} has more than {MAX_SOURCE_BYTES:,} bytes",
                        "split it into files that import each other")
    try:
        return normalise(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ReadError(f"{shown} is not UTF-8 text (byte {err.start:,}, line {line:,})",
                        "check that this is a .tock spec, saved as UTF-8") from None


def load_files(main: SourceFile) -> tuple[list[ast.SpecFile], dict[str, SourceFile]]:
    """Parse `main` and, transitively, its imports. Imported files come first; each file
    appears once however often it is imported. Raises SpecError."""
    sources: dict[str, SourceFile] = {main.name: main}
    ordered: list[ast.SpecFile] = []
    done: set[str] = set()
    diagnostics: list[Diagnostic] = []

    def visit(source: SourceFile, stack: list[str]) -> None:
        try:
            spec = parse_text(source)
        except SpecError as err:
            diagnostics.extend(err.diagnostics)
            return
        base = os.path.dirname(source.name)
        for decl in spec.decls:
            if not isinstance(decl, ast.ImportDecl):
                continue
            path = os.path.normpath(os.path.join(base, decl.path))
            if not path.endswith(".tock"):
                diagnostics.append(Diagnostic("E104", f"cannot import '{decl.path}': only .tock "
                                              "files can be imported", decl.span))
                continue
            if path in stack:
                cycle = " -> ".join(stack[stack.index(path):] + [path])
                diagnostics.append(Diagnostic("E105", f"import cycle: {cycle}", decl.span))
                continue
            if path in done:
                continue
            try:
                text = read_spec(path)
            except ReadError as err:
                diagnostics.append(Diagnostic("E104", f"cannot import '{decl.path}': "
                                              f"{err.message}", decl.span, hint=err.hint))
                continue
            except OSError as err:
                diagnostics.append(Diagnostic("E104", f"cannot read '{decl.path}': "
                                              f"{err.strerror or err}", decl.span,
                                              hint=f"paths are relative to {base or '.'}"))
                continue
            imported = SourceFile(path, text)
            sources[path] = imported
            visit(imported, stack + [path])
        done.add(source.name)
        ordered.append(spec)

    visit(main, [main.name])
    if diagnostics:
        raise SpecError(diagnostics, sources)
    return ordered, sources
