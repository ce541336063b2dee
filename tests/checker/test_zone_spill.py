"""The zone search's spill to disk (checker.engine.zones.spill).

A memory reading that says "over the limit" on chosen polls makes the search evict its
zones, parent links and BFS levels to disk, once or again and again; the text and JSON
reports must be byte-identical to an unspilled run's, on specs with scenarios, measures, a
bounded response's product, the stuck-state tests, a violation and a state bound, and what
was evicted must be in the files, not in memory.
"""

from __future__ import annotations

import gc
import itertools
import random
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from checker.api import check_system, load
from checker.engine import Budget
from checker.engine.spill import SpillError
from checker.engine.zones import kernel
from checker.engine.zones.search import ZoneNodes
from checker.engine.zones.spill import SpilledColumn, SpilledGraphNodes, SpilledZones
from checker.options import Options
from checker.render.json import render_json
from checker.render.text import render_text

ROOT = Path(__file__).resolve().parents[2]
TIMED = ROOT / "specs" / "timed"


class _Budget(Budget):
    """A budget that knows which search runs (the memory reading below asks)."""

    current = None

    def search(self, phase, findings=None):  # type: ignore[no-untyped-def]
        self.current = super().search(phase, findings)
        self.meters = getattr(self, "meters", []) + [self.current]
        return self.current


def _spilled_nodes(budget: _Budget) -> list[ZoneNodes]:
    """The symbolic states of every search of the check that spilled."""
    found = [m.findings.store for m in getattr(budget, "meters", []) if m.findings is not None]
    return [nodes for nodes in found if isinstance(nodes, ZoneNodes) and nodes.spill]


def _assert_on_disk(budget: _Budget, levels: bool = True) -> None:
    """What each eviction of each spilled search held is in its files: the parent links
    and entries are file-backed columns, on disk exactly as far as the zones (which count
    on their own), the files as long as they say; the levels went through level files."""
    spilled = _spilled_nodes(budget)
    assert len(spilled) >= len(budget.spills) > 0
    for nodes in spilled:
        spill = nodes.spill
        assert spill is not None
        if nodes.graph is None:
            assert nodes.store is spill.zones
        else:  # the exact zone graph: its nodes are the spilled ones, the zones in a file
            graph_nodes = spill.zones
            assert isinstance(graph_nodes, SpilledGraphNodes)
            assert nodes.graph.states is graph_nodes and nodes.graph.ids is graph_nodes.ids
            assert len(graph_nodes) == len(nodes)
            assert os.path.getsize(graph_nodes.zones_path) == \
                graph_nodes.zone_bytes * graph_nodes.on_disk
            assert len(graph_nodes.hot) == len(graph_nodes.hot_ids) == \
                len(nodes) - graph_nodes.on_disk
        assert spill.zones.on_disk >= spill.first
        for column in (nodes.parent, nodes.entry):
            assert isinstance(column, SpilledColumn)
            assert len(column) == len(nodes)
            assert column.on_disk == spill.zones.on_disk
            assert os.path.getsize(column.path) == 4 * column.on_disk
            assert column.nbytes == 4 * (len(nodes) - column.on_disk)
        assert spill.levels >= 1
    # a search that went on for a level after its first eviction read it from a file
    assert not levels or any(spill.level_bytes for spill in (nodes.spill for nodes in spilled) if spill)


def _over(every: int, first: int = 1) -> Callable[[_Budget], float]:
    """A memory reading: far over any limit on call `first` and every `every`-th after,
    in a search that can spill (one that cannot would stop), nothing otherwise."""
    calls = itertools.count(0)

    def reading(budget: _Budget) -> float:
        k = next(calls)
        if budget.current is None or budget.current.on_memory is None:
            return 0.0
        return 10_000.0 if k >= first and (k - first) % every == 0 else 0.0
    return reading


def _run(path: Path, constants: dict[str, object], options: Options,
         memory: Callable[[_Budget], float] | None = None) -> tuple[str, str, Budget]:
    system = load(str(path), constants)
    ticks = itertools.count()
    budget = _Budget(options, clock=lambda: float(next(ticks)))  # every poll reads memory
    budget.memory = (lambda: memory(budget)) if memory else (lambda: 0.0)
    report = check_system(system, options, budget=budget)
    return render_text(report), render_json(report), budget


