"""Where the explicit-state engines keep the states they have seen.

*DictStore*: a dict from each state to its parent state, insertion-ordered (BFS discovery
order). Any state width; about 100 bytes per state.

*LevelStore*: each BFS level as a numpy array of packed states in discovery order, with
each state's parent as an index into the previous level, plus one sorted array of every
state for duplicate detection: 20 bytes per state. States must fit in 64 bits. Traces are
rebuilt by following parent indices back to level 0. When memory runs out, `spill()` moves
the levels and the sorted array to disk (checker.engine.spill): the levels become
DiskArrays and the sorted array sorted runs, one more per level added after.

Both answer the same questions: how many states, every state in discovery order, the path
from an initial state to a state, and its parent (for small graphs).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any, Protocol

import numpy as np

from .spill import SortedRuns, SpillError, contains, write_disk_array

__all__ = ["Store", "DictStore", "LevelStore", "ROOT", "contains"]

ROOT = -1


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
    """BFS levels as arrays (see the module docstring)."""

    def __init__(self, initial: list[int]):
        first = np.array(initial, dtype=np.uint64)
        # numpy arrays, or DiskArrays once spilled
        self.levels: list[Any] = [first]
        self.parents: list[Any] = [np.full(len(first), -1, dtype=np.int32)]
        self.visited = np.sort(first)
        self.where: dict[int, tuple[int, int]] = {}  # findings: state -> (level, index)
        self.count = len(first)
        self.runs: SortedRuns | None = None  # the visited set once spilled to disk
        self.spill_dir: tempfile.TemporaryDirectory[str] | None = None

    def __len__(self) -> int:
        return self.count

    @property
    def spilled(self) -> bool:
        return self.runs is not None

    def seen(self, values: np.ndarray) -> np.ndarray:
        """Which of `values` (sorted, without duplicates) were seen before."""
        if self.runs is not None:
            return self.runs.seen(values)
        return contains(self.visited, values)

    def spill(self, directory: str | None = None) -> None:
        """Move every level and the visited set to files in a new temporary directory
        under `directory` (None: the system's), removed when the store is."""
        if self.runs is not None:
            return
        try:
            self.spill_dir = tempfile.TemporaryDirectory(prefix="tock-spill-", dir=directory)
        except OSError as err:
            where = directory or "the temporary directory"
            raise SpillError(f"cannot make a spill directory in {where}: "
                             f"{err.strerror}") from None
        where = self.spill_dir.name
        self.levels = [write_disk_array(where, f"level-{k}", a) if isinstance(a, np.ndarray)
                       else a for k, a in enumerate(self.levels)]
        self.parents = [write_disk_array(where, f"parents-{k}", a)
                        if isinstance(a, np.ndarray) else a for k, a in enumerate(self.parents)]
        self.runs = SortedRuns(where)
        self.runs.add(self.visited)
        self.visited = np.empty(0, dtype=np.uint64)

    def states(self) -> Iterator[int]:
        for level in self.levels:
            for start in range(0, len(level), 65536):
                yield from level[start:start + 65536].tolist()

    def add_level(self, states: np.ndarray, parents: np.ndarray, sorted_states: np.ndarray
                  ) -> None:
        self.count += len(states)
        if self.runs is not None and self.spill_dir is not None:
            k = len(self.levels)
            where = self.spill_dir.name
            self.levels.append(write_disk_array(where, f"level-{k}", states))
            self.parents.append(write_disk_array(where, f"parents-{k}", parents))
            self.runs.add(sorted_states)
            return
        self.levels.append(states)
        self.parents.append(parents)
        merged = np.concatenate((self.visited, sorted_states))
        merged.sort(kind="stable")  # two sorted runs: a linear merge
        self.visited = merged

    def remember(self, level: int, index: int) -> int:
        """The state at (level, index), noted so that path() can find it."""
        state = int(self.levels[level][index])
        self.where.setdefault(state, (level, index))
        return state

    def path(self, state: int) -> list[int]:
        level, index = self.where[state]
        path = []
        while level >= 0:
            path.append(int(self.levels[level][index]))
            index = int(self.parents[level][index])
            level -= 1
        path.reverse()
        return path

    def parent_map(self) -> dict[int, int]:
        """State -> parent state for every state (for small graphs only)."""
        out: dict[int, int] = {}
        previous: list[int] = []
        for states, parents in zip(self.levels, self.parents):
            current = states.tolist()
            for s, p in zip(current, parents.tolist()):
                out[s] = previous[p] if p >= 0 else ROOT
            previous = current
        return out

