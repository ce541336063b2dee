"""Why, always: every violated property of every spec in specs/manifest.toml has a
non-empty "why" (the parts of what failed, with their values, in the trace's last state).

The reports are those frozen in tests/golden/frozen (test_frozen_reports.py holds them to
what `tock check` gives, the slow entries with --runslow), so this covers every
configuration, the huge ones included, without searching again."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tests.specs.test_frozen_reports import GOLDEN, _id

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = tomllib.loads((ROOT / "specs" / "manifest.toml").read_text())["spec"]


@pytest.mark.parametrize("entry", [pytest.param(e, id=_id(e)) for e in ENTRIES])
def test_every_violated_property_says_why(entry: dict) -> None:
    report = json.loads((GOLDEN / (_id(entry) + ".json")).read_text(encoding="utf-8"))
    violated = [p for p in report["properties"] if p["status"] == "violated"]
    for p in violated:
        assert p["why"], f"{p['kind']} {p['name']} is violated with no why"
        assert all(row["expr"] and row["value"] for row in p["why"]), p["name"]


def test_the_manifest_has_violations_to_explain() -> None:
    """The check above is not vacuous: the manifest's specs violate properties of every
    kind that can be violated (invariant, leads-to, response, scenario, deadlock)."""
    kinds = set()
    for entry in ENTRIES:
        report = json.loads((GOLDEN / (_id(entry) + ".json")).read_text(encoding="utf-8"))
        kinds |= {p["kind"] for p in report["properties"] if p["status"] == "violated"}
    assert {"invariant", "leadsto", "response", "scenario", "deadlock"} <= kinds
