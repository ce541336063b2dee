"""Checkpoints of a check's searches, and resuming from them (docs/checkpoint.md).

A `Checkpointer` belongs to one check (it hangs on the check's Budget). Every search of the
check asks it for a `Session` in the order the check starts them (the main search, each
scenario's product, ...), so the n-th search of a resumed check finds the n-th search's
checkpoint. A session writes its search's state at BFS level boundaries, at most once
every `every` seconds, plus once when a budget (time, memory, Ctrl-C) stops the search and
once when the search ends.

The format is data only: one file per search, `search-NNN.ckpt`, made of a magic line, a
JSON header (its length in the magic line) and the raw bytes of numpy arrays whose dtype,
shape and offset the header lists, with a SHA-256 of everything after the header. Loading
checks the magic, the sizes, the dtypes (a fixed list) and the hash before believing any of
it; nothing is unpickled. A file is written to a temporary name in the directory, flushed
and fsynced, then renamed over the previous one (os.replace is atomic), and the directory
is fsynced: a crash mid-write leaves the previous checkpoint whole.

`manifest.json` holds the fingerprint of the check: hashes of the spec's files, the
constants and every option that changes what a search does. Resuming with a different
fingerprint is refused (UsageError) with a message naming what differs.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from model import lazy_module, nodeclass

from ..errors import UsageError
from ..options import Options
from .budget import StopReason
from .findings import RuntimeFinding
from .store import ROOT, LevelStore

if TYPE_CHECKING:
    import json
    import tempfile

    import numpy as np

    from model import TransitionSystem
else:
    np = lazy_module("numpy")  # loaded on first use: a zone check never needs numpy
    tempfile = lazy_module("tempfile")  # only when a checkpoint is written
    json = lazy_module("json")  # a checkpoint's header

__all__ = ["Checkpointer", "Session", "Saved", "fingerprint", "write_arrays", "read_arrays",
           "CheckpointError", "FORMAT", "DEFAULT_EVERY", "SEARCH_OPTIONS", "findings_header",
           "restore_findings", "level_arrays", "restore_levels", "dict_arrays", "restore_dict"]

FORMAT = 1
MAGIC = b"TOCKCKPT"
DEFAULT_EVERY = 60.0
DTYPES = ("uint64", "int64", "int32", "uint32", "uint8")
BLOCK = 1 << 20  # elements copied at a time when an array is streamed to a file
# the options that do not change what a search finds, only where it may stop or how fast
# it goes: a checkpoint taken under one value of these resumes under another
NOT_IN_FINGERPRINT = ("time_limit", "memory_limit", "workers", "spill", "spill_dir")
SEARCH_OPTIONS = tuple(name for name in Options.__slots__ if name not in NOT_IN_FINGERPRINT)


class CheckpointError(UsageError):
    """A checkpoint cannot be used (damaged, of another check, of another format)."""


def fingerprint(system: TransitionSystem, options: Options) -> dict[str, Any]:
    """What a checkpoint must match to be resumed: each spec file's hash, the constants,
    and each option that changes the search (SEARCH_OPTIONS)."""
    files = {name: hashlib.sha256(source.text.encode()).hexdigest()
             for name, source in sorted(system.sources.items())}
    opts: dict[str, Any] = {}
    for name in SEARCH_OPTIONS:
        value = getattr(options, name)
        opts[name] = list(value) if isinstance(value, tuple) else value
    return {"spec": system.name, "files": files,
            "constants": [list(c) for c in system.constants()], "options": opts}


def differences(saved: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """What differs between two fingerprints, in words."""
    out: list[str] = []
    if saved.get("spec") != now["spec"]:
        out.append(f"the spec (checkpoint: {saved.get('spec')!r}, now: {now['spec']!r})")
    old_files = saved.get("files") or {}
    for name, digest in now["files"].items():
        if name not in old_files:
            out.append(f"the spec file {name} (not in the checkpoint)")
        elif old_files[name] != digest:
            out.append(f"the text of {name}")
    for name in old_files:
        if name not in now["files"]:
            out.append(f"the spec file {name} (in the checkpoint, not read now)")
    old_constants = {c[0]: c[1] for c in saved.get("constants") or [] if len(c) == 2}
    for name, value in now["constants"]:
        if name in old_constants and old_constants[name] != value:
            out.append(f"the constant {name} (checkpoint: {old_constants[name]}, "
                       f"now: {value})")
        elif name not in old_constants:
            out.append(f"the constant {name} (not in the checkpoint)")
    old_options = saved.get("options") or {}
    for name, value in now["options"].items():
        if old_options.get(name, value if name in old_options else object()) != value:
            out.append(f"the option {name} (checkpoint: {old_options.get(name)!r}, "
                       f"now: {value!r})")
    return out


# ------------------------------------------------------------------ the file format
ArrayLike = Any  # numpy arrays, or anything with len(), .dtype and slicing to arrays


def write_arrays(path: str, header: Mapping[str, Any], arrays: Mapping[str, ArrayLike]) -> int:
    """Write `header` and `arrays` to `path` atomically (module docstring); returns bytes."""
    directory = os.path.dirname(os.path.abspath(path))
    listing = []
    offset = 0
    for name, array in arrays.items():
        kind = np.dtype(array.dtype)
        dtype, length = kind.name, len(array)
        if kind.kind == "V" and kind.itemsize % 8 == 0:
            # wide states (store.Packing): written as their 64-bit words, byte for byte
            dtype, length = "uint64", len(array) * kind.itemsize // 8
        if dtype not in DTYPES:
            raise ValueError(f"checkpoint arrays are of {DTYPES}, not {dtype}")
        size = length * np.dtype(dtype).itemsize
        listing.append({"name": name, "dtype": dtype, "length": length, "offset": offset})
        offset += size
    digest = hashlib.sha256()
    handle, temp = tempfile.mkstemp(prefix=".tmp-", suffix=".ckpt", dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            # the hash is of the payload; it is written into the header, so the payload
            # is hashed first (a second pass over the arrays, in memory or in the file)
            for array in arrays.values():
                for block in _blocks(array):
                    digest.update(block)
            body = dict(header)
            body.update({"format": FORMAT, "arrays": listing, "payload": offset,
                         "sha256": digest.hexdigest()})
            text = json.dumps(body, sort_keys=True).encode()
            out.write(MAGIC + b" %d\n" % len(text))
            out.write(text)
            for array in arrays.values():
                for block in _blocks(array):
                    out.write(block)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with _quiet():
            os.unlink(temp)
        raise
    _fsync_dir(directory)
    return offset + len(text)


def _blocks(array: ArrayLike) -> Iterator[bytes]:
    for start in range(0, len(array), BLOCK):
        yield np.ascontiguousarray(array[start:start + BLOCK]).tobytes()


def read_arrays(path: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A checkpoint file's header and arrays, validated (CheckpointError if not sound)."""
    name = os.path.basename(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise CheckpointError(f"cannot read the checkpoint file {name}: "
                              f"{err.strerror}") from None
    first, newline, rest = data.partition(b"\n")
    parts = first.split(b" ")
    if not newline or len(parts) != 2 or parts[0] != MAGIC or not parts[1].isdigit():
        raise CheckpointError(f"{name} is not a tock checkpoint file (or its start is damaged)")
    size = int(parts[1])
    try:
        header = json.loads(rest[:size].decode())
    except (UnicodeDecodeError, ValueError):
        raise CheckpointError(f"{name}: the checkpoint header is damaged") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CheckpointError(f"{name}: a checkpoint of another format (this tock reads "
                              f"format {FORMAT})")
    payload = memoryview(rest)[size:]
    if header.get("payload") != len(payload):
        raise CheckpointError(f"{name} is truncated or damaged: {len(payload):,} bytes of "
                              f"data where its header says {header.get('payload')!r}")
    if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
        raise CheckpointError(f"{name} is damaged: its data does not match its checksum")
    arrays: dict[str, np.ndarray] = {}
    listing = header.get("arrays")
    if not isinstance(listing, list):
        raise CheckpointError(f"{name}: the checkpoint header lists no arrays")
    for entry in listing:
        ok = isinstance(entry, dict) and entry.get("dtype") in DTYPES and all(
            isinstance(entry.get(k), int) and entry[k] >= 0 for k in ("length", "offset"))
        if not ok:
            raise CheckpointError(f"{name}: the checkpoint header is damaged")
        dtype = np.dtype(entry["dtype"])
        end = entry["offset"] + entry["length"] * dtype.itemsize
        if end > len(payload):
            raise CheckpointError(f"{name}: an array runs past the end of the file")
        arrays[str(entry["name"])] = np.frombuffer(payload[entry["offset"]:end], dtype=dtype)
    return header, arrays


def _fsync_dir(directory: str) -> None:
    with _quiet():
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class _quiet:
    """Ignore OSError (clean-up that may fail harmlessly)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> bool:
        return kind is not None and issubclass(kind, OSError)


# ------------------------------------------------------------------ check and searches
@nodeclass
class Saved:
    """A search's checkpoint as read back: its header and arrays."""

    header: dict[str, Any]
    arrays: dict[str, np.ndarray]

    @property
    def finished(self) -> bool:
        return bool(self.header.get("finished"))


class Checkpointer:
    """The checkpoints of one check (module docstring). `resume`: read the checkpoints in
    `directory` (refused unless they are of this check); otherwise any checkpoint there is
    replaced."""

    def __init__(self, directory: str, system: TransitionSystem, options: Options,
                 every: float = DEFAULT_EVERY, resume: bool = False,
                 clock: Callable[[], float] = time.monotonic):
        self.directory = directory
        self.every = every
        self.clock = clock
        self.fingerprint = fingerprint(system, options)
        self.count = 0  # searches started
        self.resuming = resume
        self.written = 0  # checkpoint files written (for tests and progress)
        manifest = os.path.join(directory, "manifest.json")
        if os.path.isdir(directory):
            for entry in os.listdir(directory):
                if entry.startswith(".tmp-"):  # a write that a crash cut short
                    with _quiet():
                        os.unlink(os.path.join(directory, entry))
        if resume:
            if not os.path.isdir(directory):
                raise CheckpointError(f"no checkpoint to resume: {directory} is not a "
                                      "directory")
            try:
                with open(manifest, encoding="utf-8") as handle:
                    saved = json.load(handle)
            except OSError:
                raise CheckpointError(f"no checkpoint to resume in {directory} (it has no "
                                      "manifest.json)") from None
            except ValueError:
                raise CheckpointError(f"{manifest} is damaged (not JSON)") from None
            if not isinstance(saved, dict) or saved.get("format") != FORMAT:
                raise CheckpointError(f"{manifest}: a checkpoint of another format")
            diff = differences(saved.get("fingerprint") or {}, self.fingerprint)
            if diff:
                raise CheckpointError("the checkpoint in " + directory + " is of another "
                                      "check; it differs in " + "; ".join(diff) +
                                      " (run without --resume to start afresh)")
            return
        try:
            os.makedirs(directory, exist_ok=True)
        except OSError as err:
            raise CheckpointError(f"cannot make the checkpoint directory {directory}: "
                                  f"{err.strerror}") from None
        for entry in os.listdir(directory):
            if re.fullmatch(r"search-\d+\.ckpt", entry):
                os.unlink(os.path.join(directory, entry))  # a fresh start: old checkpoints go
        text = json.dumps({"format": FORMAT, "fingerprint": self.fingerprint},
                          sort_keys=True, indent=1).encode()
        fd, temp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        with os.fdopen(fd, "wb") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, manifest)
        _fsync_dir(directory)

    def session(self, phase: str, kind: str) -> Session:
        """The checkpoint session of the next search of the check (`kind` names the
        engine's layout: a checkpoint of another kind is refused)."""
        self.count += 1
        return Session(self, self.count, phase, kind)


