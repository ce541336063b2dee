"""The Tock language: grammar, syntax tree, checks and compiler.

    >>> from model import load_text
    >>> system = load_text("var x: 0..3 = 0\\naction inc when x < 3 do { x := x + 1 }")
    >>> [system.decode(s) for s in system.initial_states()]
    [(0,)]

`model` never imports `checker`: the engine depends on the language, not the reverse.
"""

from __future__ import annotations

from .check import check_spec
from .compile import RuntimeFault
from .diagnostics import CODES, Diagnostic, SpecError
from .interp import EvalError
from .loader import load_files
from .source import SourceFile, Span
from .system import (
    Fairness,
    LivenessInfo,
    PropertyInfo,
    ScenarioItem,
    ScenarioProduct,
    Transition,
    TransitionSystem,
    json_value,
)
from .timed import ZoneCode
from .types import format_duration

__all__ = [
    "load_spec", "load_text", "load_model", "TransitionSystem", "Transition", "PropertyInfo",
    "LivenessInfo", "Fairness", "ScenarioProduct", "ScenarioItem", "RuntimeFault",
    "SpecError", "Diagnostic", "CODES", "SourceFile", "Span", "EvalError", "format_duration",
    "json_value", "ZoneCode",
]


def load_model(source: SourceFile, constants: dict[str, str] | None = None):
    """Parse and check a spec: the checked model (`model.ir.Model`) and the sources read."""
    files, sources = load_files(source)
    return check_spec(files, sources, constants), sources


def load_text(text: str, name: str = "<text>",
              constants: dict[str, str] | None = None) -> TransitionSystem:
    """Compile spec text; `constants` overrides `const`s and fixes `param`s by name, with
    values written as in the language (`"3"`, `"15s"`, `"true"`). Raises SpecError."""
    model, sources = load_model(SourceFile(name, text), constants)
    return TransitionSystem(model, sources)


def load_spec(path: str, constants: dict[str, str] | None = None) -> TransitionSystem:
    """Compile the spec file at `path` (see load_text). Raises SpecError or OSError."""
    return load_text(read_source(path), path, constants)


def read_source(path: str) -> str:
    """A spec file's text; SpecError E104 when it is not UTF-8 text."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise SpecError([Diagnostic("E104", f"{path} is not UTF-8 text (byte {err.start})",
                                    Span(path, 0, 0, 0, 0),
                                    hint=f"check that this is a .tock spec (line {line})")],
                        {}) from None
