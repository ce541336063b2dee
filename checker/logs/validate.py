"""Replay a log against a model: a run of the model that produces exactly the log's mapped
events, in order, with its timing (docs/replay.md).

The frontier is the set of symbolic states (a discrete state and a zone) the model can be
in just after the last mapped line. The zone has one clock more than the model's: `L`,
the time since the last mapped line. Between two lines the frontier is closed under the
silent actions and time passing with `L <= gap + tolerance`; the next line is then a step
of one of its actions (or, for an observation, a point in time) with
`gap - tolerance <= L`, after which `L` is reset. Before the first line any silent prefix
of any length and duration is allowed: the log starts mid-run. Zones are extrapolated as the
zone engine does (Extra+_M with per-state constants, the constant of `L` at least the gap's
upper end), so a long log costs memory in proportion to its frontier, not its length:
the one predecessor of each frontier state is spilled to a temporary file, and the witness
is read back from it.
"""

from __future__ import annotations

import difflib
import marshal
import math
import os
import re
import tempfile
import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from model import RuntimeFault, format_value

from ..engine.budget import Budget, Stop, StopReason
from ..engine.zones import kernel
from ..engine.zones.extrapolation import ExtraM
from ..engine.zones.schedule import TimedStep, check_schedule
from ..engine.zones.search import StaleClock
from ..engine.zones.tracer import solve_in_units_open
from ..report import Step, Trace
from ..trace import TraceBuilder, TraceError
from .logmap import Event, LogMap, MapError, parse_timestamp

if TYPE_CHECKING:
    from model import TransitionSystem

__all__ = ["ReplayResult", "LogLine", "replay_log", "OUTCOMES", "WITNESS_LIMIT"]

OUTCOMES = {"consistent": 0, "inconsistent": 1, "unmapped": 1, "log-error": 1,
            "incomplete": 3}
WITNESS_LIMIT = 2_000  # steps of a witness drawn at most (a longer one is summarised)
POLL_EVERY = 256


@dataclass(frozen=True, slots=True)
class LogLine:
    """A line of the log: its number (from 1) and text."""

    number: int
    text: str


@dataclass(frozen=True)
class ReplayResult:
    """The answer of a replay (docs/replay.md).

    outcome: consistent (a run of the model produces every mapped line, `witness` is it) |
    inconsistent (`failed` is the first line the model cannot produce, `offered` the events
    it could have produced there, `reason` why not this one, `witness` the run of the
    longest consistent prefix) | unmapped (consistent, but lines that no event and no
    ignore pattern matches, `unmapped`, count as an error of the log) | log-error (the log
    itself is unusable at `failed`: timestamps out of order, no timestamp, a captured
    value that is no value of its type; `reason` says which) | incomplete (a budget
    stopped the replay at `failed`; never consistent). `witness_lines[k]` is the log line
    that step k of the witness produces (0: a silent step or the initial state)."""

    spec: str
    log: str
    map: str
    constants: tuple[tuple[str, str], ...]
    outcome: str
    lines: int
    events: int
    ignored: int
    timed: bool
    tolerance_us: int
    failed: LogLine | None = None
    failed_event: str | None = None
    reason: str | None = None
    offered: tuple[str, ...] = ()
    previous: LogLine | None = None  # the last line produced before `failed`
    unmapped: tuple[LogLine, ...] = ()
    unmapped_count: int = 0
    witness: Trace | None = None
    witness_lines: tuple[int, ...] = ()
    witness_note: str | None = None
    stop_reason: str | None = None
    frontier_max: int = 0
    states: int = 0
    processes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    seconds: float = field(default=0.0, compare=False)

    @property
    def exit_code(self) -> int:
        return OUTCOMES[self.outcome]


class _Failure(Exception):
    def __init__(self, outcome: str, reason: str):
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason


