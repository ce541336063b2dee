"""The zone search's passed list on disk, when memory runs out (docs/checkpoint.md, "Spill").

The kernel's ZoneStore keeps every zone a search found in one arena in memory (a node's
zone is read again to expand it and to rebuild a trace) and, per discrete state, the list
of its active zones (those no other subsumes) for the inclusion test. At the memory limit
the search hands its store to a `SpilledZones`, which has the same API (add, zone, did,
active, len) and holds:

* **on disk**, in a temporary directory under `--spill-dir`: every zone found before the
  last eviction (one file, `n × n` int32 per node, read back with `pread`), and the active
  list of each discrete state that has not been reached since (the *cold* ones: a file of
  node numbers, with each discrete state's offset and length in memory, 12 bytes each);
* **in memory**: each node's discrete-state id (4 bytes a node) and a fresh kernel
  ZoneStore for the discrete states reached since the last eviction (the *hot* ones).

The first time a cold discrete state is reached again, its active zones are read back and
re-added to the fresh store in discovery order (each re-add meets the ones before it and
none subsumes another, so the bucket is the same list in the same order: the kernel keeps
it in insertion order); the new zone is then tested and added there. So every add gives
exactly the answer the in-memory store gives: the same node number, or the same subsumer.
Each further eviction (`evict()`, memory over the limit again) writes the nodes added
since and the hot lists out, and starts another fresh store.

Node numbers stay the search's own: the store maps the fresh store's local numbers to
them (4 bytes a local node).

The exact zone graph (unbounded leads-to) has no passed list: its nodes are the graph's
own (StateGraph.states, (discrete state, zone) by node, and StateGraph.ids, the dict back
from such a pair to its node, which merges equal symbolic states). At the memory limit
the search hands both to a `SpilledGraphNodes`, which answers as they do (a node's pair;
the node of a pair, or none) and holds:

* **on disk**: every zone found before the last eviction (one file, as above);
* **in memory**: each node's discrete-state id (4 bytes a node: the search's own table of
  discrete states says which state it is), the pairs and the dict of the nodes added since
  the last eviction, and for the nodes before it their pairs' hashes in sorted runs
  (8 bytes a node, and its number, 4: a run per eviction, merged while the one before is
  at most twice its size). A pair not among the new nodes is looked for in the runs by
  its hash, and each node of equal hash is compared whole, its zone read back: a
  collision costs a read, never a wrong answer. So each lookup finds the node the
  in-memory dict finds, and the graph, its numbering and every verdict read from it are
  the unspilled ones. The hashes are Python's (salted per process): they decide nothing
  but where to look.

The graph's edges (compressed rows, 8 bytes a node and 16 an edge) and the fair groups
per node stay in memory: leads-to reads them all, repeatedly (the components, the
backward and forward searches); it reads the zones only to build the tick product of a
fair component (leadsto.py) and the nodes of a counterexample.

The same evictions move the rest of what the search holds per node (`ZoneSpill`): each
node's parent and successor entry (the trace's links, 8 bytes a node) and the BFS levels
become `SpilledColumn`s, int32 columns that only grow, in a file up to the last eviction
(an IntDiskArray: the compact store's DiskArray, read with `pread` into int32 arrays, so
the zone spill never loads numpy) and in memory after it. The level being built goes to
disk with each eviction, and a level is expanded by reading its file chunk by chunk (the
level under way at the first eviction stays in memory until its end). Readers see the
same numbers in the same order: only where they are held changes.
"""

from __future__ import annotations

import itertools
import os
import weakref
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, overload

from ..spill import DiskArray, SpillError, libc, spill_directory, trim_memory
from . import kernel

if TYPE_CHECKING:
    from ..interface import Job
    from .search import ZoneNodes

__all__ = ["SpilledZones", "SpilledGraphNodes", "SpilledColumn", "ZoneSpill", "evict_zones"]

_BLOCK = 4096  # zones written or read at a time
_key_hash = hash  # of an exact graph's (discrete state, zone): where to look (tests collide it)
_CHUNK = 1 << 16  # numbers of a column written or read at a time (256 KB)

def _write_error(path: str, err: OSError) -> SpillError:
    return SpillError(f"cannot write the spill file {path}: {err.strerror} (free some "
                      "space, or point --spill-dir elsewhere)")