CASES = [
    ("node_eviction.tock", {}, {}),  # scenarios, a measure, a bounded response's product
    ("train_gate.tock", {}, {"check_deadlock": True}),  # stuck states, Extra+_M
    ("fischer.tock", {"N": 4}, {}),
    ("fischer.tock", {"N": 3, "WAIT": "1s"}, {}),  # a violation and its trace
    ("retry.tock", {}, {}),
    ("fischer.tock", {"N": 4}, {"max_states": 700}),  # stopped at a state bound
]


@pytest.mark.parametrize("spec, constants, extra", CASES)
def test_a_spilled_zone_search_gives_the_same_report(tmp_path: Path, spec: str,
                                                      constants: dict[str, object],
                                                      extra: dict[str, object]) -> None:
    options = Options(memory_limit=100, spill_dir=str(tmp_path), **extra)  # type: ignore[arg-type]
    text, data, _ = _run(TIMED / spec, constants, options)
    # over at every reading (one eviction a search), every few polls (evicted again and
    # again: cold lists read back), once
    for every, first in ((1, 1), (5, 2), (7, 3), (1000, 5)):
        spilled_text, spilled_data, budget = _run(TIMED / spec, constants, options,
                                                  _over(every, first))
        assert budget.spills, "the memory reading never made the search spill"
        assert spilled_data == data
        assert spilled_text == text
        _assert_on_disk(budget)


def test_never_stops_at_the_limit(tmp_path: Path) -> None:
    options = Options(memory_limit=100, spill="never")
    text, data, budget = _run(TIMED / "fischer.tock", {"N": 4}, options, lambda _: 10_000.0)
    assert not budget.spills and budget.spent == "memory" and '"stop_reason": "memory"' in data


def test_the_store_answers_as_the_kernel_store_does(tmp_path: Path) -> None:
    """Random adds (inclusion mode) into a kernel store and into one evicted every few
    adds: the same node numbers, subsumers, active lists and zones."""
    rng = random.Random(7)
    n = 3
    plain = kernel.ZoneStore(n)
    spilled = SpilledZones(kernel.ZoneStore(n), 0, str(tmp_path))
    for step in range(3000):
        did = rng.randrange(6)
        bounds = [(1, 0, 2 * rng.randrange(1, 8) + 1), (2, 0, 2 * rng.randrange(1, 8) + 1),
                  (0, 1, 2 * -rng.randrange(0, 4) + 1)]
        z = kernel.constrain_all(kernel.up(kernel.zero(n), n), n, bounds)
        if z is None:
            continue
        assert spilled.add(did, z, None, None, kernel.INCLUSION) == \
            plain.add(did, z, None, None, kernel.INCLUSION)
        if step % 97 == 0:
            spilled.evict()
        if step % 50 == 0:
            for d in range(6):
                assert spilled.active(d) == plain.active(d)
    assert len(spilled) == len(plain)
    for node in range(len(plain)):
        assert spilled.zone(node) == plain.zone(node) and spilled.did(node) == plain.did(node)
    assert spilled.evictions > 10 and spilled.loads > 10
    spilled.close()


def test_a_spilled_column_answers_as_a_list_does(tmp_path: Path) -> None:
    """Random appends into a list and a SpilledColumn evicted every few: the same length,
    numbers, slices and order, the evicted ones in the file and not in memory; a level's
    file goes when the column does."""
    rng = random.Random(11)
    plain = list(range(-3, 200))
    column = SpilledColumn(str(tmp_path), "parent", iter(plain))
    assert column.on_disk == len(plain) and column.nbytes == 0
    for step in range(5000):
        value = rng.randrange(-2**31, 2**31)
        plain.append(value)
        column.append(value)
        if rng.random() < 0.01:
            column.evict()
            assert column.nbytes == 0
        if step % 500 == 0:
            assert list(column) == plain and len(column) == len(plain)
            for k in [0, column.on_disk - 1, column.on_disk, len(plain) - 1, -1, -len(plain)]:
                assert column[k] == plain[k]
            a, b = sorted(rng.randrange(len(plain) + 5) for _ in range(2))
            assert column[a:b].tolist() == plain[a:b]
            assert column[:b].tolist() == plain[:b]
    assert column.on_disk > len(plain) // 2
    assert os.path.getsize(column.path) == 4 * column.on_disk
    assert column.nbytes == 4 * (len(plain) - column.on_disk)
    with pytest.raises(IndexError):
        column[len(plain)]
    with pytest.raises(IndexError):
        column[-len(plain) - 1]
    level = SpilledColumn(str(tmp_path), "level-1", range(70_000), temporary=True)
    assert list(level) == list(range(70_000)) and level.nbytes == 0
    path = level.path
    assert os.path.exists(path)
    del level
    gc.collect()
    assert not os.path.exists(path)


