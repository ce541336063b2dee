"""Quantified bounded response (`forall x in S: P ~> Q within T`, issue 16): one property,
a monitor per instance in the response product, the failing instance named, and the same
answers as the instances written out one by one, in both time engines."""

from __future__ import annotations

import pytest

from checker import Options, check
from checker.render.json import report_data
from model import SpecError
from tests.helpers import spec

# worker w finishes at most BOUND(w) after it starts: 3 s, 7 s, 4 s
WORKERS = """
spec workers
type W = 1..3
process worker[w: W] {
  var st: enum { idle, busy } = idle
  clock t
  action start when st == idle do { st := busy; reset t }
  action finish when st == busy and t >= 1s do { st := idle }
  bound t <= 3s while st == busy and w == 1
  bound t <= 7s while st == busy and w == 2
  bound t <= 4s while st == busy and w == 3
}
"""

QUANTIFIED = WORKERS + """
property done_5s: forall w in W: worker[w].st == busy ~> worker[w].st == idle within 5s
property done_8s: forall w in W: worker[w].st == busy ~> worker[w].st == idle within 8s
property done_3500ms: forall w in W: worker[w].st == busy ~> worker[w].st == idle
  within 3500ms
property odd_5s: forall w in {1, 3}: worker[w].st == busy ~> worker[w].st == idle within 5s
"""


def _unrolled(within: str, ws: tuple[int, ...]) -> str:
    return WORKERS + "".join(
        f"property w{w}: worker[{w}].st == busy ~> worker[{w}].st == idle within {within}\n"
        for w in ws)


def _check(tmp_path, text: str, **options):  # noqa: ANN001, ANN003, ANN202
    path = tmp_path / "spec.tock"
    path.write_text(text)
    return check(str(path), options=Options(**options))


@pytest.mark.parametrize("engine", [None, "discrete"])
def test_a_quantified_response_is_one_property_naming_the_failing_instance(
        tmp_path, engine: str | None) -> None:  # noqa: ANN001
    report = _check(tmp_path, QUANTIFIED, time_engine=engine)
    done = report.property("done_5s")
    assert done.status == "violated"
    assert done.message is not None and done.message.startswith("done_5s (w=2): ")
    assert done.why[0] == ("the failing instance", "w=2")  # only worker 2 takes > 5 s
    assert report.property("done_8s").status == "holds"
    assert report.property("odd_5s").status == "holds"  # worker 2 is not quantified over
    assert [p.name for p in report.properties].count("done_5s") == 1
    data = next(p for p in report_data(report)["properties"] if p["name"] == "done_5s")
    assert data["message"].startswith("done_5s (w=2): ")


@pytest.mark.parametrize("engine", [None, "discrete"])
@pytest.mark.parametrize("within, ws", [("5s", (1, 2, 3)), ("8s", (1, 2, 3)),
                                        ("3500ms", (1, 2, 3))])
def test_a_quantified_response_answers_as_its_instances_written_out(
        tmp_path, engine: str | None, within: str, ws: tuple[int, ...]) -> None:  # noqa: ANN001
    name = {"5s": "done_5s", "8s": "done_8s", "3500ms": "done_3500ms"}[within]
    quantified = _check(tmp_path, QUANTIFIED, time_engine=engine).property(name)
    single = _check(tmp_path, _unrolled(within, ws), time_engine=engine)
    failing = {w: single.property(f"w{w}") for w in ws
               if single.property(f"w{w}").status == "violated"}
    assert (quantified.status == "violated") == bool(failing)
    if failing:
        assert quantified.trace is not None
        shortest = min(len(r.trace.steps) for r in failing.values() if r.trace is not None)
        assert len(quantified.trace.steps) == shortest  # a shortest run of any instance
        label = dict(quantified.why)["the failing instance"]
        assert int(label.removeprefix("w=")) in failing  # and one whose deadline passed


def test_failing_instances_at_3500ms_are_workers_2_and_3(tmp_path) -> None:  # noqa: ANN001
    single = _check(tmp_path, _unrolled("3500ms", (1, 2, 3)))
    assert [single.property(f"w{w}").status for w in (1, 2, 3)] == \
        ["holds", "violated", "violated"]


def test_each_instance_gets_its_own_observer_clock_unless_it_never_opens() -> None:
    system = spec(WORKERS + """
property all: forall w in W: worker[w].st == busy ~> worker[w].st == idle within 5s
property some: forall w in W: w == 2 and worker[w].st == busy ~> worker[w].st == idle
  within 5s
property none: forall w in W: w > 5 and worker[w].st == busy ~> worker[w].st == idle
  within 5s
""")
    base = system.model.n_clocks
    assert system.response_product(["all"]).model.n_clocks == base + 3
    assert system.response_product(["some"]).model.n_clocks == base + 1
    assert system.response_product(["none"]).model.n_clocks == base
    both = system.response_product(["all", "some"]).model
    assert both.n_clocks == base + 4
    assert len({c.name for c in both.clocks}) == len(both.clocks)  # no two share a name


def test_parentheses_keep_the_bounded_response_of_a_quantified_side() -> None:
    model = spec(WORKERS + "property p: (forall w in W: worker[w].st == idle) ~> "
                           "worker[1].st == busy within 5s\nallow deadlock").model
    (p,) = model.liveness
    assert p.binders == () and p.within == 5000


@pytest.mark.parametrize("text, code", [
    (WORKERS + "property p: forall w in W: worker[w].st == busy ~> worker[w].st == idle "
               "within 3", "E301"),
    ("type W = 1..2\nvar x: 0..1 = 0\naction a when x < 1 do { x := 1 }\nallow deadlock\n"
     "property p: forall w in W: x == 0 ~> x == 1 within 5s", "E310"),
    (WORKERS.replace("1..3", "1..40") + "property p: forall w in W: worker[w].st == busy ~> "
     "worker[w].st == idle within 5s", "E402"),
])
def test_quantified_response_errors(text: str, code: str) -> None:
    with pytest.raises(SpecError) as err:
        spec(text)
    assert code in str(err.value)
