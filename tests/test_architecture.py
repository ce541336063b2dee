"""The project's layout rules, as tests.

- model never imports checker; the checker imports only model's package root and never
  reads the IR behind a TransitionSystem (`system.model`);
- no import cycles between modules (module-level imports; TYPE_CHECKING blocks aside);
- no `from .x import _private` across modules;
- no function-level imports except of heavy or optional third-party libraries; a module
  loaded on first use (`lazy_module("checker.x")`, checker/lazy.py) is named at module
  level only, and counts as an import in the cycle check;
- only the CLI prints, reads argv or exits; renderers read only the report;
- mypy is clean on the modules configured in pyproject.toml.
"""

from __future__ import annotations

import ast
import glob
import os
import shutil
import subprocess
import sys

import pytest

SOURCES = sorted(glob.glob("model/**/*.py", recursive=True)
                 + glob.glob("checker/**/*.py", recursive=True))
# third-party libraries a function may import on first use (start-up time, optional)
LAZY_OK = {"networkx", "graphviz", "hypothesis", "ray"}


def _tree(path: str) -> ast.Module:
    with open(path, encoding="utf-8") as handle:
        return ast.parse(handle.read(), path)


def _module_name(path: str) -> str:
    name = path[:-3].replace(os.sep, ".")
    return name.removesuffix(".__init__")


def _is_package(path: str) -> bool:
    return path.endswith("__init__.py")


def _absolute(path: str, node: ast.ImportFrom) -> str:
    """The absolute module an ImportFrom names."""
    if node.level == 0:
        return node.module or ""
    parts = _module_name(path).split(".")
    if not _is_package(path):
        parts = parts[:-1]
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def _type_checking_blocks(tree: ast.Module) -> set[int]:
    """Line numbers inside `if TYPE_CHECKING:` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) \
                and node.test.id == "TYPE_CHECKING":
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _imports(path: str, *, module_level: bool) -> list[tuple[int, str, list[str]]]:
    """(line, absolute module, imported names) of a file's imports; with `module_level`,
    only those that run when the module is imported."""
    tree = _tree(path)
    skip = _type_checking_blocks(tree) if module_level else set()
    nodes = tree.body if module_level else list(ast.walk(tree))
    out = []
    for node in nodes:
        if getattr(node, "lineno", 0) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.append((node.lineno, alias.name, []))
        elif isinstance(node, ast.ImportFrom):
            out.append((node.lineno, _absolute(path, node), [a.name for a in node.names]))
        elif module_level:
            out.extend((line, name, []) for line, name in _lazy_modules(node))
    return out


def _lazy_modules(node: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of each `lazy_module("...")` call inside `node`: the import it
    stands for (an `if TYPE_CHECKING: ... else:` keeps it at module level)."""
    out = []
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) \
                and call.func.id == "lazy_module":
            arg = call.args[0] if call.args else None
            assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), \
                f"line {call.lineno}: lazy_module takes the module's name as a literal"
            out.append((call.lineno, arg.value))
    return out


@pytest.mark.parametrize("path", [p for p in SOURCES if p.startswith("model")])
def test_model_never_imports_checker(path: str) -> None:
    for line, module, _names in _imports(path, module_level=False):
        assert module.split(".")[0] != "checker", f"{path}:{line} imports {module}"


@pytest.mark.parametrize("path", [p for p in SOURCES if p.startswith("checker")])
def test_the_checker_imports_only_the_model_root(path: str) -> None:
    for line, module, _names in _imports(path, module_level=False):
        assert not module.startswith("model."), f"{path}:{line} imports {module}"


@pytest.mark.parametrize("path", [p for p in SOURCES if p.startswith("checker")])
def test_the_checker_never_reads_the_ir(path: str) -> None:
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Attribute) and node.attr == "model":
            raise AssertionError(f"{path}:{node.lineno} reads .model")


def test_no_import_cycles() -> None:
    known = {_module_name(p): p for p in SOURCES}
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        deps = set()
        package = name if _is_package(path) else name.rpartition(".")[0]
        for _line, module, names in _imports(path, module_level=True):
            # `from . import sibling` binds a module object whose names are read when a
            # function runs, not at import: the mutual recursion of one algorithm split
            # across the files of one package (model/check/: expressions need names,
            # names need expressions). It cannot fail at import, so it is not a cycle.
            if module == package and names and all(f"{module}.{n}" in known for n in names):
                continue
            # `from pkg import sub` imports the submodule pkg.sub when there is one
            for candidate in [module] + [f"{module}.{n}" for n in names]:
                if candidate in known and candidate != name:
                    deps.add(candidate)
        # importing a submodule runs its package's __init__ first
        parts = name.split(".")
        for k in range(1, len(parts)):
            parent = ".".join(parts[:k])
            if parent in known and parent != name:
                deps.add(parent)
        graph[name] = deps
    # a package importing its own submodules is how packages work, not a cycle; drop the
    # edges from a submodule back up to the packages that contain it
    for name in graph:
        graph[name] = {d for d in graph[name] if not name.startswith(d + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycle = stack[stack.index(dep):] + [dep]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    for node in sorted(graph):
        if node not in state:
            visit(node)


@pytest.mark.parametrize("path", SOURCES)
def test_no_private_names_across_modules(path: str) -> None:
    for line, module, names in _imports(path, module_level=False):
        if module.split(".")[0] not in ("model", "checker"):
            continue
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        assert not private, f"{path}:{line} imports {', '.join(private)} from {module}"


@pytest.mark.parametrize("path", SOURCES)
def test_no_function_level_imports(path: str) -> None:
    tree = _tree(path)
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [_absolute(path, node)]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] in LAZY_OK, \
                    f"{path}:{node.lineno} imports {module} inside {fn.name}()"


@pytest.mark.parametrize("path", SOURCES)
def test_lazy_modules_are_named_at_module_level(path: str) -> None:
    for fn in ast.walk(_tree(path)):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and fn.name != "lazy_module":
            found = _lazy_modules(fn)
            assert not found, f"{path}:{found[0][0] if found else 0} calls lazy_module " \
                              f"inside {fn.name}()"


def test_a_lazy_module_counts_in_the_cycle_check() -> None:
    tree = ast.parse('if TYPE_CHECKING:\n    pass\nelse:\n    x = lazy_module("checker.x")\n')
    assert _lazy_modules(tree) == [(4, "checker.x")]
    assert ("checker.explore" in {m for _l, m, _n in
                                  _imports("checker/cli.py", module_level=True)})


PRINTING = {"print", "input", "exit", "quit"}


@pytest.mark.parametrize("path", SOURCES)
def test_only_the_cli_prints_or_exits(path: str) -> None:
    if path in ("checker/cli.py", "checker/__main__.py"):
        return
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in PRINTING, f"{path}:{node.lineno} calls {node.func.id}"
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "sys":
                assert node.attr not in ("stdout", "stderr", "exit", "argv"), \
                    f"{path}:{node.lineno} uses sys.{node.attr}"


@pytest.mark.parametrize("path", sorted(glob.glob("checker/render/*.py")))
def test_renderers_do_not_reach_into_the_engine(path: str) -> None:
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.level >= 2:
            assert node.module in ("report", None), f"{path} imports {node.module}"


def test_mypy_is_clean() -> None:
    mypy = shutil.which("mypy", path=os.path.dirname(sys.executable)) or shutil.which("mypy")
    if mypy is None:
        pytest.skip("mypy is not installed (it comes with the test extras: pip install -e "
                    "'.[test]')")
    done = subprocess.run([mypy, "--no-error-summary"], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
