"""Reading a spec and the files it imports, in dependency order."""

from __future__ import annotations

import os

from . import ast
from .diagnostics import Diagnostic, SpecError
from .parser import parse_text
from .source import SourceFile

__all__ = ["load_files"]


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
                with open(path, "rb") as handle:
                    text = handle.read().decode("utf-8")
            except UnicodeDecodeError:
                diagnostics.append(Diagnostic("E104", f"cannot import '{decl.path}': it is not "
                                              "UTF-8 text", decl.span))
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
