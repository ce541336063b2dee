"""The compact store's states on disk, when memory runs out (docs/checkpoint.md, "Spill").

*DiskArray*: a read-only array of fixed-width numbers in a file, read with `pread` (no
memory map: what it reads is the process's own memory only while it is used, so the
resident size the budget watches stays the working set). It answers `len`, an index
(one number) and a slice (a numpy array), which is all the store and the search ask.

*SortedRuns*: the visited set as sorted runs on disk, one more per BFS level spilled. A
level's candidates, sorted and without duplicates, are checked against every run in one
sequential pass over it (the delayed duplicate detection of external-memory BFS): each
block of a run is read once, and only the candidates within its range are searched. Runs
are merged as they come (a run at most twice the size of the newest is merged with it, by
a streaming merge of the two files), so there are O(log n) of them, each checked once per
level.
"""

from __future__ import annotations

import gc
import os
import weakref
from typing import TYPE_CHECKING

from model import lazy_module

from ..errors import UsageError

if TYPE_CHECKING:
    import ctypes
    import tempfile

    import numpy as np
else:
    np = lazy_module("numpy")  # loaded on first use: a zone check never needs numpy
    # loaded on first use, as only a spill needs them: ~3 ms of every start-up
    ctypes = lazy_module("ctypes")
    tempfile = lazy_module("tempfile")

__all__ = ["DiskArray", "SortedRuns", "contains", "trim_memory", "write_disk_array", "BLOCK",
           "SpillError"]

BLOCK = 1 << 20  # numbers read from a run at a time (8 MB of states)

_LIBC: list[ctypes.CDLL | None] = []  # glibc, once loaded (libc())


def libc() -> ctypes.CDLL | None:
    """glibc, for malloc_trim and mallopt; None where it is not the C library (then freed
    memory goes back to the system when the allocator says)."""
    if not _LIBC:
        try:
            _LIBC.append(ctypes.CDLL("libc.so.6"))
        except OSError:
            _LIBC.append(None)
    return _LIBC[0]


