"""Quantified leads-to (`forall x in S: P ~> Q`, one property judged per instance) and
the choice of liveness semantics (issue 17)."""

from __future__ import annotations

import pytest

from checker import check
from checker.render.html import render_html
from checker.render.json import report_data
from checker.render.text import render_text
from model import SpecError
from tests.helpers import spec

CLIENTS = """
type C = 1..3
process client[c: C] {
  var st: enum { idle, waiting, served } = idle
  fair action ask when st == idle do { st := waiting }
  fair action serve when st == waiting and c != 3 do { st := served }
  action reset when st == served do { st := idle }
}
property answered: forall c in C: client[c].st == waiting ~> client[c].st == served
property two: forall c in {1, 2}: client[c].st == waiting ~> client[c].st == served
property pairs: forall a in {1, 2}, b in {1, 2}:
  client[a].st == waiting and client[b].st == waiting ~> client[a].st != waiting
property grouped: (forall c in C: client[c].st == waiting) ~> client[1].st == served
property none: forall c in {x in C | x > 5}: client[c].st == waiting ~> false
expect answered fails
"""


def _check(tmp_path, text: str):  # noqa: ANN001, ANN202
    path = tmp_path / "spec.tock"
    path.write_text(text)
    return check(str(path))


def test_forall_leads_to_is_one_property_judged_per_instance(tmp_path) -> None:  # noqa: ANN001
    report = _check(tmp_path, CLIENTS)
    answered = report.property("answered")
    assert answered.status == "violated"
    assert answered.message.startswith("answered (c=3): ")  # the failing instance
    assert dict(answered.why)["the failing instance"] == "c=3"
    assert answered.trace is not None and answered.trace.loop_start is not None
    for name in ("two", "pairs", "grouped", "none"):
        assert report.property(name).status == "holds", name
    assert [p.name for p in report.properties].count("answered") == 1
    assert report.outcome == "ok"


def test_parentheses_keep_the_plain_leads_to_of_a_quantified_side() -> None:
    model = spec(CLIENTS).model
    grouped = next(p for p in model.liveness if p.name == "grouped")
    answered = next(p for p in model.liveness if p.name == "answered")
    assert grouped.binders == () and grouped.instances == ()
    assert [label for label, _, _ in answered.instances] == ["c=1", "c=2", "c=3"]


@pytest.mark.parametrize("text, code", [
    ("var x: 0..3 = 0\nproperty p: forall c in 1..x: x == c ~> x == 0", "E308"),
    ("var x: 0..3 = 0\nproperty p: forall c in 3: x == c ~> x == 0", "E301"),
    ("var x: 0..3 = 0\nproperty p: forall c in 0..3: x == d ~> x == 0", "E201"),
])
def test_forall_leads_to_errors(text: str, code: str) -> None:
    with pytest.raises(SpecError) as err:
        spec(text + "\nallow deadlock")
    assert code in str(err.value)


# ---------------------------------------------------------------------------- semantics

COUNTER = """
var x: 0..3 = 0
{fair}action inc when x < 3 do {{ x := x + 1 }}
action stay when x == 3 do {{ skip }}
property reaches: x == 0 ~> x == 3
{mode}
"""


def _counter(tmp_path, fair: bool, mode: str = ""):  # noqa: ANN001, ANN202
    return _check(tmp_path, COUNTER.format(fair="fair " if fair else "", mode=mode))


def test_maximal_runs_are_the_default_and_the_header_says_so(tmp_path) -> None:  # noqa: ANN001
    report = _counter(tmp_path, fair=True)
    assert report.liveness == "maximal"
    assert "liveness   maximal runs" in render_text(report)
    assert report_data(report)["liveness"] == "maximal"
    assert "<td>liveness</td>" in render_html(report)
    assert report.property("reaches").status == "holds"
    assert report.property("reaches").warning is None  # fair: no implicit fairness needed


def test_a_leads_to_that_holds_only_on_maximal_runs_is_warned_about(tmp_path) -> None:  # noqa: ANN001
    report = _counter(tmp_path, fair=False)
    reaches = report.property("reaches")
    assert reaches.status == "holds" and report.outcome == "ok"
    assert reaches.warning is not None and "holds only because runs are maximal" in \
        reaches.warning
    assert "warning: reaches holds only because" in render_text(report)
    assert report_data(report)["properties"][-1]["warning"] == reaches.warning


def test_stuttering_lets_a_run_stop_where_no_fair_action_is_enabled(tmp_path) -> None:  # noqa: ANN001
    report = _counter(tmp_path, fair=False, mode="liveness stuttering")
    reaches = report.property("reaches")
    assert report.liveness == "stuttering"
    assert "liveness   stuttering" in render_text(report)
    assert reaches.status == "violated" and "stops for ever" in (reaches.message or "")
    assert reaches.trace is not None and len(reaches.trace.steps) == 1  # it stops at once
    assert reaches.trace.loop_start is None
    fair = _counter(tmp_path, fair=True, mode="liveness stuttering")
    assert fair.property("reaches").status == "holds"


def test_no_header_line_without_leads_to(tmp_path) -> None:  # noqa: ANN001
    report = _check(tmp_path, "var x: 0..1 = 0\naction a when x < 1 do { x := 1 }\n"
                              "allow deadlock\n")
    assert report.liveness is None
    assert "liveness" not in render_text(report) and "liveness" not in report_data(report)


@pytest.mark.parametrize("path", ["specs/liveness/naive_lock.tock",
                                  "specs/liveness/retry_loop.tock",
                                  "specs/liveness/starvation.tock"])
def test_stuttering_is_stricter_than_maximal_runs(tmp_path, path: str) -> None:  # noqa: ANN001
    """Stuttering allows more runs: every leads-to that holds under it holds on maximal
    runs, and its counterexamples replay (the trace builder replays every step)."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    maximal = _check(tmp_path, text)
    stuttering = _check(tmp_path, text + "\nliveness stuttering\n")
    assert stuttering.liveness == "stuttering"
    for p in maximal.properties:
        if p.kind != "leadsto":
            continue
        q = stuttering.property(p.name)
        if q.status == "holds":
            assert p.status == "holds", p.name
        if p.status == "holds" and p.warning is None:
            assert q.status == "holds", p.name  # no warning: it needs no implicit fairness


@pytest.mark.parametrize("text, message", [
    ("liveness weak", "unknown liveness semantics 'weak'"),
    ("liveness stuttering\nliveness maximal", "declared twice"),
    ("clock c\nliveness stuttering", "not supported in a spec with clocks"),
])
def test_liveness_declaration_errors(text: str, message: str) -> None:
    with pytest.raises(SpecError) as err:
        spec("var x: 0..1 = 0\nallow deadlock\n" + text)
    assert "E312" in str(err.value) and message in str(err.value)


def test_stuttering_at_the_boundary_is_unknown_not_a_counterexample(tmp_path) -> None:  # noqa: ANN001
    report = _check(tmp_path, "var x: 0..9 = 0\nfair action inc when x < 9 do { x := x + 1 }\n"
                              "boundary small: x <= 3\nproperty far: x == 0 ~> x == 6\n"
                              "property near: x == 0 ~> x == 2\nliveness stuttering\n")
    assert report.property("far").status == "unknown"
    assert report.property("near").status == "holds"


def test_declaring_maximal_runs_means_the_implicit_fairness_is_meant(tmp_path) -> None:  # noqa: ANN001
    report = _counter(tmp_path, fair=False, mode="liveness maximal")
    assert report.liveness == "maximal"
    assert report.property("reaches").status == "holds"
    assert report.property("reaches").warning is None