class _Bound:
    """The map bound to a system: instance sets per event, observed leaves, silent set."""

    def __init__(self, system: TransitionSystem, logmap: LogMap):
        self.system = system
        self.map = logmap
        labels = [system.transition(i) for i in range(len(system.instances))]
        self.labels = labels
        by_name: dict[str, list[int]] = {}
        for inst, t in enumerate(labels):
            by_name.setdefault(t.action, []).append(inst)
            if t.process is not None:
                by_name.setdefault(f"{t.process}.{t.action}", []).append(inst)
        self.by_name = by_name
        named: set[int] = set()
        self.event_insts: dict[int, list[int]] = {}
        for ev in logmap.events:
            if ev.actions is None:
                continue
            insts: list[int] = []
            for name in ev.actions:
                if name not in by_name:
                    raise MapError(logmap.position(f'"{name}"', _line(ev)),
                                   f"the spec has no action named '{name}'"
                                   + _did_you_mean(name, by_name), "M010")
                insts += by_name[name]
            for param, tpl in ev.args:
                for name in ev.actions:
                    params = {n for i in by_name[name] for n, _ in labels[i].args}
                    if param not in params:
                        raise MapError(logmap.position(param, _line(ev)),
                                       f"action '{name}' has no parameter '{param}' (it has: "
                                       f"{', '.join(sorted(params)) or 'none'})", "M011")
                if tpl.group is None:
                    values = self.arg_values(insts, param)
                    if tpl.text not in values:
                        raise MapError(logmap.position(tpl.text, _line(ev)),
                                       f"'{tpl.text}' is not a value of parameter '{param}' "
                                       f"(its values: {', '.join(values)})", "M012")
            self.event_insts[ev.number] = sorted(set(insts))
            named.update(insts)
        leaves = {leaf.name: leaf for leaf in system.layout.leaves}
        self.leaves = leaves
        self.leaf_values: dict[str, list[str]] = {}
        for ev in logmap.events:
            for name, tpl in ev.observe:
                if name not in leaves:
                    raise MapError(logmap.position(name, _line(ev)),
                                   f"the spec has no variable '{name}'"
                                   + _did_you_mean(name, leaves), "M013")
                values = self.leaf_values.setdefault(
                    name, [format_value(leaves[name].type, v)
                           for v in leaves[name].type.values()])
                if tpl.group is None and tpl.text not in values:
                    raise MapError(logmap.position(tpl.text, _line(ev)),
                                   f"'{tpl.text}' is not a value of {name} (its values: "
                                   f"{', '.join(values)})", "M012")
        if logmap.silent is None:
            self.silent = frozenset(i for i in range(len(labels)) if i not in named)
        else:
            silent: set[int] = set()
            for name in logmap.silent:
                if name not in by_name:
                    raise MapError(logmap.position(f'"{name}"'),
                                   f"silent names '{name}', which is no action of the spec"
                                   + _did_you_mean(name, by_name), "M010")
                silent.update(by_name[name])
            self.silent = frozenset(silent)
        self._match_cache: dict[tuple, tuple[frozenset[int] | None, tuple]] = {}

    def arg_values(self, insts: Iterable[int], param: str) -> list[str]:
        seen: dict[str, None] = {}
        for i in insts:
            for n, v in self.labels[i].args:
                if n == param:
                    seen[v] = None
        return list(seen)

    def bind_line(self, ev: Event, m: re.Match[str]
                  ) -> tuple[frozenset[int] | None, tuple[tuple[Any, str], ...]]:
        """The instances this line may be (None: an observation) and the observed leaves
        with their values; a captured value that is no value raises _Failure."""
        args = tuple((p, t.value(m)) for p, t in ev.args)
        obs = tuple((n, t.value(m)) for n, t in ev.observe)
        key = (ev.number, args, obs)
        hit = self._match_cache.get(key)
        if hit is not None:
            return hit
        insts: frozenset[int] | None = None
        if ev.actions is not None:
            pool = self.event_insts[ev.number]
            for p, v in args:
                values = self.arg_values(pool, p)
                if v not in values:
                    raise _Failure("log-error", f"the line gives {p} = '{v}', which is not a "
                                   f"value of that parameter (its values: {', '.join(values)})")
            want = dict(args)
            insts = frozenset(i for i in pool
                              if all(dict(self.labels[i].args).get(p, v) == v
                                     for p, v in want.items()))
        checks = []
        for n, v in obs:
            if v not in self.leaf_values[n]:
                raise _Failure("log-error", f"the line gives {n} = '{v}', which is not a value "
                               f"of it (its values: {', '.join(self.leaf_values[n])})")
            checks.append((self.leaves[n], v))
        out = (insts, tuple(checks))
        if len(self._match_cache) > 4096:
            self._match_cache.clear()
        self._match_cache[key] = out
        return out

    def observed(self, d: int, checks: tuple) -> bool:
        if not checks:
            return True
        layout = self.system.layout
        values = self.system.decode(d)
        return all(format_value(leaf.type, layout.leaf_value(leaf, values)) == v
                   for leaf, v in checks)