class SpilledZones:
    """kernel.ZoneStore's API over zones on disk (see the module docstring). Made from the
    search's in-memory `store` (which it takes over: the caller drops its own reference)
    and the number of discrete-state ids the search has given out."""

    def __init__(self, store: Any, discrete: int, directory: str | None = None):
        self.n = store.n
        self.zone_bytes = 4 * self.n * self.n
        self.dir = spill_directory(directory)
        self.zones_path = os.path.join(self.dir.name, "zones")
        self.lists_path = os.path.join(self.dir.name, "active")
        try:
            self._zones_out = open(self.zones_path, "ab")
            self._lists_out = open(self.lists_path, "ab")
        except OSError as err:
            raise _write_error(self.zones_path, err) from None
        self._zones_in = os.open(self.zones_path, os.O_RDONLY)
        self._lists_in = os.open(self.lists_path, os.O_RDONLY)
        self.on_disk = 0  # nodes 0 .. on_disk - 1 have their zone in the file
        self.lists_written = 0  # node numbers in the active-list file
        self.node_did = array("i")  # every node's discrete-state id
        # the cold discrete states: offset of the active list in the file (-1: hot) and length
        self.cold_at = array("q")
        self.cold_len = array("i")
        # the hot part: a kernel store, its local node -> node, and node - on_disk -> local
        self.hot: Any = store
        self.to_node = array("i", range(len(store)))
        self.to_local = array("i", range(len(store)))
        self.hot_dids: set[int] = set(range(discrete))
        self.node_did.extend(store.did(k) for k in range(len(store)))
        self.evictions = 0
        self.bytes_written = 0
        self.loads = 0  # cold discrete states read back
        self.evict()

    # ------------------------------------------------------------ the ZoneStore API
    def __len__(self) -> int:
        return self.on_disk + len(self.to_local)

    def add(self, did: int, z: bytes, lower: bytes | Sequence[int] | None,
            upper: bytes | Sequence[int] | None, mode: str) -> int:
        if did < len(self.cold_at) and self.cold_at[did] >= 0:
            self._load(did, lower, upper, mode)
        self.hot_dids.add(did)
        local = self.hot.add(did, z, lower, upper, mode)
        if local < 0:
            return -1 - self.to_node[-1 - local]
        node = len(self)
        self.to_node.append(node)
        self.to_local.append(local)
        self.node_did.append(did)
        return node

    def zone(self, node: int) -> bytes:
        if node < 0:
            raise IndexError(f"node {node} out of range")
        if node < self.on_disk:
            return self._read_zones(node, 1)
        return self.hot.zone(self.to_local[node - self.on_disk])

    def did(self, node: int) -> int:
        if node < 0:
            raise IndexError(f"node {node} out of range")
        return self.node_did[node]

    def active(self, did: int) -> list[int]:
        if did < len(self.cold_at) and self.cold_at[did] >= 0:
            return self._cold_list(did).tolist()
        to_node = self.to_node
        return [to_node[p] for p in self.hot.active(did)]

    @property
    def nbytes(self) -> int:
        """Memory held: the hot store and the tables (the zones on disk not counted)."""
        tables = (self.node_did, self.cold_at, self.cold_len, self.to_node, self.to_local)
        return int(self.hot.nbytes) + sum(a.itemsize * len(a) for a in tables)

    # ------------------------------------------------------------ eviction
    def evict(self) -> int:
        """Write the nodes added since the last eviction and the active lists of the hot
        discrete states to disk, and start a fresh store; the bytes written."""
        written = 0
        new = len(self.to_local)
        hot, to_local = self.hot, self.to_local
        try:
            for start in range(0, new, _BLOCK):
                blob = b"".join(hot.zone(to_local[k])
                                for k in range(start, min(new, start + _BLOCK)))
                self._zones_out.write(blob)
                written += len(blob)
            self._zones_out.flush()
        except OSError as err:
            raise _write_error(self.zones_path, err) from None
        known = max(self.hot_dids, default=-1) + 1
        if known > len(self.cold_at):
            grow = known - len(self.cold_at)
            self.cold_at.extend([-1] * grow)
            self.cold_len.extend([0] * grow)
        to_node = self.to_node
        try:
            for did in sorted(self.hot_dids):
                nodes = array("i", [to_node[p] for p in hot.active(did)])
                if not len(nodes):
                    continue
                self._lists_out.write(nodes.tobytes())
                self.cold_at[did] = self.lists_written
                self.cold_len[did] = len(nodes)
                self.lists_written += len(nodes)
                written += nodes.itemsize * len(nodes)
            self._lists_out.flush()
        except OSError as err:
            raise _write_error(self.lists_path, err) from None
        self.on_disk += new
        self.hot = kernel.ZoneStore(self.n)
        self.to_node = array("i")
        self.to_local = array("i")
        self.hot_dids = set()
        self.evictions += 1
        self.bytes_written += written
        return written

    @property
    def holds(self) -> int:
        """Nodes and re-loaded zones in the hot store (0: an eviction frees nothing)."""
        return len(self.to_node)

    # ------------------------------------------------------------ reading back
    def _read_zones(self, node: int, count: int) -> bytes:
        size = self.zone_bytes
        data = os.pread(self._zones_in, count * size, node * size)
        if len(data) != count * size:
            raise OSError(f"{self.zones_path}: short read (the spill file was changed)")
        return data

    def _cold_list(self, did: int) -> array:
        length = self.cold_len[did]
        data = os.pread(self._lists_in, 4 * length, 4 * self.cold_at[did])
        if len(data) != 4 * length:
            raise OSError(f"{self.lists_path}: short read (the spill file was changed)")
        nodes = array("i")
        nodes.frombytes(data)
        return nodes

    def _load(self, did: int, lower: Any, upper: Any, mode: str) -> None:
        """Put a cold discrete state's active zones back into the hot store, in order."""
        hot, to_node = self.hot, self.to_node
        for node in self._cold_list(did).tolist():
            local = hot.add(did, self._read_zones(node, 1), lower, upper, mode)
            if local != len(to_node):  # never: the zones of one active list are unrelated
                raise RuntimeError("a spilled active list did not load back as it was")
            to_node.append(node)
        self.cold_at[did] = -1
        self.loads += 1

    def close(self) -> None:
        for fd in (self._zones_in, self._lists_in):
            try:
                os.close(fd)
            except OSError:
                pass
        self._zones_out.close()
        self._lists_out.close()
        self.dir.cleanup()



