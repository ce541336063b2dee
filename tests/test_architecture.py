"""Import direction and output discipline: model never imports checker; only the CLI
prints, reads argv or exits."""

from __future__ import annotations

import ast
import glob

import pytest


def _tree(path: str) -> ast.Module:
    with open(path, encoding="utf-8") as handle:
        return ast.parse(handle.read(), path)


@pytest.mark.parametrize("path", sorted(glob.glob("model/**/*.py", recursive=True)))
def test_model_never_imports_checker(path: str) -> None:
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            assert not any(a.name.split(".")[0] == "checker" for a in node.names), path
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            assert (node.module or "").split(".")[0] != "checker", path


PRINTING = {"print", "input", "exit", "quit"}


MODEL = sorted(glob.glob("model/**/*.py", recursive=True))


@pytest.mark.parametrize("path", MODEL)
def test_model_imports_no_private_names_across_modules(path: str) -> None:
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.level >= 1:
            private = [a.name for a in node.names if a.name.startswith("_")]
            assert not private, f"{path}:{node.lineno} imports {private} from .{node.module}"


@pytest.mark.parametrize("path", MODEL + sorted(glob.glob("checker/**/*.py", recursive=True)))
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
