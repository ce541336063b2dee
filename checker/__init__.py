"""Tock's engine: exploration, properties, traces, reports, renderers and the CLI.

    >>> from checker import check
    >>> report = check("var x: 0..2 = 0\\naction inc when x < 2 do { x := x + 1 }\\n"
    ...                "allow deadlock")
    >>> report.outcome, report.stats.states
    ('ok', 3)

`check(path_or_text, constants=..., options=...)` returns a Report (data only); the
renderers in checker.render turn it into text or JSON. `diff(path_or_text, left=...,
right=..., observe=...)` compares two configurations (checker.compare, docs/diff.md).

The names below are imported on first use, so `import checker.cli` (the `tock` command)
loads nothing heavy before it can catch a Ctrl-C.
"""

from __future__ import annotations

import importlib

__all__ = ["check", "check_system", "load", "Options", "Report", "PropertyResult", "Stats",
           "Step", "Change", "Trace", "UsageError", "diff", "DiffResult", "replay",
           "ReplayResult", "simulate", "SimSettings", "SimulationReport"]

_WHERE = {"check": "api", "check_system": "api", "load": "api", "UsageError": "errors",
          "Options": "options", "Report": "report", "PropertyResult": "report",
          "Stats": "report", "Step": "report", "Change": "report", "Trace": "report",
          "diff": "compare", "DiffResult": "report", "replay": "api",
          "ReplayResult": "logs.validate", "simulate": "simulation",
          "SimSettings": "simulation", "SimulationReport": "simulation"}


def __getattr__(name: str) -> object:
    if name not in _WHERE:
        raise AttributeError(f"module 'checker' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
