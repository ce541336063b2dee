"""`check()`: load a spec, run the main search and every scenario under one budget, and
return a Report."""

from __future__ import annotations

import datetime
import enum
import os
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from model import TransitionSystem, load_spec, load_text

from .engine import Budget, Job, Progress, run
from .errors import UsageError
from .lazy import lazy_module
from .measure import measure_results
from .options import Options, conflict
from .products import check_scenario
from .report import DisabledAction, PropertyResult, Report, Stats

# log replay loads when first used (checker/lazy.py): a check never needs it
if TYPE_CHECKING:
    from .logs import logmap as _logmap
    from .logs import validate as _validate
    from .logs.logmap import LogMap
    from .logs.validate import ReplayResult
else:
    _logmap = lazy_module("checker.logs.logmap")
    _validate = lazy_module("checker.logs.validate")

__all__ = ["check", "check_system", "load", "constant_text", "Constant", "UsageError",
           "make_report", "replay", "replay_system", "read_map"]


Constant = bool | int | str | enum.Enum | datetime.timedelta


def load(spec: str, constants: Mapping[str, Constant] | None = None,
         origin: str = "constants") -> TransitionSystem:
    """A spec path (an existing file or a name ending in .tock) or spec text, compiled.
    `constants` overrides `const`s and fixes `param`s by name (see `check`); `origin` is
    how diagnostics name them (the CLI says `--set`)."""
    texts = None if constants is None else {
        name: constant_text(name, value) for name, value in constants.items()}
    if spec.endswith(".tock") or (os.path.exists(spec) and "\n" not in spec):
        return load_spec(spec, texts, origin)
    return load_text(spec, "<text>", texts, origin)


