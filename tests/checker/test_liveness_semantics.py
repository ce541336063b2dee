"""Quantified leads-to (`forall x in S: P ~> Q`, one property judged per instance) and
the choice of liveness semantics (issue 17)."""

from __future__ import annotations

import pytest

from checker import check
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