class Session:
    """One search's checkpoints (see the module docstring)."""

    def __init__(self, owner: Checkpointer, number: int, phase: str, kind: str):
        self.owner = owner
        self.phase = phase
        self.kind = kind
        self.path = os.path.join(owner.directory, f"search-{number:03d}.ckpt")
        self.last = owner.clock()

    def load(self) -> Saved | None:
        """This search's checkpoint when resuming (None: start from the beginning)."""
        if not self.owner.resuming or not os.path.exists(self.path):
            return None
        header, arrays = read_arrays(self.path)
        name = os.path.basename(self.path)
        if header.get("phase") != self.phase or header.get("kind") != self.kind:
            raise CheckpointError(f"{name} is of the search '{header.get('phase')}' "
                                  f"({header.get('kind')}), not '{self.phase}' ({self.kind})")
        if header.get("fingerprint") != self.owner.fingerprint:
            raise CheckpointError(f"{name} is of another check (its fingerprint differs "
                                  "from manifest.json's)")
        return Saved(header, arrays)

    def due(self) -> bool:
        """Whether a periodic checkpoint is due (`every` seconds since the last)."""
        return self.owner.clock() - self.last >= self.owner.every

    def save(self, header: Mapping[str, Any], arrays: Mapping[str, ArrayLike],
             finished: bool) -> None:
        body = dict(header)
        body.update({"phase": self.phase, "kind": self.kind, "finished": finished,
                     "fingerprint": self.owner.fingerprint})
        try:
            write_arrays(self.path, body, arrays)
        except OSError as err:
            raise CheckpointError(f"cannot write the checkpoint {self.path}: "
                                  f"{err.strerror}") from None
        self.owner.written += 1
        self.last = self.owner.clock()