def constant_text(name: str, value: Constant) -> str:
    """A constant's value as the spec language writes it (what `--set NAME=VALUE` takes):
    a bool as `true`/`false`, an int as its digits, an enum member by its name (a str or a
    Python `enum.Enum` member), a duration as a `datetime.timedelta` (whole milliseconds) or
    a str such as `"15s"`; a str is taken as written. Anything else is a UsageError."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, datetime.timedelta):
        ms = value / datetime.timedelta(milliseconds=1)
        if ms == int(ms):
            return f"{int(ms)}ms"
        raise UsageError(f"constant {name}: {value} is not a whole number of milliseconds")
    raise UsageError(f"constant {name}: cannot use a {type(value).__name__} ({value!r}); give a "
                     "bool, an int, an enum member's name, or a duration as a timedelta or a "
                     "str such as '15s'")


def check(spec: str, constants: Mapping[str, Constant] | None = None,
          options: Options | None = None,
          progress: Callable[[Progress], None] | None = None) -> Report:
    """Check a spec (a path or spec text) and return its Report. Raises SpecError for a
    faulty spec and UsageError for options that do not fit it.

    `constants` sets `const`s and fixes `param`s by name, as `--set` does, with Python
    values: `{"FENCING": True, "CLIENTS": 3, "MODE": "fast", "LEASE": timedelta(seconds=10)}`
    (a str is read as the spec language writes values: `"15s"`, `"true"`, `"3"`).

    In the report, each trace step's `time` is a float in seconds (`time_text` the same
    time exactly, `time_open` whether a strict bound keeps it open), and its `changes` are
    `Change`s with typed old and new values."""
    return check_system(load(spec, constants), options or Options(), progress)


def check_system(system: TransitionSystem, options: Options,
                 progress: Callable[[Progress], None] | None = None,
                 budget: Budget | None = None) -> Report:
    """Check a compiled system: the main search, then each scenario, all under `budget`
    (one is made from the options if none is given)."""
    refused = conflict(options)
    if refused is not None:
        raise UsageError(refused)
    budget = budget or Budget(options, progress)
    selected = _selected(system, options)
    named = options.properties
    check_deadlock = options.check_deadlock
    if check_deadlock is None:
        check_deadlock = (not system.allow_deadlock or "deadlock" in system.expects) and \
            (named is None or "deadlock" in named)
    job = Job(system, options, budget, tuple(selected), check_deadlock,
              fail_fast=options.fail_fast, coverage=options.coverage,
              check_timelock=named is None or "timelock" in named)
    main = run(job)
    results = list(main.results)
    for name in system.scenario_names:
        if options.properties is None or name in options.properties:
            results.append(check_scenario(job, name, run))
    results += measure_results(job, run)
    system.forget_specialisations()  # every product is compiled
    return make_report(system, options, main.engine, results, main.stats,
                       None if main.stop_reason is None else main.stop_reason.value,
                       main.graph, main.coverage, main.disabled, main.disabled_complete)


def _selected(system: TransitionSystem, options: Options) -> list[int]:
    names = [p.name for p in system.properties]
    if options.properties is None:
        return list(range(len(names)))
    known = (set(names) | set(system.scenario_names) | {p.name for p in system.liveness}
             | {m.name for m in system.measures}
             | {"deadlock", "timelock", "runtime"})
    for name in options.properties:
        if name not in known:
            raise UsageError(f"no property named '{name}' (this spec has: "
                             f"{', '.join(sorted(known))})")
    return [k for k, n in enumerate(names) if n in options.properties]


def make_report(system: TransitionSystem, options: Options, engine: str,
                results: list[PropertyResult], stats: Stats, stop_reason: str | None,
                graph: Callable[[], object] | None,
                coverage: tuple[tuple[str, int], ...] = (),
                disabled: tuple[DisabledAction, ...] = (),
                disabled_complete: bool = True) -> Report:
    if any(r.status != "unknown" and not r.as_expected for r in results):
        outcome = "violation"
    elif any(r.status == "unknown" for r in results):
        outcome = "incomplete"
    else:
        outcome = "ok"
    return Report(system.name, system.file, tuple(system.constants()), options.describe(),
                  engine, outcome, stop_reason, stats, tuple(results), coverage,
                  system.processes, disabled, disabled_complete, _graph=graph,
                  boundaries=system.boundary_names,
                  liveness=system.liveness_reported)


def read_map(path: str) -> LogMap:
    """A log map (TOML) read and parsed; a MapError (a UsageError) says what is wrong, with
    the map's file, line and column (docs/replay.md)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"cannot read the map {path}: {getattr(err, 'strerror', None) or err}"
                         ) from None
    return _logmap.parse_map(text, path)


def replay(spec: str, log: str, map: str, constants: Mapping[str, Constant] | None = None,
           options: Options | None = None, allow_unmapped: bool = False,
           untimed: bool = False,
           progress: Callable[[Progress], None] | None = None) -> ReplayResult:
    """Replay the log file `log` against the spec (a path or text) with the map file `map`
    (docs/replay.md): CONSISTENT with a witness run, or the first line the model cannot
    produce. `options` gives the budgets (time_limit, max_states, memory_limit); a stopped
    replay is `incomplete`, never consistent."""
    return replay_system(load(spec, constants), log, read_map(map), options or Options(),
                         allow_unmapped=allow_unmapped, untimed=untimed, progress=progress)


def replay_system(system: TransitionSystem, log: str, logmap: LogMap, options: Options,
                  allow_unmapped: bool = False, untimed: bool = False,
                  progress: Callable[[Progress], None] | None = None,
                  budget: Budget | None = None) -> ReplayResult:
    """`replay` on a compiled system and a parsed map, under `budget`."""
    if not os.path.isfile(log):
        raise UsageError(f"cannot read the log {log}: no such file")
    budget = budget or Budget(options, progress)

    def lines() -> Iterator[str]:
        with open(log, encoding="utf-8", errors="backslashreplace") as handle:
            yield from handle

    return _validate.replay_log(system, logmap, lines, log, budget, allow_unmapped, untimed)
