"""A private on-disk cache for what every run would otherwise rebuild: the parser's tables
and the byte code of generated successor code (as CPython's own __pycache__ keeps the byte
code of modules). Everything lives in $XDG_CACHE_HOME/tock (~/.cache/tock), which is used
only when it is private to the user: nothing another user could write is ever loaded.
Entries are keyed by a hash of what they were built from and written under a temporary
name, then renamed, so a reader never sees half an entry; an entry that does not load is
ignored and rebuilt. `TOCK_NO_CACHE=1` turns the cache off."""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from types import CodeType

__all__ = ["private_folder", "compile_cached", "read_entry", "write_entry", "MAX_CODE_ENTRIES"]

MAX_CODE_ENTRIES = 4096  # past this, the older half of the byte-code entries is removed


def private_folder(sub: str = "") -> str | None:
    """The cache folder (or its subfolder `sub`), created private; None when it cannot
    be, when it is not owned by this user alone, or when TOCK_NO_CACHE is set."""
    if os.environ.get("TOCK_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "tock")
    try:
        for path in (folder, os.path.join(folder, sub)) if sub else (folder,):
            os.makedirs(path, mode=0o700, exist_ok=True)
            info = os.stat(path)
            if info.st_uid != os.getuid() or info.st_mode & 0o022:
                return None
    except OSError:
        return None
    return os.path.join(folder, sub) if sub else folder


def write_atomically(path: str, data: bytes) -> None:
    """`data` at `path`, written under a name of this process's own and renamed."""
    partial = f"{path}.{os.getpid()}.partial"
    try:
        with open(partial, "wb") as handle:
            handle.write(data)
        os.replace(partial, path)
    except OSError:
        try:
            os.remove(partial)
        except OSError:
            pass


def compile_cached(source: str, filename: str) -> CodeType:
    """compile(source, filename, "exec"), from the cache when this exact source was
    compiled before by this Python."""
    folder = private_folder("code")
    if folder is None:
        return compile(source, filename, "exec")
    key = hashlib.sha256(f"{sys.version}\0{filename}\0{source}".encode()).hexdigest()
    path = os.path.join(folder, key[:32])
    try:
        with open(path, "rb") as handle:
            code = marshal.loads(handle.read())
        if isinstance(code, CodeType) and code.co_filename == filename:
            return code
    except (OSError, ValueError, EOFError, TypeError):
        pass
    code = compile(source, filename, "exec")
    _prune(folder)
    write_atomically(path, marshal.dumps(code))
    return code


def read_entry(sub: str, key: str) -> bytes | None:
    """The bytes stored under `key` (a hex digest) in the cache's subfolder `sub`, or None
    (no cache, no such entry)."""
    folder = private_folder(sub)
    if folder is None:
        return None
    try:
        with open(os.path.join(folder, key[:32]), "rb") as handle:
            return handle.read()
    except OSError:
        return None


def write_entry(sub: str, key: str, data: bytes) -> None:
    """`data` stored under `key` in the subfolder `sub` (nothing when there is no private
    cache); past MAX_CODE_ENTRIES entries the older half goes first."""
    folder = private_folder(sub)
    if folder is not None:
        _prune(folder)
        write_atomically(os.path.join(folder, key[:32]), data)


def _prune(folder: str) -> None:
    try:
        names = os.listdir(folder)
        if len(names) < MAX_CODE_ENTRIES:
            return
        paths = sorted((os.path.join(folder, n) for n in names), key=os.path.getmtime)
        for path in paths[: len(paths) // 2]:
            os.remove(path)
    except OSError:
        pass
