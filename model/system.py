"""The runtime contract between the language and the engine: a compiled transition system.

States are packed ints (model.layout). `successors` is the fast function the explorer runs;
`labeled` says which action instance produced each successor (for traces) and which
instances failed at run time; `runtime_error` and `property_error` ask the reference
interpreter for the exact message of a failure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from functools import cached_property
from itertools import islice
from typing import TYPE_CHECKING, Any

from . import interp, ir
from .codegen import (
    CompiledCode,
    DiscreteClocks,
    RuntimeFault,
    SharedSuccessors,
    ZoneCode,
    compile_discrete,
    compile_props,
    compile_scenario_zones,
    compile_zones,
    instance_table,
    value_of,
)
from .codegen import compile_explicit as compile_code
from .diagnostics import Diagnostic, SpecError
from .distance import violation_distance
from .explain import (
    ClockInterval,
    ClockValue,
    Why,
    explain,
    explain_response,
    explain_runtime,
    explain_stuck,
    source_text,
)
from .irutil import SubstMemo, mentions_clock, walk
from .layout import Layout
from .lazy import lazy_module
from .nodeclass import nodeclass
from .outline import Section, outline
from .products import (
    ProductInfo,
    measure_product,
    response_product,
    scenario_product,
    staying_product,
    waiting_product,
)
from .source import SourceFile, Span
from .time import (
    all_numbers,
    clock_constants,
    clock_dnf,
    clock_names,
    default_tick,
    discrete_refusal,
    raw_bound,
    static_number,
    time_constants,
)
from .types import (
    ArrayT,
    BagT,
    BoolT,
    EnumT,
    IntT,
    OptionT,
    QueueT,
    RecordT,
    SetT,
    Type,
    Value,
    format_duration,
    format_value,
)

if TYPE_CHECKING:
    from .codegen import vector
    from .codegen.vector import VectorCode
else:  # only the explicit engine's vectorised expansion needs it (100 KB of byte code)
    vector = lazy_module("model.codegen.vector")

__all__ = ["TransitionSystem", "DiscreteTimeSystem", "Transition", "PropertyInfo",
           "LivenessInfo", "MeasureInfo", "MeasureProduct", "Fairness", "ScenarioProduct",
           "ScenarioItem", "BoundInfo", "json_value"]


@nodeclass(frozen=True, slots=True)
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


@nodeclass(frozen=True, slots=True)
class PropertyInfo:
    name: str
    kind: str  # invariant | reachable
    span: Span
    mentions_clock: bool = False


@nodeclass(frozen=True, slots=True)
class LivenessInfo:
    """`P ~> Q`, or with `within` (ms) the bounded response `P ~> Q within T`."""

    name: str
    span: Span
    within: int | None


@nodeclass(frozen=True, slots=True)
class MeasureInfo:
    """A timing query (`measure`): kind "clock" or "delay", and the spec's expected interval
    (`expected`, or None)."""

    name: str
    kind: str
    span: Span
    expected: ir.Interval | None
    expect_span: Span | None


@nodeclass(frozen=True, slots=True)
class MeasureProduct:
    """The product a measure is read on (model.products.measure): `reads` is, for the upper
    end then the lower end, the product's property that says where the clock is read and
    the clock's number; a delay's product has the property @zero (a delay of 0) last."""

    system: TransitionSystem
    reads: tuple[tuple[int, int], ...]
    zero: int | None


@nodeclass(frozen=True, slots=True)
class Fairness:
    """Fairness groups: one per instance of a fair action and one per instance of a fair
    process (all its actions). `kinds[g]` is "weak" or "strong"; `of_instance[i]` is the
    bit mask of the groups transition instance i belongs to."""

    kinds: tuple[str, ...]
    of_instance: tuple[int, ...]

    @property
    def weak(self) -> int:
        return sum(1 << g for g, k in enumerate(self.kinds) if k == "weak")

    @property
    def strong(self) -> int:
        return sum(1 << g for g, k in enumerate(self.kinds) if k == "strong")


@nodeclass(frozen=True, slots=True)
class BoundInfo:
    """A `bound` (or a timeout's deadline) as reports name it: where it is declared
    (`file:line:col`; for a deadline, its `after` clause), the limit (a deadline's `c == K`)
    and the `while` condition as the spec writes them, and the timeout it belongs to (None:
    a `bound`)."""

    location: str
    limit: str
    condition: str | None
    timeout: str | None


@nodeclass(frozen=True, slots=True)
class ScenarioItem:
    """A step or wait of a scenario's script: what it is (an action's name or `the wait`)
    and where."""

    what: str
    span: Span


@nodeclass(frozen=True)
class ScenarioProduct:
    """A scenario as a system of its own (model.products): its asserts are its invariants
    `asserts[k][0]` (with the assert's span), and its reachables `at[k]` say the script got
    past item k + 1 of `items`."""

    system: TransitionSystem
    span: Span
    asserts: tuple[tuple[str, Span], ...]
    at: tuple[str, ...]
    items: tuple[ScenarioItem, ...]


class TransitionSystem:
    """A checked, compiled model: what `checker` explores."""

    def __init__(self, model: ir.Model, sources: dict[str, SourceFile]):
        self.model = model
        self.sources = sources
        self.name = model.name
        self.file = model.file
        self.layout = self._make_layout()
        self.properties = tuple(PropertyInfo(p.name, p.kind, p.span, mentions_clock(p.expr))
                                for p in model.properties)
        self.instances = instance_table(model)
        self._code: CompiledCode | None = None
        self._props_cache: dict[frozenset[int], Callable[[int], int]] = {}
        self._read_masks: dict[int, int] = {}
        self._formulas: dict[tuple[int, int], list[tuple[tuple[int, int, int], ...]]] = {}
        # shared by this system and its products (made on the first product): the
        # specialisations of this model's actions, which every product's actions extend
        self.specialize_memo: SubstMemo | None = None
        # a product made by `_product`: the system it extends; a scenario product's script
        # (the zone engine composes the parent's successors with it: zone_target)
        self.parent: TransitionSystem | None = None
        self.scenario_info: ProductInfo | None = None

    def forget_specialisations(self) -> None:
        """Drop what the products shared (their compilations and the successors they
        remembered): every product has been checked."""
        if self.specialize_memo is not None:
            self.specialize_memo.clear()
        self.specialize_memo = None
        shared = self.__dict__.get("shared_successors")
        if shared is not None:  # and the successors they remembered
            shared.clear()

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
    def successors(self) -> Callable[[int], list[int]]:
        """`successors(state) -> list[int]`: the fast function (raises RuntimeFault)."""
        return self.code.successors

    @property
    def labeled(self) -> Callable[[int], list[tuple[Any, ...]]]:
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

    @cached_property
    def action_names(self) -> tuple[str, ...]:
        """The actions' names in declaration order (an instance's action: `instances`)."""
        return tuple(action.name for action in self.model.actions)

    @cached_property
    def action_locations(self) -> dict[tuple[str | None, str], str]:
        """(process, action) -> `file:line:col` of the action's declaration (the SARIF
        report places each step of a trace there)."""
        return {(action.process, action.name): str(action.span)
                for action in self.model.actions}

    @cached_property
    def processes(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Each process's name and the names of its index parameters."""
        return tuple((p.name, tuple(local.name for local in p.locals))
                     for p in self.model.processes)

    @cached_property
    def liveness(self) -> tuple[LivenessInfo, ...]:
        return tuple(LivenessInfo(p.name, p.span, p.within) for p in self.model.liveness)

    @cached_property
    def scenario_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.model.scenarios)

    def scenario_skipped(self, name: str) -> tuple[str, Span] | None:
        """Why scenario `name` is not run (it names a value that the constants set from
        outside leave out) and where it is, or None."""
        scenario = next(s for s in self.model.scenarios if s.name == name)
        return None if scenario.skipped is None else (scenario.skipped, scenario.span)

    def outline(self) -> tuple[Section, ...]:
        """What `tock explain` shows of this model, as titled tables (model.outline)."""
        return outline(self.model, self.layout, self.instances, self.sources, self.constants())

    def constants(self) -> list[tuple[str, str]]:
        """The constants and fixed params of this run, formatted (for reports)."""
        out = [(name, format_value(typ, value)) for name, typ, value in self.model.constants]
        for var in self.model.params:
            if var.init_kind == "=" and var.init is not None:
                out.append((var.name, format_value(var.type, var.init.value)))  # type: ignore[attr-defined]
        return out

    # -------------------------------------------------------------- states
    def initial_states(self, limit: int | None = None) -> list[int]:
        """The packed initial states. A spec error (SpecError) when an initial value falls
        outside its domain, or when there is no initial state at all. With `limit`, the
        enumeration stops after limit + 1 states (more than `limit` says it was cut)."""
        try:
            enumeration = interp.iter_initial_states(self.model)
            states = list(enumeration if limit is None else islice(enumeration, limit + 1))
        except interp.EvalError as err:
            raise SpecError([Diagnostic(err.code, err.message, err.span)],
                            self.sources) from None
        if self.model.bounds:
            # a bound that cannot be evaluated where the run starts is a spec error, like
            # an initial value outside its domain
            for state in states:
                failure = self._bound_error(state)
                if failure is not None:
                    raise SpecError([Diagnostic(failure.code,
                                                f"in the initial state: {failure.message}",
                                                failure.span)], self.sources)
        if not states:
            span = Span(self.file, 0, 0, 0, 0)
            hint = ("a `var x: T in S` has an empty S, or a param has no value left"
                    if not self.model.inits else "no assignment of the variables satisfies "
                    "every `init` (or a `var x: T in S` has an empty S)")
            raise SpecError([Diagnostic("E313", "the spec has no initial state", span,
                                        hint=hint)], self.sources)
        return [self.layout.encode(values) for values in states]

    @property
    def has_inits(self) -> bool:
        """Whether the spec narrows its initial states with `init` predicates."""
        return bool(self.model.inits)

    def initial_states_polled(self, limit: int | None, poll: Callable[[int], None],
                              out: list[int]) -> None:
        """The packed initial states appended to `out` one at a time, at most limit + 1,
        with `poll(n)` called every few thousand candidate values: it may raise (a budget
        stops the enumeration), and `out` then holds the states found so far. The same
        spec errors as initial_states, except that an enumeration stopped early has no
        E313."""
        enumeration = interp.iter_initial_states(self.model, poll)
        try:
            for values in enumeration:
                if self.model.bounds:
                    failure = self._bound_error(values)
                    if failure is not None:
                        raise SpecError([Diagnostic(failure.code,
                                                    f"in the initial state: {failure.message}",
                                                    failure.span)], self.sources)
                state = self.layout.encode(values)
                if self._initial_ok(state):
                    out.append(state)
                if limit is not None and len(out) > limit:
                    return
        except interp.EvalError as err:
            raise SpecError([Diagnostic(err.code, err.message, err.span)],
                            self.sources) from None
        if not out:
            self.initial_states(0)  # raises E313 with its hint

    def _initial_ok(self, state: int) -> bool:
        """Whether a packed initial state can exist (discrete time: no bound exceeded)."""
        return True

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
            for outcome in interp.execute(action.body, values, env, (), ()):
                # the bounds of the state it leads to must be evaluated there too
                err = self._bound_error(outcome.state)
                if err is not None:
                    return err
        except interp.EvalError as err:
            return err
        return None

    def _bound_error(self, values: tuple) -> interp.EvalError | None:
        """Why some bound's condition (or clock index) fails to evaluate with these
        values, if one does."""
        try:
            interp.active_bounds(self.model, values)
        except interp.EvalError as err:
            return err
        return None

    def bound_sites(self, state: int) -> tuple[tuple[int, int, int], ...]:
        """The bounds active in (the discrete part of) packed state `state`, with the
        interpreter: (index in `model.bounds`, clock number as the zone code numbers clocks
        (1-based), raw DBM bound). Empty where a bound cannot be evaluated (the action that
        leads there fails at run time, which is reported as such)."""
        try:
            sites = interp.active_bound_sites(self.model, self.decode(state))
        except interp.EvalError:
            return ()
        return tuple((b, x + 1, raw_bound(k, op == "<")) for b, x, op, k in sites)

    def action_info(self, a: int) -> tuple[str, str | None, str, int, str | None]:
        """Action `a` (declaration order) as reports name it: its name, process,
        `file:line:col`, number of instances, and its clock condition as the spec writes it
        (a timeout: its `after` clause; None: no clock in its guard)."""
        action = self.model.actions[a]
        clock = " and ".join(t for t in (source_text(atom.span, self.sources)
                                         for atom in action.clock_guard) if t) or None
        return action.name, action.process, str(action.span), action.instances, clock

    def bound_info(self, index: int) -> BoundInfo:
        """How reports name bound `index` of `model.bounds` (BoundInfo)."""
        bound = self.model.bounds[index]
        timeout = next((a.name for a in self.model.actions if a.is_timeout
                        and any(atom.span == bound.atom.span for atom in a.clock_guard)),
                       None)
        limit = source_text(bound.atom.span, self.sources) or \
            f"{bound.atom.op} {format_duration(bound.atom.bound)}"
        condition = None if bound.cond is None else \
            source_text(bound.cond.span, self.sources)
        where = bound.atom.span if timeout is not None else bound.span
        return BoundInfo(str(where), limit, condition, timeout)

    def property_error(self, state: int) -> tuple[int, interp.EvalError] | None:
        """The first property whose evaluation fails in `state`, with the error."""
        return self.property_hits(state, range(len(self.model.properties)))[1]

    def property_hits(self, state: int, indices: Iterable[int]
                      ) -> tuple[int, tuple[int, interp.EvalError] | None]:
        """With the interpreter, one property at a time: the bit mask of `indices` that
        fire in `state` (an invariant false, a reachable true), and the first error."""
        values = self.decode(state)
        clocks = self._clock_ms(state)
        hits = 0
        error = None
        for k in sorted(indices):
            prop = self.model.properties[k]
            try:
                if clocks is None and mentions_clock(prop.expr):
                    # zones: no clock values here, only whether the discrete parts fail
                    clock_dnf(prop.expr, self.layout.view(state))  # type: ignore[arg-type]
                    continue
                value = bool(interp.evaluate(prop.expr, values, {}, clocks))
            except interp.EvalError as err:
                if error is None:
                    error = (k, err)
                continue
            if value != (prop.kind == "invariant"):
                hits |= 1 << k
        return hits, error

    def _clock_ms(self, state: int) -> tuple[int, ...] | None:
        """Clock values (ms) where the state holds them (discrete time), else None."""
        return None

    def props_for(self, indices: frozenset[int]) -> Callable[[int], int]:
        """A predicate function over the properties in `indices` (see compile_props)."""
        fn = self._props_cache.get(indices)
        if fn is None:
            fn = compile_props(self.model, self.layout, indices, self._clock_read())
            self._props_cache[indices] = fn
        return fn

    def _clock_read(self) -> Any:
        return None

    @cached_property
    def vector_code(self) -> tuple[VectorCode | None, str]:
        """The numpy code that expands a chunk of states at once (model.codegen.vector),
        or None and why this system has none (a construct it does not generate, clocks,
        states wider than 64 bits, discrete time)."""
        if self.n_clocks or getattr(self, "tick", None) is not None:
            return None, "clocks"
        try:
            return vector.compile_vector(self.model, self.layout), ""
        except vector.Unsupported as why:
            return None, str(why)

    @cached_property
    def outside(self) -> Callable[[int], bool] | None:
        """`outside(state)`: whether a packed state lies outside the spec's `boundary`
        declarations (some boundary is false there, or cannot be evaluated there), so the
        search checks it but does not expand it (TLC's CONSTRAINT); None without any."""
        if not self.model.boundaries:
            return None
        preds = [self.predicate(b.expr) for b in self.model.boundaries]

        def outside(state: int) -> bool:
            try:
                return not all(p(state) for p in preds)
            except RuntimeFault:
                return True
        return outside

    @property
    def liveness_mode(self) -> str:
        """Which runs leads-to is judged on: "maximal" or "stuttering" (docs/properties.md)."""
        return self.model.liveness_mode

    @property
    def liveness_declared(self) -> bool:
        """Whether the spec says which liveness semantics it means (`liveness ...`)."""
        return self.model.liveness_declared

    @property
    def liveness_reported(self) -> str | None:
        """The liveness semantics a report names: the spec's, where it declares one or has
        an unbounded leads-to; else None."""
        model = self.model
        if model.liveness_declared or any(p.within is None for p in model.liveness):
            return model.liveness_mode
        return None

    @cached_property
    def boundary_names(self) -> tuple[str, ...]:
        """The names of the spec's `boundary` declarations, in order."""
        return tuple(b.name for b in self.model.boundaries)

    def predicate(self, expr: ir.Expr) -> Callable[[int], bool]:
        """A compiled test of a boolean expression over packed states (raises RuntimeFault
        where the expression fails)."""
        fn = self.predicates([expr])
        return lambda state: fn(state) == 1

    def predicates(self, exprs: Sequence[ir.Expr]) -> Callable[[int], int]:
        """One compiled test of several boolean expressions over packed states: bit k of
        its value is expression k's (raises RuntimeFault where any of them fails: then ask
        `predicate` of each)."""
        probe = dataclasses.replace(self.model, properties=tuple(
            ir.Property("@probe" if len(exprs) == 1 else f"@probe{k}", "reachable", e, e.span)
            for k, e in enumerate(exprs)))
        return compile_props(probe, self.layout, frozenset(range(len(exprs))),
                             self._clock_read())

    def explain_runtime(self, values: tuple, what: str, index: int) -> Why:
        """Why a run-time error happens in a state with these values: instance `index`
        fails (what == "action") or a property fails to evaluate (model.explain)."""
        a, args = self.instances[index] if what == "action" else (0, ())
        return explain_runtime(self.model, values, self.sources, what, a, args)

    def explain_stuck(self, values: tuple, clocks: Sequence[ClockValue] | None = None,
                      format_clock: Callable[[ClockValue], str] | None = None,
                      timelock: bool = False) -> Why:
        """Why a state with these values is stuck (model.explain.explain_stuck)."""
        return explain_stuck(self.model, values, self.sources, clocks, format_clock,
                             self.clock_names, timelock)

    @property
    def has_derived(self) -> bool:
        """Whether the spec declares `show` columns for its traces."""
        return bool(self.model.derived)

    def derived_columns(self, values: tuple, clocks: Sequence[ClockValue] | None = None
                        ) -> list[tuple[str, object, str]]:
        """The spec's `show` columns in a state with these values (and clock values in ms,
        clock 1 first): (name, value as JSON-ready data, value as the reports write it);
        a column that fails to evaluate there has data None and text `error: ...`."""
        out: list[tuple[str, object, str]] = []
        for column in self.model.derived:
            try:
                if isinstance(column.expr, ir.ClockRef):  # a clock's value, as a duration
                    number = interp.clock_index(column.expr, values, {})
                    ms = clocks[number] if clocks is not None else 0
                    # JSON-ready in seconds, as the trace's `state` gives clocks
                    out.append((column.name, float(Fraction(ms) / 1000), format_duration(ms)))
                    continue
                value = interp.evaluate(column.expr, values, {}, clocks)
            except interp.EvalError as err:
                out.append((column.name, None, f"error: {err.message}"))
                continue
            out.append((column.name, json_value(column.expr.type, value),
                        format_value(column.expr.type, value)))
        return out

    def liveness_sides(self, name: str) -> tuple[ir.Expr, ir.Expr]:
        """The left and right sides of the leads-to `name`."""
        prop = next(p for p in self.model.liveness if p.name == name)
        return prop.p, prop.q

    def source_text(self, expr: ir.Expr) -> str | None:
        """An expression as the spec wrote it (one line), or None where it has no text."""
        return source_text(expr.span, self.sources)

    def liveness_instances(self, name: str) -> list[tuple[str | None, ir.Expr, ir.Expr]]:
        """The leads-to properties `name` stands for: one (label None) for `P ~> Q`, one
        per value of the binders (labelled `c=2`) for `forall c in S: P ~> Q`."""
        prop = next(p for p in self.model.liveness if p.name == name)
        if not prop.binders:
            return [(None, prop.p, prop.q)]
        return [(label, p, q) for label, p, q in prop.instances]

    def liveness_tests(self, name: str) -> tuple[Callable[[int], bool], Callable[[int], bool]]:
        """The compiled left and right sides of the leads-to `name` (see predicate)."""
        prop = next(p for p in self.model.liveness if p.name == name)
        return self.predicate(prop.p), self.predicate(prop.q)

    def explain_property(self, index: int, values: tuple,
                         clocks: Sequence[ClockValue | ClockInterval] | None = None,
                         format_clock: Callable[[ClockValue], str] | None = None,
                         ranges: Sequence[ClockInterval] | None = None,
                         clock_texts: Sequence[str | None] | None = None) -> Why:
        """Why property `index` has its value in a state with these values (and clock
        values in ms, clock 1 first, when known; and each clock's interval over the runs
        like this one, when known; and the clocks' values as the trace shows them): its
        parts, as the spec wrote them, with their values (model.explain)."""
        prop = self.model.properties[index]
        if prop.monitors:
            return explain_response(prop.monitors, values, self.sources, clocks, format_clock,
                                    self.clock_names)
        return explain(prop.shown or prop.expr, values, self.sources, clocks, format_clock,
                       self.clock_names, ranges, clock_texts)

    def explain_expr(self, expr: ir.Expr, values: tuple,
                     clocks: Sequence[ClockValue | ClockInterval] | None = None,
                     format_clock: Callable[[ClockValue], str] | None = None,
                     clock_texts: Sequence[str | None] | None = None) -> Why:
        """model.explain for an expression of this model (a property, a side of a
        leads-to, a scenario's assert)."""
        return explain(expr, values, self.sources, clocks, format_clock, self.clock_names,
                       None, clock_texts)

    def state_data(self, values: tuple) -> dict[str, object]:
        """A state's values as JSON-ready data keyed by variable (hidden bookkeeping left
        out)."""
        return {var.name: json_value(var.type, value)
                for var, value in zip(self.model.variables, values) if not var.hidden}

    @cached_property
    def fairness(self) -> Fairness:
        model = self.model
        kinds: list[str] = []
        masks = [0] * len(self.instances)
        for inst, (a, _args) in enumerate(self.instances):
            action = model.actions[a]
            if action.fairness:
                masks[inst] |= 1 << len(kinds)
                kinds.append(action.fairness)
        for process in model.processes:
            if not process.fairness:
                continue
            k = len(process.locals)
            groups: dict[tuple, int] = {}
            for inst, (a, args) in enumerate(self.instances):
                if model.actions[a].process != process.name:
                    continue
                key = tuple(args[:k])
                if key not in groups:
                    groups[key] = len(kinds)
                    kinds.append(process.fairness)
                masks[inst] |= 1 << groups[key]
        return Fairness(tuple(kinds), tuple(masks))

    def scenario_product(self, name: str) -> ScenarioProduct:
        """The product of this system and scenario `name`'s script (model.products)."""
        scenario = next(s for s in self.model.scenarios if s.name == name)
        product_model, info = scenario_product(self.model, scenario)
        items = tuple(ScenarioItem(item.action.name if isinstance(item, ir.ScenarioStep)
                                   else "the wait", item.span) for item in info.items)
        product = self._product(product_model)
        product.scenario_info = info
        return ScenarioProduct(product, scenario.span,
                               tuple((n, item.span) for n, item in info.asserts), info.at,
                               items)

    def response_product(self, names: list[str], carry: bool = False) -> TransitionSystem:
        """One product of this system with a monitor per bounded response in `names`
        (model.products): the invariant of the product's property k is response k. With
        `carry`, the product also carries this system's own properties (first, at their
        indices), expectations and unbounded leads-to, so one search of it answers them
        all; response k is then property `len(self.properties) + k`."""
        props = [p for p in self.model.liveness if p.name in names]
        product = response_product(self.model, props)
        if carry:
            product = dataclasses.replace(
                product, properties=self.model.properties + product.properties,
                expects=self.model.expects, allow_deadlock=self.model.allow_deadlock,
                liveness=tuple(p for p in self.model.liveness if p.within is None))
        return self._product(product)

    @cached_property
    def measures(self) -> tuple[MeasureInfo, ...]:
        return tuple(MeasureInfo(m.name, m.kind, m.span, m.expected, m.expect_span)
                     for m in self.model.measures)

    def measure_product(self, name: str, k: int) -> MeasureProduct:
        """The product of this system on which measure `name` is read with the constant `k`
        for the clock it reads (model.products.measure)."""
        measure = next(m for m in self.model.measures if m.name == name)
        model, reads = measure_product(self.model, measure, k)
        numbers = tuple((where, static_number(ref) or 0) for where, ref in reads)
        zero = len(model.properties) - 1 if measure.kind == "delay" else None
        return MeasureProduct(self._product(model), numbers, zero)

    def unbounded_product(self, name: str) -> TransitionSystem | None:
        """The product whose one leads-to (named as measure `name`, no fairness) fails when
        the measure's upper end is unbounded: for a delay `@wait ~> not @wait` on its
        monitor (it fails exactly then); for a clock with a discrete condition, "a run stays
        in the condition forever without resetting the clock" (it fails only then); None for
        a clock measure whose condition reads clocks (model.products.measure)."""
        measure = next(m for m in self.model.measures if m.name == name)
        if measure.kind == "delay":
            return self._product(waiting_product(self.model, measure))
        product = staying_product(self.model, measure)
        return None if product is None else self._product(product)

    def _product(self, model: ir.Model) -> TransitionSystem:
        product = TransitionSystem(model, self.sources)
        if self.specialize_memo is None:
            self.specialize_memo = SubstMemo(
                x for action in self.model.actions for x in (action.guard, *action.body))
        product.specialize_memo = self.specialize_memo
        product.parent = self
        return product

    # -------------------------------------------------------------- time
    @property
    def n_clocks(self) -> int:
        return self.model.n_clocks

    @property
    def has_bounds(self) -> bool:
        """Whether some `bound` (or timeout deadline) can stop time: timelocks are possible."""
        return bool(self.model.bounds)

    @cached_property
    def clock_names(self) -> tuple[str, ...]:
        """Display names by clock number; index 0 is the reference clock `0`."""
        return tuple(clock_names(self.model))

    @cached_property
    def zone_code(self) -> ZoneCode:
        """The zone target's generated code (model.codegen.ZoneCode)."""
        return compile_zones(self.model, self.layout, self.specialize_memo)

    @cached_property
    def zone_target(self) -> ZoneCode:
        """The code the zone engine runs: zone_code, except for a scenario product of the
        system it was made from, where the parent's own successor function is composed
        with the script (compile_scenario_zones): the spec's actions are compiled once for
        all its scenarios, not once per scenario. The same successors, bounds and live
        sites as zone_code's (tests/checker/test_zone_products_shared.py)."""
        parent, info = self.parent, self.scenario_info
        if parent is not None and info is not None:
            code = compile_scenario_zones(self.model, self.layout, parent.model,
                                          parent.layout.width, parent.shared_successors, info,
                                          self.specialize_memo)
            if code is not None:
                return code
        return self.zone_code

    @cached_property
    def shared_successors(self) -> SharedSuccessors:
        """zone_code's successor function as this system's scenario products compose it
        (zone_target): grouped by action, remembered per state, shared by the products."""
        return SharedSuccessors(self.zone_code.succ, self.model)

    def default_tick(self) -> int:
        """The discrete engine's default tick (ms): the gcd of the time constants."""
        return default_tick(self.model)

    def time_constants(self) -> list[int]:
        return time_constants(self.model)

    def discrete_refusal(self) -> tuple[str, Span] | None:
        """Why discrete time would be unsound for this system (a strict clock constraint),
        or None."""
        return discrete_refusal(self.model)

    def discrete_time(self, tick: int) -> TransitionSystem:
        """This system in integer time, one tick = `tick` ms (DiscreteTimeSystem)."""
        return DiscreteTimeSystem(self.model, self.sources, tick)

    def read_mask(self, index: int) -> int:
        """The bits of the packed state that property `index` reads."""
        mask = self._read_masks.get(index)
        if mask is None:
            prop = self.model.properties[index]
            mask = 0
            for var in {n.var.index for n in walk(prop.expr) if isinstance(n, ir.VarRef)}:
                width = self.layout.variables[var].type.width
                mask |= ((1 << width) - 1) << self.layout.offsets[var]
            self._read_masks[index] = mask
        return mask

    def property_leaves(self, name: str) -> tuple[str, ...]:
        """The leaves (as traces name them: `agent[1].state`, a clock `master.silent[2]`)
        that the invariant, reachable or leads-to property `name` reads, in layout order
        (clocks last); () for a name that is none of these (deadlock, a scenario)."""
        exprs: list[ir.Expr] = [p.expr for p in self.model.properties if p.name == name]
        exprs += [e for live in self.model.liveness if live.name == name
                  for e in (live.p, live.q)]
        variables: set[int] = set()
        clocks: set[int] = set()
        for expr in exprs:
            for node in walk(expr):
                if isinstance(node, ir.VarRef):
                    variables.add(node.var.index)
                elif isinstance(node, ir.ClockRef):
                    size = 1
                    for typ in node.clock.index_types:
                        size *= len(list(typ.values()))
                    clocks.update(range(node.clock.first, node.clock.first + size))
        names = [leaf.name for leaf in self.layout.leaves if leaf.var in variables]
        clock_names = self.clock_names
        names += [clock_names[k] for k in sorted(clocks) if 0 < k < len(clock_names)
                  and not clock_names[k].startswith("@")]
        return tuple(names)

    def clock_formula(self, index: int, state: int) -> list[tuple[tuple[int, int, int], ...]]:
        """Where property `index` (one that mentions clocks) fires in discrete state
        `state`: a disjunction of conjunctions of DBM constraints (an invariant's negation;
        a reachable as written). Remembered per value of the variables the property reads,
        so each distinct formula is worked out once. Raises RuntimeFault where the property
        fails to evaluate (property_error says why)."""
        key = (index, state & self.read_mask(index))
        formula = self._formulas.get(key)
        if formula is None:
            prop = self.model.properties[index]
            try:
                formula = clock_dnf(prop.expr, self.layout.view(state),  # type: ignore[arg-type]
                                    negate=prop.kind == "invariant")
            except interp.EvalError:
                raise RuntimeFault() from None
            self._formulas[key] = formula
        return formula

    def violation_distance(self, index: int) -> Callable[[int], int]:
        """`distance(state)`: how many atoms of property `index`'s violation (an
        invariant's negation; a reachable as written) a packed state still lacks
        (model.distance; guided simulation steers by it)."""
        return violation_distance(self.model.properties[index], self.decode)

    def clock_guarded_fairness(self) -> str | None:
        """The name of a fair action whose guard compares clocks, if any."""
        model = self.model
        fair_processes = {p.name for p in model.processes if p.fairness}
        for action in model.actions:
            if (action.fairness or action.process in fair_processes) and action.clock_guard:
                return action.name
        return None

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


