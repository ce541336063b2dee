"""Folded repetition and the end of a swimlane picture (#14): a run of identical steps is one
entry, "× 59, every 5 s", in the text report, the pictures and the HTML report (JSON keeps
every step and lists the folds); a 60-step ticking trace draws under 1,500 px; the picture
ends with the last state of what the property reads; "(as expected)" stands beside an
expected verdict in every report."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest

from checker import check
from checker.render.dot import render_swimlanes
from checker.render.folds import Fold, fold_words, folds, segments
from checker.render.html import render_html
from checker.render.json import render_json
from checker.render.svg import dot_to_svg
from checker.render.text import render_text, render_trace
from checker.report import Change, Step, Trace
from tests.helpers import needs_dot

TICKING = "tests/fixtures/ticking_controller.tock"



def _step(k: int, action: str | None = "tick", time: Fraction | None = None,
          changes: tuple[Change, ...] = ()) -> Step:
    text = None if time is None else str(time)
    return Step(action, None if action is None else "ctl", (), (), action, {}, (("n", str(k)),),
                changes, None if time is None else float(time), None, text)


RESET = (Change("ctl.c", 5, 0, "5s", "0s"),)


# ---------------------------------------------------------------------- which steps fold

def test_identical_steps_fold_from_three_on() -> None:
    steps = [_step(0, None, Fraction(0))] + [_step(k, "tick", Fraction(5 * k), RESET)
                                             for k in range(1, 6)]
    trace = Trace(tuple(steps))
    assert folds(trace) == [Fold(1, 5, Fraction(5))]
    assert fold_words(folds(trace)[0]) == "\u00d7 5, every 5 s"
    assert segments(trace) == [0, Fold(1, 5, Fraction(5))]
    two = Trace(tuple(steps[:3]))
    assert folds(two) == [] and segments(two) == [0, 1, 2]


def test_a_different_delay_change_or_action_breaks_a_run() -> None:
    times = [0, 5, 10, 15, 17, 22, 27, 32]  # the step at 17 comes 2 s after, not 5
    steps = [_step(0, None, Fraction(0))] + [_step(k, "tick", Fraction(t), RESET)
                                             for k, t in enumerate(times[1:], 1)]
    assert folds(Trace(tuple(steps))) == [Fold(1, 3, Fraction(5)), Fold(5, 7, Fraction(5))]
    other = steps[:3] + [_step(3, "tock", Fraction(15), RESET)] + steps[4:]
    assert Fold(1, 3, Fraction(5)) not in folds(Trace(tuple(other)))
    changed = steps[:2] + [_step(2, "tick", Fraction(10), (Change("ctl.c", 4, 0, "4s", "0s"),))]
    assert folds(Trace(tuple(changed + steps[3:4]))) == []


def test_a_run_never_hides_the_marked_state_of_a_lasso() -> None:
    steps = [_step(0, None)] + [_step(k, "tick") for k in range(1, 9)]
    # the cycle returns to the state after step 4: it may end a run, never be inside one
    trace = Trace(tuple(steps), loop_start=4)
    assert folds(trace) == [Fold(1, 4, None), Fold(5, 8, None)]
    assert fold_words(folds(trace)[0]) == "\u00d7 4"
    text = "\n".join(render_trace(trace))
    assert "-> 1..4" in text


# ---------------------------------------------------------------------- the ticking spec

@pytest.fixture(scope="module")
def ticking():  # noqa: ANN201
    return check(TICKING)


def test_the_ticking_trace_folds_in_the_text_report(ticking) -> None:  # noqa: ANN001
    prop = ticking.property("pods_never_evicted")
    assert prop.trace is not None and len(prop.trace) == 61
    text = render_text(ticking)
    assert "2..60  t=5..295  pass  \u00d7 59, every 5 s" in text
    assert "controller.c: 5s -> 0s  (each time)" in text
    assert "\n        61  t=300  pass_evict" in text
    assert text.count("  pass\n") == 0  # no pass step is written on its own


def test_json_keeps_every_step_and_names_the_folds(ticking) -> None:  # noqa: ANN001
    data = json.loads(render_json(ticking))
    prop = next(p for p in data["properties"] if p["name"] == "pods_never_evicted")
    assert len(prop["trace"]) == 62
    assert [s["action"] for s in prop["trace"][2:61]] == ["pass"] * 59
    assert prop["folds"] == [{"first": 2, "last": 60, "count": 59, "every": 5.0,
                              "every_exact": "5", "text": "\u00d7 59, every 5 s"}]
    holds = next(p for p in data["properties"] if p["name"] == "deadlock")
    assert holds["folds"] is None


def test_the_html_report_folds_with_a_disclosure(ticking) -> None:  # noqa: ANN001
    page = render_html(ticking)
    assert "<details><summary>pass \u00d7 59, every 5 s</summary>" in page
    assert "<script" not in page
    body = page.split("<details>", 1)[1].split("</details>", 1)[0]
    # behind it: every folded step with its time, and the clock that keeps running
    assert body.count("<tr>") == 1 + 59
    assert "<td>2</td><td>5 s</td><td>5s</td>" in body
    assert "<td>60</td><td>295 s</td><td>295s</td>" in body
    assert '<tr class="fold"><td>2\u201360</td><td>5..295 s</td>' in page


@needs_dot
def test_a_folded_60_step_trace_draws_under_1500_px(ticking) -> None:  # noqa: ANN001
    prop = ticking.property("pods_never_evicted")
    svg = dot_to_svg(render_swimlanes(ticking, prop))
    root = ET.fromstring(svg)
    height = root.get("height") or ""
    number, unit = re.fullmatch(r"([\d.]+)(pt|px)?", height).groups()  # type: ignore[union-attr]
    pixels = float(number) * (4 / 3 if unit in (None, "pt") else 1)  # 1 pt = 4/3 px
    assert pixels < 1500, f"the picture is {pixels:.0f} px tall"
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "\u00d7 59, every 5 s" in texts and "t = 5..295 s" in texts


def test_without_folding_the_same_trace_would_be_tall(ticking) -> None:  # noqa: ANN001
    """The bound above means something: 59 rows instead of one."""
    prop = ticking.property("pods_never_evicted")
    dot = render_swimlanes(ticking, prop)
    assert dot.count('label=<2\u201360') == 1
    assert not re.search(r"\ba3 \[", dot)  # no row of its own for step 3


# ---------------------------------------------------------------------- the end, as expected

def test_the_picture_ends_with_what_the_property_reads(ticking) -> None:  # noqa: ANN001
    prop = ticking.property("pods_never_evicted")
    assert prop.reads == ("node.pods", "controller.evicted")
    dot = render_swimlanes(ticking, prop)
    end = dot.split("a_end [", 1)[1]
    assert "<B>end</B><BR/>t = 300 s" in end
    assert "pods = 3  (unchanged)" in end      # constant along the trace, yet shown
    assert "evicted = true" in end
    assert "ready = " not in end.split("{ rank=same", 1)[0]  # not read by the property


def test_as_expected_stands_beside_an_expected_verdict_everywhere(ticking) -> None:  # noqa: ANN001
    prop = ticking.property("pods_never_evicted")
    assert prop.status == "violated" and prop.expected == "fails" and prop.as_expected
    assert re.search(r"VIOLATED +invariant +pods_never_evicted +\(as expected\)",
                     render_text(ticking))
    dot = render_swimlanes(ticking, prop)
    caption = dot.split("label=<<TABLE", 1)[1].split("</TR>", 1)[0]
    assert "VIOLATED" in caption and "(as expected)" in caption
    assert 'COLOR="#1b5e20">(as expected)' in caption
    page = render_html(ticking)
    heading = re.search(r'<h2 id="property-1">.*?</h2>', page)
    assert heading is not None
    # red for the false property, as in the picture; green for the expectation met
    assert '<span class="status bad">VIOLATED</span> <span class="note-ok">(as expected)' \
        in heading.group(0)
    reached = ticking.property("evicted")
    assert "(as expected)" not in render_swimlanes(ticking, reached).split("</TR>", 1)[0]


def test_an_unexpected_verdict_says_what_was_expected() -> None:
    report = check("specs/timed/fischer.tock", constants={"WAIT": "1s"})
    prop = report.property("mutex")
    caption = render_swimlanes(report, prop).split("</TR>", 1)[0]
    assert 'COLOR="#b00020">(expected to hold)' in caption
    assert '<span class="note-bad">(expected to hold)</span>' in render_html(report)
