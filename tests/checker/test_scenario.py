"""Scenarios: can the script happen (a witness), what must follow (asserts on every
matching run), and how far a script that cannot happen gets."""

from __future__ import annotations

from checker import Options, check_system
from model import load_text

with open("specs/conformance/twophase.tock", encoding="utf-8") as _f:
    TWOPHASE = _f.read()


def _check(extra: str):
    system = load_text(TWOPHASE + "\n" + extra, "twophase+scenario.tock")
    return check_system(system, Options())


def test_a_possible_scenario_has_a_witness() -> None:
    report = _check("""
scenario everyone_commits {
  RMPrepare(r = 1)
  RMPrepare(2)
  RMPrepare(r = 3)
  TMCommit
  assert tmState == committed
  RMRcvCommitMsg(r = _)
}""")
    result = report.property("everyone_commits")
    assert result.status == "reached" and result.as_expected
    labels = [s.label for s in result.trace.steps[1:]]
    # unscripted steps (the TM receiving Prepared messages) happen in between
    assert labels[0] == "RMPrepare(r=1)" and "TMCommit" in labels
    assert labels[-1].startswith("RMRcvCommitMsg")
    assert any(label.startswith("TMRcvPrepared") for label in labels)


def test_a_strict_scenario_allows_no_unscripted_steps() -> None:
    report = _check("""
scenario strict_commit strict {
  RMPrepare(r = 1)
  RMPrepare(r = 2)
  RMPrepare(r = 3)
  TMCommit
}
expect strict_commit fails""")
    result = report.property("strict_commit")
    assert result.status == "unreached"
    assert "cannot get past step 4" in result.message
    assert len(result.trace) == 3  # the furthest it gets
    assert report.outcome == "ok"


def test_an_assert_that_can_fail_is_a_violation() -> None:
    report = _check("""
scenario abort_then_commit {
  RMPrepare(r = 1)
  assert rmState[1] == prepared
  TMAbort
  RMRcvAbortMsg(r = 1)
  assert rmState[1] == committed
}""")
    result = report.property("abort_then_commit")
    assert result.status == "violated"
    assert result.trace.steps[-1].label == "RMRcvAbortMsg(r=1)"
    assert report.outcome == "violation"


def test_asserts_are_checked_on_every_matching_run() -> None:
    # The TM may abort at any time before the script's TMRcvPrepared, so after it the TM
    # is not always still in init.
    report = _check("""
scenario prepared_seen {
  RMPrepare(r = 1)
  TMRcvPrepared(r = 1)
  assert 1 in tmPrepared
  assert tmState == init
}""")
    assert report.property("prepared_seen").status == "reached"
    report = _check("""
scenario late_check {
  RMPrepare(r = 1)
  RMPrepare(r = 2)
  assert tmState == init
}""")
    assert report.property("late_check").status == "violated"


def test_assume_keeps_only_the_runs_that_satisfy_it() -> None:
    # late_check above fails because the TM may abort unscripted; assuming it does not,
    # the assert holds on every remaining run
    report = _check("""
scenario late_check_no_abort {
  assume tmState == init
  RMPrepare(r = 1)
  RMPrepare(r = 2)
  assert tmState == init
}""")
    result = report.property("late_check_no_abort")
    assert result.status == "reached" and result.as_expected
    assert all(step.label != "TMAbort" for step in result.trace.steps[1:])


def test_an_assume_is_in_force_until_the_next_one() -> None:
    # the first assume forbids aborting only before the second takes over, so the abort
    # can then be scripted; were assumes cumulative, the script could not get past it
    report = _check("""
scenario abort_after_prepare {
  assume tmState == init
  RMPrepare(r = 1)
  assume true
  TMAbort
  assert tmState == aborted
}""")
    assert report.property("abort_after_prepare").status == "reached"


def test_a_script_that_breaks_its_assumption_is_unreached() -> None:
    report = _check("""
scenario contradiction {
  TMAbort
  assume tmState == init
  RMRcvAbortMsg(r = 1)
}
expect contradiction fails""")
    result = report.property("contradiction")
    assert result.status == "unreached" and result.as_expected
    assert "step 1 (TMAbort" in result.message