def json_value(typ: Type, value: Value) -> object:
    """A value as JSON data: arrays and records as objects, sets and queues as lists,
    durations as seconds, an option's none as null."""
    if isinstance(typ, OptionT):
        return None if value is None else json_value(typ.elem, value)
    if isinstance(typ, BagT):  # each element as often as the bag holds it
        return [json_value(typ.elem, v) for v, n in zip(typ.elem.values(), value)  # type: ignore[call-overload]
                for _ in range(n)]
    if isinstance(typ, BoolT):
        return bool(value)
    if isinstance(typ, IntT):
        if typ.time:
            ms = int(value)  # type: ignore[call-overload]
            return ms // 1000 if ms % 1000 == 0 else ms / 1000
        return int(value)  # type: ignore[call-overload]
    if isinstance(typ, EnumT):
        return str(value)
    if isinstance(typ, ArrayT):
        return {format_value(typ.index, k): json_value(typ.elem, v)
                for k, v in zip(typ.index.values(), value)}  # type: ignore[call-overload]
    if isinstance(typ, RecordT):
        return {n: json_value(t, v) for (n, t), v in zip(typ.fields, value)}  # type: ignore[call-overload]
    if isinstance(typ, SetT):
        return [json_value(typ.elem, v) for v in sorted(value, key=typ.elem.ordinal)]  # type: ignore[call-overload]
    if isinstance(typ, QueueT):
        return [json_value(typ.elem, v) for v in value]  # type: ignore[attr-defined]
    return str(value)


