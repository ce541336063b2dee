"""The Tock language: grammar, syntax tree, checks and compiler.

    >>> from model import load_text
    >>> system = load_text("var x: 0..3 = 0\\naction inc when x < 3 do { x := x + 1 }")
    >>> [system.decode(s) for s in system.initial_states()]
    [(0,)]

`model` never imports `checker`: the engine depends on the language, not the reverse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .check import check_spec
from .codegen import RuntimeFault, ZoneCode
from .concrete import ConcreteMove, ConcreteState, ConcreteStepper, PropertyValue, WaitHint
from .diagnostics import CODES, Diagnostic, SpecError
from .explain import FAILING_INSTANCE, ClockInterval
from .interp import EvalError
from .lazy import lazy_module
from .limits import check_limits
from .loader import ReadError, load_files, read_spec
from .nodeclass import nodeclass
from .outline import Section
from .source import SourceFile, Span, escape_name, normalise
from .system import (
    BoundInfo,
    DiscreteTimeSystem,
    Fairness,
    LivenessInfo,
    MeasureInfo,
    MeasureProduct,
    PropertyInfo,
    ScenarioItem,
    ScenarioProduct,
    Transition,
    TransitionSystem,
    json_value,
)
from .timetext import exact_text, format_time, open_duration, open_text
from .types import format_duration, format_value

if TYPE_CHECKING:
    from .codegen.vector import VectorCode
else:  # only the explicit engine's vectorised expansion needs it (100 KB of byte code)
    _vector = lazy_module("model.codegen.vector")

__all__ = [
    "load_spec", "load_text", "load_model", "TransitionSystem", "Transition", "PropertyInfo",
    "LivenessInfo", "MeasureInfo", "MeasureProduct", "Fairness", "ScenarioProduct",
    "ScenarioItem", "BoundInfo", "RuntimeFault",
    "SpecError", "Diagnostic", "CODES", "SourceFile", "Span", "EvalError", "format_duration",
    "json_value", "format_value", "ZoneCode", "escape_name", "DiscreteTimeSystem", "Section",
    "ConcreteStepper", "ConcreteState", "ConcreteMove", "PropertyValue", "WaitHint",
    "format_time", "exact_text", "open_text", "open_duration",
    "ClockInterval", "FAILING_INSTANCE", "VectorCode", "lazy_module", "nodeclass",
]


def __getattr__(name: str) -> Any:
    """`VectorCode`, from model.codegen.vector, loaded when first asked for (only the
    explicit engine's vectorised expansion needs that module)."""
    if name == "VectorCode":
        return _vector.VectorCode
    raise AttributeError(f"module 'model' has no attribute {name!r}")


def load_model(source: SourceFile, constants: dict[str, str] | None = None,
               origin: str = "--set"):
    """Parse and check a spec: the checked model (`model.ir.Model`) and the sources read.
    `origin` names where the constants come from in diagnostics (`--set`, `constants`)."""
    files, sources = load_files(source)
    model = check_spec(files, sources, constants, origin)
    too_large = check_limits(model)
    if too_large:
        raise SpecError(too_large, sources)
    return model, sources


def load_text(text: str, name: str = "<text>",
              constants: dict[str, str] | None = None,
              origin: str = "--set") -> TransitionSystem:
    """Compile spec text; `constants` overrides `const`s and fixes `param`s by name, with
    values written as in the language (`"3"`, `"15s"`, `"true"`); `origin` names where they
    come from in diagnostics (`--set`, or `constants` for the Python API). Raises
    SpecError."""
    model, sources = load_model(SourceFile(name, normalise(text)), constants, origin)
    return TransitionSystem(model, sources)


def load_spec(path: str, constants: dict[str, str] | None = None,
              origin: str = "--set") -> TransitionSystem:
    """Compile the spec file at `path` (see load_text). Raises SpecError or OSError."""
    return load_text(read_source(path), path, constants, origin)


def read_source(path: str) -> str:
    """A spec file's text (normalised: see model.source); SpecError E104 when it is not a
    readable spec (model.loader.read_spec says which files are)."""
    try:
        return read_spec(path)
    except ReadError as err:
        raise SpecError([Diagnostic("E104", err.message, Span(path, 0, 0, 0, 0),
                                    hint=err.hint)], {}) from None