class SpilledGraphNodes:
    """The exact zone graph's nodes over zones on disk (see the module docstring): the
    sequence StateGraph.states is, (discrete state, zone) by node, with `ids`, the mapping
    StateGraph.ids is. Made from the graph's `states` and `ids`, which it takes over (the
    caller drops its own references), `did` (a discrete state's id in the search's table,
    given out on first use) and `discrete_of` (that table, id -> discrete state)."""

    def __init__(self, states: list, ids: dict, did: Callable[[int], int],
                 discrete_of: Sequence[int], n: int, directory: str | None = None):
        self.zone_bytes = 4 * n * n
        self.dir = spill_directory(directory)
        self.zones_path = os.path.join(self.dir.name, "graph-zones")
        try:
            self._zones_out = open(self.zones_path, "ab")
        except OSError as err:
            raise _write_error(self.zones_path, err) from None
        self.disk = ZoneFile(self.zones_path, self.zone_bytes, 0)
        self._did = did
        self.discrete_of = discrete_of
        self.node_did = array("i", [did(d) for d, _z in states])
        self.hot = states  # the nodes since the last eviction: their pairs, and back
        self.hot_ids = ids
        self.runs: list[tuple[array, array]] = []  # sorted hashes, and their nodes
        self.ids = SpilledIds(self)
        self.evictions = 0
        self.bytes_written = 0
        self.evict()

    @property
    def on_disk(self) -> int:
        """Nodes 0 .. on_disk - 1 have their zone in the file."""
        return len(self.disk)

    def __len__(self) -> int:
        return len(self.disk) + len(self.hot)

    def __getitem__(self, node: int) -> tuple[int, bytes]:
        on_disk = len(self.disk)
        if node >= on_disk:
            return self.hot[node - on_disk]
        if node < 0:
            raise IndexError(f"node {node} out of range")
        return self.discrete_of[self.node_did[node]], self.disk[node]

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        disk, size = self.disk, self.zone_bytes
        discrete_of, node_did = self.discrete_of, self.node_did
        for start in range(0, len(disk), _BLOCK):
            stop = min(len(disk), start + _BLOCK)
            blob = disk[start:stop]
            for k in range(stop - start):
                yield discrete_of[node_did[start + k]], blob[k * size:(k + 1) * size]
        yield from self.hot

    def append(self, state: tuple[int, bytes]) -> None:
        """A new node's pair (StateGraph.add_node; `ids` is told its number next)."""
        self.node_did.append(self._did(state[0]))
        self.hot.append(state)

    def find(self, state: tuple[int, bytes]) -> int:
        """The node of a pair (discrete state, zone), or -1."""
        node = self.hot_ids.get(state)
        if node is not None:
            return node
        h = _key_hash(state)
        d, z = state
        disk, discrete_of, node_did = self.disk, self.discrete_of, self.node_did
        for hashes, nodes in self.runs:
            k = bisect_left(hashes, h)
            while k < len(hashes) and hashes[k] == h:
                node = nodes[k]
                if discrete_of[node_did[node]] == d and disk[node] == z:
                    return node
                k += 1
        return -1

    @property
    def holds(self) -> int:
        """Nodes since the last eviction (0: an eviction frees nothing)."""
        return len(self.hot)

    @property
    def nbytes(self) -> int:
        """Memory held by the tables (the new nodes' pairs and the zones on disk not
        counted)."""
        runs = sum(h.itemsize * len(h) + v.itemsize * len(v) for h, v in self.runs)
        return self.node_did.itemsize * len(self.node_did) + runs

    def evict(self) -> int:
        """Write the zones of the nodes added since the last eviction to disk and their
        hashes to a run; the bytes written."""
        hot, base = self.hot, len(self.disk)
        written = 0
        try:
            for start in range(0, len(hot), _BLOCK):
                blob = b"".join(z for _d, z in hot[start:start + _BLOCK])
                self._zones_out.write(blob)
                written += len(blob)
            self._zones_out.flush()
        except OSError as err:
            raise _write_error(self.zones_path, err) from None
        if hot:
            hashes = array("q", map(_key_hash, hot))
            order = sorted(range(len(hot)), key=hashes.__getitem__)
            self.runs.append((array("q", [hashes[k] for k in order]),
                              array("i", [base + k for k in order])))
            runs = self.runs
            while len(runs) >= 2 and len(runs[-2][0]) <= 2 * len(runs[-1][0]):
                newer, older = runs.pop(), runs.pop()
                hashes, nodes = older[0] + newer[0], older[1] + newer[1]
                order = sorted(range(len(hashes)), key=hashes.__getitem__)
                runs.append((array("q", [hashes[k] for k in order]),
                             array("i", [nodes[k] for k in order])))
        self.disk = ZoneFile(self.zones_path, self.zone_bytes, base + len(hot))
        self.hot = []
        self.hot_ids = {}
        self.evictions += 1
        self.bytes_written += written
        return written

    def close(self) -> None:
        self._zones_out.close()
        self.dir.cleanup()