class DiscreteTimeSystem(TransitionSystem):
    """A timed model in integer time: the transition system the discrete-time engine
    explores. Each clock is a slot of the packed state counting ticks, capped one above the
    largest constant it is compared with (model.codegen.discrete generates its code), and
    `tick(s)` is the successor in which time passes by one tick. It is exact for closed
    constraints only; model.time.discrete_refusal says why it cannot be used."""

    def __init__(self, model: ir.Model, sources: dict[str, SourceFile], tick: int):
        self.tick_ms = tick
        lower, upper = clock_constants(model)
        caps = [max(lower[x], upper[x], 0) // tick + 1 for x in range(1, model.n_clocks + 1)]
        # all elements of a clock array share the widest cap, so slots are evenly spaced
        for clock in model.clocks:
            numbers = list(all_numbers(clock))
            widest = max((caps[x - 1] for x in numbers), default=1)
            for x in numbers:
                caps[x - 1] = widest
        self.caps = tuple(caps)
        super().__init__(model, sources)
        self._tick_fn: Callable[[int], int | None] | None = None
        self._bounds_hold: Callable[[int], bool] | None = None

    def _make_layout(self) -> Layout:
        return Layout(self.model, self.caps)

    def _clock_read(self) -> DiscreteClocks:
        """How generated code finds each clock's slot."""
        return DiscreteClocks(self.layout, self.caps, self.tick_ms)

    def _compile(self) -> CompiledCode:
        compiled = compile_discrete(self.model, self._clock_read())
        self._tick_fn = compiled.tick
        self._bounds_hold = compiled.bounds_hold
        return compiled.code

    def tick(self, state: int) -> int | None:
        if self._tick_fn is None:
            _ = self.code
        return self._tick_fn(state)  # type: ignore[misc]

    def initial_states(self, limit: int | None = None) -> list[int]:
        # clocks start at 0; an initial state that violates a bound cannot exist
        check = self._bounds_check()
        return [s for s in super().initial_states(limit) if check(s)]

    def _initial_ok(self, state: int) -> bool:
        return self._bounds_check()(state)

    def _bounds_check(self) -> Callable[[int], bool]:
        _ = self.code
        return self._bounds_hold  # type: ignore[return-value]

    def clock_values_ms(self, state: int) -> tuple[int, ...]:
        return tuple(v * self.tick_ms for v in self.layout.clock_values(state))

    def _clock_ms(self, state: int) -> tuple[int, ...]:
        return self.clock_values_ms(state)
