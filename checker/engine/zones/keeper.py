"""Checkpoints of the zone search, and resuming from them (docs/checkpoint.md, "Zones").

A `ZoneKeeper` is one zone search's checkpoint session (checker.engine.checkpoint.Session,
kind "zones"). explore_zones calls it at three points: `restore` before the search (the
nodes, counts and findings of the checkpoint put back, the frontier to go on from),
`boundary` at the start of each BFS level (the level boundary remembered; written when a
checkpoint is due) and, through ZoneEngine.explore, `finish` when the search has ended.

What a checkpoint holds: every symbolic state found up to the boundary in discovery order
(its discrete state, its zone as the kernel's int32 matrix, its parent and the successor
entry that led to it), the frontier, the instance counts and the suppressed flags, the
edges kept for `tock graph`, the exact zone graph when the search builds one (unbounded
leads-to), the findings (checkpoint.findings_header) and the clocks whose constants apply
everywhere (ZoneEngine.always: a resumed search uses the same extrapolation).

The passed list is not written as such: it is rebuilt by adding the stored zones, in
discovery order, to a fresh ZoneStore with the same bounds. That gives back the same
store exactly: every stored zone was added when nothing active subsumed it, a subsumed
zone changes nothing, so each add finds the same active zones it found in the search and
retires the same ones (each add is checked to give the node number it had). A resumed
search then meets every later zone as the uninterrupted one does: the same counts,
verdicts and traces.
"""

from __future__ import annotations

import itertools
import os
import sys
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from model import lazy_module

from ..budget import StopReason
from ..checkpoint import CheckpointError, Saved, Session, findings_header, restore_findings
from ..store import ROOT
from . import kernel
from .spill import SpilledColumn

if TYPE_CHECKING:
    import numpy as np

    from ..findings import Findings
    from ..interface import Job
    from .extrapolation import Extrapolation
    from .search import ZoneNodes
else:
    np = lazy_module("numpy")  # loaded on first use: a zone check never needs numpy

__all__ = ["ZoneKeeper", "Resumed"]

KIND = "zones"


@dataclass
class Resumed:
    """A search put back from a checkpoint: the properties still to find, the frontier,
    and for a checkpoint of a search that had ended, how it ended."""

    active: list[int]
    frontier: list[int]
    finished: bool
    complete: bool = False
    stop_reason: StopReason | None = None


@dataclass
class _Mark:
    """A level boundary: what a checkpoint of it holds (lengths of what only grows)."""

    header: dict[str, Any]
    nodes: int
    discrete: int
    frontier: list[int] | SpilledColumn  # a spilled level is kept as it is (on disk)
    counts: list[int]
    suppressed: bytes
    edges: int | None
    graph_closed: int
    graph_targets: int


def _ints(values: Sequence[int], width: int) -> dict[str, np.ndarray]:
    """Packed discrete states: uint64 when they fit, else little-endian bytes."""
    if width <= 64:
        return {"discrete": np.array(values, dtype=np.uint64)}
    size = (width + 7) // 8
    return {"discrete_wide": np.frombuffer(b"".join(v.to_bytes(size, "little")
                                                    for v in values), dtype=np.uint8)}


def _read_ints(arrays: dict[str, np.ndarray], width: int, name: str) -> list[int]:
    if width <= 64:
        raw = arrays.get("discrete")
        if raw is None or raw.dtype != np.uint64:
            raise CheckpointError(f"{name}: the checkpoint's discrete states are damaged")
        return [int(v) for v in raw.tolist()]
    size = (width + 7) // 8
    wide = arrays.get("discrete_wide")
    data = b"" if wide is None else wide.tobytes()
    if wide is None or len(data) % size:
        raise CheckpointError(f"{name}: the checkpoint's discrete states are damaged")
    return [int.from_bytes(data[k:k + size], "little") for k in range(0, len(data), size)]


