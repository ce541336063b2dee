"""The runtime contract between the language and the engine: a compiled transition system.

States are packed ints (model.layout). `successors` is the fast function the explorer runs;
`labeled` says which action instance produced each successor (for traces) and which
instances failed at run time; `runtime_error` and `property_error` ask the reference
interpreter for the exact message of a failure.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import interp, ir
from .codegen import CompiledCode, compile_props, instance_table, value_of
from .codegen import compile_explicit as compile_code
from .diagnostics import Diagnostic, SpecError
from .layout import Layout
from .source import SourceFile, Span
from .types import Type, Value, format_value

__all__ = ["TransitionSystem", "Transition", "PropertyInfo"]


@dataclass(frozen=True, slots=True)
class Transition:
    """One labelled edge: the action, its arguments and the values `choose` picked, all
    formatted as the spec writes them. Prints as `crash(a=1)`, `tick`, or
    `deliver(m=2) choose x=3`."""

    action: str
    process: str | None
    args: tuple[tuple[str, str], ...]
    choices: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        text = self.action
        if self.args:
            text += f"({', '.join(f'{n}={v}' for n, v in self.args)})"
        if self.choices:
            text += " choose " + ", ".join(f"{n}={v}" for n, v in self.choices)
        return text


@dataclass(frozen=True, slots=True)
class PropertyInfo:
    name: str
    kind: str  # invariant | reachable
    span: Span


class TransitionSystem:
    """A checked, compiled model: what `checker` explores."""

    def __init__(self, model: ir.Model, sources: dict[str, SourceFile]):
        self.model = model
        self.sources = sources
        self.name = model.name
        self.file = model.file
        self.layout = self._make_layout()
        self.properties = tuple(PropertyInfo(p.name, p.kind, p.span) for p in model.properties)
        self.instances = instance_table(model)
        self._code: CompiledCode | None = None
        self._props_cache: dict[frozenset[int], object] = {}

    def _make_layout(self) -> Layout:
        return Layout(self.model)

    # -------------------------------------------------------------- compiled code (lazy)
    @property
    def code(self) -> CompiledCode:
        """The generated successor and property functions (compiled on first use; a timed
        model is compiled by its time engine instead)."""
        if self._code is None:
            self._code = self._compile()
        return self._code

    def _compile(self) -> CompiledCode:
        return compile_code(self.model, self.layout)

    @property
    def successors(self):  # noqa: ANN201
        """`successors(state) -> list[int]`: the fast function (raises RuntimeFault)."""
        return self.code.successors

    @property
    def labeled(self):  # noqa: ANN201
        """`labeled(state) -> [(instance, choices, next or None)]`."""
        return self.code.labeled

    # -------------------------------------------------------------- facts
    @property
    def has_clocks(self) -> bool:
        return bool(self.model.clocks)

    @property
    def allow_deadlock(self) -> bool:
        return self.model.allow_deadlock

    @property
    def expects(self) -> dict[str, str]:
        return {name: verdict for name, (verdict, _) in self.model.expects.items()}

    def constants(self) -> list[tuple[str, str]]:
        """The constants and fixed params of this run, formatted (for reports)."""
        out = [(name, format_value(typ, value)) for name, typ, value in self.model.constants]
        for var in self.model.params:
            if var.init_kind == "=" and var.init is not None:
                out.append((var.name, format_value(var.type, var.init.value)))  # type: ignore[attr-defined]
        return out

    # -------------------------------------------------------------- states
    def initial_states(self) -> list[int]:
        """The packed initial states. A spec error (SpecError) when an initial value falls
        outside its domain, or when there is no initial state at all."""
        try:
            states = interp.initial_states(self.model)
        except interp.EvalError as err:
            raise SpecError([Diagnostic(err.code, err.message, err.span)],
                            self.sources) from None
        if not states:
            span = Span(self.file, 0, 0, 0, 0)
            raise SpecError([Diagnostic("E313", "the spec has no initial state", span,
                                        hint="a `var x: T in S` has an empty S, or a param "
                                        "has no value left")], self.sources)
        return [self.layout.encode(values) for values in states]

    def decode(self, state: int) -> tuple:
        return self.layout.decode(state)

    # -------------------------------------------------------------- transitions
    def transition(self, inst: int, choices: tuple = ()) -> Transition:
        a, args = self.instances[inst]
        action = self.model.actions[a]
        shown = tuple((local.name, format_value(local.type, v))
                      for local, v in zip(action.locals, args))
        picked = []
        for local_id, rep in choices:
            local = self.code.choice_locals[local_id]
            picked.append((local.name, format_value(local.type, value_of(local.type, rep))))
        return Transition(action.name, action.process, shown, tuple(picked))

    def action_of(self, inst: int) -> ir.Action:
        return self.model.actions[self.instances[inst][0]]

    def runtime_error(self, state: int, inst: int) -> interp.EvalError | None:
        """The interpreter's account of why instance `inst` fails in `state` (None if it
        does not fail there, which would be a compiler bug)."""
        a, args = self.instances[inst]
        action = self.model.actions[a]
        values = self.decode(state)
        env = dict(zip(action.locals, args))
        try:
            if action.guard is not None and not interp.evaluate(action.guard, values, env):
                return None
            for atom in action.clock_guard:  # the timed targets index these clocks next
                interp.clock_index(atom.clock, values, env)
            for _ in interp.execute(action.body, values, env, (), ()):
                pass
        except interp.EvalError as err:
            return err
        return None

    def property_error(self, state: int) -> tuple[int, interp.EvalError] | None:
        """The first property whose evaluation fails in `state`, with the error."""
        return self.property_hits(state, range(len(self.model.properties)))[1]

    def property_hits(self, state: int, indices) -> tuple[int, tuple | None]:  # noqa: ANN001
        """With the interpreter, one property at a time: the bit mask of `indices` that
        fire in `state` (an invariant false, a reachable true), and the first error."""
        values = self.decode(state)
        clocks = self._clock_ms(state)
        hits = 0
        error = None
        for k in sorted(indices):
            prop = self.model.properties[k]
            try:
                value = bool(interp.evaluate(prop.expr, values, {}, clocks))
            except interp.EvalError as err:
                if error is None:
                    error = (k, err)
                continue
            if value != (prop.kind == "invariant"):
                hits |= 1 << k
        return hits, error

    def _clock_ms(self, state: int):  # noqa: ANN202
        """Clock values (ms) where the state holds them (discrete time), else None."""
        return None

    def props_for(self, indices: frozenset[int]):
        """A predicate function over the properties in `indices` (see compile_props)."""
        fn = self._props_cache.get(indices)
        if fn is None:
            fn = compile_props(self.model, self.layout, indices, self._clock_read())
            self._props_cache[indices] = fn
        return fn

    def _clock_read(self):  # noqa: ANN202
        return None

    def predicate(self, expr: ir.Expr):  # noqa: ANN201
        """A compiled test of a boolean expression over packed states (raises RuntimeFault
        where the expression fails)."""
        import dataclasses

        probe = dataclasses.replace(self.model, properties=(
            ir.Property("@probe", "reachable", expr, expr.span),))
        fn = compile_props(probe, self.layout, frozenset([0]), self._clock_read())
        return lambda state: fn(state) == 1

    def replay_step(self, before: int, inst: int, choices: tuple, after: int) -> bool:
        """Whether the reference interpreter, running instance `inst` from `before` with
        the recorded `choose` values, reaches `after`: an independent check of a trace."""
        a, args = self.instances[inst]
        action = self.model.actions[a]
        values = self.decode(before)
        env = dict(zip(action.locals, args))
        want = self.decode(after)
        picked = tuple(value_of(self.code.choice_locals[i].type, rep) for i, rep in choices)
        try:
            if action.guard is not None and not interp.evaluate(action.guard, values, env):
                return False
            return any(out.state == want and out.choices == picked
                       for out in interp.execute(action.body, values, env, (), ()))
        except interp.EvalError:
            return False

    def evaluate(self, expr: ir.Expr, state: int) -> Value:
        return interp.evaluate(expr, self.decode(state), {})


def format_rep(typ: Type, rep: int) -> str:
    return format_value(typ, value_of(typ, rep))