def _line(ev: Event) -> int:
    return int(ev.where.rsplit(":", 2)[-2])


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _le(c: int) -> int:
    return (c << 1) | 1


def _us_text(us: int) -> str:
    """Microseconds as seconds, as short as exact: `1.193 s`."""
    return f"{Fraction(us, 1_000_000).__float__():.6f}".rstrip("0").rstrip(".") + " s"


class _Spill:
    """The predecessor links of every frontier, one record per line, in a temporary file."""

    def __init__(self) -> None:
        fd, self.path = tempfile.mkstemp(prefix="tock-replay-", suffix=".links")
        self.handle = os.fdopen(fd, "w+b")
        self.offsets = array("q")

    def write(self, records: list[tuple[int, tuple[int, ...], int]], line: int,
              lo: int | None, hi: int | None, label: str) -> None:
        self.offsets.append(self.handle.tell())
        marshal.dump((line, lo, hi, label, records), self.handle)

    def read(self, k: int) -> tuple[int, int | None, int | None, str,
                                    list[tuple[int, tuple[int, ...], int]]]:
        self.handle.seek(self.offsets[k])
        line, lo, hi, label, records = marshal.load(self.handle)
        self.handle.seek(0, os.SEEK_END)
        return line, lo, hi, label, records

    def close(self) -> None:
        self.handle.close()
        os.unlink(self.path)


def replay_log(system: TransitionSystem, logmap: LogMap, lines: Callable[[], Iterator[str]],
               log_name: str, budget: Budget, allow_unmapped: bool = False,
               untimed: bool = False) -> ReplayResult:
    """Replay the log (`lines()` gives its lines afresh, so a replay that must start again
    with more clock constants can) against `system` (module docstring)."""
    always: frozenset[int] = frozenset()
    start = time.perf_counter()
    while True:
        try:
            result = _Replay(system, logmap, budget, always, allow_unmapped,
                             untimed).run(lines(), log_name)
        except StaleClock as stale:
            always = always | frozenset(stale.clocks)
            continue
        return _with_seconds(result, time.perf_counter() - start)


def _with_seconds(result: ReplayResult, seconds: float) -> ReplayResult:
    object.__setattr__(result, "seconds", seconds)
    return result


