"""Code generation: the checked model becomes Python source over packed-int states
(model.layout), executed once. One shared generator (generator.py) and one module per
target: explicit (successor functions of an untimed model), properties, zones and discrete
time.

    >>> from model import load_text
    >>> from model.codegen import compile_explicit
    >>> system = load_text("var x: 0..3 = 0\\naction inc when x < 3 do { x := x + 1 }")
    >>> code = compile_explicit(system.model, system.layout)
    >>> code.successors(0)
    [1]
"""

from __future__ import annotations

from .discrete import DiscreteClocks, DiscreteCode, compile_discrete
from .explicit import CompiledCode, compile_explicit, instance_table, successor_function
from .generator import (
    UNROLL_INSTANCES,
    UNROLL_QUANTIFIER,
    ClockAccess,
    Context,
    Generator,
    describe_instance,
    sanitize,
    specialize,
)
from .properties import compile_props, props_function
from .runtime import HELPERS, RuntimeFault, rep_of, value_of
from .zones import SharedSuccessors, ZoneCode, ZoneSite, compile_scenario_zones, compile_zones

__all__ = [
    "Generator", "Context", "ClockAccess", "specialize", "describe_instance", "sanitize",
    "UNROLL_INSTANCES", "UNROLL_QUANTIFIER",
    "RuntimeFault", "HELPERS", "rep_of", "value_of",
    "CompiledCode", "compile_explicit", "instance_table", "successor_function",
    "compile_props", "props_function",
    "SharedSuccessors", "ZoneCode", "ZoneSite", "compile_zones", "compile_scenario_zones",
    "DiscreteClocks", "DiscreteCode", "compile_discrete",
]
