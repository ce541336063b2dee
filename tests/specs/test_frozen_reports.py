"""The text and JSON reports of every spec in specs/manifest.toml, byte for byte.

These goldens freeze what a user sees (verdicts, counts, traces, times, wording) while the
engines underneath are rebuilt: a change that alters any report shows up here as a diff.
Regenerate with `pytest tests/specs/test_frozen_reports.py --update-golden` (and
`--runslow` for the slow entries), then review the diff before committing: a changed
report is a changed answer.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from checker import Options, check
from checker.render.json import render_json
from checker.render.text import render_text

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "frozen"
ENTRIES = tomllib.loads((ROOT / "specs" / "manifest.toml").read_text())["spec"]


def _id(entry: dict) -> str:
    settings = {**entry.get("constants", {}), **entry.get("options", {})}
    text = "_".join(f"{k}={v}" for k, v in settings.items())
    stem = entry["file"].removesuffix(".tock").replace("/", "-")
    return stem + (f"[{text}]" if text else "")


@pytest.mark.parametrize(
    "entry", [pytest.param(e, marks=pytest.mark.slow, id=_id(e)) if e.get("slow")
              else pytest.param(e, id=_id(e)) for e in ENTRIES])
def test_reports_are_frozen(entry: dict, update_golden: bool) -> None:
    report = check(f"specs/{entry['file']}", constants=entry.get("constants"),
                   options=Options(**entry.get("options", {})))
    for p in report.properties:  # why, always (tests/specs/test_why.py reads the goldens)
        assert p.status != "violated" or p.why, f"{p.kind} {p.name} is violated with no why"
    outputs = {".txt": render_text(report), ".json": render_json(report)}
    for suffix, got in outputs.items():
        path = GOLDEN / (_id(entry) + suffix)
        if update_golden:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(got, encoding="utf-8")
            continue
        assert path.exists(), f"no golden {path.name}: run with --update-golden"
        assert got == path.read_text(encoding="utf-8"), f"{path.name} changed"
