"""Every spec in specs/ meets the results recorded in specs/manifest.toml: outcome, exact
state and transition counts, depth, deadlock states, and trace lengths."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from checker import Options, check

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = tomllib.loads((ROOT / "specs" / "manifest.toml").read_text())["spec"]


def _id(entry: dict) -> str:
    settings = {**entry.get("constants", {}), **entry.get("options", {})}
    text = ",".join(f"{k}={v}" for k, v in settings.items())
    return entry["file"].rsplit("/", 1)[-1] + (f"[{text}]" if text else "")


@pytest.mark.parametrize(
    "entry", [pytest.param(e, marks=pytest.mark.slow) if e.get("slow") else e
              for e in ENTRIES], ids=_id)
def test_spec_meets_manifest(entry: dict) -> None:
    report = check(f"specs/{entry['file']}", constants=entry.get("constants"),
                   options=Options(**entry.get("options", {})))
    assert report.outcome == entry["outcome"]
    stats = report.stats
    assert stats.exhaustive
    if "states" in entry:
        assert stats.states == entry["states"]
    for key in ("transitions", "depth", "deadlocks"):
        if key in entry:
            assert getattr(stats, key) == entry[key], key
    for name, length in entry.get("traces", {}).items():
        trace = report.property(name).trace
        assert trace is not None and len(trace) == length


def test_every_spec_file_is_in_the_manifest() -> None:
    import glob

    listed = {e["file"] for e in ENTRIES}
    on_disk = {p.split("specs/", 1)[1] for p in glob.glob("specs/**/*.tock", recursive=True)}
    assert on_disk <= listed, f"specs without recorded results: {sorted(on_disk - listed)}"
