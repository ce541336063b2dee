"""Tock's engines behind one interface.

    interface.py   Engine (explore, tracer, leads_to, coverage, graph, describe), Tracer,
                   Job (what to run), Run (how it went)
    budget.py      Budget: one deadline, memory cap and Ctrl-C for every search of a check;
                   StopReason; Progress
    findings.py    Findings: what a search found, recorded the same way by every engine
    store.py       the explicit-state stores (DictStore, LevelStore) and the Store protocol
    spill.py       the compact store on disk at the memory limit (DiskArray, SortedRuns)
    spill_dict.py  the dict store on disk at the memory limit (SpilledDict, SpilledSearch)
    checkpoint.py  checkpoints of a check's searches, and resuming them (docs/checkpoint.md)
    driver.py      run(job): pick the engine, explore, judge, liveness, responses, coverage
    explicit/      the explicit-state engine (dict and compact stores, workers)
    discrete.py    the discrete-time engine (integer clocks, ticks; the explicit search)
    zones/         the zone engine (DBM kernel, extrapolation, search, tracer, leads-to,
                   checkpoints: keeper.py)
    cluster/       the explicit and zone engines distributed over Ray actors (zones.py)
"""

from __future__ import annotations

from .budget import Budget, Progress, Stop, StopReason
from .driver import ENGINES, engine_for, run
from .findings import Findings, RuntimeFinding
from .interface import Engine, Job, Run, Tracer

__all__ = ["Engine", "Tracer", "Job", "Run", "Budget", "Progress", "Stop", "StopReason",
           "Findings", "RuntimeFinding", "run", "engine_for", "ENGINES"]
