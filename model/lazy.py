"""Modules loaded on first use: what only some runs need (the explorer's HTTP server, the
simulator, log replay; lark, when the parsed spec is in the cache) stays out of every other
run's start-up.

    explore = lazy_module("checker.explore")   # at module level, with the other imports

binds a module object whose code runs when one of its attributes is first read (the
standard library's importlib.util.LazyLoader). The rule against function-level imports
stands: a lazy module is named once, at the top of the module that uses it, where the
architecture test reads it as an import (tests/test_architecture.py counts these calls in
its import-cycle check and allows them only at module level). Type checkers see the real
import through an `if TYPE_CHECKING:` twin.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any

__all__ = ["lazy_module"]


def lazy_module(name: str) -> ModuleType:
    """The module `name` (absolute), imported now if it already was, else when first used."""
    module = sys.modules.get(name)
    if module is not None:
        return module
    parent, _, child = name.rpartition(".")
    if parent and (parent not in sys.modules or _unloaded(sys.modules[parent])):
        return _Deferred(name)
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    if parent:
        setattr(sys.modules[parent], child, module)
    return module


def _unloaded(module: ModuleType) -> bool:
    """Whether `module` is a lazy module (importlib.util.LazyLoader) not run yet."""
    return type(module) is not ModuleType and type(module).__name__ == "_LazyModule"


class _Deferred(ModuleType):
    """Stands for the module of its name, imported when an attribute is first read."""

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attr)