def contains(sorted_array: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A boolean mask: which `values` occur in `sorted_array`."""
    if len(sorted_array) == 0:
        return np.zeros(len(values), dtype=bool)
    pos = np.searchsorted(sorted_array, values)
    pos[pos == len(sorted_array)] = len(sorted_array) - 1
    return sorted_array[pos] == values


def trim_memory() -> None:
    """Give freed memory back to the system (after a spill), so that the resident size
    the budget reads falls."""
    gc.collect()
    glibc = libc()
    if glibc is not None:
        try:
            glibc.malloc_trim(0)
        except AttributeError:
            pass


class DiskArray:
    """A read-only array in a file (see the module docstring)."""

    def __init__(self, path: str, dtype: np.dtype | str, length: int):
        self.dtype = np.dtype(dtype)
        self._open(path, self.dtype.itemsize, length)

    def _open(self, path: str, itemsize: int, length: int) -> None:
        self.path = path
        self.itemsize = itemsize
        self.length = length
        self.fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self.fd)

    def __len__(self) -> int:
        return self.length

    def _decode(self, data: bytes) -> np.ndarray:
        return np.frombuffer(data, dtype=self.dtype)

    def _read(self, start: int, stop: int) -> np.ndarray:
        size = self.itemsize
        data = os.pread(self.fd, (stop - start) * size, start * size)
        if len(data) != (stop - start) * size:
            raise OSError(f"{self.path}: short read (the spill file was changed)")
        return self._decode(data)

    def __getitem__(self, key: int | slice) -> np.ndarray:
        if isinstance(key, slice):
            start, stop, step = key.indices(self.length)
            if step != 1:
                raise ValueError("a DiskArray is read in runs, without a step")
            return self._read(start, max(start, stop))
        index = int(key)
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            raise IndexError(key)
        return self._read(index, index + 1)[0]

    def tolist(self) -> list[int]:
        out: list[int] = []
        for start in range(0, self.length, BLOCK):
            out.extend(self._read(start, min(self.length, start + BLOCK)).tolist())
        return out


def write_disk_array(directory: str, name: str, array: np.ndarray) -> DiskArray:
    """Write `array` to DIRECTORY/NAME and give it back as a DiskArray."""
    path = os.path.join(directory, name)
    try:
        with open(path, "wb") as out:
            for start in range(0, len(array), BLOCK):
                out.write(np.ascontiguousarray(array[start:start + BLOCK]).tobytes())
    except OSError as err:
        raise SpillError(f"cannot write the spill file {path}: {err.strerror} (free some "
                         "space, or point --spill-dir elsewhere)") from None
    return DiskArray(path, array.dtype, len(array))


class SpillError(UsageError):
    """The disk the store spills to refused a write."""


def spill_directory(directory: str | None) -> tempfile.TemporaryDirectory[str]:
    """A fresh temporary folder for one store's spill files, in `directory` (--spill-dir)
    or the system's temporary folder; a SpillError, not an OSError, when it cannot be made."""
    try:
        return tempfile.TemporaryDirectory(prefix="tock-spill-", dir=directory)
    except OSError as err:
        where = directory or "the temporary directory"
        raise SpillError(f"cannot make a spill directory in {where}: "
                         f"{err.strerror}") from None


class SortedRuns:
    """The visited set as sorted runs on disk (see the module docstring)."""

    def __init__(self, directory: str, dtype: np.dtype | None = None) -> None:
        self.directory = directory
        # uint64, or the np.void of wide states (store.Packing)
        self.dtype = np.dtype(np.uint64) if dtype is None else dtype
        self.runs: list[DiskArray] = []
        self.blocks_read = 0  # for the figures in docs/performance.md
        self.made = 0  # run files made (their names)

    def add(self, values: np.ndarray) -> None:
        """Add sorted states that no run holds yet."""
        if not len(values):
            return
        self.runs.append(self._file(values))
        while len(self.runs) >= 2 and len(self.runs[-2]) <= 2 * len(self.runs[-1]):
            newer = self.runs.pop()
            older = self.runs.pop()
            self.runs.append(self._merge(older, newer))
            for run in (older, newer):
                os.unlink(run.path)

    def _file(self, values: np.ndarray) -> DiskArray:
        self.made += 1
        return write_disk_array(self.directory, f"visited-{self.made}", values)

    def _merge(self, a: DiskArray, b: DiskArray) -> DiskArray:
        """One sorted run of two disjoint ones, block by block."""
        self.made += 1
        path = os.path.join(self.directory, f"visited-{self.made}")
        with open(path, "wb") as out:
            ia, ib = min(BLOCK, len(a)), min(BLOCK, len(b))
            bufa, bufb = a[0:ia], b[0:ib]
            while len(bufa) and len(bufb):
                # the smaller of the two blocks' last states (np.void has no min())
                limit = np.sort(np.concatenate((bufa[-1:], bufb[-1:])))[:1]
                ka = int(np.searchsorted(bufa, limit, "right")[0])
                kb = int(np.searchsorted(bufb, limit, "right")[0])
                merged = np.concatenate((bufa[:ka], bufb[:kb]))
                merged.sort()
                out.write(merged.tobytes())
                bufa, bufb = bufa[ka:], bufb[kb:]
                if not len(bufa) and ia < len(a):
                    bufa, ia = a[ia:ia + BLOCK], min(len(a), ia + BLOCK)
                if not len(bufb) and ib < len(b):
                    bufb, ib = b[ib:ib + BLOCK], min(len(b), ib + BLOCK)
            for buf, source, at in ((bufa, a, ia), (bufb, b, ib)):
                out.write(buf.tobytes())
                for start in range(at, len(source), BLOCK):
                    out.write(source[start:start + BLOCK].tobytes())
        return DiskArray(path, self.dtype, len(a) + len(b))

    def values(self) -> np.ndarray:
        """Every state of every run, sorted (for tests)."""
        if not self.runs:
            return np.empty(0, dtype=self.dtype)
        out = np.concatenate([r[0:len(r)] for r in self.runs])
        out.sort()
        return out

    def __len__(self) -> int:
        return sum(len(r) for r in self.runs)

    def seen(self, values: np.ndarray) -> np.ndarray:
        """Which of `values` (sorted, without duplicates) are in some run."""
        out = np.zeros(len(values), dtype=bool)
        if not len(values):
            return out
        for run in self.runs:
            for start in range(0, len(run), BLOCK):
                block = run[start:start + BLOCK]
                self.blocks_read += 1
                lo = int(np.searchsorted(values, block[:1], "left")[0])
                hi = int(np.searchsorted(values, block[-1:], "right")[0])
                if lo < hi:
                    out[lo:hi] |= contains(block, values[lo:hi])
        return out
