"""Helpers for tests: tiny specs from snippets, a naive reference explorer that runs the
reference interpreter instead of the compiled code, and the mark for tests that need dot."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import pickle
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest

from checker.render.svg import graphviz_available
from model import TransitionSystem, load_text
from model.interp import initial_states, successors

# tests that draw SVG through graphviz's dot skip, saying why, where it is not installed
needs_dot = pytest.mark.skipif(not graphviz_available(),
                               reason="graphviz's dot is not installed (apt-get install graphviz)")


# The conformance specs whose states are wider than 64 bits (Stateright's actor models: the
# network as bags of envelopes): the compact store and --cluster keep them as several 64-bit
# words (tests/checker/test_wide_store.py, test_cluster_partition.py), and the
# reference interpreter needs minutes for them (the differential test runs them --runslow)
WIDE_CONFORMANCE = frozenset({"specs/conformance/abd.tock", "specs/conformance/paxos.tock"})


# a boundary (TLC's CONSTRAINT): the states outside it are checked, not expanded
BOUNDED = """
var x: 0..100 = 0
var y: 0..1 = 0
action inc when x < 100 do { x := x + 1 }
action flip do { y := 1 - y }
boundary small: x <= 3
invariant within: x <= 4
invariant below: x < 4
reachable four: x == 4
reachable five: x == 5
expect below fails
expect five fails
"""

# a boundary on a timed spec (Fischer's protocol counting the entries): the zone engine
# checks the symbolic states outside it and does not expand them; `quick` reads a clock
TIMED_BOUNDED = """
const N = 2
type Proc = 1..N
var id: 0..N = 0
var entries: 0..100 = 0
process P[p: Proc] {
  var loc: enum { idle, req, wait, cs } = idle
  clock x
  action try when loc == idle and id == 0 do { loc := req; reset x }
  bound x <= 1s while loc == req
  action set when loc == req do { id := p; loc := wait; reset x }
  action enter when loc == wait and id == p and x >= 2s do { loc := cs; entries := entries + 1 }
  action retry when loc == wait and id != p and x >= 2s do { loc := idle }
  action leave when loc == cs do { id := 0; loc := idle }
}
boundary few: entries <= 2
invariant mutex: not (P[1].loc == cs and P[2].loc == cs)
invariant quick: P[1].loc == req implies P[1].x <= 1s
reachable third: entries == 3
reachable fourth: entries == 4
invariant at_most_two: entries <= 2
expect fourth fails
expect at_most_two fails
"""


T = TypeVar("T")


class Shared:
    """Work shared by the processes of one test run (pytest-xdist's workers): each piece
    is done by the first process that claims it (a file created exclusively in `folder`)
    and read back by the others, so an expensive fixture costs once per run, spread over
    the workers that need it at the same time. Without workers `folder` is None and this
    process does every piece itself."""

    def __init__(self, folder: Path | None):
        self.folder = folder

    @property
    def parallel(self) -> bool:
        return self.folder is not None

    def map(self, name: str, keys: Sequence[str], work: Callable[[str], T],
            processes: int = 1) -> dict[str, T]:
        """{key: work(key)}, each key's work done once among the workers (picklable
        results), by this process or by `processes` forked ones (the first worker to get
        here should not leave the cores to the others' lighter tests until they join); a
        failure where a key's work ran fails every worker."""
        if self.folder is None:
            return {key: work(key) for key in keys}
        folder = self.folder / name
        folder.mkdir(exist_ok=True)
        if processes > 1:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(processes, mp_context=context) as pool:
                for done in [pool.submit(_claim_all, folder, keys, work)
                             for _ in range(processes)]:
                    done.result()
        else:
            _claim_all(folder, keys, work)
        results = {}
        for key in keys:
            status, value = self._wait(folder, name, key)
            if status != "ok":
                raise RuntimeError(f"{name}: {key} failed in another worker: {value}")
            results[key] = value
        return results

    @staticmethod
    def _wait(folder: Path, name: str, key: str) -> tuple:
        path = folder / f"{key}.result"
        while not path.exists():
            owner = (folder / f"{key}.claim").read_text()
            if owner:
                try:
                    os.kill(int(owner), 0)
                except ProcessLookupError:
                    if not path.exists():
                        raise RuntimeError(f"{name}: the worker doing {key} died") from None
            time.sleep(0.2)
        return pickle.loads(path.read_bytes())

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """One worker at a time in the block (a lock on a file of the run's folder)."""
        if self.folder is None:
            yield
            return
        with open(self.folder / f"{name}.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _claim_all(folder: Path, keys: Sequence[str], work: Callable[[str], T]) -> None:
    """Do the work of every key no process has claimed yet, publishing each result."""
    for key in keys:
        try:
            fd = os.open(folder / f"{key}.claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            continue  # another process does it
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        try:
            result: tuple = ("ok", work(key))
        except BaseException as error:
            result = ("error", f"{type(error).__name__}: {error}")
        partial = folder / f"{key}.{os.getpid()}.partial"
        partial.write_bytes(pickle.dumps(result))
        os.replace(partial, folder / f"{key}.result")


def spec(snippet: str, constants: dict[str, str] | None = None) -> TransitionSystem:
    """Compile a fragment of a spec (no `spec` header needed)."""
    return load_text(snippet, "<snippet>", constants)


def interpreted_graph(system: TransitionSystem) -> tuple[set, Counter, dict]:
    """BFS with the reference interpreter: (states, successor multiset per state, errors
    per state), all over decoded value tuples."""
    model = system.model
    init = initial_states(model)
    seen = set(init)
    frontier = list(dict.fromkeys(init))
    succ: dict[tuple, Counter] = {}
    errors: dict[tuple, int] = {}
    while frontier:
        nxt = []
        for s in frontier:
            out: Counter = Counter()
            for step in successors(model, s):
                if step.error is not None:
                    errors[s] = errors.get(s, 0) + 1
                    continue
                out[step.outcome.state] += 1
                if step.outcome.state not in seen:
                    seen.add(step.outcome.state)
                    nxt.append(step.outcome.state)
            succ[s] = out
        frontier = nxt
    return seen, succ, errors  # type: ignore[return-value]


def compiled_graph(system: TransitionSystem) -> tuple[set, dict, dict]:
    """The same as interpreted_graph, with the compiled successor functions."""
    init = system.initial_states()
    seen = set(init)
    frontier = list(dict.fromkeys(init))
    succ: dict[tuple, Counter] = {}
    errors: dict[tuple, int] = {}
    while frontier:
        nxt = []
        for s in frontier:
            out: Counter = Counter()
            for _inst, _choices, t in system.labeled(s):
                if t is None:
                    errors[system.decode(s)] = errors.get(system.decode(s), 0) + 1
                    continue
                out[system.decode(t)] += 1
                if t not in seen:
                    seen.add(t)
                    nxt.append(t)
            fast = Counter(system.decode(t) for t in _fast(system, s))
            if system.decode(s) not in errors:
                assert fast == out, "fast and labeled successor functions disagree"
            succ[system.decode(s)] = out
        frontier = nxt
    return {system.decode(s) for s in seen}, succ, errors


def _fast(system: TransitionSystem, s: int) -> list[int]:
    from model.codegen import RuntimeFault

    try:
        return system.successors(s)
    except RuntimeFault:
        return []


def interpreted_discrete_count(system: TransitionSystem, tick: int) -> tuple[int, int]:
    """Distinct states and transitions (actions and ticks) of the discrete-time semantics,
    computed with the reference interpreter alone: an independent count for the compiled
    discrete engine. Clocks count ticks, capped one above their largest constant."""
    from itertools import product

    from model import ir
    from model.interp import EvalError, evaluate, execute, initial_states, instances
    from model.irutil import walk

    model = system.model
    caps: list[int] = []
    for clock in model.clocks:
        biggest = 0
        exprs = [a for act in model.actions for a in act.clock_guard]
        exprs += [b.atom for b in model.bounds]
        exprs += [n for p in model.properties for n in walk(p.expr)]
        for atom in exprs:
            if isinstance(atom, ir.ClockAtom) and atom.clock.clock is clock:
                biggest = max(biggest, atom.bound // tick)
        caps.extend([biggest + 1] * clock.count)

    def bounds_hold(values: tuple, clocks: tuple) -> bool:
        ms = [c * tick for c in clocks]
        for bound in model.bounds:
            for args in product(*(list(x.type.values()) for x in bound.locals)):
                env = dict(zip(bound.locals, args))
                if bound.cond is not None and not evaluate(bound.cond, values, env):
                    continue
                if not evaluate(bound.atom, values, env, ms):
                    return False
        return True

    zero = tuple(0 for _ in caps)
    init = [(v, zero) for v in initial_states(model) if bounds_hold(v, zero)]
    seen = set(init)
    frontier = list(dict.fromkeys(init))
    transitions = 0
    while frontier:
        nxt = []
        for values, clocks in frontier:
            ms = [c * tick for c in clocks]
            outs = []
            for action in model.actions:
                for args in instances(action):
                    env = dict(zip(action.locals, args))
                    try:
                        if action.guard is not None and not evaluate(action.guard, values, env):
                            continue
                        if not all(evaluate(a, values, env, ms) for a in action.clock_guard):
                            continue
                        for out in execute(action.body, values, env, (), ()):
                            new_clocks = tuple(0 if k in out.resets else c
                                               for k, c in enumerate(clocks))
                            if bounds_hold(out.state, new_clocks):
                                outs.append((out.state, new_clocks))
                    except EvalError:
                        continue
            ticked = tuple(min(c + 1, cap) for c, cap in zip(clocks, caps))
            if ticked == clocks or bounds_hold(values, ticked):
                outs.append((values, ticked))
            transitions += len(outs)
            for state in outs:
                if state not in seen:
                    seen.add(state)
                    nxt.append(state)
        frontier = nxt
    return len(seen), transitions


def sigint_as_usual() -> None:
    """A subprocess `preexec_fn`: Ctrl-C does what it does in a terminal, even when the tests
    run with SIGINT ignored (a background job of a shell without job control), which Python
    keeps, so a test's SIGINT would do nothing and the child would wait forever."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def hostile_spec(folder: Path, file_name: str, invariant: str = "x < 2 and x >= 0") -> Path:
    """A small spec (violated `small`) saved as folder/<script>alert('x')</file_name, for
    the tests that every file name is shown as text, never as markup."""
    inside = folder / "<script>alert('x')<"
    inside.mkdir()
    spec = inside / file_name
    spec.write_text("var x: 0..3 = 0\naction inc when x < 3 do { x := x + 1 }\n"
                    f"invariant small: {invariant}\nallow deadlock\n")
    return spec
