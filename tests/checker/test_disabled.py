"""The disabled-actions diagnostic (checker.engine.blocked): an action whose condition holds
in some reachable state but that a bound or a timeout always blocks is named, with the
bound's line, in every report; nothing else is (exactness is checked against an oracle that
runs the reference interpreter and the discrete engine's labelled successors)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from checker import Options, check
from checker.cli import main
from checker.disabled import summary
from checker.engine import Budget, Job
from checker.engine.blocked import blocked_instances
from checker.engine.discrete import DiscreteEngine
from checker.engine.zones import ZoneEngine
from checker.render.html import render_html
from checker.render.json import render_json
from checker.render.text import render_text
from checker.report import Blocker, DisabledAction
from model import interp
from tests.helpers import spec

# a plain `bound`: `approach` needs x >= 10s, and the state it leads to bounds x by 5s
BOUND = """\
clock x
var loc: enum { far, near } = far
var laps: 0..3 = 0
bound x <= 5s while loc == near
action approach when loc == far and x >= 10s do { loc := near }
action lap when loc == far and laps < 3 and x >= 1s do { laps := laps + 1; reset x }
allow deadlock
"""

# docs/language.md §8: `arm` would make the deadline of `expire` active with c >= 5s > 2s
ARM = """\
clock c
var armed: bool = false
var fired: bool = false
action arm when not armed and c >= 5s do { armed := true }
timeout expire after c == 2s when armed and not fired do { fired := true }
allow deadlock
"""

# `give_up` at 3 s always pre-empts `too_late` at 5 s; `quick` comes when x > 3s only;
# `sometimes` is blocked while waiting but fires once done: it must not be named
PREEMPT = """\
clock x
var loc: enum { idle, wait, done, late } = idle
action start when loc == idle do { loc := wait; reset x }
timeout give_up after x == 3s when loc == wait do { loc := done }
timeout too_late after x == 5s when loc == wait do { loc := late }
action quick when loc == done and x <= 1s do { loc := idle }
action sometimes when (loc == wait or loc == done) and x >= 4s do { loc := late }
action early when loc == wait and x >= 1s do { loc := wait }
allow deadlock
"""

# one instance of `hurry` only: client 2's condition holds while client 1's never does
INSTANCES = """\
type C = 1..2
process client[c: C] {
  var st: enum { idle, wait, done } = idle
  clock y
  action go when st == idle do { st := wait; reset y }
  timeout finish after y == 3s when st == wait do { st := done }
  action hurry when st == wait and c == 2 and y >= 4s do { st := idle }
  action rest when st == done do { st := idle }
}
"""

# process bounds and a clock array indexed from the state: `slow` of client 1 (client 2's
# condition never holds) and `late_off` are blocked, each by the bound that always does it
ARRAYS = """\
type C = 1..2
clock g: [C]
var cur: C = 1
var phase: enum { off, on } = off
process p[c: C] {
  var st: enum { idle, wait, done } = idle
  clock t
  action go when st == idle do { st := wait; reset t }
  bound t <= 2s while st == wait
  action finish when st == wait and t >= 1s do { st := done }
  action slow when st == wait and c != 2 and t >= 3s do { st := idle }
  action back when st == done and t <= 3s do { st := idle }
}
action turn_on(k: C) when phase == off do { phase := on; cur := k; reset g[k] }
bound g[cur] <= 4s while phase == on
action late_off when phase == on and g[cur] >= 5s do { phase := off }
action off_now(k: C) when phase == on and cur == k and g[k] >= 1s do { phase := off }
allow deadlock
"""

NOTHING = """\
clock x
var on: bool = false
action flip when x >= 1s do { on := not on; reset x }
timeout force after x == 3s when on do { on := false; reset x }
"""

SPECS = {"bound": BOUND, "arm": ARM, "preempt": PREEMPT, "instances": INSTANCES,
         "arrays": ARRAYS, "nothing": NOTHING}


def _write(tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.tock"
    path.write_text(SPECS[name])
    return str(path)


def _named(report) -> list[tuple[str, tuple[str, ...], tuple[tuple[str, str | None], ...]]]:
    """(action, instances, (kind, line-only location) of each blocker)."""
    return [(d.action, d.instances,
             tuple((b.kind, None if b.location is None else
                    b.location.rsplit(":", 1)[0].rsplit(":", 1)[1]) for b in d.blockers))
            for d in report.disabled]


def test_a_bound_that_silently_disables_an_action_is_named_with_its_line(tmp_path) -> None:
    report = check(_write(tmp_path, "bound"))
    assert report.disabled_complete
    assert _named(report) == [("approach", ("approach",), (("bound", "4"),))]
    [entry] = report.disabled
    assert entry.location.endswith("bound.tock:5:8") and entry.all_instances
    assert entry.clock_condition == "x >= 10s"
    [blocker] = entry.blockers
    assert blocker.limit == "x <= 5s" and blocker.condition == "loc == near"
    assert blocker.timeout is None
    assert "exceeds the bound `x <= 5s` while `loc == near`" in blocker.message
    text = render_text(report)
    assert "disabled actions" in text and "bound.tock:4:1" in text
    assert text.splitlines()[-1] == "OK: every verdict is as expected"


def test_a_timeout_deadline_in_the_target_is_named_as_the_timeouts(tmp_path) -> None:
    report = check(_write(tmp_path, "arm"))
    [entry] = report.disabled
    assert entry.action == "arm"
    [blocker] = entry.blockers
    assert (blocker.kind, blocker.timeout, blocker.limit) == ("bound", "expire", "c == 2s")
    assert blocker.location.endswith("arm.tock:5:22")  # the `after` clause
    assert blocker.condition == "armed and not fired"


def test_a_timeout_always_preempted_by_another_and_a_late_guard(tmp_path) -> None:
    report = check(_write(tmp_path, "preempt"))
    assert report.engine.startswith("zones")
    assert _named(report) == [("too_late", ("too_late",), (("time", "4"),)),
                              ("quick", ("quick",), (("late", None),))]
    too_late = report.disabled[0].blockers[0]
    assert too_late.timeout == "give_up" and "stops time before `x == 5s`" in too_late.message


def test_only_the_instances_concerned_are_named(tmp_path) -> None:
    report = check(_write(tmp_path, "instances"))
    assert _named(report) == [("hurry", ("hurry(c=2)",), (("time", "6"),))]
    assert not report.disabled[0].all_instances


def test_the_bound_that_always_blocks_is_named_not_one_that_sometimes_does(tmp_path) -> None:
    # in some states the bound on g[cur] (line 15) would stop `slow` too, but the process's
    # own bound (line 9) stops it wherever it waits
    report = check(_write(tmp_path, "arrays"))
    assert _named(report) == [("slow", ("slow(c=1)",), (("time", "9"),)),
                              ("late_off", ("late_off",), (("time", "15"),))]


def test_no_diagnostic_when_nothing_is_disabled(tmp_path) -> None:
    path = _write(tmp_path, "nothing")
    for engine in ("zones", "discrete"):
        report = check(path, options=Options(time_engine=engine))
        assert report.disabled == () and report.disabled_complete
        assert "disabled actions" not in render_text(report)
        assert json.loads(render_json(report))["disabled_actions"] == {
            "complete": True, "actions": []}


def test_an_untimed_spec_never_has_one_and_a_dead_guard_is_not_one(tmp_path) -> None:
    path = tmp_path / "dead.tock"
    path.write_text("var x: 0..2 = 0\naction inc when x < 2 do { x := x + 1 }\n"
                    "action never when x > 5 do { x := 0 }\nallow deadlock\n")
    report = check(str(path), options=Options(coverage=True))
    assert report.engine.startswith("explicit")
    assert dict(report.coverage)["never"] == 0  # it never fires, but not because of time
    assert report.disabled == () and report.disabled_complete


@pytest.mark.parametrize("name", sorted(SPECS))
def test_zones_and_discrete_agree(tmp_path, name: str) -> None:
    path = _write(tmp_path, name)
    zones = check(path, options=Options(time_engine="zones"))
    discrete = check(path, options=Options(time_engine="discrete"))
    assert discrete.engine.startswith("discrete")
    assert _named(zones) == _named(discrete)
    assert [d.blockers for d in zones.disabled] == [d.blockers for d in discrete.disabled]


def _oracle(text: str) -> set[str]:
    """Independently of the pass: the instances whose condition holds (the interpreter,
    clocks ignored, body completing) in some state the discrete engine reaches, but that
    never fire there (its labelled successors, clocks and bounds included)."""
    system = spec(text)
    options = Options()
    engine = DiscreteEngine(system, options)
    dsys = engine.system
    findings = engine.explore(Job(dsys, options, Budget(options), (), False))
    assert findings.complete
    held, fired = set(), set()
    for s in findings.store.states():
        for inst, _choices, nxt in dsys.labeled(s):
            if nxt is not None:
                fired.add(inst)
        for step in interp.successors(dsys.model, dsys.decode(s)):
            if step.error is None:
                held.add(dsys.instances.index((step.action, step.args)))
    return {str(dsys.transition(inst)) for inst in held - fired}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_exactly_the_actions_the_oracle_finds(name: str) -> None:
    expected = _oracle(SPECS[name])
    for engine in ("zones", "discrete"):
        report = check(SPECS[name], options=Options(time_engine=engine))
        assert {i for d in report.disabled for i in d.instances} == expected, engine
        assert all(b.kind != "unknown" for d in report.disabled for b in d.blockers)


def test_the_specs_timed_examples_agree_with_the_oracle() -> None:
    for name in ("fischer", "train_gate", "retry"):
        text = open(f"specs/timed/{name}.tock").read()
        report = check(f"specs/timed/{name}.tock")
        assert {i for d in report.disabled for i in d.instances} == _oracle(text), name


def test_discrete_time_with_constants_too_large_for_the_dbm_kernel_in_ms() -> None:
    # 60 days is beyond the kernel's 32-bit bounds in ms (the zone engine refuses it); in
    # discrete time the pass works in ticks (a day here), so it still answers
    big = PREEMPT.replace("x == 3s", "x == 30 * 24h").replace("x == 5s", "x == 60 * 24h") \
        .replace("x <= 1s", "x <= 24h").replace("x >= 4s", "x >= 40 * 24h") \
        .replace("x >= 1s", "x >= 24h")
    report = check(big, options=Options(time_engine="discrete"))
    assert report.engine == "discrete time (tick 24h)"
    assert report.stats.states < 1000
    assert report.disabled_complete
    assert _named(report) == [("too_late", ("too_late",), (("time", "4"),)),
                              ("quick", ("quick",), (("late", None),))]


def test_a_budget_limited_run_says_the_list_may_be_incomplete(tmp_path) -> None:
    path = tmp_path / "big.tock"
    path.write_text(ARM + "var n: 0..40 = 0\naction count when n < 40 do { n := n + 1 }\n")
    for engine in ("zones", "discrete"):
        report = check(str(path), options=Options(max_states=5, time_engine=engine))
        assert report.stop_reason == "max-states"
        assert not report.disabled_complete
        assert [d.action for d in report.disabled] == ["arm"]
        text = render_text(report)
        assert "this list may be incomplete" in text
        assert json.loads(render_json(report))["disabled_actions"]["complete"] is False


def test_the_pass_stops_with_a_spent_budget(tmp_path) -> None:
    system = spec(PREEMPT)
    options = Options()
    engine = ZoneEngine(system)
    job = Job(system, options, Budget(options), (), False)
    findings = engine.explore(job)
    view = engine.symbolic_states(findings)
    assert view.candidates  # too_late and quick
    done = blocked_instances(job, system, engine.symbolic_states(findings), True)
    assert done.complete and all(done.reasons.values())
    job.budget.interrupt()
    stopped = blocked_instances(job, system, engine.symbolic_states(findings), True)
    assert not stopped.complete
    # the zone engine knew the candidates: they are listed, their reasons not worked out
    assert set(stopped.reasons) == view.candidates
    assert not any(stopped.reasons.values())


def test_json_html_and_the_cli_warning(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "preempt")
    out = tmp_path / "r.json"
    html = tmp_path / "r.html"
    assert main(["check", path, "--json", str(out), "--html", str(html)]) == 0
    err = capsys.readouterr().err
    [warning] = [line for line in err.splitlines() if line.startswith("tock: warning:")]
    assert "2 actions never fire" in warning
    assert "too_late (the deadline at " in warning and "preempt.tock:4)" in warning
    assert "quick (its clock condition is already over)" in warning
    data = json.loads(out.read_text())["disabled_actions"]
    assert data["complete"] is True
    assert [a["action"] for a in data["actions"]] == ["too_late", "quick"]
    first = data["actions"][0]
    assert first["instances"] == ["too_late"] and first["all_instances"] is True
    assert first["blocked_by"][0]["kind"] == "time"
    assert first["blocked_by"][0]["timeout"] == "give_up"
    page = html.read_text()
    assert 'id="disabled-actions"' in page and 'href="#disabled-actions"' in page
    assert "preempt.tock:4:23" in page


def test_the_coverage_note_does_not_call_a_disabled_action_dead(tmp_path) -> None:
    # `approach` never fires, but its guard holds: a bound blocks it, and the coverage
    # section must not claim its guard is never true; a genuinely dead action still is
    spec = BOUND + "action never when laps == 3 and loc == near do { laps := 0 }\n"
    path = tmp_path / "dead.tock"
    path.write_text(spec)
    page = render_html(check(str(path), options=Options(coverage=True)))
    note = page.split('id="coverage"', 1)[1].split("</p>", 1)[0]
    assert "2 actions never fired" in note
    assert 'the guard of <span class="mono">never</span> is never true in a reachable' in note
    assert "The others have a guard that holds, but a bound or a timeout blocks it" in note
    alone = render_html(check(_write(tmp_path, "bound"), options=Options(coverage=True)))
    note = alone.split('id="coverage"', 1)[1].split("</p>", 1)[0]
    assert "It has a guard that holds" in note and "never true" not in note


def test_the_warning_line_names_at_most_five_actions() -> None:
    entry = DisabledAction("a", None, "s.tock:1:1", ("a",), True, None,
                           (Blocker("bound", "m", "s.tock:2:1", "x <= 1s"),))
    many = tuple(replace(entry, action=f"a{k}", instances=(f"a{k}",)) for k in range(7))
    line = summary(many, False)
    assert line is not None and line.startswith("7 actions never fire")
    assert "a4 (the bound at s.tock:2)" in line and "a5" not in line and "and 2 more" in line
    assert "the list may be incomplete" in line
    assert summary((), True) is None


def test_reports_are_deterministic(tmp_path) -> None:
    path = _write(tmp_path, "instances")
    first, second = check(path), check(path)
    assert render_json(first) == render_json(second)
    assert render_text(first) == render_text(second)
    assert render_html(first) == render_html(second)


def test_no_warning_for_the_flagship_kind_of_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "specs/timed/fischer.tock"]) == 0
    assert "warning" not in capsys.readouterr().err
