"""The time engines: zones (the default for specs with clocks) and discrete time.

*Zones.* A symbolic state is a discrete state with a zone (a canonical DBM, checker.dbm) of
clock valuations, closed under delay within the active bounds. A transition intersects the
zone with the clock guard, resets clocks, applies the target's bounds and lets time pass;
the zone is then extrapolated with the constants of the clocks that are live in the
target (model.timed), so its cost does not depend on how large the constants are, and is
dropped if a stored zone of the same discrete state includes it. Extrapolation is Extra+_M
(it preserves deadlocks and timelocks); with deadlock checking off and no bounds in the
spec, Extra+_LU, which is coarser. BFS over symbolic states gives counterexamples with the
fewest actions; model.timed's schedule turns them into runs with exact times.

*Discrete time.* Clocks count ticks (model.timed.DiscreteTimeSystem); the explicit engine
explores it with ticks as zero-cost steps, so depths and trace lengths count actions in
both engines.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from model.irutil import mentions_clock
from model.codegen import ZoneCode, compile_zones
from model.discrete import DiscreteTimeSystem
from model.time import clock_dnf, clock_names, default_tick, discrete_refusal, time_constants
from model.types import format_duration

from . import dbm
from .api import Run, UsageError, action_coverage
from .explore import ROOT, Exploration, Progress, Stop, explore, search_ends
from .options import Options, memory_limit_mb, resident_mb
from .report import Stats, Step, Trace
from .schedule import TimedStep, check_schedule, solve_schedule
from .trace import TraceError, find_transition, json_value
from .verdicts import as_expected, judge, runtime_failure

__all__ = ["run_timed", "explore_zones", "ZoneExploration"]


def run_timed(system, options: Options, selected: list[int], check_deadlock: bool,
              progress: Callable[[Progress], None] | None, fail_fast: bool | None) -> Run:  # noqa: ANN001
    engine = options.time_engine or "zones"
    stop = options.fail_fast if fail_fast is None else fail_fast
    if engine == "discrete":
        outcome = _run_discrete(system, options, selected, check_deadlock, progress, stop)
    else:
        outcome = _run_zones(system, options, selected, check_deadlock, progress, stop)
    if system.model.liveness:
        from .api import run
        from .liveness import response_results

        names = set(options.properties) if options.properties else None
        outcome.results += response_results(system, names, options, run)
    return outcome


def _clock_guarded_fairness(model) -> str | None:  # noqa: ANN001
    """The name of a fair action whose guard compares clocks, if any."""
    fair_processes = {p.name for p in model.processes if p.fairness}
    for action in model.actions:
        if (action.fairness or action.process in fair_processes) and action.clock_guard:
            return action.name
    return None


def _leads_to_in_discrete_time(system, options: Options, props: list) -> list:  # noqa: ANN001
    """Unbounded leads-to in a timed spec whose fairness reads clocks: checked in discrete
    time, where a run must let time pass forever (exact for closed constraints)."""
    from .liveness import liveness_results
    from .verdicts import result

    names = {p.name for p in props}
    model = system.model
    refusal = discrete_refusal(model)
    if refusal is not None:
        why, span = refusal
        return [result(system, p.name, "leadsto", "unknown",
                       f"leads-to in a timed spec is checked in discrete time, which needs "
                       f"closed clock constraints, but {why} at {span}", str(p.span), None)
                for p in props]
    tick = options.tick or default_tick(model)
    dsys = DiscreteTimeSystem(model, system.sources, tick)
    ex = explore(dsys, options, active=set(), check_deadlock=False)
    return liveness_results(dsys, names, ex.store.states(), ex.initial, ex.complete,
                            DiscreteTracer(dsys, ex).lasso_trace, timed=True)


def _unexpected(system) -> Callable[[object], bool]:  # noqa: ANN001
    expects = system.expects

    def check(ex) -> bool:  # noqa: ANN001
        for k in ex.found:
            prop = system.properties[k]
            status = "violated" if prop.kind == "invariant" else "reached"
            if not as_expected(status, expects.get(prop.name)):
                return True
        for name, handle in (("deadlock", ex.deadlock), ("timelock", ex.timelock)):
            if handle is not None and not as_expected("violated", expects.get(name)):
                return True
        return ex.runtime is not None and not as_expected("violated", expects.get("runtime"))

    return check


# ---------------------------------------------------------------------------- discrete time


def _run_discrete(system, options: Options, selected: list[int], check_deadlock: bool,
                  progress, stop: bool) -> Run:  # noqa: ANN001
    model = system.model
    refusal = discrete_refusal(model)
    if refusal is not None:
        why, span = refusal
        raise UsageError(f"the discrete time engine is exact only for closed (non-strict) clock "
                         f"constraints, but {why} at {span}; use --time zones")
    tick = options.tick or default_tick(model)
    for k in time_constants(model):
        if k % tick:
            raise UsageError(f"the tick {format_duration(tick)} does not divide the constant "
                             f"{format_duration(k)}; pick a tick that divides every time "
                             "constant (default: their gcd, "
                             f"{format_duration(default_tick(model))})")
    dsys = DiscreteTimeSystem(model, system.sources, tick)
    ex = explore(dsys, options, active=set(selected), check_deadlock=check_deadlock,
                 stop_when=_unexpected(dsys) if stop else None, progress=progress)
    tracer = DiscreteTracer(dsys, ex)
    results = judge(dsys, ex, selected, check_deadlock, tracer, timed=True)
    if model.liveness:
        from .liveness import liveness_results

        results += liveness_results(dsys, set(options.properties) if options.properties
                                    else None, ex.store.states(), ex.initial, ex.complete,
                                    tracer.lasso_trace, timed=True)
    stats = Stats(ex.states, ex.transitions + ex.ticks, ex.depth, ex.deadlocks, ex.seconds,
                  ex.complete)

    def graph():  # noqa: ANN202
        from .graph import state_graph

        return state_graph(dsys, ex.parent, options.graph_limit)

    coverage = action_coverage(dsys, ex.store.states()) if options.coverage else ()
    return Run(f"discrete time (tick {format_duration(tick)})", results, stats, ex.stop_reason,
               graph, coverage)


class DiscreteTracer:
    """Traces of the discrete engine: ticks become time, actions become steps."""

    def __init__(self, system: DiscreteTimeSystem, ex: Exploration):
        self.system = system
        self.ex = ex
        self.names = clock_names(system.model)

    def property_trace(self, state: int, index: int) -> Trace:
        return self._trace(self.ex.store.path(state))

    def stuck_trace(self, state: int) -> Trace:
        return self._trace(self.ex.store.path(state))

    def final_values(self, state: int) -> tuple:
        return self.system.decode(state)

    def runtime(self, state: int, what: str, index: int) -> tuple[Trace, str, str]:
        inst, message, where = runtime_failure(self.system, state, what, index)
        path = self.ex.store.path(state)
        failing = None if inst is None else (inst, message)
        return self._trace(path, failing), message, where

    def lasso_trace(self, path: list[int], instances: list[int], loop_start: int | None
                    ) -> Trace:
        return self._trace(path, instances=instances, loop_start=loop_start)

    def _trace(self, path: list[int], failing: tuple[int, str] | None = None,
               instances: list[int] | None = None, loop_start: int | None = None) -> Trace:
        """Ticks become time; a clock's shown value is exact (time since its last reset),
        not its capped slot. With `instances`, each step is that instance (-1: a tick);
        `loop_start` is a node index of `path`, mapped to the step it falls on."""
        system = self.system
        tick = system.tick_ms
        n = system.model.n_clocks + 1
        ms = 0
        last_reset = [0] * n
        builder = _TimedTraceBuilder(system, self.names)
        builder.start(path[0], Fraction(0), tuple(0 for _ in range(n - 1)))
        elapsed_ticks = 0
        loop_step = None
        for k, (a, b) in enumerate(zip(path, path[1:])):
            if loop_start is not None and k == loop_start:
                loop_step = len(builder.steps) - 1
            hint = instances[k] if instances is not None else None
            if hint == -1 or (hint is None and system.tick(a) == b):
                ms += tick
                elapsed_ticks += 1
                continue
            inst, choices = find_transition(system, a, b, hint)
            if not system.replay_step(a, inst, choices, b):
                raise TraceError(f"{system.transition(inst, choices)} does not replay in the "
                                 "reference interpreter")
            slots_before = system.layout.clock_values(a)
            slots_after = system.layout.clock_values(b)
            resets = tuple(x for x in range(1, n) if slots_after[x - 1] == 0
                           and slots_before[x - 1] != 0)
            for x in resets:
                last_reset[x] = ms
            builder.step(a, b, inst, choices, Fraction(ms, 1000),
                         tuple(ms - last_reset[x] for x in range(1, n)), resets)
            elapsed_ticks = 0
        if failing is not None:
            builder.fail(path[-1], failing[0], failing[1], Fraction(ms, 1000))
        builder.finish(path[-1], Fraction(ms, 1000),
                       tuple(ms - last_reset[x] for x in range(1, n)))
        trace = builder.trace()
        if loop_step is not None:
            trace = Trace(trace.steps, loop_step)
        return trace


# ---------------------------------------------------------------------------- traces with time


class _TimedTraceBuilder:
    """Steps with absolute times and clock values (seconds in data, durations in text)."""

    def __init__(self, system, names: list[str]):  # noqa: ANN001
        self.system = system
        self.names = names
        self.steps: list[Step] = []
        self.prev_values: tuple | None = None
        self.prev_clocks: tuple[int, ...] = ()
        self.last_time = Fraction(0)

    def _clock_data(self, clocks_ms: tuple[int | Fraction, ...]):  # noqa: ANN202
        shown = []
        data = {}
        for name, value in zip(self.names[1:], clocks_ms):
            if name.startswith("@"):
                continue
            shown.append((name, _fmt_ms(value)))
            data[name] = float(Fraction(value) / 1000) if Fraction(value).denominator != 1 \
                or int(value) % 1000 else int(value) // 1000
        return shown, data

    def _make(self, label, values: tuple, clocks_ms, time: Fraction, changes, error=None) -> Step:  # noqa: ANN001
        system = self.system
        layout = system.layout
        shown, data = self._clock_data(clocks_ms)
        state = {var.name: json_value(var.type, v)
                 for var, v in zip(system.model.variables, values) if not var.hidden}
        state.update(data)
        full = tuple(layout.show(values)) + tuple(shown)
        if label is None:
            return Step(None, None, (), (), None, state, full, (), time, error)
        return Step(label.action, label.process, label.args, label.choices, str(label), state,
                    full, tuple(changes), time, error)

    def start(self, state: int, time: Fraction, clocks_ms) -> None:  # noqa: ANN001
        values = self.system.decode(state)
        self.steps.append(self._make(None, values, clocks_ms, time, ()))
        self.prev_values = values
        self.prev_clocks = tuple(clocks_ms)

    def step(self, before: int, after: int, inst: int, choices: tuple, time: Fraction,
             clocks_ms, resets: tuple[int, ...]) -> None:  # noqa: ANN001
        values = self.system.decode(after)
        changes = list(self.system.layout.diff(self.prev_values, values))
        elapsed = (time - self.last_time) * 1000
        for x in resets:
            name = self.names[x]
            old = Fraction(self.prev_clocks[x - 1]) + elapsed
            if not name.startswith("@") and old != 0:
                changes.append((name, _fmt_ms(old), "0s"))
        label = self.system.transition(inst, choices)
        self.steps.append(self._make(label, values, clocks_ms, time, changes))
        self.prev_values = values
        self.prev_clocks = tuple(clocks_ms)
        self.last_time = time

    def fail(self, state: int, inst: int, message: str, time: Fraction) -> None:
        values = self.system.decode(state)
        elapsed = (time - self.last_time) * 1000
        clocks = tuple(Fraction(c) + elapsed for c in self.prev_clocks)
        self.steps.append(self._make(self.system.transition(inst), values, clocks, time, (),
                                     message))

    def finish(self, state: int, time: Fraction, clocks_ms) -> None:  # noqa: ANN001
        """Time passing after the last step (a deadline reached, a clock property true)."""
        if time > self.last_time and not (self.steps and self.steps[-1].error):
            values = self.system.decode(state)
            shown, data = self._clock_data(clocks_ms)
            layout = self.system.layout
            st = {var.name: json_value(var.type, v)
                  for var, v in zip(self.system.model.variables, values) if not var.hidden}
            st.update(data)
            self.steps.append(Step(None, None, (), (), "(time passes)", st,
                                   tuple(layout.show(values)) + tuple(shown), (), time, None))

    def trace(self) -> Trace:
        return Trace(tuple(self.steps))


def _fmt_ms(value: int | Fraction) -> str:
    v = Fraction(value)
    if v.denominator == 1:
        return format_duration(int(v))
    seconds = v / 1000
    text = f"{float(seconds):.3f}".rstrip("0").rstrip(".")
    if Fraction(text) == seconds:
        return f"{text}s"
    return f"{seconds.numerator}/{seconds.denominator}s"


# ---------------------------------------------------------------------------- zones


class _StaleClock(Exception):
    """A clock became live without being reset: its constants must apply everywhere."""

    def __init__(self, clocks: set[int]):
        super().__init__(clocks)
        self.clocks = clocks


@dataclass
class ZoneExploration:
    discrete: list[int] = field(default_factory=list)
    zones: list[tuple] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    via: list[tuple | None] = field(default_factory=list)  # (inst, choices, guard, resets)
    edges: list[tuple[int, int, int, tuple]] = field(default_factory=list)
    states: int = 0
    transitions: int = 0
    depth: int = 0
    deadlocks: int = 0
    timelocks: int = 0
    seconds: float = 0.0
    complete: bool = False
    stop_reason: str | None = None
    found: dict[int, int] = field(default_factory=dict)
    deadlock: int | None = None
    timelock: int | None = None
    runtime: tuple[int, str, int] | None = None
    runtime_guard: tuple = ()
    runtime_count: int = 0
    always: frozenset[int] = frozenset()
    restarts: int = 0


def _run_zones(system, options: Options, selected: list[int], check_deadlock: bool, progress,
               stop: bool) -> Run:  # noqa: ANN001
    zc = compile_zones(system.model, system.layout)
    use_lu = not check_deadlock and not system.model.bounds
    always: frozenset[int] = frozenset()
    while True:
        try:
            ex = explore_zones(system, zc, options, selected, check_deadlock,
                               _unexpected(system) if stop else None, progress, always, use_lu)
            break
        except _StaleClock as stale:
            always = always | frozenset(stale.clocks)
    tracer = ZoneTracer(system, zc, ex, use_lu)
    results = judge(system, ex, selected, check_deadlock, tracer, timed=True)
    results += _leads_to(system, zc, ex, options, progress)
    stats = Stats(ex.states, ex.transitions, ex.depth, ex.deadlocks, ex.seconds, ex.complete,
                  symbolic=True)
    names = clock_names(system.model)
    engine = f"zones (Extra+_{'LU' if use_lu else 'M'}, per-state constants)"
    if always:
        engine += "; global constants for " + ", ".join(names[x] for x in sorted(always))

    def graph():  # noqa: ANN202
        return _zone_graph(system, zc, ex, options.graph_limit)

    coverage: tuple[tuple[str, int], ...] = ()
    if options.coverage:
        counts = [0] * len(system.model.actions)
        for _a, _b, inst, _choices in ex.edges:
            counts[system.instances[inst][0]] += 1
        coverage = tuple((action.name, n) for action, n in zip(system.model.actions, counts))
    return Run(engine, results, stats, ex.stop_reason, graph, coverage)


def _initial_zone(zc: ZoneCode, d: int) -> tuple | None:
    n = zc.n
    inv = zc.inv(d)
    z = dbm.constrain_all(dbm.zero(n), n, inv)
    if z is None:
        return None
    return dbm.constrain_all(dbm.up(z, n), n, inv)


def explore_zones(system, zc: ZoneCode, options: Options, selected: list[int],
                  check_deadlock: bool, stop_when, progress, always: frozenset[int],
                  use_lu: bool) -> ZoneExploration:  # noqa: ANN001
    """Breadth-first search over symbolic states (see the module docstring)."""
    start = _time.perf_counter()
    n = zc.n
    model = system.model
    ex = ZoneExploration(always=always)
    clock_props = {k for k in selected if mentions_clock(model.properties[k].expr)}
    active_discrete = {k for k in selected if k not in clock_props}
    active_clock = set(clock_props)
    props_fn = system.props_for(frozenset(active_discrete)) if active_discrete else None
    passed: dict[int, list[int]] = {}
    live_cache: dict[int, int] = {}
    deadline = start + options.time_limit if options.time_limit else None
    memory_cap = memory_limit_mb(options)
    next_report = start + 2.0
    extrapolate = dbm.extrapolate_lu

    def live(d: int) -> int:
        m = live_cache.get(d)
        if m is None:
            m = zc.live(d)
            live_cache[d] = m
        return m

    def close(z: tuple, d: int, inv: tuple) -> tuple:
        z = dbm.constrain_all(dbm.up(z, n), n, inv)
        lower, upper = zc.bounds(live(d), always)
        if use_lu:
            return extrapolate(z, n, lower, upper)
        m = [max(a, b) for a, b in zip(lower, upper)]
        return dbm.extrapolate_m(z, n, m)

    def maybe_stop() -> None:
        if stop_when is not None and stop_when(ex):
            ex.stop_reason = "fail-fast"
            raise Stop

    def add(d: int, z: tuple, parent: int, via: tuple | None) -> int | None:
        bucket = passed.setdefault(d, [])
        for i in bucket:
            if dbm.is_included(z, ex.zones[i], n):
                return -1 - i  # covered by node i
        keep = [i for i in bucket if not dbm.is_included(ex.zones[i], z, n)]
        node = len(ex.discrete)
        ex.discrete.append(d)
        ex.zones.append(z)
        ex.parent.append(parent)
        ex.via.append(via)
        keep.append(node)
        passed[d] = keep
        note(node)
        return node

    def note(node: int) -> None:
        nonlocal props_fn
        d = ex.discrete[node]
        if props_fn is not None:
            hits = props_fn(d)
            if hits:
                for k in list(active_discrete):
                    if hits >> k & 1:
                        ex.found[k] = node
                        active_discrete.discard(k)
                props_fn = system.props_for(frozenset(active_discrete)) if active_discrete \
                    else None
                maybe_stop()
        if active_clock:
            values = system.layout.view(d)
            z = ex.zones[node]
            for k in list(active_clock):
                prop = model.properties[k]
                dnf = clock_dnf(prop.expr, values, negate=prop.kind == "invariant")
                if any(dbm.satisfies_some(z, n, conj) for conj in dnf):
                    ex.found[k] = node
                    active_clock.discard(k)
                    maybe_stop()

    frontier: list[int] = []
    with search_ends(ex):
        for d in dict.fromkeys(system.initial_states()):
            z = _initial_zone(zc, d)
            if z is None:
                continue
            lower, upper = zc.bounds(live(d), always)
            if use_lu:
                z = extrapolate(z, n, lower, upper)
            else:
                z = dbm.extrapolate_m(z, n, [max(a, b) for a, b in zip(lower, upper)])
            node = add(d, z, ROOT, None)
            if node is not None and node >= 0:
                frontier.append(node)
        while frontier:
            if options.max_depth is not None and ex.depth >= options.max_depth:
                ex.stop_reason = "max-depth"
                break
            ex.depth += 1
            nxt: list[int] = []
            for count, node in enumerate(frontier):
                d = ex.discrete[node]
                z = ex.zones[node]
                mask = live(d)
                enabled: list[tuple] = []
                for inst, choices, d2, guard, resets in zc.succ(d):
                    if d2 is None:
                        if guard is not None and dbm.constrain_all(z, n, guard) is None:
                            continue  # the instance's clock guard never holds here
                        ex.runtime_count += 1
                        if ex.runtime is None:
                            ex.runtime = (node, "action", inst)
                            ex.runtime_guard = guard or ()
                            maybe_stop()
                        continue
                    z1 = dbm.constrain_all(z, n, guard)
                    if z1 is None:
                        continue
                    inv2 = zc.inv(d2)
                    z2 = z1
                    for x in resets:
                        z2 = dbm.reset(z2, n, x)
                    z3 = dbm.constrain_all(z2, n, inv2)
                    if z3 is None:
                        continue
                    pre = dbm.constrain_all(z1, n, [c for c in inv2 if c[0] not in resets])
                    if pre is not None:
                        enabled.append(pre)
                    mask2 = live(d2)
                    if mask2 != mask:
                        stale = (zc.clocks_of(mask2) - zc.clocks_of(mask) - set(resets)
                                 - always - zc.unconditional)
                        if stale:
                            raise _StaleClock(stale)
                    z5 = close(z3, d2, inv2)
                    ex.transitions += 1
                    target = add(d2, z5, node, (inst, choices, guard, tuple(resets)))
                    if target is not None and target >= 0:
                        nxt.append(target)
                        ex.edges.append((node, target, inst, choices))
                    elif target is not None:
                        ex.edges.append((node, -1 - target, inst, choices))
                inv = zc.inv(d)
                if _stuck(z, enabled, n):  # counted even when deadlocks are allowed
                    if inv:
                        ex.timelocks += 1
                        if ex.timelock is None:
                            ex.timelock = node
                            maybe_stop()
                    else:
                        ex.deadlocks += 1
                        if ex.deadlock is None and check_deadlock:
                            ex.deadlock = node
                            maybe_stop()
                if count % 256 == 0:
                    now = _time.perf_counter()
                    if options.max_states is not None and len(ex.discrete) >= options.max_states:
                        ex.stop_reason = "max-states"
                        raise Stop
                    if deadline is not None and now >= deadline:
                        ex.stop_reason = "time-limit"
                        raise Stop
                    if resident_mb() > memory_cap:
                        ex.stop_reason = "memory"
                        raise Stop
                    if progress is not None and now >= next_report:
                        progress(Progress(len(ex.discrete), ex.transitions, ex.depth,
                                          len(frontier) - count + len(nxt), now - start))
                        next_report = now + 1.0
                elif options.max_states is not None and len(ex.discrete) >= options.max_states:
                    ex.stop_reason = "max-states"
                    raise Stop
            frontier = nxt
        else:
            ex.complete = True
    ex.states = len(ex.discrete)
    ex.seconds = _time.perf_counter() - start
    return ex


def _stuck(z: tuple, enabled: list[tuple], n: int) -> list[tuple]:
    """The part of zone z from which no enabled transition can ever be taken."""
    downs = [dbm.down(p, n) for p in enabled]
    if any(dbm.is_included(z, d, n) for d in downs):
        return []
    fed = [z]
    for d in downs:
        fed = dbm.federation_subtract(fed, d, n)
        if not fed:
            return []
    return fed


def _dbm_constraints(z: tuple, n: int) -> tuple[tuple[int, int, int], ...]:
    out = []
    for i in range(n):
        for j in range(n):
            raw = z[i * n + j]
            if i != j and raw < dbm.INF:
                out.append((i, j, raw))
    return tuple(out)


class ZoneTracer:
    """Traces of the zone engine: the symbolic path, then exact times for it."""

    def __init__(self, system, zc: ZoneCode, ex: ZoneExploration, use_lu: bool):  # noqa: ANN001
        self.system = system
        self.zc = zc
        self.ex = ex
        self.names = clock_names(system.model)

    def _path(self, node: int) -> list[int]:
        path = [node]
        while self.ex.parent[path[-1]] != ROOT:
            path.append(self.ex.parent[path[-1]])
        path.reverse()
        return path

    def _exact_zones(self, path: list[int]) -> list[tuple]:
        """The zones along the path without extrapolation (what really happens)."""
        zc = self.zc
        n = zc.n
        zones = [_initial_zone(zc, self.ex.discrete[path[0]])]
        for node in path[1:]:
            inst, choices, guard, resets = self.ex.via[node]
            d2 = self.ex.discrete[node]
            z = dbm.constrain_all(zones[-1], n, guard)
            for x in resets:
                z = dbm.reset(z, n, x)
            inv2 = zc.inv(d2)
            z = dbm.constrain_all(z, n, inv2)
            assert z is not None, "a symbolic path that is not feasible"
            zones.append(dbm.constrain_all(dbm.up(z, n), n, inv2))
        return zones

    def final_values(self, node: int) -> tuple:
        return self.system.decode(self.ex.discrete[node])

    def property_trace(self, node: int, index: int) -> Trace:
        prop = self.system.model.properties[index]
        path = self._path(node)
        final = ()
        if mentions_clock(prop.expr):
            zone = self._exact_zones(path)[-1]
            values = self.system.decode(self.ex.discrete[node])
            dnf = clock_dnf(prop.expr, values, negate=prop.kind == "invariant")
            final = next((c for c in dnf if dbm.satisfies_some(zone, self.zc.n, c)), None)
            if final is None:
                raise TraceError(f"{prop.name} is only met in the extrapolated zone")
        return self._trace(path, final)

    def stuck_trace(self, node: int) -> Trace:
        path = self._path(node)
        zone = self._exact_zones(path)[-1]
        n = self.zc.n
        d = self.ex.discrete[node]
        enabled = []
        for _inst, _choices, d2, guard, resets in self.zc.succ(d):
            if d2 is None:
                continue
            z1 = dbm.constrain_all(zone, n, guard)
            if z1 is None:
                continue
            inv2 = self.zc.inv(d2)
            z2 = z1
            for x in resets:
                z2 = dbm.reset(z2, n, x)
            if dbm.constrain_all(z2, n, inv2) is None:
                continue
            pre = dbm.constrain_all(z1, n, [c for c in inv2 if c[0] not in resets])
            if pre is not None:
                enabled.append(pre)
        pieces = _stuck(zone, enabled, n)
        if not pieces:
            raise TraceError("a stuck state found in the extrapolated zone is not stuck")
        # A timelock is shown where time stops: on an active bound, if it can be reached.
        for piece in pieces:
            for x, _zero, raw in self.zc.inv(d):
                if not dbm.bound_is_strict(raw):
                    tight = dbm.constrain(piece, n, 0, x, dbm.bound(-dbm.bound_constant(raw),
                                                                   False))
                    if tight is not None:
                        return self._trace(path, _dbm_constraints(tight, n))
        return self._trace(path, _dbm_constraints(pieces[0], n))

    def runtime(self, node: int, what: str, index: int) -> tuple[Trace, str, str]:
        inst, message, where = runtime_failure(self.system, self.ex.discrete[node], what, index)
        failing = None if inst is None else (inst, message)
        trace = self._trace(self._path(node), tuple(self.ex.runtime_guard), failing=failing)
        return trace, message, where

    def _trace(self, path: list[int], final: tuple, failing: tuple[int, str] | None = None
               ) -> Trace:
        zc = self.zc
        n = zc.n
        ex = self.ex
        system = self.system
        steps = []
        for k in range(1, len(path)):
            inst, choices, guard, resets = ex.via[path[k]]
            steps.append(TimedStep(zc.inv(ex.discrete[path[k - 1]]), tuple(guard), tuple(resets)))
        final_inv = zc.inv(ex.discrete[path[-1]])
        times = _solve_in_units(n, steps, final_inv, final)
        if times is None or not check_schedule(n, steps, times, final_inv, final):
            raise TraceError("no concrete times realise this symbolic trace")
        builder = _TimedTraceBuilder(system, self.names)
        zero = tuple(0 for _ in range(n - 1))
        builder.start(ex.discrete[path[0]], Fraction(0), zero)
        last_reset = [Fraction(0)] * n  # in ms, like the constants the schedule solves for
        for k in range(1, len(path)):
            inst, choices, guard, resets = ex.via[path[k]]
            t = times[k - 1]
            before, after = ex.discrete[path[k - 1]], ex.discrete[path[k]]
            if not system.replay_step(before, inst, choices, after):
                raise TraceError(f"{system.transition(inst, choices)} does not replay in the "
                                 "reference interpreter")
            for x in resets:
                last_reset[x] = t
            clocks = tuple(t - last_reset[x] for x in range(1, n))
            builder.step(before, after, inst, choices, t / 1000, clocks, tuple(resets))
        end = times[-1]
        if failing is not None:
            builder.fail(ex.discrete[path[-1]], failing[0], failing[1], end / 1000)
        clocks = tuple(end - last_reset[x] for x in range(1, n))
        builder.finish(ex.discrete[path[-1]], end / 1000, clocks)
        return builder.trace()


def _solve_in_units(n: int, steps: list[TimedStep], final_inv: tuple, final: tuple
                    ) -> list[Fraction] | None:
    """The earliest schedule, solved in units of the gcd of the constants (seconds, say),
    so that strict bounds are met with a readable slack (0.01 s rather than 1/6000 ms)."""
    import math

    constraints = [c for s in steps for c in (*s.invariant, *s.guard)] + list(final_inv) + \
        list(final)
    unit = 0
    for _i, _j, raw in constraints:
        if raw < dbm.INF:
            unit = math.gcd(unit, abs(dbm.bound_constant(raw)))
    if unit <= 1:
        return solve_schedule(n, steps, final_inv, final)

    def scale(cs: tuple) -> tuple:
        return tuple((i, j, raw if raw >= dbm.INF else dbm.bound(
            dbm.bound_constant(raw) // unit, dbm.bound_is_strict(raw))) for i, j, raw in cs)

    scaled = [TimedStep(scale(s.invariant), scale(s.guard), s.resets) for s in steps]
    times = solve_schedule(n, scaled, scale(tuple(final_inv)), scale(tuple(final)))
    return None if times is None else [t * unit for t in times]


# ---------------------------------------------------------------------------- zones: leads-to


def _leads_to(system, zc: ZoneCode, ex: ZoneExploration, options: Options, progress
              ) -> list:  # noqa: ANN001
    """Unbounded leads-to on the zone graph.

    The graph is the exact one (a symbolic state per discrete state and extrapolated zone,
    no inclusion: inclusion does not preserve cycles). It abstracts time away, so a cycle
    in it may be Zeno (infinitely many steps in bounded time), which is no counterexample.
    Each fair component without Q is therefore rebuilt with one more clock that a `tick`
    resets once at least one time unit has passed (the classic non-Zeno construction), and
    only a fair cycle with a tick counts. The product is built per component, so its cost
    is paid only where a counterexample may be. Fairness of actions whose guards compare
    clocks is checked in discrete time instead."""
    from .liveness import incomplete, leads_to_properties, leads_to_results

    names = set(options.properties) if options.properties else None
    props = leads_to_properties(system, names)
    if not props:
        return []
    if _clock_guarded_fairness(system.model) is not None:
        return _leads_to_in_discrete_time(system, options, props)
    if not ex.complete:
        return [incomplete(system, p) for p in props]
    budget = None if options.time_limit is None else max(0.0, options.time_limit - ex.seconds)
    graph, why = _exact_zone_graph(system, zc, ex.always, options, budget, progress)
    if why is not None:
        return [incomplete(system, p, why) for p in props]
    unit = default_tick(system.model)
    hook = _TickDivergence(system, zc, graph, ex.always, unit)
    tracer = _ZoneLassoTracer(system, zc, unit)
    return leads_to_results(system, props, graph, tracer.trace, timed=True,
                            discrete=lambda key: key[0], divergence=hook)


def _extrapolation(zc: ZoneCode, always: frozenset[int], extra: tuple[int, ...] = ()):  # noqa: ANN202
    """close(z, d, inv): let time pass within the bounds, then Extra+_M with the constants
    of the clocks live in d (and `extra` for clocks beyond the model's)."""
    live_cache: dict[int, list[int]] = {}
    n = zc.n + len(extra)

    def close(z: tuple, d: int, inv: tuple) -> tuple:
        m = live_cache.get(d)
        if m is None:
            lower, upper = zc.bounds(zc.live(d), always)
            m = [max(a, b) for a, b in zip(lower, upper)] + list(extra)
            live_cache[d] = m
        z = dbm.constrain_all(dbm.up(z, n), n, inv)
        return dbm.extrapolate_m(z, n, m)

    return close


def _successor(z: tuple, n: int, guard, resets, inv2: tuple) -> tuple | None:  # noqa: ANN001
    z1 = dbm.constrain_all(z, n, guard or ())
    if z1 is None:
        return None
    for x in resets:
        z1 = dbm.reset(z1, n, x)
    return dbm.constrain_all(z1, n, inv2)


def _exact_zone_graph(system, zc: ZoneCode, always: frozenset[int], options: Options,
                      budget: float | None, progress):  # noqa: ANN001, ANN202
    """The zone graph without inclusion, as a liveness.StateGraph whose states are
    (discrete state, zone); and why it is incomplete (None if it is not)."""
    from .liveness import TICK, StateGraph, fairness_groups

    of_instance = fairness_groups(system).of_instance
    start = _time.perf_counter()
    deadline = None if budget is None else start + budget
    memory_cap = memory_limit_mb(options)
    next_report = start + 2.0
    n = zc.n
    close = _extrapolation(zc, always)
    graph = StateGraph([], [])
    everywhere: list[int] = []
    graph.enabled_everywhere = everywhere
    for d in dict.fromkeys(system.initial_states()):
        z = _initial_zone(zc, d)
        if z is not None:
            key = (d, close(z, d, zc.inv(d)))
            if key not in graph.ids:
                graph.initial.append(graph.add_node(key))
    ids = graph.ids
    node = 0
    transitions = 0
    try:
        while node < len(graph.states):
            d, z = graph.states[node]
            edges: dict[tuple[int, int], None] = {}
            mask = 0
            for inst, _choices, d2, guard, resets in zc.succ(d):
                if d2 is None:
                    continue
                inv2 = zc.inv(d2)
                z2 = _successor(z, n, guard, resets, inv2)
                if z2 is None:
                    continue
                fair = of_instance[inst]
                if fair & ~mask and dbm.constrain_all(
                        z, n, (*(guard or ()), *(c for c in inv2 if c[0] not in resets))) == z:
                    mask |= fair  # every valuation of the zone can take it
                key = (d2, close(z2, d2, inv2))
                target = ids.get(key)
                if target is None:
                    target = graph.add_node(key)
                edges[(target, inst)] = None
            if not zc.inv(d):
                edges[(node, TICK)] = None  # no bound is active: time can pass forever here
            graph.close_node(edges)
            everywhere.append(mask)
            transitions += len(edges)
            node += 1
            if node % 256 == 0:
                now = _time.perf_counter()
                if options.max_states is not None and len(graph.states) >= options.max_states:
                    return graph, "the zone graph reached --max-states"
                if deadline is not None and now >= deadline:
                    return graph, "the time limit was reached building the zone graph"
                if resident_mb() > memory_cap:
                    return graph, "the memory limit was reached building the zone graph"
                if progress is not None and now >= next_report:
                    progress(Progress(len(graph.states), transitions, 0,
                                      len(graph.states) - node, now - start))
                    next_report = now + 1.0
    except KeyboardInterrupt:
        return graph, "interrupted"
    except MemoryError:
        return graph, "out of memory building the zone graph"
    return graph, None


def _with_free_clock(z: tuple, n: int) -> tuple:
    """Zone z (dimension n) with one more clock, unconstrained (but non-negative)."""
    m = n + 1
    out = [dbm.INF] * (m * m)
    for i in range(n):
        out[i * m:i * m + n] = z[i * n:i * n + n]
    out[0 * m + n] = dbm.LE_ZERO  # 0 - x_new <= 0
    out[n * m + n] = dbm.LE_ZERO
    result = dbm.canonical(out, m)
    assert result is not None
    return result


class _TickDivergence:
    """liveness.Divergence for zone graphs: the component rebuilt with a tick clock."""

    def __init__(self, system, zc: ZoneCode, graph, always: frozenset[int], unit: int):  # noqa: ANN001
        from .liveness import fairness_groups

        self.zc = zc
        self.graph = graph
        self.groups = fairness_groups(system)
        self.unit = unit
        self.close = _extrapolation(zc, always, (unit,))
        self.cache: dict[frozenset[int], object] = {}
        self.succ_cache: dict[int, list[tuple]] = {}

    def __call__(self, comp, enabled):  # noqa: ANN001, ANN204
        from .liveness import idle_cycle

        key = frozenset(comp.nodes)
        if key not in self.cache:
            if self._time_bounded(comp.nodes):
                self.cache[key] = None
            else:
                self.cache[key] = idle_cycle(self.graph, comp, enabled) or \
                    self._build(comp.nodes, enabled)
        return self.cache[key]

    def _entries(self, d: int) -> list[tuple]:
        entries = self.succ_cache.get(d)
        if entries is None:
            entries = self.succ_cache[d] = [e for e in self.zc.succ(d) if e[2] is not None]
        return entries

    def _time_bounded(self, nodes: set[int]) -> bool:
        """Whether a clock is bounded above in every zone of the component and reset by
        none of its edges: then every run inside it takes bounded time (the cheap case of
        the many small Zeno components, a self-loop under an urgency bound)."""
        states, n = self.graph.states, self.zc.n
        bounded = set(range(1, n))
        for v in nodes:
            z = states[v][1]
            bounded = {x for x in bounded if z[x * n] != dbm.INF}
            if not bounded:
                return False
        for v in nodes:
            for w, inst in self.graph.edges(v):
                if w not in nodes:
                    continue
                d2 = states[w][0]
                for e_inst, _choices, e_d2, _guard, resets in self._entries(states[v][0]):
                    if e_inst == inst and e_d2 == d2:
                        bounded.difference_update(resets)
                if not bounded:
                    return False
        return True

    def _build(self, nodes: set[int], enabled):  # noqa: ANN001, ANN202, ARG002
        from .liveness import TICK, StateGraph, divergent_cycle

        zc, graph, close = self.zc, self.graph, self.close
        n = zc.n
        m = n + 1
        tick_guard = ((0, n, dbm.bound(-self.unit, False)),)
        product = StateGraph([], [])
        label: list[int] = []
        starts: dict[int, int] = {}
        for v in sorted(nodes):
            d, z = graph.states[v]
            key = (v, _with_free_clock(z, n))
            if key not in product.ids:
                product.add_node(key)
                label.append(v)
            starts[v] = product.ids[key]
        of_instance = self.groups.of_instance
        penabled: list[int] = []
        node = 0
        while node < len(product.states):
            v, zt = product.states[node]
            d = graph.states[v][0]
            entries = self._entries(d)
            edges: dict[tuple[int, int], None] = {}
            mask = 0  # the fair groups enabled in this zone (their targets may lie outside)
            for w, inst in dict.fromkeys(graph.edges(v)):
                fair = of_instance[inst] if inst != TICK else 0
                if w not in nodes and not fair & ~mask:
                    continue
                d2 = graph.states[w][0]
                for e_inst, _choices, e_d2, guard, resets in entries:
                    if e_inst != inst or e_d2 != d2:
                        continue
                    inv2 = zc.inv(d2)
                    z2 = _successor(zt, m, guard, resets, inv2)
                    if z2 is not None:
                        mask |= fair
                        if w in nodes:
                            target = self._node(product, label, w, close(z2, d2, inv2))
                            edges[(target, inst)] = None
                    break
            inv = zc.inv(d)
            z2 = _successor(zt, m, tick_guard, (n,), inv)
            if z2 is not None:
                edges[(self._node(product, label, v, close(z2, d, inv)), TICK)] = None
            product.close_node(edges)
            penabled.append(mask)
            node += 1
        return divergent_cycle(product, self.groups, penabled, starts, label)

    @staticmethod
    def _node(product, label: list[int], v: int, z: tuple) -> int:  # noqa: ANN001
        key = (v, z)
        target = product.ids.get(key)
        if target is None:
            target = product.add_node(key)
            label.append(v)
        return target


class _ZoneLassoTracer:
    """A lasso of the zone graph as a run with exact times; ticks become time passing
    (at least one time unit between ticks, so the repeated cycle lets time diverge)."""

    def __init__(self, system, zc: ZoneCode, unit: int):  # noqa: ANN001
        self.system = system
        self.zc = zc
        self.unit = unit
        self.names = clock_names(system.model)

    def trace(self, path: list[tuple], insts: list[int], loop_start: int | None) -> Trace:
        from .liveness import TICK

        zc, system = self.zc, self.system
        n = zc.n
        m = n + 1  # the tick clock is clock n
        steps: list[TimedStep] = []
        moves: list[tuple[int, tuple] | None] = []
        ticks = 0
        for k in range(len(path) - 1):
            d, d2 = path[k][0], path[k + 1][0]
            if insts[k] == TICK:
                # the product began with the tick clock unconstrained: the first tick is free
                guard = ((0, n, dbm.bound(-self.unit, False)),) if ticks else ()
                ticks += 1
                steps.append(TimedStep(zc.inv(d), guard, (n,)))
                moves.append(None)
                continue
            entry = next(e for e in zc.succ(d) if e[0] == insts[k] and e[2] == d2)
            steps.append(TimedStep(zc.inv(d), tuple(entry[3] or ()), tuple(entry[4])))
            moves.append((insts[k], entry[1]))
        final_inv = zc.inv(path[-1][0])
        times = _solve_in_units(m, steps, final_inv, ())
        if times is None or not check_schedule(m, steps, times, final_inv, ()):
            raise TraceError("no concrete times realise this symbolic lasso")
        builder = _TimedTraceBuilder(system, self.names)
        builder.start(path[0][0], Fraction(0), tuple(0 for _ in range(n - 1)))
        last_reset = [Fraction(0)] * n
        loop_step = None
        for k, move in enumerate(moves):
            if loop_start is not None and k == loop_start:
                loop_step = len(builder.steps) - 1
            if move is None:
                continue
            inst, choices = move
            t = times[k]
            before, after = path[k][0], path[k + 1][0]
            if not system.replay_step(before, inst, choices, after):
                raise TraceError(f"{system.transition(inst, choices)} does not replay in the "
                                 "reference interpreter")
            for x in steps[k].resets:
                last_reset[x] = t
            clocks = tuple(t - last_reset[x] for x in range(1, n))
            builder.step(before, after, inst, choices, t / 1000, clocks, steps[k].resets)
        if loop_start is not None and loop_step is None:
            loop_step = len(builder.steps) - 1
        end = times[-1] if times else Fraction(0)
        builder.finish(path[-1][0], end / 1000, tuple(end - last_reset[x] for x in range(1, n)))
        trace = builder.trace()
        return Trace(trace.steps, loop_step) if loop_step is not None else trace


def _zone_graph(system, zc: ZoneCode, ex: ZoneExploration, limit: int):  # noqa: ANN001, ANN202
    import networkx as nx

    from .graph import GraphTooLarge

    if ex.states > limit:
        raise GraphTooLarge(f"the zone graph has {ex.states:,} symbolic states, more than the "
                            f"limit of {limit:,}")
    names = clock_names(system.model)
    graph = nx.DiGraph(spec=system.name, symbolic=True)
    for i, (d, z) in enumerate(zip(ex.discrete, ex.zones)):
        shown = system.layout.show(system.decode(d))
        zone = dbm.format_dbm(z, zc.n, names, format_duration)
        graph.add_node(i, initial=ex.parent[i] == ROOT, state=dict(shown), zone=zone,
                       label=", ".join(f"{a}={b}" for a, b in shown) + f" | {zone}")
    for a, b, inst, choices in ex.edges:
        label = str(system.transition(inst, choices))
        if graph.has_edge(a, b):
            graph.edges[a, b]["actions"].append(label)
        else:
            graph.add_edge(a, b, action=label, actions=[label])
    return graph