class _Replay:
    def __init__(self, system: TransitionSystem, logmap: LogMap, budget: Budget,
                 always: frozenset[int], allow_unmapped: bool, untimed: bool):
        self.system = system
        self.zc = system.zone_code
        self.n = self.zc.n + 1
        self.log_clock = self.zc.n
        self.map = logmap
        self.bound = _Bound(system, logmap)
        self.budget = budget
        self.always = always
        self.allow_unmapped = allow_unmapped or logmap.unmapped == "ignore"
        self.timed = logmap.ts_regex is not None and not untimed
        self._extra: dict[int, ExtraM] = {}
        self._succ: dict[int, list] = {}
        self.states = 0
        self.transitions = 0

    # ------------------------------------------------------------------ helpers
    def extrapolation(self, hi: int | None) -> ExtraM:
        c = -1 if hi is None else 1 << max(0, math.ceil(math.log2(max(hi, 1))))
        ex = self._extra.get(c)
        if ex is None:
            ex = self._extra[c] = ExtraM(self.zc, self.always, (c,))
        return ex

    def succ(self, d: int) -> list:
        entries = self._succ.get(d)
        if entries is None:
            if len(self._succ) > 512:
                self._succ.clear()
            entries = self._succ[d] = self.zc.succ(d)
        return entries

    def inv(self, d: int) -> tuple | None:
        try:
            return tuple(self.zc.inv(d))
        except RuntimeFault:
            return None

    def initial(self) -> list[tuple[int, bytes]]:
        n = self.n
        out = []
        for d in dict.fromkeys(self.system.initial_states()):
            inv = self.inv(d)
            if inv is None:
                continue
            z = kernel.constrain_all(kernel.zero(n), n, inv)
            if z is None:
                continue
            z = kernel.constrain_all(kernel.up(z, n), n, inv)
            if z is not None:
                out.append((d, z))
        return out

    # ------------------------------------------------------------------ the closure
    def closure(self, frontier: list[tuple[int, bytes]], hi: int | None, meter: Any
                ) -> tuple[list[int], list[bytes], list[int], list[int], list[int]]:
        """Every symbolic state the silent actions and time reach from the frontier with
        L <= hi: parallel lists (discrete state, zone, parent node or -1 - root, entry)."""
        n = self.n
        L = self.log_clock
        ex = self.extrapolation(hi)
        cap = () if hi is None else ((L, 0, _le(hi)),)
        store = kernel.ZoneStore(n)
        ids: dict[int, int] = {}
        ds: list[int] = []
        zs: list[bytes] = []
        parent: list[int] = []
        entry: list[int] = []
        silent = self.bound.silent
        max_states = self.budget.max_states

        def add(d: int, z: bytes, p: int, k: int) -> None:
            did = ids.setdefault(d, len(ids))
            lower, upper = ex.bounds(d)
            node = store.add(did, ex.extrapolate(z, d), lower, upper, kernel.ALU)
            if node >= 0:
                ds.append(d)
                zs.append(store.zone(node))
                parent.append(p)
                entry.append(k)

        for r, (d, z) in enumerate(frontier):
            z2 = kernel.constrain_all(z, n, cap) if cap else z
            if z2 is not None:
                add(d, z2, -1 - r, -1)
        k = 0
        while k < len(ds):
            d, z = ds[k], zs[k]
            mask = ex.live(d)
            for e, (inst, _choices, d2, guard, resets) in enumerate(self.succ(d)):
                if inst not in silent or d2 is None:
                    continue
                inv2 = self.inv(d2)
                if inv2 is None:
                    continue
                _pre, z3 = kernel.successor(z, n, guard, resets, inv2 + cap)
                if z3 is None:
                    continue
                mask2 = ex.live(d2)
                if mask2 != mask:
                    stale = ex.grows(mask, mask2).difference(resets or ())
                    if stale:
                        raise StaleClock(set(stale))
                self.transitions += 1
                add(d2, z3, k, e)
            k += 1
            if max_states is not None and len(ds) > max_states:
                raise Stop(StopReason.MAX_STATES)
            if k % POLL_EVERY == 0:
                meter.poll(self.states + len(ds), self.transitions, 0, len(ds) - k)
        self.states += len(ds)
        active = set()
        for did in set(ids.values()):
            active.update(store.active(did))
        keep = sorted(active)
        # the retired (subsumed) nodes stay as parents of others; only active ones count
        self._active = keep
        return ds, zs, parent, entry, keep

    # ------------------------------------------------------------------ one line
    def step(self, closed: tuple, insts: frozenset[int] | None, checks: tuple,
             lo: int | None, hi: int | None
             ) -> tuple[list[tuple[int, bytes]], list[tuple[int, tuple[int, ...], int]]]:
        ds, zs, parent, entry, keep = closed
        n = self.n
        L = self.log_clock
        window = []
        if lo is not None and lo > 0:
            window.append((0, L, _le(-lo)))
        if hi is not None:
            window.append((L, 0, _le(hi)))
        store = kernel.ZoneStore(n)
        ids: dict[int, int] = {}
        cands: list[tuple[int, bytes, tuple[int, tuple[int, ...], int]]] = []

        def add(d: int, z: bytes, node: int, e: int) -> None:
            did = ids.setdefault(d, len(ids))
            got = store.add(did, z, None, None, kernel.INCLUSION)
            if got >= 0:
                root, path = self.path_of(node, parent, entry)
                cands.append((d, z, (root, path, e)))

        for node in keep:
            d, z = ds[node], zs[node]
            zw = kernel.constrain_all(z, n, window) if window else z
            if zw is None:
                continue
            if insts is None:
                if not self.bound.observed(d, checks):
                    continue
                inv = self.inv(d) or ()
                z2 = kernel.constrain_all(kernel.up(kernel.reset(zw, n, L), n), n, inv)
                if z2 is not None:
                    add(d, z2, node, -1)
                continue
            for e, (inst, _choices, d2, guard, resets) in enumerate(self.succ(d)):
                if inst not in insts or d2 is None:
                    continue
                inv2 = self.inv(d2)
                if inv2 is None:
                    continue
                _pre, z3 = kernel.successor(zw, n, guard, tuple(resets or ()) + (L,), inv2)
                if z3 is None or not self.bound.observed(d2, checks):
                    continue
                add(d2, z3, node, e)
        active: set[int] = set()
        for did in set(ids.values()):
            active.update(store.active(did))
        chosen = [cands[k] for k in sorted(active)]
        return [(d, z) for d, z, _ in chosen], [rec for _, _, rec in chosen]

    @staticmethod
    def path_of(node: int, parent: list[int], entry: list[int]) -> tuple[int, tuple[int, ...]]:
        path = []
        while parent[node] >= 0:
            path.append(entry[node])
            node = parent[node]
        path.reverse()
        return -1 - parent[node], tuple(path)

    def offered(self, closed: tuple) -> tuple[str, ...]:
        """The events of the map the model could have produced instead: each mapped
        action instance enabled somewhere in the closure (with the event's name), and each
        observation whose literal values hold in some state of it."""
        ds, zs, _parent, _entry, keep = closed
        n = self.n
        labels = self.bound.labels
        of_inst: dict[int, list[str]] = {}
        for ev in self.map.events:
            for inst in self.bound.event_insts.get(ev.number, ()):
                of_inst.setdefault(inst, []).append(ev.name)
        observations = [ev for ev in self.map.events if ev.actions is None
                        and all(t.group is None for _, t in ev.observe)]
        seen: dict[str, None] = {}
        for node in keep:
            d = ds[node]
            for inst, _choices, d2, guard, resets in self.succ(d):
                if inst not in of_inst or d2 is None:
                    continue
                inv2 = self.inv(d2)
                if inv2 is None:
                    continue
                _pre, z3 = kernel.successor(zs[node], n, guard, resets, inv2)
                if z3 is not None:
                    seen[f"{labels[inst]} (event '{'/'.join(of_inst[inst])}')"] = None
            for ev in observations:
                checks = tuple((self.bound.leaves[name], t.text) for name, t in ev.observe)
                if self.bound.observed(d, checks):
                    seen[f"observation '{ev.name}' (" + ", ".join(
                        f"{name} == {t.text}" for name, t in ev.observe) + ")"] = None
        return tuple(sorted(seen))

    def when_possible(self, frontier: list[tuple[int, bytes]], insts: frozenset[int] | None,
                      checks: tuple, hi: int, meter: Any) -> tuple[int, int | None] | None:
        """With a wider window (L up to 10 * hi + 10 min), the interval of L (ms) at which
        the line's event is possible, or None."""
        wide = 10 * hi + 600_000
        closed = self.closure(frontier, wide, meter)
        ds, zs, _p, _e, keep = closed
        n = self.n
        L = self.log_clock
        lo_all: int | None = None
        hi_all: int | None = None
        unbounded = False
        for node in keep:
            d, z = ds[node], zs[node]
            pres = []
            if insts is None:
                if self.bound.observed(d, checks):
                    pres.append(z)
            else:
                for inst, _c, d2, guard, resets in self.succ(d):
                    if inst not in insts or d2 is None:
                        continue
                    inv2 = self.inv(d2)
                    if inv2 is None:
                        continue
                    pre, z3 = kernel.successor(z, n, guard, tuple(resets or ()) + (L,), inv2)
                    if z3 is not None and pre is not None and self.bound.observed(d2, checks):
                        pres.append(pre)
            for pre in pres:
                t = kernel.decode(pre, n)
                assert t is not None
                low = -(t[0 * n + L] >> 1)
                up = t[L * n + 0]
                lo_all = low if lo_all is None else min(lo_all, low)
                if up >= kernel.INF or (up >> 1) >= wide:
                    unbounded = True
                else:
                    hi_all = (up >> 1) if hi_all is None else max(hi_all, up >> 1)
        if lo_all is None:
            return None
        return lo_all, None if unbounded else hi_all

    # ------------------------------------------------------------------ the run
    def run(self, lines: Iterator[str], log_name: str) -> ReplayResult:
        spill = _Spill()
        try:
            return self._run(lines, log_name, spill)
        finally:
            spill.close()

    def _run(self, lines: Iterator[str], log_name: str, spill: _Spill) -> ReplayResult:
        logmap = self.map
        frontier = self.initial()
        roots0 = list(frontier)
        prev_ts: int | None = None
        prev_line: LogLine | None = None
        events = ignored = count = 0
        unmapped: list[LogLine] = []
        unmapped_count = 0
        frontier_max = len(frontier)
        outcome = "consistent"
        failed: LogLine | None = None
        failed_event = reason = None
        offered: tuple[str, ...] = ()
        stop_reason = None
        tol = logmap.tolerance_us
        findings_meter = self.budget.search("replay")
        try:
            with findings_meter as meter:
                meter.poll(0, 0, 0, 0)
                for count, raw in enumerate(lines, 1):
                    text = raw.rstrip("\r\n")
                    if count % 1024 == 0:
                        meter.poll(self.states, self.transitions, count, len(frontier))
                    if any(p.search(text) for p in logmap.ignore):
                        ignored += 1
                        continue
                    ev = m = None
                    for candidate in logmap.events:
                        m = candidate.regex.search(text)
                        if m is not None:
                            ev = candidate
                            break
                    if ev is None or m is None:
                        unmapped_count += 1
                        if len(unmapped) < 100:
                            unmapped.append(LogLine(count, text))
                        continue
                    here = LogLine(count, text)
                    failed, failed_event = here, ev.name
                    lo = hi = None
                    ts = None
                    if self.timed:
                        assert logmap.ts_regex is not None
                        mt = logmap.ts_regex.search(text)
                        ts = None if mt is None else parse_timestamp(
                            mt.group("ts"), logmap.ts_format, logmap.year)
                        if ts is None:
                            raise _Failure("log-error", "the line has no timestamp in the "
                                           f"map's format ({logmap.ts_format})")
                        if prev_ts is not None and prev_line is not None:
                            gap = ts - prev_ts
                            if gap < -tol:
                                raise _Failure(
                                    "log-error", f"timestamps out of order: line {count} is "
                                    f"{_us_text(-gap)} earlier than line {prev_line.number}, "
                                    f"beyond the tolerance of {_us_text(tol)}")
                            lo = max(0, (gap - tol) // 1000)
                            hi = max(0, -((-(gap + tol)) // 1000))
                    insts, checks = self.bound.bind_line(ev, m)
                    closed = self.closure(frontier, hi, meter)
                    new, records = self.step(closed, insts, checks, lo, hi)
                    if not new:
                        offered = self.offered(closed)
                        reason = self.why_not(frontier, insts, checks, ev, lo, hi, prev_ts,
                                              ts, prev_line, meter)
                        outcome = "inconsistent"
                        break
                    label = ", ".join(f"{leaf.name} == {v}" for leaf, v in checks)
                    spill.write(records, count, lo, hi, label)
                    frontier = new
                    frontier_max = max(frontier_max, len(frontier))
                    events += 1
                    prev_ts = ts
                    prev_line = here
                    failed = failed_event = None
                else:
                    failed = failed_event = None
        except _Failure as fail:
            outcome, reason = fail.outcome, fail.reason
        if findings_meter.stop_reason is not None:
            outcome = "incomplete"
            stop_reason = findings_meter.stop_reason.value
            if failed is None:
                failed = LogLine(count, "")
        if outcome == "consistent" and unmapped_count and not self.allow_unmapped:
            outcome = "unmapped"
        witness = None
        witness_lines: tuple[int, ...] = ()
        note = None
        if frontier and len(spill.offsets) <= WITNESS_LIMIT:
            witness, witness_lines = self.witness(spill, roots0)
        elif frontier:
            note = (f"the witness has {len(spill.offsets):,} mapped lines, more than the "
                    f"{WITNESS_LIMIT:,} drawn; replay a part of the log to see it")
        return ReplayResult(
            self.system.name, log_name, logmap.file, tuple(self.system.constants()), outcome,
            count, events, ignored, self.timed, tol, failed, failed_event, reason, offered,
            prev_line if outcome != "consistent" else None, tuple(unmapped), unmapped_count,
            witness, witness_lines, note, stop_reason, frontier_max, self.states,
            self.system.processes)

    def why_not(self, frontier: list, insts: frozenset[int] | None, checks: tuple, ev: Event,
                lo: int | None, hi: int | None, prev_ts: int | None, ts: int | None,
                prev_line: LogLine | None, meter: Any) -> str:
        what = "this observation" if insts is None else f"this event ({ev.name})"
        if hi is None or prev_ts is None or ts is None or prev_line is None:
            if prev_line is None:
                return f"no run of the model, from its start, produces {what} first"
            return (f"no run of the model produces {what} after line {prev_line.number}, "
                    "whatever the time")
        window = self.when_possible(frontier, insts, checks, hi, meter)
        gap = _us_text(ts - prev_ts)
        tol = _us_text(self.map.tolerance_us)
        if window is None:
            return (f"no run of the model produces {what} after line {prev_line.number} "
                    f"(the log: {gap} later, tolerance {tol}; not even much later)")
        low, high = window
        when = f"{low / 1000:g} s" if high == low else \
            f"between {low / 1000:g} s and {high / 1000:g} s" if high is not None \
            else f"from {low / 1000:g} s on"
        return (f"the model produces {what} only {when} after line {prev_line.number}; the "
                f"log has it {gap} later (tolerance {tol})")

    # ------------------------------------------------------------------ the witness
    def witness(self, spill: _Spill, roots0: list[tuple[int, bytes]]
                ) -> tuple[Trace, tuple[int, ...]]:
        """The run to the first state of the last frontier, read back from the links."""
        chain: list[tuple[int, tuple[int, ...], int]] = []
        info: list[tuple[int, int | None, int | None, str]] = []
        j = 0
        for k in range(len(spill.offsets) - 1, -1, -1):
            line, lo, hi, label, records = spill.read(k)
            root, path, e = records[j]
            chain.append((root, path, e))
            info.append((line, lo, hi, label))
            j = root
        chain.reverse()
        info.reverse()
        d = roots0[j][0]
        return self.timed_trace(d, chain, info)

    def timed_trace(self, d0: int, chain: list[tuple[int, tuple[int, ...], int]],
                    info: list[tuple[int, int | None, int | None, str]]
                    ) -> tuple[Trace, tuple[int, ...]]:
        system = self.system
        n = self.n
        L = self.log_clock
        steps: list[TimedStep] = []
        moves: list[tuple[int, tuple, int] | None] = []  # (inst, choices, d2); None: observe
        states = [d0]
        lines_of_step: list[int] = []
        labels: dict[int, str] = {}
        d = d0
        for k, (_root, path, e) in enumerate(chain):
            line, lo, hi, label = info[k]
            cap = () if hi is None else ((L, 0, _le(hi)),)
            for entry in path:
                inst, choices, d2, guard, resets = self.succ(d)[entry]
                steps.append(TimedStep(tuple(self.zc.inv(d)) + cap, tuple(guard or ()),
                                       tuple(resets or ())))
                moves.append((inst, choices, d2))
                states.append(d2)
                lines_of_step.append(0)
                d = d2
            window = []
            if lo is not None and lo > 0:
                window.append((0, L, _le(-lo)))
            if hi is not None:
                window.append((L, 0, _le(hi)))
            if e < 0:
                labels[len(steps)] = f"observed (line {line}): {label}"
                steps.append(TimedStep(tuple(self.zc.inv(d)) + cap, tuple(window), (L,)))
                moves.append(None)
                states.append(d)
            else:
                inst, choices, d2, guard, resets = self.succ(d)[e]
                steps.append(TimedStep(tuple(self.zc.inv(d)) + cap,
                                       tuple(guard or ()) + tuple(window),
                                       tuple(resets or ()) + (L,)))
                moves.append((inst, choices, d2))
                states.append(d2)
                d = d2
            lines_of_step.append(line)
        final_inv = tuple(self.zc.inv(d))
        times = solve_in_units_open(n, steps, final_inv, ())
        if times is None or not check_schedule(n, steps, [t for t, _ in times], final_inv, ()):
            raise TraceError("no concrete times realise the replay's witness")
        timed = self.timed or system.has_clocks
        builder = TraceBuilder(system, timed=timed)
        builder.start(states[0], tuple(0 for _ in range(n - 2)) if timed else ())
        last_reset = [Fraction(0)] * n
        shown_lines = [0]
        for k, move in enumerate(moves):
            t, open_at = times[k]
            before = states[k]
            after = states[k + 1]
            resets = [x for x in steps[k].resets if x != L]
            for x in resets:
                last_reset[x] = t
            clocks = tuple(t - last_reset[x] for x in range(1, n - 1)) if timed else ()
            seconds = t / 1000 if timed else None
            open_time = None if open_at is None or not timed else ("after", open_at / 1000)
            if move is None:
                label = labels.get(k, "observed")
                base = builder.make_step(None, system.decode(before), clocks, seconds, ())
                builder.steps.append(Step(None, None, (), (), label, base.state, base.values,
                                          (), base.time, None, base.time_text, base.time_open,
                                          base.derived))
            else:
                inst, choices, _d2 = move
                builder.step(before, after, inst, choices, seconds, clocks,
                             resets if timed else (), open_time)
            shown_lines.append(lines_of_step[k])
        return builder.trace(), tuple(shown_lines)