def findings_header(ex: Any, active: set[int] | list[int]) -> dict[str, Any]:
    """The small part of a search's Findings (handles are ints: packed states)."""
    runtime = None
    if ex.runtime is not None:
        r = ex.runtime
        runtime = [r.handle, r.what, r.index, [list(g) for g in r.guard]]
    return {"found": [[k, h] for k, h in sorted(ex.found.items())],
            "deadlock": ex.deadlock, "timelock": ex.timelock, "runtime": runtime,
            "runtime_count": ex.runtime_count, "deadlocks": ex.deadlocks,
            "timelocks": ex.timelocks, "transitions": ex.transitions, "ticks": ex.ticks,
            "depth": ex.depth, "active": sorted(active), "outside": ex.outside,
            "stop_reason": None if ex.stop_reason is None else ex.stop_reason.value,
            "complete": ex.complete}


def restore_findings(ex: Any, header: Mapping[str, Any], name: str) -> set[int]:
    """Put a findings header back into `ex`; returns the active properties."""
    try:
        ex.found = {int(k): int(h) for k, h in header["found"]}
        ex.deadlock = None if header["deadlock"] is None else int(header["deadlock"])
        ex.timelock = None if header["timelock"] is None else int(header["timelock"])
        runtime = header["runtime"]
        if runtime is not None:
            handle, what, index, guard = runtime
            if what not in ("action", "property"):
                raise ValueError(what)
            bounds = tuple((int(g[0]), int(g[1]), int(g[2])) for g in guard)
            ex.runtime = RuntimeFinding(int(handle), what, int(index), bounds)
        for field_name in ("runtime_count", "deadlocks", "timelocks", "transitions", "ticks",
                           "depth"):
            setattr(ex, field_name, int(header[field_name]))
        ex.outside = int(header.get("outside", 0))  # states beyond a boundary (issue 17)
        active = {int(k) for k in header["active"]}
        if header.get("stop_reason") not in (None, *(r.value for r in StopReason)):
            raise ValueError(header.get("stop_reason"))
    except (KeyError, TypeError, ValueError):
        raise CheckpointError(f"{name}: the checkpoint's findings are damaged") from None
    return active



