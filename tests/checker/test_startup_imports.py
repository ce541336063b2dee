"""What a run loads before its first state: numpy only where the run uses it. The explicit
engine's compact store and vector code need it; a zone check (its DBMs are the native
kernel's int32 matrices in `array`s) never does, and numpy's import is about a third of a
small zone check's start-up (docs/performance.md, "Start-up")."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# numpy has run its __init__ when one of its submodules is loaded (a lazy module of the
# name alone, model/lazy.py, has not)
PROGRAM = """\
import sys
from checker.cli import main
out = sys.argv.pop(1)
main(sys.argv[1:] + ["--out", out])
print("numpy", any(name.startswith("numpy.") for name in sys.modules))
"""


def _numpy_loaded(tmp_path, *args: str) -> bool:  # noqa: ANN001
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", PROGRAM, str(tmp_path / "out"), "check", *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last in ("numpy True", "numpy False"), done.stdout
    return last == "numpy True"


@pytest.mark.parametrize("spec", ["bench/fischer_tchecker.tock", "specs/timed/train_gate.tock"])
def test_a_zone_check_does_not_load_numpy(tmp_path, spec: str) -> None:  # noqa: ANN001
    args = [spec, "--set", "N=3"] if "fischer" in spec else [spec]
    assert not _numpy_loaded(tmp_path, *args)


def test_an_explicit_check_does(tmp_path) -> None:  # noqa: ANN001
    assert _numpy_loaded(tmp_path, "specs/conformance/increment.tock")


# standard modules only some runs need: --workers (multiprocessing), a spill (ctypes, for
# malloc_trim), a report file or checkpoint (tempfile), an internal error (traceback), a JSON
# report or checkpoint (json), a "did you mean" (difflib); pathlib (with urllib.parse and
# ipaddress) none: together ~15 ms of every start-up. (A run that parses imports lark, which
# loads tempfile and traceback; numpy loads ctypes.)
ONLY_SOME = ("multiprocessing", "ctypes", "tempfile", "traceback", "pathlib", "json", "difflib")
# (a lazy module not run yet is in sys.modules as a subclass of ModuleType: model/lazy.py)
PLAIN = f"""\
import sys, types
from checker.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
run = [name for name in {ONLY_SOME!r} if type(sys.modules.get(name)) is types.ModuleType]
print("loaded", *sorted(run))
"""


@pytest.mark.parametrize("args, numpy", [(["specs/conformance/increment.tock"], True),
                                         (["bench/fischer_tchecker.tock", "--set", "N=3"], False)])
def test_a_check_from_the_cache_loads_no_module_only_some_runs_need(
        tmp_path, args: list[str], numpy: bool) -> None:  # noqa: ANN001
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for _ in range(2):  # the first run parses (lark) and fills the cache; the second reads it
        done = subprocess.run([sys.executable, "-c", PLAIN, "check", *args], capture_output=True,
                              text=True, env=env, cwd=ROOT, timeout=300)
    last = done.stdout.strip().splitlines()[-1]
    assert last == ("loaded ctypes" if numpy else "loaded"), (last, done.stderr)
