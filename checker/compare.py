"""`tock diff`: the shortest observable behaviour one configuration of a spec has and another
lacks (docs/diff.md).

Both configurations are the same spec compiled with different constants. An outside
observer sees the values of the observed variables (decoded, so the two packed layouts may
differ), the actions' names with their arguments when actions are observed, and, in
discrete time, every tick. Everything else is hidden: a step that changes no observed value
and is no observed action (nor a tick) is silent.

The search is an on-the-fly subset construction: pairs (l, S) of a state l of the side
that allows the behaviour and the set S of the other side's states that showed the same
observations, closed under the other side's silent steps. A silent step of l keeps S; an
observable step maps S to the closure of its successors with the same event; an empty S is
a divergence. Breadth first over pairs, so the divergence found ends the shortest run of
the allowing side, counted in all its steps (silent ones, actions and ticks alike). It is
run both ways (left-only, right-only), and the other side's run that matched up to the
divergence is rebuilt for the report.

Three semantics, one per kind of system (`Side`): explicit states (no clocks); discrete
time, where a tick is an observable event (time is observed at the tick's resolution); and
zones, where time is not observed (the untimed language over the observed events, which
the zone graph gives exactly); the runs shown still carry real times.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from model import RuntimeFault, TransitionSystem, escape_name, format_value

from .api import Constant, load
from .engine import Budget
from .engine.budget import Stop, StopReason
from .engine.discrete import DiscreteTracer
from .engine.findings import Findings
from .engine.store import DictStore
from .engine.zones import kernel
from .engine.zones.extrapolation import ExtraLU, initial_zone
from .engine.zones.tracer import ZoneLassoTracer
from .errors import UsageError
from .liveness import TICK
from .options import Options
from .report import DiffResult, Direction, Divergence, Row, Trace
from .trace import build_trace, format_duration

__all__ = ["diff", "diff_systems", "observed_leaves", "DiffResult", "Direction",
           "Divergence", "Row"]

Node = Any  # a side's state: a packed int, or (discrete state, zone bytes)
Label = Any  # (instance, choices), or TICK
Event = tuple[str | None, tuple[str | None, ...]]  # (action or tick or None, observed values)
_TICK_EVENT = "(tick)"


# ---------------------------------------------------------------------------- the sides


class Side:
    """One configuration as the search sees it: initial states, labelled moves, observed
    values, and runs turned into traces."""

    def __init__(self, system: TransitionSystem, leaves: Sequence[str], actions: bool):
        self.system = system
        self.actions = actions
        layout = system.layout
        by_name = {leaf.name: leaf for leaf in layout.leaves}
        self._leaves = [by_name.get(name) for name in leaves]
        self._obs: dict[Any, tuple[str | None, ...]] = {}
        self._moves: dict[Node, list[tuple[Event | None, Label, Node]]] = {}
        self.runtime_errors = 0

    # -- what each kind of system provides
    def initial(self) -> list[Node]:
        return list(dict.fromkeys(self.system.initial_states()))

    def raw_moves(self, node: Node) -> list[tuple[Label, Node]]:
        out = []
        for inst, choices, nxt in self.system.labeled(node):
            if nxt is None:
                self.runtime_errors += 1
            else:
                out.append(((inst, choices), nxt))
        return out

    def discrete(self, node: Node) -> int:
        return int(node)

    def trace(self, nodes: list[Node], labels: list[Label]) -> Trace:
        return build_trace(self.system, nodes, instances=[lab[0] for lab in labels])

    # -- shared
    def observe(self, node: Node) -> tuple[str | None, ...]:
        d = self.discrete(node)
        seen = self._obs.get(d)
        if seen is None:
            values = self.system.decode(d)
            layout = self.system.layout
            seen = tuple(None if leaf is None else
                         _format(leaf.type, layout.leaf_value(leaf, values))
                         for leaf in self._leaves)
            self._obs[d] = seen
        return seen

    def label_text(self, label: Label) -> str:
        if label == TICK:
            return _TICK_EVENT
        return str(self.system.transition(*label))

    def moves(self, node: Node) -> list[tuple[Event | None, Label, Node]]:
        """Each move with its event (None: silent)."""
        out = self._moves.get(node)
        if out is None:
            here = self.observe(node)
            out = []
            for label, nxt in self.raw_moves(node):
                there = self.observe(nxt)
                if label == TICK:
                    event: Event | None = (_TICK_EVENT, there)
                elif self.actions:
                    event = (self.label_text(label), there)
                else:
                    event = None if there == here else (None, there)
                out.append((event, label, nxt))
            self._moves[node] = out
        return out


def _format(typ: Any, value: Any) -> str:
    return str(format_value(typ, value))


class DiscreteSide(Side):
    """Discrete time: the ticked system; a tick is a move with the TICK label."""

    def __init__(self, system: TransitionSystem, tick: int, leaves: Sequence[str],
                 actions: bool):
        super().__init__(system.discrete_time(tick), leaves, actions)
        self.tick_ms = tick

    def raw_moves(self, node: Node) -> list[tuple[Label, Node]]:
        out = super().raw_moves(node)
        after = self.system.tick(node)  # type: ignore[attr-defined]
        if after is not None:
            out.append((TICK, after))
        return out

    def trace(self, nodes: list[Node], labels: list[Label]) -> Trace:
        insts = [TICK if lab == TICK else lab[0] for lab in labels]
        tracer = DiscreteTracer(self.system, Findings([], DictStore({})))
        return tracer.lasso_trace(nodes, insts, None)


class ZoneSide(Side):
    """Zones: symbolic states (discrete state, zone), extrapolated (Extra+_LU with every
    clock's constants everywhere, so no per-state assumption can fail); time is not
    observed."""

    def __init__(self, system: TransitionSystem, leaves: Sequence[str], actions: bool):
        super().__init__(system, leaves, actions)
        self.zc = system.zone_code
        self.extrapolation = ExtraLU(self.zc, frozenset(range(1, self.zc.n)))

    def initial(self) -> list[Node]:
        out = []
        for d in dict.fromkeys(self.system.initial_states()):
            z = initial_zone(self.zc, d)
            if z is not None:
                out.append((d, self.extrapolation.extrapolate(z, d)))
        return out

    def discrete(self, node: Node) -> int:
        return int(node[0])

    def raw_moves(self, node: Node) -> list[tuple[Label, Node]]:
        d, z = node
        n = self.zc.n
        out = []
        for inst, choices, d2, guard, resets in self.zc.succ(d):
            if d2 is None:
                if guard is None or kernel.satisfies(z, n, guard):
                    self.runtime_errors += 1
                continue
            try:
                inv2 = self.extrapolation.invariant(d2)
            except RuntimeFault:
                self.runtime_errors += 1
                continue
            _pre, z3 = kernel.successor(z, n, guard, resets, inv2)
            if z3 is None:
                continue
            out.append(((inst, choices), (d2, self.extrapolation.extrapolate(z3, d2))))
        return out

    def trace(self, nodes: list[Node], labels: list[Label]) -> Trace:
        tracer = ZoneLassoTracer(self.system, self.zc, 1)
        return tracer.trace(list(nodes), [lab[0] for lab in labels], None)


# ---------------------------------------------------------------------------- the search


def diff(spec: str, left: Mapping[str, Constant] | None = None,
         right: Mapping[str, Constant] | None = None, *,
         both: Mapping[str, Constant] | None = None,
         observe: Sequence[str] | None = None, observe_actions: bool = False,
         options: Options | None = None, budget: Budget | None = None,
         horizon: int | None = None) -> DiffResult:
    """Compare two configurations of a spec (a path or spec text): `left` and `right` set
    constants as `check(constants=...)` does, `both` those they share. `observe` names the
    observed variables (a variable, a process's variable `agent.state`, an element
    `master.view[1]`, or a process `agent` for all its variables); None: every variable,
    unless `observe_actions` is set and `observe` is None, then actions only. `options`:
    max_depth, max_states, time_limit, memory_limit, time_engine and tick as for check;
    `horizon` (ms, discrete time only): no run goes past this time (then INCOMPLETE).
    Raises SpecError and UsageError as `check` does."""
    common = dict(both or {})
    left_sys = load(spec, {**common, **dict(left or {})}, "--left")
    right_sys = load(spec, {**common, **dict(right or {})}, "--right")
    return diff_systems(left_sys, right_sys, observe, observe_actions, options or Options(),
                        budget, horizon)


def diff_systems(left: TransitionSystem, right: TransitionSystem,
                 observe: Sequence[str] | None, observe_actions: bool, options: Options,
                 budget: Budget | None = None, horizon: int | None = None) -> DiffResult:
    """diff() on two compiled configurations of one spec."""
    budget = budget or Budget(options)
    leaves = observed_leaves(left, right, observe, observe_actions)
    time, exactness, make = _semantics(left, right, options)
    sides = {"left": (left, make(left, leaves, observe_actions)),
             "right": (right, make(right, leaves, observe_actions))}
    ticks = None
    if horizon is not None:
        side = sides["left"][1]
        if not isinstance(side, DiscreteSide):
            raise UsageError("--horizon bounds the time of discrete-time runs; it needs a "
                             "spec with clocks and --time discrete")
        ticks = horizon // side.tick_ms
        time += f"; runs up to {format_duration(ticks * side.tick_ms)}"
    start = budget.clock()
    directions = []
    for allows, lacks in (("left", "right"), ("right", "left")):
        directions.append(_direction(allows, lacks, sides[allows][1], sides[lacks][1],
                                     leaves, options, budget, ticks))
    notes = tuple(f"{count:,} step(s) of the {name} side fail at run time; the comparison "
                  "leaves them out (tock check reports them)"
                  for name, count in ((n, side.runtime_errors) for n, (_s, side) in
                                      sides.items()) if count)
    return DiffResult(left.name, left.file, _set_constants(left, right),
                      _set_constants(right, left), tuple(leaves), observe_actions, time,
                      exactness, (directions[0], directions[1]), budget.clock() - start,
                      notes)


def _set_constants(system: TransitionSystem, other: TransitionSystem
                   ) -> tuple[tuple[str, str], ...]:
    """The constants of `system` whose value differs from `other`'s (what tells them
    apart), in declaration order."""
    theirs = dict(other.constants())
    return tuple((n, v) for n, v in system.constants() if theirs.get(n) != v)


def observed_leaves(left: TransitionSystem, right: TransitionSystem,
                    observe: Sequence[str] | None, actions: bool) -> list[str]:
    """The leaves (as traces name them) the names in `observe` cover, in layout order;
    every visible leaf when `observe` is None and actions are not observed."""
    names: list[str] = []
    of_variable: dict[str, str] = {}  # leaf -> its variable's name (task[1].st -> task.st)
    for system in (left, right):
        # the variables reports show (the checker's own bookkeeping left out)
        # (by the leaf's variable: `task[1].st` is a leaf of the variable `task.st` of an
        # indexed process, which the reports show as one map)
        shown = set(system.state_data(system.decode(system.initial_states()[0])))
        variables = system.layout.variables
        for leaf in system.layout.leaves:
            if leaf.name not in names and variables[leaf.var].name in shown:
                names.append(leaf.name)
                of_variable[leaf.name] = variables[leaf.var].name
    if observe is None:
        return [] if actions else names
    out: list[str] = []
    for want in observe:
        want = want.strip()
        # a leaf, a prefix of leaves, or a variable of an indexed process as the reports
        # name it (`executor.proc`: every `executor[k].proc`)
        hits = [n for n in names if any(
            m == want or m.startswith((want + ".", want + "[")) for m in (n, of_variable[n]))]
        if not hits:
            close = difflib.get_close_matches(want, names, 3)
            hint = f"; did you mean {', '.join(close)}?" if close else \
                f" (this spec has: {', '.join(names[:12])}{', ...' if len(names) > 12 else ''})"
            raise UsageError(f"--observe: no variable named '{escape_name(want)}'{hint}")
        out += [n for n in hits if n not in out]
    order = {n: k for k, n in enumerate(names)}
    return sorted(out, key=order.__getitem__)


Make = Callable[[TransitionSystem, Sequence[str], bool], Side]

POLL_EVERY = 512  # pairs (or states closed) between looks at the budget


def _semantics(left: TransitionSystem, right: TransitionSystem, options: Options
               ) -> tuple[str, str, Make]:
    """How time is treated: (what the report says, how exact it is, the side maker)."""
    if not left.has_clocks and not right.has_clocks:  # --time, --tick: moot (the CLI warns)
        return ("untimed (no clocks)", "exact: every reachable state is explored",
                lambda s, leaves, act: Side(s, leaves, act))
    engine = options.time_engine
    refusal = left.discrete_refusal() or right.discrete_refusal()
    if engine is None:
        engine = "zones" if refusal is not None else "discrete"
    if engine == "zones":
        if options.tick is not None:
            raise UsageError("--tick sets the tick of discrete time; add --time discrete, "
                             "or drop --tick")
        why = "" if options.time_engine == "zones" or refusal is None else \
            f" (discrete time would be inexact: {refusal[0]} at {refusal[1]})"
        return ("zones: time not compared" + why,
                "exact for the untimed behaviour over the observed events (the zone graph "
                "gives each configuration's untimed language exactly); times of the runs "
                "are shown but not compared: timed language inclusion of timed automata is "
                "undecidable in general",
                lambda s, leaves, act: ZoneSide(s, leaves, act))
    if engine != "discrete":
        raise UsageError(f"no time engine named '{engine}' (zones, discrete)")
    default = math.gcd(left.default_tick(), right.default_tick())
    tick = options.tick or default
    for k in left.time_constants() + right.time_constants():
        if k % tick:  # the generated code compares whole ticks (as the discrete engine)
            raise UsageError(f"the tick {format_duration(tick)} does not divide the constant "
                             f"{format_duration(k)}; pick a tick that divides every time "
                             f"constant of both sides (default: their gcd, "
                             f"{format_duration(default)})")
    exact = (f"time observed at the tick ({format_duration(tick)}): a difference found is a "
             "real one for closed (non-strict) clock constraints; no difference means none "
             "among runs whose steps happen at multiples of the tick")
    if refusal is not None:
        exact = (f"at the tick's resolution only ({format_duration(tick)}): {refusal[0]} at "
                 f"{refusal[1]}, and discrete time is exact only for closed constraints")
    return (f"discrete time, tick {format_duration(tick)} (every tick observed)", exact,
            lambda s, leaves, act: DiscreteSide(s, tick, leaves, act))


class _Closure:
    """The other side's state sets: interned, closed under silent moves, and mapped by
    events (both cached)."""

    def __init__(self, side: Side, poll: Callable[[int], None]):
        self.side = side
        self.poll = poll  # called now and then with the states closed so far (the budget)
        self.closed = 0
        self.ids: dict[frozenset[Node], int] = {}
        self.sets: list[frozenset[Node]] = []
        self.after: dict[tuple[int, Event], int] = {}

    def intern(self, nodes: frozenset[Node]) -> int:
        sid = self.ids.get(nodes)
        if sid is None:
            sid = self.ids[nodes] = len(self.sets)
            self.sets.append(nodes)
        return sid

    def close(self, nodes: list[Node]) -> frozenset[Node]:
        seen = set(nodes)
        todo = list(nodes)
        while todo:
            node = todo.pop()
            self.closed += 1
            if self.closed % POLL_EVERY == 0:
                self.poll(self.closed)
            for event, _label, nxt in self.side.moves(node):
                if event is None and nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return frozenset(seen)

    def step(self, sid: int, event: Event) -> int:
        """The closed set after `event` from set `sid` (-1: empty)."""
        key = (sid, event)
        out = self.after.get(key)
        if out is None:
            hits = [nxt for node in self.sets[sid] for ev, _label, nxt in self.side.moves(node)
                    if ev == event]
            out = self.intern(self.close(hits)) if hits else -1
            self.after[key] = out
        return out



def _direction(allows: str, lacks: str, a: Side, b: Side, leaves: list[str],
               options: Options, budget: Budget, horizon: int | None = None) -> Direction:
    """Breadth first over pairs (state of `a`, set of states of `b`) for the shortest run
    of `a` that `b` cannot match (see the module docstring). With a `horizon` (ticks),
    the pairs also count the ticks so far, and no run goes past it."""
    b_initial = b.initial()
    pairs: dict[tuple[Node, int, int], int] = {}
    cut = False  # the horizon kept some run from going on
    parent: list[int] = []
    move: list[tuple[Label, Node]] = []
    found: tuple[int, Label, Node] | None = None  # (pair, label, node): the divergent move
    start_miss: Node | None = None
    depth = 0
    stop: StopReason | None = None
    with budget.search(f"diff {allows}-only") as meter:
        meter.poll(0, 0, 0, 0)
        closure = _Closure(b, lambda closed: meter.poll(len(pairs), closed, depth, 0))
        frontier: list[int] = []
        for node in a.initial():
            seen = a.observe(node)
            matching = [r for r in b_initial if b.observe(r) == seen]
            if not matching:
                start_miss = node
                break
            key = (node, closure.intern(closure.close(matching)), 0)
            if key not in pairs:
                pairs[key] = len(parent)
                parent.append(-1)
                move.append((None, node))
                frontier.append(pairs[key])
        keys = list(pairs)
        count = 0
        while frontier and start_miss is None and found is None:
            if options.max_depth is not None and depth >= options.max_depth:
                stop = StopReason.MAX_DEPTH
                break
            depth += 1
            nxt: list[int] = []
            for pid in frontier:
                node, sid, ticks = keys[pid]
                for event, label, node2 in a.moves(node):
                    ticks2 = ticks
                    if horizon is not None and label == TICK:
                        ticks2 += 1
                        if ticks2 > horizon:
                            cut = True
                            continue
                    sid2 = sid if event is None else closure.step(sid, event)
                    if sid2 < 0:
                        found = (pid, label, node2)
                        break
                    key = (node2, sid2, ticks2)
                    if key not in pairs:
                        if options.max_states is not None and len(pairs) >= options.max_states:
                            raise Stop(StopReason.MAX_STATES)
                        pairs[key] = len(parent)
                        keys.append(key)
                        parent.append(pid)
                        move.append((label, node2))
                        nxt.append(pairs[key])
                if found is not None:
                    break
                count += 1
                if count % POLL_EVERY == 0:
                    meter.poll(len(pairs), count, depth, len(nxt))
            frontier = nxt
    stop = meter.stop_reason or stop
    if start_miss is not None:
        div = _divergence(allows, lacks, a, b, [start_miss], [], leaves, b_initial)
        return Direction(allows, lacks, "difference", div, len(pairs), 0)
    if found is not None:
        pid, label, node2 = found
        chain = []
        while pid >= 0:
            chain.append(move[pid])
            pid = parent[pid]
        chain.reverse()
        nodes = [n for _lab, n in chain] + [node2]
        labels = [lab for lab, _n in chain[1:]] + [label]
        div = _divergence(allows, lacks, a, b, nodes, labels, leaves, b_initial)
        return Direction(allows, lacks, "difference", div, len(pairs), depth)
    if stop is not None or frontier:
        return Direction(allows, lacks, "incomplete", None, len(pairs), depth,
                         (stop or StopReason.MAX_DEPTH).value)
    if cut:
        return Direction(allows, lacks, "incomplete", None, len(pairs), depth, "horizon")
    return Direction(allows, lacks, "none", None, len(pairs), depth)


# ---------------------------------------------------------------------------- the runs


def _events(side: Side, nodes: list[Node], labels: list[Label]) -> list[Event | None]:
    out: list[Event | None] = []
    for k, label in enumerate(labels):
        event = next(ev for ev, lab, nxt in side.moves(nodes[k])
                     if lab == label and nxt == nodes[k + 1])
        out.append(event)
    return out


def _match(b: Side, b_initial: list[Node], first: tuple[str | None, ...],
           events: list[Event]) -> tuple[list[Node], list[Label], list[Node]]:
    """A run of `b` with the observations `first`, then `events` (the shortest such run,
    found breadth first), and the states it could be in at the end (in a fixed order)."""
    start = [r for r in b_initial if b.observe(r) == first]
    pred: dict[tuple[int, Node], tuple[tuple[int, Node], Label] | None] = {}
    level: list[Node] = []
    for r in start:
        if (0, r) not in pred:
            pred[(0, r)] = None
            level.append(r)
    for k in range(len(events) + 1):
        # close level k under silent moves, breadth first
        i = 0
        while i < len(level):
            node = level[i]
            i += 1
            for event, label, nxt in b.moves(node):
                if event is None and (k, nxt) not in pred:
                    pred[(k, nxt)] = ((k, node), label)
                    level.append(nxt)
        if k == len(events):
            break
        nxt_level: list[Node] = []
        for node in level:
            for event, label, nxt in b.moves(node):
                if event == events[k] and (k + 1, nxt) not in pred:
                    pred[(k + 1, nxt)] = ((k, node), label)
                    nxt_level.append(nxt)
        level = nxt_level
    assert level, "the matching run was lost"
    k = len(events)
    at: tuple[int, Node] = (k, level[0])
    nodes, labels = [at[1]], []
    while pred[at] is not None:
        back, label = pred[at]  # type: ignore[misc]
        nodes.append(back[1])
        labels.append(label)
        at = back
    nodes.reverse()
    labels.reverse()
    return nodes, labels, level


def _divergence(allows: str, lacks: str, a: Side, b: Side, nodes: list[Node],
                labels: list[Label], leaves: list[str], b_initial: list[Node]) -> Divergence:
    a_events = _events(a, nodes, labels)
    observable = [ev for ev in a_events if ev is not None]
    run_trace = a.trace(nodes, labels)
    run = _rows(a, nodes, labels, a_events, run_trace, leaves, final=True)
    first = a.observe(nodes[0])
    if not labels:  # the first observation already differs
        instead = sorted({_show_values(leaves, b.observe(r)) for r in b_initial})[:5]
        return Divergence(allows, lacks, 0, "starts with " + _show_values(leaves, first),
                          None, run, (), tuple(instead), run_trace, None)
    b_nodes, b_labels, ends = _match(b, b_initial, first, observable[:-1])
    other_trace = b.trace(b_nodes, b_labels)
    other = _rows(b, b_nodes, b_labels, _events(b, b_nodes, b_labels), other_trace, leaves)
    options = set()
    for node in ends:
        for event, label, _nxt in b.moves(node):
            if event is not None:
                options.add(_show_event(leaves, b.observe(node), event,
                                        b.label_text(label)))
    last = run[-1]
    changes = ", ".join(f"{n}: {o} -> {v}" for n, o, v in last.changes)
    if last.action is None:
        what = f"lets time pass to t={last.time} s" + (f" ({changes})" if changes else "")
    else:
        what = f"does {last.action}" + (f" ({changes})" if changes else "") + \
            (f" at t={last.time} s" if last.time is not None else "")
    return Divergence(allows, lacks, last.index, what, last.time, run, other,
                      tuple(sorted(options)[:5]), run_trace, other_trace)


def _show_values(leaves: list[str], values: tuple[str | None, ...]) -> str:
    if not leaves:
        return "(nothing observed)"
    return ", ".join(f"{n} = {'(absent)' if v is None else v}" for n, v in zip(leaves, values))


def _show_event(leaves: list[str], before: tuple[str | None, ...], event: Event,
                label: str) -> str:
    """An observable step as text: the action (shown even when actions are not observed,
    so the reader knows what happened) and the observed changes."""
    changes = ", ".join(f"{n}: {b} -> {v}" for n, b, v in zip(leaves, before, event[1])
                        if b != v)
    head = "let time pass one tick" if event[0] == _TICK_EVENT else label
    return head + (f" ({changes})" if changes else "")


def _rows(side: Side, nodes: list[Node], labels: list[Label], events: list[Event | None],
          trace: Trace, leaves: list[str], final: bool = False) -> tuple[Row, ...]:
    """The observable steps of a run, with the times its trace gives them."""
    times = _times(side, labels, trace)
    rows = [Row(0, times[0], None, tuple((n, "", v or "(absent)") for n, v in
                                         zip(leaves, side.observe(nodes[0]))))]
    hidden: list[str] = []
    for k, (label, event) in enumerate(zip(labels, events)):
        if event is None:
            hidden.append(side.label_text(label))
            continue
        if label == TICK and (k + 1 < len(labels) or not final):
            continue  # time passing shows in the times; a row only where it diverges
        before, after = side.observe(nodes[k]), event[1]
        changes = tuple((n, b or "(absent)", v or "(absent)")
                        for n, b, v in zip(leaves, before, after) if b != v)
        action = None if label == TICK else side.label_text(label)
        rows.append(Row(len(rows), times[k + 1], action, changes, tuple(hidden)))
        hidden = []
    return tuple(rows)


def _times(side: Side, labels: list[Label], trace: Trace) -> list[str | None]:
    """The time (seconds, as text) after each move (index 0: the start)."""
    if isinstance(side, DiscreteSide):
        out: list[str | None] = ["0"]
        ms = 0
        for label in labels:
            if label == TICK:
                ms += side.tick_ms
            out.append(_seconds_text(ms))
        return out
    if not isinstance(side, ZoneSide):
        return [None] * (len(labels) + 1)
    steps = iter(step for step in trace.steps[1:] if step.action is not None
                 and step.label != "(time passes)")
    out = ["0"]
    for _label in labels:
        step = next(steps, None)
        out.append(None if step is None else step.time_text)
    return out


def _seconds_text(ms: int) -> str:
    return str(ms // 1000) if ms % 1000 == 0 else f"{ms / 1000:g}"