# ------------------------------------------------------------------ the stores
def level_arrays(store: LevelStore) -> dict[str, ArrayLike]:
    """A LevelStore as arrays: each level's states Lk and parents Pk, and the states the
    findings name (`where`). The sorted array of all states is rebuilt on loading. States
    wider than 64 bits are written as their 64-bit words (store.Packing; write_arrays): the
    fingerprint fixes the spec, so its width, and loading checks the lengths."""
    out: dict[str, ArrayLike] = {}
    for k, (states, parents) in enumerate(zip(store.levels, store.parents)):
        out[f"L{k}"] = states
        out[f"P{k}"] = parents
    where = sorted(store.where.items())
    out["where_state"] = store.packing.array([s for s, _ in where])
    out["where_at"] = np.array([x for _, at in where for x in at], dtype=np.int64)
    return out


def restore_levels(store: LevelStore, saved: Saved, name: str) -> None:
    """Fill a fresh LevelStore (of the same initial states) from a checkpoint."""
    arrays = saved.arrays
    packing = store.packing
    levels: list[np.ndarray] = []
    parents: list[np.ndarray] = []

    def states_of(key: str) -> np.ndarray | None:
        """A saved array of states in the store's packing (None: not one)."""
        raw = arrays.get(key)
        if raw is None or raw.dtype != np.uint64 or len(raw) % packing.words:
            return None
        return raw.view(packing.dtype) if packing.wide else raw

    k = 0
    while f"L{k}" in arrays:
        states, links = states_of(f"L{k}"), arrays.get(f"P{k}")
        if states is None or links is None or links.dtype != np.int32 or \
                len(links) != len(states) or not len(states):
            raise CheckpointError(f"{name}: level {k} of the checkpoint is damaged")
        if len(links) and (int(links.min()) < (-1 if k == 0 else 0) or
                           int(links.max()) >= (1 if k == 0 else len(levels[-1]))):
            raise CheckpointError(f"{name}: the parents of level {k} are damaged")
        levels.append(states)
        parents.append(links)
        k += 1
    if not levels or not np.array_equal(levels[0], store.levels[0]):
        raise CheckpointError(f"{name}: the checkpoint's initial states are not this "
                              "search's")
    visited = np.sort(np.concatenate(levels))
    if len(visited) > 1 and not (visited[1:] != visited[:-1]).all():
        raise CheckpointError(f"{name}: the checkpoint holds a state twice")
    where_state, where_at = states_of("where_state"), arrays.get("where_at")
    if where_state is None or where_at is None or len(where_at) != 2 * len(where_state):
        raise CheckpointError(f"{name}: the checkpoint's findings are damaged")
    where: dict[int, tuple[int, int]] = {}
    for state, level, index in zip(packing.ints(where_state), where_at[0::2].tolist(),
                                   where_at[1::2].tolist()):
        if not (0 <= level < len(levels) and 0 <= index < len(levels[level]) and
                packing.one(levels[level][index]) == state):
            raise CheckpointError(f"{name}: the checkpoint's findings are damaged")
        where[state] = (level, index)
    store.load(levels, parents, where, visited)


