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


def _assert_on_disk(budget: _Budget) -> None:
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
    assert any(spill.level_bytes for spill in (nodes.spill for nodes in spilled) if spill)


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
    import random
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
    import random
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


def test_a_spilled_zone_search_checkpoints_and_resumes(tmp_path: Path) -> None:
    """A zone checkpoint taken after an eviction reads the zones, the parent links and
    the frontier back from disk, and a resume from one stopped by the time limit gives
    the unspilled, unstopped report."""
    from checker.engine.checkpoint import Checkpointer
    system = load(str(TIMED / "fischer.tock"), {"N": 4})
    whole = render_json(check_system(system, Options()))
    directory = str(tmp_path / "c")
    ticks = itertools.count()
    options = Options(time_limit=14, memory_limit=100, spill_dir=str(tmp_path))
    budget = _Budget(options, clock=lambda: float(next(ticks)),
                     checkpoint=Checkpointer(directory, system, options, every=1))
    reading = _over(4, 2)
    budget.memory = lambda: reading(budget)
    # what each checkpoint was written from: the parent links and the frontier on disk
    from checker.engine.zones.keeper import ZoneKeeper
    written: list[tuple[bool, bool]] = []
    write = ZoneKeeper._write

    def recording(self, nodes, mark, finished):  # type: ignore[no-untyped-def]
        written.append((isinstance(nodes.parent, SpilledColumn),
                        isinstance(mark.frontier, SpilledColumn)))
        return write(self, nodes, mark, finished)
    ZoneKeeper._write = recording  # type: ignore[method-assign]
    try:
        stopped = check_system(system, options, budget=budget)
    finally:
        ZoneKeeper._write = write  # type: ignore[method-assign]
    assert budget.spills and stopped.stop_reason == "time-limit"
    assert (True, True) in written
    resumed = check_system(system, Options(), budget=Budget(Options(), checkpoint=Checkpointer(
        directory, system, Options(), resume=True)))
    assert render_json(resumed) == whole


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