class SpilledIds:
    """StateGraph.ids of a spilled graph: a pair's node (SpilledGraphNodes.find)."""

    def __init__(self, nodes: SpilledGraphNodes):
        self._nodes = nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def get(self, state: tuple[int, bytes], default: Any = None) -> Any:
        node = self._nodes.find(state)
        return default if node < 0 else node

    def __getitem__(self, state: tuple[int, bytes]) -> int:
        node = self._nodes.find(state)
        if node < 0:
            raise KeyError(state)
        return node

    def __contains__(self, state: object) -> bool:
        return isinstance(state, tuple) and self._nodes.find(state) >= 0

    def __setitem__(self, state: tuple[int, bytes], node: int) -> None:
        """A new node (after SpilledGraphNodes.append: the last one)."""
        nodes = self._nodes
        if node != len(nodes) - 1 or nodes.hot[-1] != state:
            raise ValueError("a spilled graph numbers its nodes in order: add the node first")
        nodes.hot_ids[state] = node


class ZoneFile(DiskArray):
    """The zones of a DiskArray of `zone_bytes` each, as the kernel's bytes: an index reads
    one zone, a slice the run of them in one bytes object."""

    def __init__(self, path: str, zone_bytes: int, length: int):  # the base's, no dtype
        self._open(path, zone_bytes, length)

    def _decode(self, data: bytes) -> bytes:  # type: ignore[override]
        return data

    def __getitem__(self, key: int | slice) -> bytes:  # type: ignore[override]
        if isinstance(key, slice):
            return super().__getitem__(key)  # type: ignore[return-value]
        index = key + self.length if key < 0 else key
        if not 0 <= index < self.length:
            raise IndexError(key)
        return self._read(index, index + 1)  # type: ignore[return-value]