def dict_arrays(parent: dict[int, int], count: int, frontier: list[int],
                width: int) -> dict[str, np.ndarray]:
    """The first `count` states of a DictStore (insertion order), each one's parent as an
    index into them, and the frontier as indices: states of up to 64 bits as uint64, wider
    ones as little-endian bytes (`width` bits each)."""
    states = list(itertools.islice(parent, count))
    index = {s: k for k, s in enumerate(states)}
    links = np.fromiter((ROOT if parent[s] == ROOT else index[parent[s]] for s in states),
                        dtype=np.int64, count=len(states))
    return {"parents": links,
            "frontier": np.fromiter((index[s] for s in frontier), dtype=np.int64,
                                    count=len(frontier)),
            **state_arrays(states, width)}


def state_arrays(states: list[int], width: int) -> dict[str, np.ndarray]:
    """A checkpoint's states: `states` (up to 64 bits) as uint64, or `wide` (wider) as
    little-endian bytes, `width` bits each."""
    if width <= 64:
        return {"states": np.array(states, dtype=np.uint64)}
    size = (width + 7) // 8
    return {"wide": np.frombuffer(b"".join(s.to_bytes(size, "little") for s in states),
                                  dtype=np.uint8)}


def restore_dict(saved: Saved, width: int, initial: list[int],
                 name: str) -> tuple[dict[int, int], list[int]]:
    """The parent dict and the frontier of a DictStore checkpoint (dict_arrays)."""
    arrays = saved.arrays
    links, frontier = arrays.get("parents"), arrays.get("frontier")
    if width <= 64:
        raw = arrays.get("states")
        states = [] if raw is None or raw.dtype != np.uint64 else raw.tolist()
    else:
        size = (width + 7) // 8
        wide = arrays.get("wide")
        data = b"" if wide is None else wide.tobytes()
        if len(data) % size:
            raise CheckpointError(f"{name}: the checkpoint's states are damaged")
        states = [int.from_bytes(data[k:k + size], "little") for k in range(0, len(data), size)]
    if links is None or frontier is None or links.dtype != np.int64 or \
            frontier.dtype != np.int64 or len(links) != len(states) or not states:
        raise CheckpointError(f"{name}: the checkpoint's store is damaged")
    n = len(states)
    if (len(frontier) and (int(frontier.min()) < 0 or int(frontier.max()) >= n)) or \
            int(links.min()) < ROOT or int(links.max()) >= n:
        raise CheckpointError(f"{name}: the checkpoint's store is damaged")
    parent: dict[int, int] = {}
    for s, p in zip(states, links.tolist()):
        parent[s] = ROOT if p == ROOT else states[p]
    if len(parent) != n or states[:len(initial)] != initial:
        raise CheckpointError(f"{name}: the checkpoint's store is not this search's")
    return parent, [states[k] for k in frontier.tolist()]
