"""Diagnostic goldens: one bad spec per error code in tests/golden/diagnostics. Each must
exit 2, print its code, point at file:line:col with carets, and match the golden text.
Regenerate with `pytest --update-golden` and review the diff."""

from __future__ import annotations

import glob
import os
import re

import pytest

from checker.cli import main
from model import CODES

GOLDEN = "tests/golden/diagnostics"
CASES = sorted(glob.glob(f"{GOLDEN}/E*.tock"))


def _args(path: str) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        first = handle.readline()
    match = re.match(r"// args: (.*)", first)
    return [a for item in match.group(1).split() for a in ("--set", item)] if match else []


@pytest.mark.parametrize("path", CASES, ids=lambda p: os.path.basename(p)[:-5])
def test_diagnostic_golden(path: str, capsys: pytest.CaptureFixture[str],
                           update_golden: bool) -> None:
    code = os.path.basename(path)[:4]
    exit_code = main(["check", path, *_args(path)])
    out, err = capsys.readouterr()
    assert exit_code == 2
    assert out == ""
    assert f"error[{code}]" in err
    assert "Traceback" not in err
    expected_path = path[:-5] + ".expected"
    if update_golden:
        with open(expected_path, "w", encoding="utf-8") as handle:
            handle.write(err)
    with open(expected_path, encoding="utf-8") as handle:
        assert err == handle.read()


def test_every_static_code_has_a_golden() -> None:
    covered = {os.path.basename(p)[:4] for p in CASES}
    static = {c for c in CODES if not c.startswith("E5")}
    assert static <= covered, f"codes without a golden spec: {sorted(static - covered)}"


def test_diagnostic_has_position_and_carets(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", f"{GOLDEN}/E201_unknown_name.tock"])
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert re.match(r"tests/golden/diagnostics/E201_unknown_name\.tock:5:29: error\[E201\]: "
                    r"unknown variable 'agnt_state'$", first)
    assert "^^^^^^^^^^" in err
    assert "hint: did you mean 'agent_state'?" in err