class IntDiskArray(DiskArray):
    """A DiskArray of int32 read into the array module's arrays, not numpy's: the zone
    spill does not load numpy (9 MB of resident memory, which the first eviction would
    add to the very peak it is there to lower)."""

    def __init__(self, path: str, length: int):  # the base's, without np.dtype
        self._open(path, 4, length)

    def _decode(self, data: bytes) -> array:  # type: ignore[override]
        out = array("i")
        out.frombytes(data)
        return out

    def __getitem__(self, key: int | slice) -> Any:  # an int, or an int32 array (a run)
        return super().__getitem__(key)


class SpilledColumn:
    """An int32 column that only grows (each node's parent or entry, a BFS level): the
    numbers up to the last eviction in a file (`disk`, an IntDiskArray), the rest in memory
    (`tail`). `values` are its first numbers, written out at once; a `temporary` column
    (a level) removes its file when it is dropped."""

    def __init__(self, directory: str, name: str, values: Iterable[int] = (),
                 temporary: bool = False):
        self.path = os.path.join(directory, name)
        try:
            open(self.path, "wb").close()
        except OSError as err:
            raise _write_error(self.path, err) from None
        if temporary:
            weakref.finalize(self, _unlink, self.path)
        self.disk = IntDiskArray(self.path, 0)
        self.tail = array("i")
        self.bytes_written = 0
        values = iter(values)
        while True:
            chunk = array("i", itertools.islice(values, _CHUNK))
            if not chunk:
                break
            self.tail = chunk
            self.evict()

    @property
    def on_disk(self) -> int:
        return len(self.disk)

    def __len__(self) -> int:
        return len(self.disk) + len(self.tail)

    def append(self, value: int) -> None:
        self.tail.append(value)

    @overload
    def __getitem__(self, key: int) -> int: ...

    @overload
    def __getitem__(self, key: slice) -> array: ...

    def __getitem__(self, key: int | slice) -> int | array:
        on_disk = len(self.disk)
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step != 1:
                raise ValueError("a spilled column is read in runs, without a step")
            stop = max(start, stop)
            head = self.disk[min(start, on_disk):min(stop, on_disk)]
            return head + self.tail[max(0, start - on_disk):max(0, stop - on_disk)]
        index = key + len(self) if key < 0 else key
        if index < 0:
            raise IndexError(key)
        if index < on_disk:
            return int(self.disk[index])
        return self.tail[index - on_disk]

    def __iter__(self) -> Iterator[int]:
        disk = self.disk
        for start in range(0, len(disk), _CHUNK):
            yield from disk[start:min(len(disk), start + _CHUNK)].tolist()
        yield from self.tail

    @property
    def nbytes(self) -> int:
        """Memory held by the numbers (the tail: those on disk not counted)."""
        return self.tail.itemsize * len(self.tail)

    def evict(self) -> int:
        """Append the tail to the file, and start an empty one; the bytes written."""
        tail = self.tail
        if not tail:
            return 0
        try:
            with open(self.path, "ab") as out:
                out.write(tail.tobytes())
        except OSError as err:
            raise _write_error(self.path, err) from None
        self.disk = IntDiskArray(self.path, len(self.disk) + len(tail))
        self.tail = array("i")
        self.bytes_written += tail.itemsize * len(tail)
        return tail.itemsize * len(tail)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


