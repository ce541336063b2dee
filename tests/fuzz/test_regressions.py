"""Every bug the fuzzer found, as a minimal input in tests/fuzz/regressions/: each file says
what it used to do, the command, and the exit code (and error code, if any) it must give now. Each
runs in an isolated, time-limited worker, so a regression that hangs fails instead."""

from __future__ import annotations

import glob
import os
import re

import pytest

from tests.fuzz.driver import Limits, prepare, run_case
from tests.fuzz.mutate import VICTIM, VICTIM_TEXT, Case

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = sorted(glob.glob(os.path.join(HERE, "regressions", "*.tock")))


def _header(data: bytes, key: bytes) -> str:
    match = re.search(rb"// " + key + rb": ([^\r\n]*)", data)
    assert match, f"no '// {key.decode()}:' line"
    return match.group(1).decode("utf-8")


@pytest.mark.parametrize("path", CASES, ids=lambda p: os.path.basename(p)[:-5])
def test_fuzz_regression(path: str) -> None:
    with open(path, "rb") as handle:
        data = handle.read()
    argv = tuple("spec.tock" if a == "SPEC" else a for a in _header(data, b"argv").split(" "))
    exit_code, *code = _header(data, b"expect").split()
    prepare()
    case = Case(0, os.path.relpath(path), "spec.tock", data, argv + ("--debug",),
                (("dir", "outside", b""), ("file", VICTIM, VICTIM_TEXT)))
    # CPU seconds before it counts as a hang: the fuzzer's own limit where a regression is
    # about speed (`// seconds: 10`), else a margin for a busy machine
    limit = re.search(rb"// seconds: ([0-9.]+)", data)
    outcome, verdict = run_case(case, Limits(seconds=float(limit.group(1)) if limit else 20))
    assert not verdict.failed, f"{verdict.signature} {verdict.detail}\n{outcome.stderr[-3000:]}"
    assert outcome.exit == int(exit_code), outcome.stderr[-3000:]
    for c in code:  # a diagnostic on stderr, or a run-time error in the report
        assert f"error[{c}]" in outcome.stderr + outcome.stdout, outcome.stderr[-3000:]
