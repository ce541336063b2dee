"""Readable time (#14): one formatter writes every time as a decimal, exact where the value
has a finite decimal expansion; the earliest schedule knows which times a strict bound keeps
open, and every report says so ("just after 5 s"); no text, SVG or HTML report of any spec
in specs/manifest.toml prints a fraction."""

from __future__ import annotations

import json
import re
import tomllib
from fractions import Fraction
from pathlib import Path

import pytest

from checker import Options, check
from checker.engine.zones.dbm import bound
from checker.engine.zones.schedule import TimedStep, check_schedule, solve_schedule_open
from checker.render.dot import render_swimlanes
from checker.render.html import render_html
from checker.render.json import render_json
from checker.render.svg import dot_to_svg, graphviz_available
from checker.render.text import render_text
from checker.report import format_time
from model import exact_text, format_duration, open_text
from model.timetext import is_finite_decimal

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = tomllib.loads((ROOT / "specs" / "manifest.toml").read_text())["spec"]

# `75+1/3`, `t = 349+999001/1000000 s`, `33+1/10000`: the old forms; `1/3 s`, `226/3s`
FRACTION = re.compile(r"\d\+\d+/\d+|\b\d+/\d+ ?s\b")

# a strict guard after 5 s, and a step that must follow the open one by exactly 15 s; the
# constants' gcd is 1 ms (5001ms), which made the old slack a millionth of a second
STRICT = """spec strict
process p {
  var phase: enum { a, b, c } = a
  clock x
  clock y
  action go when phase == a and x > 5s do { phase := b; reset y }
  timeout later after y == 15s when phase == b do { phase := c }
  bound x <= 5001ms while phase == a
}
reachable done: p.phase == c
"""


# ---------------------------------------------------------------------- the formatter

@pytest.mark.parametrize("value, text", [
    (Fraction(75), "75"),
    (Fraction(151, 2), "75.5"),
    (Fraction(1, 1000), "0.001"),
    (Fraction(349_999_001, 1_000_000), "349.999001"),
    (Fraction(330_001, 10_000), "33.0001"),
    (Fraction(1, 10**9), "0.000000001"),  # exact, however many places it takes
    (Fraction(226, 3), "75.333333\u2026"),  # no finite expansion: cut and marked
    (Fraction(2, 3), "0.666666\u2026"),
    (Fraction(-3, 2), "-1.5"),
])
def test_times_are_decimals(value: Fraction, text: str) -> None:
    assert format_time(value) == text
    assert not FRACTION.search(text)


def test_exact_text_reads_back_exactly() -> None:
    for value in (Fraction(75), Fraction(349_999_001, 1_000_000), Fraction(226, 3)):
        assert Fraction(exact_text(value)) == value
    assert exact_text(Fraction(226, 3)) == "226/3"
    assert exact_text(Fraction(1, 8)) == "0.125"
    assert is_finite_decimal(Fraction(1, 80)) and not is_finite_decimal(Fraction(1, 6))


def test_durations_share_the_formatter() -> None:
    assert [format_duration(ms) for ms in (0, 75_000, 900_000, 1500, 7_200_000)] == \
        ["0s", "75s", "15min", "1500ms", "2h"]
    assert format_duration(Fraction(4_001, 2)) == "2.0005s"
    assert format_duration(Fraction(1, 1000)) == "0.000001s"
    assert format_duration(Fraction(1, 3)) == "0.000333\u2026s"


def test_open_words() -> None:
    assert open_text("after", Fraction(75)) == "just after 75 s"
    assert open_text("before", Fraction(181, 2)) == "just before 90.5 s"
    with pytest.raises(ValueError):
        open_text("around", Fraction(1))


# ---------------------------------------------------------------------- open times

def test_the_schedule_says_which_times_a_strict_bound_keeps_open() -> None:
    # step 1: x > 5 (strict); step 2: y == 15 after y was reset at step 1; step 3: x >= 30
    more_than_5 = (0, 1, bound(-5, True))
    steps = [TimedStep(guard=(more_than_5,), resets=(2,)),
             TimedStep(guard=((2, 0, bound(15, False)), (0, 2, bound(-15, False)))),
             TimedStep(guard=((0, 1, bound(-30, False)),))]
    solved = solve_schedule_open(3, steps)
    assert solved is not None
    times = [t for t, _ in solved]
    assert check_schedule(3, steps, times)
    (t1, open1), (t2, open2), (t3, open3), (_tf, _) = solved
    assert t1 > 5 and open1 == 5          # just after 5
    assert t2 == t1 + 15 and open2 == 20  # fixed delay after an open time: open too
    assert t3 == 30 and open3 is None     # a closed bound: attained, not open


