"""Where the explicit-state engines keep the states they have seen.

*DictStore*: a dict from each state to its parent state, insertion-ordered (BFS discovery
order). Any state width; about 100 bytes per state.

*LevelStore*: each BFS level as a numpy array of packed states in discovery order, with
each state's parent as an index into the previous level, plus the visited set as a few
sorted arrays for duplicate detection: 4 bytes per state plus twice the state's own width
(20 bytes for a state of at most 64 bits). A *Packing* says how a state lives in an array:
one uint64 up to 64 bits, otherwise several 64-bit words as one fixed-width item (below).
Traces are rebuilt by following parent indices back to level 0. When memory runs out,
`spill()` moves the levels and the sorted arrays to disk (checker.engine.spill): the levels
become DiskArrays and the visited set sorted runs, one more per level added after.

The visited set in memory is *tiered* (a log-structured merge): each level's new states
join as one sorted run, and a run is merged with the one before it while that one is at
most twice its size, so there are O(log n) runs of geometrically growing size and a state
is copied O(log n) times in all, where one sorted array re-copied at every level copies
the whole set once per level. Membership is a binary search in each run.

Both answer the same questions: how many states, every state in discovery order, the path
from an initial state to a state, and its parent (for small graphs).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from model import lazy_module

from .spill import SortedRuns, contains, spill_directory, write_disk_array

if TYPE_CHECKING:
    import tempfile

    import numpy as np
else:
    np = lazy_module("numpy")  # loaded on first use: a zone check never needs numpy

__all__ = ["Store", "DictStore", "LevelStore", "Packing", "ROOT", "contains"]

ROOT = -1


class Packing:
    """How the compact store keeps packed states of `width` bits in numpy arrays.

    Up to 64 bits a state is one uint64. Wider, it is `words` 64-bit words, the most
    significant first, each big-endian, held as one fixed-width item of dtype `V{8*words}`
    (np.void): numpy sorts, deduplicates (np.unique), searches (np.searchsorted) and
    compares such items as wholes, in memcmp order, which for this layout is the order of
    the numbers. `columns()` gives the same states as an (n, words) uint64 array and
    `from_columns()` takes one back (for array code that works a word at a time)."""

    def __init__(self, width: int):
        self.width = width
        self.words = max(1, -(-width // 64))
        self.wide = self.words > 1
        self.itemsize = 8 * self.words

    @cached_property
    def dtype(self) -> np.dtype:
        """The dtype of one state (made on first use, so that importing the store, as the
        zone engine does for ROOT, does not load numpy)."""
        return np.dtype(f"V{self.itemsize}") if self.wide else np.dtype(np.uint64)

    @cached_property
    def _mix(self) -> np.ndarray:
        """Odd multipliers of keys(), one a word, the same in every run and process (made
        on first use: numpy.random takes ~10 ms to load, and narrow states never need it)."""
        return np.random.default_rng(0x70C4).integers(
            0, 2**63, size=self.words, dtype=np.uint64) * np.uint64(2) + np.uint64(1)

    def array(self, states: Sequence[int]) -> np.ndarray:
        """Packed states (ints) as an array."""
        if not self.wide:
            return np.array(states, dtype=np.uint64)
        size = self.itemsize
        return np.frombuffer(b"".join(s.to_bytes(size, "big") for s in states),
                             dtype=self.dtype)

    def from_bytes(self, data: bytes) -> np.ndarray:
        """The array whose raw bytes are `data` (a chunk sent to or from a worker)."""
        return np.frombuffer(data, dtype=self.dtype)

    def ints(self, states: np.ndarray) -> list[int]:
        """An array of states as ints."""
        if not self.wide:
            return states.tolist()
        data, size = states.tobytes(), self.itemsize
        return [int.from_bytes(data[k:k + size], "big") for k in range(0, len(data), size)]

    def bytes_ints(self, data: bytes) -> list[int]:
        """The states whose raw bytes are `data`, as ints."""
        if not self.wide:
            return np.frombuffer(data, dtype=np.uint64).tolist()
        size = self.itemsize
        return [int.from_bytes(data[k:k + size], "big") for k in range(0, len(data), size)]

    def ints_bytes(self, states: list[int]) -> bytes:
        """The raw bytes of `states` (ints) as an array of this packing."""
        if not self.wide:
            return np.array(states, dtype=np.uint64).tobytes()
        size = self.itemsize
        return b"".join(s.to_bytes(size, "big") for s in states)

    def one(self, item: Any) -> int:
        """One element of an array (a uint64 or an np.void) as an int."""
        if not self.wide:
            return int(item)
        return int.from_bytes(item.tobytes(), "big")

    def empty(self) -> np.ndarray:
        return np.empty(0, dtype=self.dtype)

    def keys(self, states: np.ndarray) -> np.ndarray:
        """A 64-bit hash of each wide state (a fixed random linear form of its words mod
        2**64, then splitmix64's finaliser): what the visited set sorts and searches, so
        that it holds 16 bytes a state rather than a second copy of the state. Equal
        states have equal keys; two states with one key are told apart by comparing them."""
        out = np.empty(len(states), dtype=np.uint64)
        flat = np.ascontiguousarray(states).view(np.uint64).reshape(len(states), self.words)
        for start in range(0, len(states), 4096):  # bounds the (rows, words) product
            out[start:start + 4096] = (flat[start:start + 4096] * self._mix).sum(
                axis=1, dtype=np.uint64)
        out ^= out >> np.uint64(30)
        out *= np.uint64(0xBF58476D1CE4E5B9)
        out ^= out >> np.uint64(27)
        out *= np.uint64(0x94D049BB133111EB)
        out ^= out >> np.uint64(31)
        return out

    def columns(self, states: np.ndarray) -> np.ndarray:
        """The states as an (n, words) uint64 array, column 0 the most significant word."""
        if not self.wide:
            return states.reshape(len(states), 1)
        return np.ascontiguousarray(states).view(">u8").reshape(len(states), self.words) \
            .astype(np.uint64)

    def from_columns(self, columns: np.ndarray) -> np.ndarray:
        """The inverse of columns(): an (n, words) uint64 array as states."""
        if not self.wide:
            return np.ascontiguousarray(columns[:, 0], dtype=np.uint64)
        return np.ascontiguousarray(columns, dtype=">u8").view(self.dtype).reshape(len(columns))


NARROW = Packing(64)


class Store(Protocol):
    """What an explicit-state store answers (the tracer, the graph and liveness ask)."""

    def __len__(self) -> int: ...
    def states(self) -> Iterator[int]: ...
    def path(self, state: int) -> list[int]: ...
    def parent_map(self) -> dict[int, int]: ...


class DictStore:
    def __init__(self, parent: dict[int, int]):
        self.parent = parent

    def __len__(self) -> int:
        return len(self.parent)

    def states(self) -> Iterator[int]:
        return iter(self.parent)

    def path(self, state: int) -> list[int]:
        path = [state]
        while True:
            prev = self.parent[path[-1]]
            if prev == ROOT:
                break
            path.append(prev)
        path.reverse()
        return path

    def parent_map(self) -> dict[int, int]:
        return self.parent


class LevelStore:
    """BFS levels as arrays (see the module docstring). The API the searches use:
    `seen()` and `add_level()` while searching, `remember()` for a finding, `spill()` at the
    memory limit, `load()` from a checkpoint; states(), path() and parent_map() after."""

    def __init__(self, initial: list[int], packing: Packing = NARROW):
        self.packing = packing
        first = packing.array(initial)
        # numpy arrays, or DiskArrays once spilled
        self.levels: list[Any] = [first]
        self.parents: list[Any] = [np.full(len(first), -1, dtype=np.int32)]
        self.starts: list[int] = [0]  # each level's first state's number
        # the visited set in memory: sorted runs of keys, each with its states' numbers
        # (wide states: the keys are hashes) or without (up to 64 bits: the states)
        self.tiers: list[tuple[np.ndarray, np.ndarray | None]] = []
        self.where: dict[int, tuple[int, int]] = {}  # findings: state -> (level, index)
        self.count = 0
        self.runs: SortedRuns | None = None  # the visited set once spilled to disk
        self.spill_dir: tempfile.TemporaryDirectory[str] | None = None
        self._tier(first, 0)
        self.count = len(first)

    def __len__(self) -> int:
        return self.count

    @property
    def spilled(self) -> bool:
        return self.runs is not None

    def seen(self, values: np.ndarray) -> np.ndarray:
        """Which of `values` (sorted, without duplicates) were seen before."""
        if self.runs is not None:
            return self.runs.seen(values)
        wide = self.packing.wide
        keys = self.packing.keys(values) if wide else values
        # newest run first: most successors were found a level or two ago, so few are
        # left to look for in the large old runs
        out = np.zeros(len(values), dtype=bool)
        left = np.arange(len(values))
        for run, ids in reversed(self.tiers):
            if not len(left):
                break
            if ids is None:
                found = contains(run, keys[left])
            else:
                found = self._match(run, ids, keys[left], values[left])
            out[left[found]] = True
            left = left[~found]
        return out

    def _match(self, run: np.ndarray, ids: np.ndarray, keys: np.ndarray,
               values: np.ndarray) -> np.ndarray:
        """Which `values` (with their `keys`) a run of hashed keys holds: each candidate
        with an equal key is compared whole, the next one tried while the keys match."""
        found = np.zeros(len(values), dtype=bool)
        pos = np.searchsorted(run, keys, "left")
        while True:
            live = np.flatnonzero(~found & (pos < len(run)))
            live = live[run[pos[live]] == keys[live]]
            if not len(live):
                return found
            same = self._fetch(ids[pos[live]]) == values[live]
            found[live[same]] = True
            pos[live] += 1

    def _fetch(self, ids: np.ndarray) -> np.ndarray:
        """The states numbered `ids` (in memory)."""
        starts = np.array(self.starts, dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        ordered = ids[order]
        bounds = np.searchsorted(ordered, starts).tolist() + [len(ids)]  # each level's part
        out = np.empty(len(ids), dtype=self.packing.dtype)
        for level, (lo, hi) in enumerate(zip(bounds, bounds[1:])):
            if lo < hi:
                out[order[lo:hi]] = self.levels[level][ordered[lo:hi] - starts[level]]
        return out

    def _tier(self, states: np.ndarray, first: int, ordered: np.ndarray | None = None) -> None:
        """Add states numbered from `first` (`ordered`: the same, sorted, if known) to the
        visited set as a new run, and merge the runs while the one before the newest is at
        most twice its size."""
        tiers = self.tiers
        if self.packing.wide:
            keys = self.packing.keys(states)
            order = np.argsort(keys, kind="stable")
            tiers.append((keys[order], np.arange(first, first + len(states),
                                                 dtype=np.int64)[order]))
        else:
            tiers.append((np.sort(states) if ordered is None else ordered, None))
        while len(tiers) >= 2 and len(tiers[-2][0]) <= 2 * len(tiers[-1][0]):
            (new, new_ids), (old, old_ids) = tiers.pop(), tiers.pop()
            merged = np.concatenate((old, new))
            if old_ids is None or new_ids is None:
                merged.sort(kind="stable")  # two sorted runs: a linear merge
                tiers.append((merged, None))
            else:
                order = np.argsort(merged, kind="stable")
                tiers.append((merged[order], np.concatenate((old_ids, new_ids))[order]))

    def visited(self) -> np.ndarray:
        """Every state seen, sorted (one array: for checks and tests)."""
        if self.runs is not None:
            return self.runs.values()
        if not self.packing.wide and len(self.tiers) == 1:
            return self.tiers[0][0]
        return np.sort(np.concatenate(self.levels))

    def spill(self, directory: str | None = None) -> None:
        """Move every level and the visited set to files in a new temporary directory
        under `directory` (None: the system's), removed when the store is. On disk the
        visited set is sorted runs of the states themselves (checker.engine.spill)."""
        if self.runs is not None:
            return
        self.spill_dir = spill_directory(directory)
        where = self.spill_dir.name
        runs = SortedRuns(where, self.packing.dtype)
        if self.packing.wide:
            runs.add(self.visited())
        else:
            for run, _ in self.tiers:  # oldest (largest) first, as SortedRuns keeps them
                runs.add(run)
        self.levels = [write_disk_array(where, f"level-{k}", a) if isinstance(a, np.ndarray)
                       else a for k, a in enumerate(self.levels)]
        self.parents = [write_disk_array(where, f"parents-{k}", a)
                        if isinstance(a, np.ndarray) else a for k, a in enumerate(self.parents)]
        self.runs = runs
        self.tiers = []

    def states(self) -> Iterator[int]:
        ints = self.packing.ints
        for level in self.levels:
            for start in range(0, len(level), 65536):
                yield from ints(level[start:start + 65536])

    def add_level(self, states: np.ndarray, parents: np.ndarray, sorted_states: np.ndarray
                  ) -> None:
        """The next level: its states in discovery order, each one's parent (an index into
        the level before) and the same states sorted; none of them seen before."""
        first = self.count
        self.count += len(states)
        self.starts.append(first)
        if self.runs is not None and self.spill_dir is not None:
            k = len(self.levels)
            where = self.spill_dir.name
            self.levels.append(write_disk_array(where, f"level-{k}", states))
            self.parents.append(write_disk_array(where, f"parents-{k}", parents))
            self.runs.add(sorted_states)
            return
        self.levels.append(states)
        self.parents.append(parents)
        self._tier(states, first, sorted_states)

    def load(self, levels: list[np.ndarray], parents: list[np.ndarray],
             where: dict[int, tuple[int, int]], visited: np.ndarray) -> None:
        """Replace the store's contents (a checkpoint's, checked by the caller): the
        levels, their parents, the findings' states and every state, sorted."""
        self.levels, self.parents, self.where = list(levels), list(parents), where
        self.starts = np.cumsum([0] + [len(a) for a in levels[:-1]]).tolist()
        self.count = len(visited)
        self.tiers = []
        if self.packing.wide:
            self._tier(np.concatenate(levels), 0)
        else:
            self.tiers = [(visited, None)]

    def remember(self, level: int, index: int) -> int:
        """The state at (level, index), noted so that path() can find it."""
        state = self.packing.one(self.levels[level][index])
        self.where.setdefault(state, (level, index))
        return state

    def path(self, state: int) -> list[int]:
        level, index = self.where[state]
        one = self.packing.one
        path = []
        while level >= 0:
            path.append(one(self.levels[level][index]))
            index = int(self.parents[level][index])
            level -= 1
        path.reverse()
        return path

    def parent_map(self) -> dict[int, int]:
        """State -> parent state for every state (for small graphs only)."""
        out: dict[int, int] = {}
        previous: list[int] = []
        for states, parents in zip(self.levels, self.parents):
            current = self.packing.ints(states[0:len(states)])
            for s, p in zip(current, parents[0:len(parents)].tolist()):
                out[s] = previous[p] if p >= 0 else ROOT
            previous = current
        return out