def test_an_unusable_spill_directory_is_a_clear_error(tmp_path: Path) -> None:
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    with pytest.raises(SpillError, match="cannot make a spill directory"):
        SpilledZones(kernel.ZoneStore(2), 0, str(not_a_directory))


def test_a_full_disk_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    class Full:
        def write(self, _data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self) -> None:
            pass

        def close(self) -> None:
            pass

    store = kernel.ZoneStore(2)
    store.add(0, kernel.up(kernel.zero(2), 2), None, None, kernel.INCLUSION)
    spilled = SpilledZones(store, 1, str(tmp_path))
    spilled.add(1, kernel.zero(2), None, None, kernel.INCLUSION)
    spilled._zones_out = Full()  # type: ignore[assignment]
    with pytest.raises(SpillError, match="No space left on device"):
        spilled.evict()
    # through a check: the error leaves the search (the CLI says it, exit 2), no report
    monkeypatch.setattr(SpilledZones, "evict", lambda self: (_ for _ in ()).throw(
        SpillError("cannot write the spill file x: No space left on device")))
    options = Options(memory_limit=100, spill_dir=str(tmp_path))
    with pytest.raises(SpillError):
        _run(TIMED / "fischer.tock", {"N": 4}, options, _over(5, 2))


def test_time_limit_and_ctrl_c_still_end_a_spilled_search(tmp_path: Path) -> None:
    options = Options(memory_limit=100, spill_dir=str(tmp_path), time_limit=12)
    _, data, budget = _run(TIMED / "fischer.tock", {"N": 4}, options, _over(5, 2))
    assert budget.spills and '"stop_reason": "time-limit"' in data

    class Interrupting(_Budget):
        polls = 0

        def search(self, phase, findings=None):  # type: ignore[no-untyped-def]
            meter = super().search(phase, findings)
            original = meter.poll

            def poll(*args, **kwargs):  # type: ignore[no-untyped-def]
                self.polls += 1
                if self.polls == 12:
                    self.interrupt()  # what the CLI's Ctrl-C handler does
                return original(*args, **kwargs)
            meter.poll = poll  # type: ignore[method-assign]
            return meter

    system = load(str(TIMED / "fischer.tock"), {"N": 4})
    options = Options(memory_limit=100, spill_dir=str(tmp_path))
    ticks = itertools.count()
    interrupted = Interrupting(options, clock=lambda: float(next(ticks)))
    reading = _over(5, 2)
    interrupted.memory = lambda: reading(interrupted)
    report = check_system(system, options, budget=interrupted)
    assert interrupted.spills and report.stop_reason == "interrupted"


def _checkpointed_spilling(system, tmp_path: Path) -> tuple[_Budget, str, Options]:  # type: ignore[no-untyped-def]
    """A budget that checkpoints every level to tmp_path/c, is over the memory limit every
    4th reading from the 2nd (the search evicts again and again) and stops at the 14th
    clock tick; the checkpoint directory and the options."""
    from checker.engine.checkpoint import Checkpointer
    directory = str(tmp_path / "c")
    ticks = itertools.count()
    options = Options(time_limit=14, memory_limit=100, spill_dir=str(tmp_path))
    budget = _Budget(options, clock=lambda: float(next(ticks)),
                     checkpoint=Checkpointer(directory, system, options, every=1))
    reading = _over(4, 2)
    budget.memory = lambda: reading(budget)
    return budget, directory, options


def _stopped_and_resumed(system, options: Options, budget: _Budget, directory: str,
                         record: Callable) -> tuple[list, str]:  # type: ignore[no-untyped-def]
    """Check until the budget's time limit stops it (checkpointing, spilling), recording
    `record(nodes, mark)` of each checkpoint written; then resume from the checkpoint: what
    was recorded, and the resumed report's JSON."""
    from checker.engine.checkpoint import Checkpointer
    from checker.engine.zones.keeper import ZoneKeeper
    written: list = []
    write = ZoneKeeper._write

    def recording(self, nodes, mark, finished):  # type: ignore[no-untyped-def]
        written.append(record(nodes, mark))
        return write(self, nodes, mark, finished)
    ZoneKeeper._write = recording  # type: ignore[method-assign]
    try:
        stopped = check_system(system, options, budget=budget)
    finally:
        ZoneKeeper._write = write  # type: ignore[method-assign]
    assert budget.spills and stopped.stop_reason == "time-limit"
    resumed = check_system(system, Options(), budget=Budget(Options(), checkpoint=Checkpointer(
        directory, system, Options(), resume=True)))
    return written, render_json(resumed)