def test_a_strict_guard_gives_an_open_time_in_every_report() -> None:
    report = check(STRICT)
    prop = report.property("done")
    assert prop.trace is not None
    go, later = prop.trace.steps[1], prop.trace.steps[2]
    assert go.time_open == ("after", Fraction(5))
    assert later.time_open == ("after", Fraction(20))
    assert go.exact_time is not None and 5 < go.exact_time < Fraction(5001, 1000)
    text = render_text(report)
    assert f"t={go.shown_time} (just after 5 s)  go" in text
    assert f"t={later.shown_time} (just after 20 s)  later" in text
    data = json.loads(render_json(report))
    step = data["properties"][0]["trace"][1]
    assert step["time_open"] == {"side": "after", "limit": 5.0, "limit_exact": "5",
                                 "text": "just after 5 s"}
    assert Fraction(step["time_exact"]) == go.exact_time and step["time"] == float(go.exact_time)
    assert data["properties"][0]["trace"][0]["time_open"] is None
    dot = render_swimlanes(report, prop)
    assert "just after 5 s" in dot and "just after 20 s" in dot
    page = render_html(report)
    assert f"{go.shown_time} s (just after 5 s)" in page


def test_a_closed_trace_has_no_open_time() -> None:
    report = check("specs/timed/ping_window.tock")
    for prop in report.properties:
        for step in (prop.trace.steps if prop.trace else ()):
            assert step.time_open is None
    assert "just after" not in render_text(report)


# ---------------------------------------------------------------------- no fractions

def _id(entry: dict) -> str:
    settings = {**entry.get("constants", {}), **entry.get("options", {})}
    return entry["file"] + "".join(f",{k}={v}" for k, v in settings.items())


# besides the manifest's fast entries: the strict spec above (times in millionths of a
# second) and the folded fixture
EXTRA = [{"text": STRICT, "file": "strict"},
         {"file": "../tests/fixtures/ticking_controller.tock"}]


@pytest.mark.parametrize("entry", [e for e in ENTRIES if not e.get("slow")] + EXTRA, ids=_id)
def test_no_report_prints_a_fraction(entry: dict) -> None:
    report = check(entry.get("text") or f"specs/{entry['file']}",
                   constants=entry.get("constants"),
                   options=Options(**entry.get("options", {})))
    pictures = {}
    for prop in report.properties:
        if prop.trace is not None:
            dot = render_swimlanes(report, prop)
            pictures[prop.name] = dot_to_svg(dot) if graphviz_available() else dot
    outputs = {"text": render_text(report), "html": render_html(report, pictures)}
    outputs.update({f"svg {name}": svg for name, svg in pictures.items()})
    for what, text in outputs.items():
        found = FRACTION.search(text)
        assert found is None, f"{what} prints a fraction: {found.group(0)!r}"


def test_the_strict_spec_would_have_printed_fractions() -> None:
    """The check above can fail: this spec's times are millionths of a second (the gcd of
    its constants is 1 ms), which the old formatter wrote as `5+1/1000000`."""
    report = check(STRICT)
    go = report.property("done").trace.steps[1]  # type: ignore[union-attr]
    assert go.exact_time is not None and (go.exact_time * 1000).denominator != 1
    assert not FRACTION.search(render_text(report))


# a clock reset at an open time and read at a closed one: just before
BEFORE = """spec before
process p {
  var phase: enum { a, b, c } = a
  clock x
  clock y
  action go when phase == a and x > 5s do { phase := b; reset y }
  action stop when phase == b and x >= 10s do { phase := c }
}
reachable done: p.phase == c
"""


def test_clock_values_say_when_they_are_open_too() -> None:
    text = render_text(check(STRICT))
    assert "p.y: 5.000001s (just after 5s) -> 0s" in text
    report = check(BEFORE)
    trace = report.property("done").trace
    assert trace is not None
    stop = trace.steps[2]
    assert stop.time_open is None and stop.shown_time == "10"  # a closed bound: attained
    values = dict(stop.values)
    assert values["p.x"] == "10s"
    assert values["p.y"] == "4995ms (just before 5s)"  # reset just after 5 s (5.005)
    assert stop.state["p.y"] == 4.995