class ZoneKeeper:
    """One zone search's checkpoints (module docstring)."""

    def __init__(self, session: Session, n: int, width: int):
        self.session = session
        self.n = n
        self.width = width
        self.name = os.path.basename(session.path)
        self.saved: Saved | None = session.load()
        self.mark: _Mark | None = None
        self.finished = False  # put back from the checkpoint of a search that had ended
        # the clocks with global constants in the search under way (ZoneEngine.always)
        self.global_clocks: frozenset[int] = frozenset()

    @classmethod
    def open(cls, job: Job, n: int) -> ZoneKeeper | None:
        """The keeper of a zone search when the check takes checkpoints, else None."""
        checkpointer = job.budget.checkpoint
        if checkpointer is None:
            return None
        return cls(checkpointer.session(job.phase, KIND), n, job.system.layout.width)

    def always(self) -> frozenset[int]:
        """The clocks with global constants in the checkpoint's search (none: no
        checkpoint)."""
        if self.saved is None:
            return frozenset()
        try:
            return frozenset(int(x) for x in self.saved.header["always"])
        except (KeyError, TypeError, ValueError):
            raise CheckpointError(f"{self.name}: the checkpoint's header is damaged") from None

    def forget(self) -> None:
        """The search starts again (ZoneEngine: a stale clock): nothing to go on from."""
        self.saved = None
        self.mark = None

    # -------------------------------------------------------------- writing
    def boundary(self, nodes: ZoneNodes, ex: Findings[int], frontier: Iterable[int],
                 active: set[int], exact: bool) -> None:
        """The start of a BFS level: remember it; write it when a checkpoint is due."""
        graph = nodes.graph
        self.mark = _Mark(
            self._header(ex, active, exact), len(nodes), len(nodes.discrete_of),
            frontier if isinstance(frontier, SpilledColumn) else list(frontier),
            list(nodes.instance_counts), bytes(nodes.suppressed),
            None if nodes.edges is None else len(nodes.edges),
            0 if graph is None else len(graph.start) - 1,
            0 if graph is None else len(graph.targets))
        if self.session.due():
            self._write(nodes, self.mark, False)

    def finish(self, findings: Findings[int], job: Job, exact: bool) -> None:
        """The search has ended (or stopped): a checkpoint of its end, unless the shared
        budget stopped it (time, memory, Ctrl-C), where the last level boundary is kept to
        go on from."""
        if self.finished:
            return
        reason = findings.stop_reason
        nodes: ZoneNodes = findings.store
        if reason is not None and reason.ends_the_check:
            if self.mark is not None:
                self._write(nodes, self.mark, False)
            return
        active = set(job.active) - set(findings.found)
        graph = nodes.graph
        mark = _Mark(self._header(findings, active, exact), len(nodes),
                     len(nodes.discrete_of), [], list(nodes.instance_counts),
                     bytes(nodes.suppressed),
                     None if nodes.edges is None else len(nodes.edges),
                     0 if graph is None else len(graph.start) - 1,
                     0 if graph is None else len(graph.targets))
        self._write(nodes, mark, True)

    def _header(self, ex: Findings[int], active: set[int], exact: bool) -> dict[str, Any]:
        header = findings_header(ex, active)
        header.update({"always": sorted(self.global_clocks), "exact": exact, "n": self.n,
                       "byteorder": sys.byteorder, "initial": list(ex.initial)})
        return header

    def _write(self, nodes: ZoneNodes, mark: _Mark, finished: bool) -> None:
        count = mark.nodes
        graph = nodes.graph
        header = dict(mark.header)
        header["nodes"] = count
        arrays: dict[str, Any] = {
            "parent": np.array(nodes.parent[:count], dtype=np.int32),
            "entry": np.array(nodes.entry[:count], dtype=np.int32),
            "frontier": np.fromiter(mark.frontier, dtype=np.int64, count=len(mark.frontier)),
            "counts": np.array(mark.counts, dtype=np.int64),
            "suppressed": np.frombuffer(mark.suppressed, dtype=np.uint8),
        }
        if graph is None:
            store = nodes.store
            zones = b"".join(store.zone(k) for k in range(count))
            dids = [store.did(k) for k in range(count)]
            discrete = nodes.discrete_of[:mark.discrete]
        else:
            # in node order, block by block (a spilled graph reads its zones from disk)
            zones = b"".join(z for _d, z in itertools.islice(graph.states, count))
            table: dict[int, int] = {}
            dids = [table.setdefault(d, len(table))
                    for d, _z in itertools.islice(graph.states, count)]
            discrete = list(table)
            closed = mark.graph_closed
            arrays["graph_start"] = np.array(graph.start[:closed + 1], dtype=np.int64)
            arrays["graph_targets"] = np.array(graph.targets[:mark.graph_targets],
                                               dtype=np.int64)
            arrays["graph_insts"] = np.array(graph.insts[:mark.graph_targets],
                                             dtype=np.int64)
            everywhere = graph.enabled_everywhere or []
            if any(m >> 64 for m in everywhere[:closed]):
                raise CheckpointError("more than 64 fairness groups: the exact zone graph "
                                      "cannot be checkpointed")
            arrays["graph_enabled"] = np.array(everywhere[:closed], dtype=np.uint64)
            header["graph_initial"] = list(graph.initial)
        arrays["zones"] = np.frombuffer(zones, dtype=np.int32)
        arrays["node_did"] = np.array(dids, dtype=np.int32)
        arrays.update(_ints(discrete, self.width))
        if mark.edges is not None:
            assert nodes.edges is not None
            # ZoneNodes.edges is flat already (3 ints per edge); mark.edges counts ints
            arrays["edges"] = np.array(nodes.edges[:mark.edges], dtype=np.int64)
        header["edges_kept"] = mark.edges is not None
        self.session.save(header, arrays, finished)

    # -------------------------------------------------------------- reading
    def restore(self, job: Job, nodes: ZoneNodes, ex: Findings[int],
                extrapolation: Extrapolation, exact: bool) -> Resumed | None:
        """Put the checkpoint back into a fresh search's `nodes` and `ex` (None: no
        checkpoint, start from the initial states)."""
        saved = self.saved
        if saved is None:
            return None
        name = self.name
        header, arrays = saved.header, saved.arrays
        if header.get("n") != self.n or header.get("byteorder") != sys.byteorder or \
                bool(header.get("exact")) != exact:
            raise CheckpointError(f"{name}: a zone checkpoint of another shape (clocks, "
                                  "byte order or zone graph)")
        try:
            count = int(header["nodes"])
            initial = [int(v) for v in header["initial"]]
        except (KeyError, TypeError, ValueError):
            raise CheckpointError(f"{name}: the checkpoint's header is damaged") from None
        n2 = self.n * self.n
        instances = len(job.system.instances)
        zones, dids = arrays.get("zones"), arrays.get("node_did")
        parent, entry = arrays.get("parent"), arrays.get("entry")
        frontier, counts = arrays.get("frontier"), arrays.get("counts")
        suppressed = arrays.get("suppressed")
        shapes = ((zones, np.int32, count * n2), (dids, np.int32, count),
                  (parent, np.int32, count), (entry, np.int32, count),
                  (counts, np.int64, instances), (suppressed, np.uint8, instances),
                  (frontier, np.int64, None))
        for value, dtype, length in shapes:
            if value is None or value.dtype != dtype or \
                    (length is not None and len(value) != length):
                raise CheckpointError(f"{name}: the checkpoint's symbolic states are damaged")
        assert zones is not None and dids is not None and parent is not None
        assert entry is not None and frontier is not None and counts is not None
        assert suppressed is not None
        discrete = _read_ints(arrays, self.width, name)
        did_list = dids.tolist()
        parents = parent.tolist()
        front = frontier.tolist()
        if (count and (min(did_list) < 0 or max(did_list) >= len(discrete))) or \
                any(not (p == ROOT or 0 <= p < k) for k, p in enumerate(parents)) or \
                any(not 0 <= v < count for v in front + initial):
            raise CheckpointError(f"{name}: the checkpoint's symbolic states are damaged")
        blob = zones.tobytes()
        graph = nodes.graph
        if graph is None:
            for d in discrete:
                nodes.did(d)
            if len(nodes.discrete_of) != len(discrete):
                raise CheckpointError(f"{name}: the checkpoint holds a discrete state twice")
            store = nodes.store
            bounds = extrapolation.bounds
            for k in range(count):
                did = did_list[k]
                lower, upper = bounds(discrete[did])
                if store.add(did, blob[4 * n2 * k:4 * n2 * (k + 1)], lower, upper,
                             kernel.ALU) != k:
                    raise CheckpointError(f"{name}: the checkpoint's passed list is not "
                                          "this search's")
        else:
            self._restore_graph(graph, arrays, header, discrete, did_list, blob, count, name)
        nodes.parent = array("i", parents)
        nodes.entry = array("i", entry.tolist())
        nodes.instance_counts = [int(c) for c in counts.tolist()]
        nodes.suppressed = bytearray(suppressed.tobytes())
        if header.get("edges_kept"):
            flat = arrays.get("edges")
            if flat is None or flat.dtype != np.int64 or len(flat) % 3:
                raise CheckpointError(f"{name}: the checkpoint's edges are damaged")
            nodes.edges = array("i", flat.tolist())
        else:
            nodes.edges = None
        ex.initial[:] = initial
        active = sorted(restore_findings(ex, header, name))
        resumed = Resumed(active, front, saved.finished)
        if saved.finished:
            self.finished = True
            resumed.complete = bool(header.get("complete"))
            reason = header.get("stop_reason")
            resumed.stop_reason = None if reason is None else StopReason(reason)
        return resumed

    @staticmethod
    def _restore_graph(graph: Any, arrays: dict[str, np.ndarray], header: dict[str, Any],
                       discrete: list[int], dids: list[int], blob: bytes, count: int,
                       name: str) -> None:
        size = len(blob) // max(count, 1)
        for k in range(count):
            key = (discrete[dids[k]], blob[size * k:size * (k + 1)])
            if key in graph.ids:
                raise CheckpointError(f"{name}: the checkpoint holds a symbolic state twice")
            graph.add_node(key)
        start, targets = arrays.get("graph_start"), arrays.get("graph_targets")
        insts, enabled = arrays.get("graph_insts"), arrays.get("graph_enabled")
        parts = (start, targets, insts, enabled)
        if any(a is None for a in parts) or start is None or targets is None or \
                insts is None or enabled is None or len(start) != len(enabled) + 1 or \
                len(targets) != len(insts) or not len(start) or int(start[0]) != 0 or \
                int(start[-1]) != len(targets):
            raise CheckpointError(f"{name}: the checkpoint's zone graph is damaged")
        graph.start = array("l", start.tolist())
        graph.targets = array("i", targets.tolist())
        graph.insts = array("i", insts.tolist())
        graph.enabled_everywhere = [int(m) for m in enabled.tolist()]
        try:
            graph.initial = [int(v) for v in header["graph_initial"]]
        except (KeyError, TypeError, ValueError):
            raise CheckpointError(f"{name}: the checkpoint's zone graph is damaged") from None