class ZoneSpill:
    """What a zone search has moved to disk (module docstring): its passed list (`zones`,
    which takes over the search's store) or, for the exact zone graph, the graph's nodes
    (`zones` a SpilledGraphNodes, which takes over its states and ids), each node's parent
    and entry, and its BFS levels. Made from the search's `nodes`, whose store (or graph's
    states and ids), parent and entry the caller then replaces with `zones` (its `ids`),
    `parent` and `entry`."""

    def __init__(self, nodes: ZoneNodes, directory: str | None):
        graph = nodes.graph
        self.zones: SpilledZones | SpilledGraphNodes
        if graph is None:
            self.zones = SpilledZones(nodes.store, len(nodes.discrete_of), directory)
        else:
            assert isinstance(graph.states, list)  # the exact graph's (pair) nodes
            self.zones = SpilledGraphNodes(graph.states, graph.ids, nodes.did,
                                           nodes.discrete_of, nodes.zc.n, directory)
        self.first = len(nodes.parent)  # nodes at the first eviction
        where = self.zones.dir.name
        self.parent = SpilledColumn(where, "parent", nodes.parent)
        self.entry = SpilledColumn(where, "entry", nodes.entry)
        self.building: SpilledColumn | None = None  # the level the search appends to
        self.levels = 0  # level files made (their names)
        self.level_bytes = 0  # written to level files, levels dropped since included

    def level(self, values: Iterable[int] = ()) -> SpilledColumn:
        """A new BFS level, starting with `values` (written to disk), that later
        evictions write out as it grows."""
        if self.building is not None:
            self.level_bytes += self.building.bytes_written
        self.levels += 1
        self.building = SpilledColumn(self.zones.dir.name, f"level-{self.levels}", values,
                                      temporary=True)
        return self.building

    @property
    def holds(self) -> bool:
        """Whether an eviction would free anything."""
        building = self.building
        return bool(self.zones.holds or self.parent.tail or self.entry.tail or
                    (building is not None and building.tail))

    def evict(self) -> int:
        """Write out what has been added since the last eviction; the bytes written."""
        written = self.zones.evict() + self.parent.evict() + self.entry.evict()
        if self.building is not None:
            written += self.building.evict()
        return written

    @property
    def evictions(self) -> int:
        return self.zones.evictions

    @property
    def bytes_written(self) -> int:
        building = 0 if self.building is None else self.building.bytes_written
        return (self.zones.bytes_written + self.parent.bytes_written +
                self.entry.bytes_written + self.level_bytes + building)



def _fixed_mmap_threshold() -> None:
    """Have glibc's malloc map the kernel store's arena chunks (100 KB and more) on their
    own, so that freeing an evicted store gives its memory back to the system: by default
    the threshold rises to the size of the first mapped block freed, and later chunks come
    from the heap, which is not given back (measured: without this, an eviction did not
    lower the resident size at all)."""
    glibc = libc()
    if glibc is not None:
        try:
            glibc.mallopt(-3, 64 * 1024)  # M_MMAP_THRESHOLD
        except AttributeError:
            pass


def evict_zones(job: Job, nodes: ZoneNodes, cap: float,
                rebind: Callable[[], None] | None = None) -> float:
    """Memory is over `cap`: move the search's zones, parent links and levels to disk (the
    first time: `nodes.spill` is made, its store (the exact graph: its nodes), parent and
    entry columns replace the search's, and `rebind` lets the search drop its own
    references to the old ones and move the level it builds to disk) or evict what was
    added since; the cap that applies from then on: the limit, or a quarter of it above what the process holds
    after the eviction, whichever is higher (with nothing to free, the cap as it was: the
    search then stops, MEMORY, unless memory fell meanwhile)."""
    budget = job.budget
    before = budget.memory()
    spill = nodes.spill
    first = spill is None
    if spill is None:
        _fixed_mmap_threshold()
        spill = nodes.spill = ZoneSpill(nodes, job.options.spill_dir)
        zones = spill.zones
        if isinstance(zones, SpilledGraphNodes):
            assert nodes.graph is not None
            nodes.graph.states, nodes.graph.ids = zones, zones.ids  # type: ignore[assignment]
        else:
            nodes.store = zones
        nodes.parent, nodes.entry = spill.parent, spill.entry
        if rebind is not None:
            rebind()  # the old store and arrays are freed now
    elif not spill.holds:
        return cap  # nothing to free: the search stops unless memory fell meanwhile
    else:
        spill.evict()
    trim_memory()
    after = budget.memory()
    if first:
        budget.spills.append((job.phase, len(spill.zones), before, after))
    budget.spilled[job.phase] = (spill.evictions, spill.bytes_written / 2**20)
    limit = budget.memory_cap
    return max(limit, after + limit / 4)