def test_a_spilled_zone_search_checkpoints_and_resumes(tmp_path: Path) -> None:
    """A zone checkpoint taken after an eviction reads the zones, the parent links and
    the frontier back from disk, and a resume from one stopped by the time limit gives
    the unspilled, unstopped report."""
    system = load(str(TIMED / "fischer.tock"), {"N": 4})
    whole = render_json(check_system(system, Options()))
    budget, directory, options = _checkpointed_spilling(system, tmp_path)
    # what each checkpoint was written from: the parent links and the frontier on disk
    written, resumed = _stopped_and_resumed(
        system, options, budget, directory,
        lambda nodes, mark: (isinstance(nodes.parent, SpilledColumn),
                             isinstance(mark.frontier, SpilledColumn)))
    assert (True, True) in written
    assert resumed == whole


def test_the_cli_says_a_spill_failed_without_a_traceback(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A real run with a limit below what the process holds spills at once; a spill file
    that cannot be written is `tock: error: cannot write ...`, exit 2, no report."""
    import contextlib
    import io

    from checker.cli import main

    def full(self: SpilledZones) -> int:
        raise SpillError("cannot write the spill file zones: No space left on device "
                         "(free some space, or point --spill-dir elsewhere)")
    monkeypatch.setattr(SpilledZones, "evict", full)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", str(TIMED / "fischer.tock"), "--set", "N=4", "-q",
                     "--memory-limit", "1", "--spill-dir", str(tmp_path),
                     "--json", str(tmp_path / "r.json")])
    assert code == 2
    assert "tock: error: cannot write the spill file zones: No space left" in err.getvalue()
    assert "Traceback" not in err.getvalue() and not (tmp_path / "r.json").exists()


def test_a_zone_spill_does_not_load_numpy(tmp_path: Path) -> None:
    """The first eviction would otherwise add numpy's 9 MB to the peak it is there to
    lower (docs/performance.md): a spilled search, in a fresh process, imports none of it."""
    import subprocess
    import sys
    code = ("import sys\n"
            "from checker.api import check_system, load\n"
            "from checker.engine import Budget\n"
            "from checker.options import Options\n"
            f"options = Options(memory_limit=1, spill_dir={str(tmp_path)!r})\n"
            f"system = load({str(TIMED / 'fischer.tock')!r}, {{'N': 4}})\n"
            "budget = Budget(options)\n"
            "check_system(system, options, budget=budget)\n"
            "assert budget.spilled, 'no spill'\n"
            "print(sorted(m for m in sys.modules if m.startswith('numpy.'))[:3])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------ the exact zone graph (leads-to)

FISCHER_LIVE = (TIMED / "fischer.tock").read_text() + (
    "property served: P[1].loc == req ~> P[1].loc == cs\n"  # violated: a fair lasso
    "property sets: P[1].loc == req ~> P[1].loc == wait\n"  # holds (a bound forces it)
    "property settles: P[1].loc == wait ~> P[1].loc != wait\n")


def _exact_graphs(budget: _Budget) -> list[ZoneNodes]:
    """The symbolic states of every search of the check that built the exact graph."""
    found = [m.findings.store for m in getattr(budget, "meters", []) if m.findings is not None]
    return [nodes for nodes in found if isinstance(nodes, ZoneNodes) and nodes.graph is not None]


TRAIN_GATE_LIVE = (TIMED / "train_gate.tock").read_text() + (
    "property gate_reopens: gate.pos == down ~> gate.pos == up\n"  # violated
    "property train_crosses: train[1].loc == near ~> train[1].loc == crossing\n")  # holds

LEADS_TO_CASES = [
    ("fischer", FISCHER_LIVE, {"N": 3}),
    ("fischer-4", FISCHER_LIVE, {"N": 4}),
    ("fischer-wait", FISCHER_LIVE, {"N": 3, "WAIT": "1s"}),  # a safety violation as well
    ("train-gate", TRAIN_GATE_LIVE, {}),
    ("train-gate-3", TRAIN_GATE_LIVE, {"TRAINS": 3}),
]


@pytest.mark.parametrize("name, text, constants", LEADS_TO_CASES,
                         ids=[case[0] for case in LEADS_TO_CASES])
def test_a_spilled_exact_zone_graph_gives_the_same_leads_to_report(
        tmp_path: Path, name: str, text: str, constants: dict[str, object]) -> None:
    """The exact zone graph of an unbounded leads-to, evicted once, every few polls and at
    every poll: the same verdicts, counts and lassos (text and JSON byte for byte), the
    same graph node by node, and its zones in the file, not in memory."""
    source = tmp_path / f"{name}.tock"
    source.write_text(text)
    options = Options(memory_limit=100, spill_dir=str(tmp_path))
    plain_text, plain_data, plain = _run(source, constants, options)
    [whole] = _exact_graphs(plain)[-1:]
    assert whole.graph is not None and '"kind": "leadsto"' in plain_data
    # (a reading over the limit just after an eviction stops the search, as it should:
    # every >= 4, the eviction itself reads memory twice)
    for every, first in ((1, 1), (5, 2), (7, 3), (11, 4), (1000, 5)):
        text_out, data_out, budget = _run(source, constants, options, _over(every, first))
        assert budget.spills, "the memory reading never made the search spill"
        assert data_out == plain_data
        assert text_out == plain_text
        _assert_on_disk(budget, levels=False)  # the levels: the tests above
        nodes = _exact_graphs(budget)[-1]
        assert nodes.graph is not None and nodes.spill is not None
        graph_nodes = nodes.spill.zones
        assert isinstance(graph_nodes, SpilledGraphNodes) and graph_nodes.on_disk > 0
        assert list(graph_nodes) == list(whole.graph.states)
        on_disk = graph_nodes.on_disk
        assert Path(graph_nodes.zones_path).read_bytes() == \
            b"".join(z for _d, z in whole.graph.states[:on_disk])
        # in memory per node: its discrete-state id; per evicted node: its hash and number
        assert graph_nodes.nbytes == 4 * len(graph_nodes) + 12 * on_disk
        assert sorted(v for _h, run in graph_nodes.runs for v in run) == list(range(on_disk))


def test_the_spilled_graph_nodes_answer_as_the_list_and_dict_do(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random pairs (discrete state, zone), many repeated, into a list and dict and into
    a SpilledGraphNodes evicted every few adds, once with Python's hash and once with one
    that collides all the time: the same node for every pair (found or new), the same
    pairs by node and in order."""
    from checker.engine.zones import spill as spill_module
    n = 3
    zones = []
    rng = random.Random(5)
    for _ in range(40):
        bounds = [(1, 0, 2 * rng.randrange(1, 6) + 1), (2, 0, 2 * rng.randrange(1, 6) + 1)]
        z = kernel.constrain_all(kernel.up(kernel.zero(n), n), n, bounds)
        if z is not None:
            zones.append(z)
    for hashing in (hash, lambda state: state[0] % 3):
        monkeypatch.setattr(spill_module, "_key_hash", hashing)
        table: dict[int, int] = {}
        discrete: list[int] = []

        def did(d: int) -> int:
            if d not in table:
                table[d] = len(discrete)
                discrete.append(d)
            return table[d]
        plain: list[tuple[int, bytes]] = []
        plain_ids: dict[tuple[int, bytes], int] = {}
        first = [((7, zones[0])), ((2**63 + 1, zones[1]))]
        for state in first:
            plain_ids[state] = len(plain)
            plain.append(state)
        spilled = SpilledGraphNodes(list(first), dict(plain_ids), did, discrete, n,
                                    str(tmp_path))
        ids = spilled.ids
        for step in range(3000):
            state = (rng.choice([7, 8, 9, 2**63 + 1, 12]), rng.choice(zones))
            expected = plain_ids.get(state, -1)
            assert ids.get(state, -1) == expected and (state in ids) == (expected >= 0)
            if expected < 0:
                plain_ids[state] = len(plain)
                plain.append(state)
                spilled.append(state)
                ids[state] = len(spilled) - 1
            else:
                assert ids[state] == expected
            if step % 89 == 0:
                spilled.evict()
        assert len(spilled) == len(plain) and list(spilled) == plain
        assert [spilled[v] for v in range(len(plain))] == plain
        assert spilled.evictions > 10 and len(spilled.runs) < 10
        with pytest.raises(KeyError):
            ids[(99, zones[0])]
        with pytest.raises(ValueError, match="in order"):
            ids[(99, zones[0])] = 0
        spilled.close()


def test_the_spilled_graph_reads_its_zones_from_the_file(tmp_path: Path) -> None:
    """The zones of evicted nodes are read back from the file, not kept: overwrite the
    file and the graph gives the new bytes and no longer finds the old pairs (a copy kept
    in memory would still answer with them)."""
    n = 2
    z = kernel.up(kernel.zero(n), n)
    z2 = kernel.constrain_all(z, n, [(1, 0, 2 * 3 + 1)])
    assert z2 is not None and z2 != z
    states = [(1, z), (2, z), (3, z2)]
    discrete = [1, 2, 3, 4]
    spilled = SpilledGraphNodes(list(states), {s: k for k, s in enumerate(states)},
                                discrete.index, discrete, n, str(tmp_path))
    spilled.append((4, z))
    spilled.ids[(4, z)] = 3
    assert spilled.on_disk == 3 and spilled.holds == 1 and spilled.ids.get((3, z2)) == 2
    assert os.path.getsize(spilled.zones_path) == 3 * spilled.zone_bytes
    with open(spilled.zones_path, "r+b") as out:
        out.seek(2 * spilled.zone_bytes)
        out.write(z)  # node 2's zone is now z
    assert spilled[2] == (3, z) and spilled.ids.get((3, z2), -1) == -1
    assert spilled[3] == (4, z) and spilled.ids.get((4, z)) == 3  # the new node: in memory
    with open(spilled.zones_path, "r+b") as out:
        out.truncate(spilled.zone_bytes)
    with pytest.raises(OSError, match="short read"):
        spilled[2]
    spilled.close()


@pytest.mark.slow
def test_the_flagships_leads_to_spilled_gives_the_same_report(tmp_path: Path) -> None:
    """The motivating case: the Mesos flagship's exact zone graph (110,104 nodes) evicted
    every few dozen polls gives the unspilled verdicts and lassos."""
    flagship = ROOT / "specs" / "mesos" / "agent_recovery.tock"
    names = ("p6_removed_agents_executors_die", "p11_updates_delivered_checkpointing",
             "p19_dead_agent_tasks_reported", "p29_crashed_agent_rejoins")
    options = Options(memory_limit=100, spill_dir=str(tmp_path), properties=names)
    text, data, _ = _run(flagship, {}, options)
    spilled_text, spilled_data, budget = _run(flagship, {}, options, _over(40, 3))
    assert budget.spills and budget.spilled
    assert spilled_data == data and spilled_text == text
    _assert_on_disk(budget)


def test_a_spilled_exact_zone_graph_checkpoints_and_resumes(tmp_path: Path) -> None:
    """A checkpoint of the exact zone graph taken after evictions reads its zones back
    from the file (the graph's nodes are the spilled ones when it is written), and a
    resume from one stopped by the time limit gives the unspilled, unstopped report."""
    source = tmp_path / "fischer.tock"
    source.write_text(FISCHER_LIVE)
    system = load(str(source), {"N": 4})
    whole = render_json(check_system(system, Options()))
    budget, directory, options = _checkpointed_spilling(system, tmp_path)
    written, resumed = _stopped_and_resumed(
        system, options, budget, directory,
        lambda nodes, _mark: nodes.graph is not None
        and isinstance(nodes.graph.states, SpilledGraphNodes) and nodes.graph.states.on_disk > 0)
    assert True in written
    assert resumed == whole


def test_no_note_for_a_search_that_spilled_before_its_first_node(
        tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    # 1 MB is below what the process holds at the start: each search spills at once, with
    # nothing of its own to move (what is over the limit is the process and the check's
    # earlier phases); that is no news: before, two notes per search ("came near the limit
    # at 0 states", "spilled 1 time, 0.0 MB"), for each of the flagship's 52 scenarios at
    # --memory-limit 100
    from checker.cli import main
    argv = ["check", "specs/timed/train_gate.tock", "-q", "--spill-dir", str(tmp_path)]
    assert main(argv + ["--memory-limit", "1"]) == 0
    out, err = capsys.readouterr()
    assert "note" not in err and "spilled" not in err
    assert main(argv) == 0
    plain = capsys.readouterr().out
    assert out.replace("options    memory_limit=1\n", "") == plain
