"""The fuzzer in CI: a brief run with a fixed seed must find nothing, and the fuzzer's own
parts (the inputs, the oracle, the shrinker) must do what the long runs rely on."""

from __future__ import annotations

from tests.fuzz.driver import Limits, prepare, run_case
from tests.fuzz.mutate import STRATEGIES, Case, make_case
from tests.fuzz.oracle import Outcome, classify, display
from tests.fuzz.run import fuzz, render_summary
from tests.fuzz.shrink import shrink

SEED = 2024
COUNT = 150      # 15-60 s with two workers on this two-core machine, as loaded


def test_a_brief_fuzz_run_finds_nothing() -> None:
    summary = fuzz(SEED, COUNT, jobs=2, limits=Limits(seconds=10), shrink_seconds=0)
    assert sum(summary.classes.values()) == COUNT
    assert summary.failed == 0, render_summary(summary)


def test_inputs_are_a_function_of_seed_and_index() -> None:
    assert make_case(5, 17) == make_case(5, 17)
    assert make_case(5, 17) != make_case(6, 17)
    used = {name for i in range(300) for name in make_case(1, i).strategies}
    assert set(STRATEGIES) <= used


def _outcome(stderr: str, text: bytes, exit: int = 2, **kw) -> Outcome:  # noqa: ANN003
    base = dict(exit=exit, signal=None, timed_out=False, stdout="", stderr=stderr, escaped="",
                stack="", seconds=0.1, files={"s.tock": text}, clobbered=(), svgs={})
    base.update(kw)
    return Outcome(**base)  # type: ignore[arg-type]


NAMES = {"s.tock": "s.tock"}


def test_the_oracle_checks_each_excerpt_against_the_input() -> None:
    text = b"var x: bool\n\tvar y: bool = nope\n"
    good = ("s.tock:2:16: error[E201]: x\n 2 |     var y: bool = nope\n   | " + " " * 18
            + "^^^^\n")
    assert classify(_outcome(good, text), NAMES).klass == "diagnostic"
    wrong_line = good.replace("s.tock:2:16", "s.tock:1:15")
    assert classify(_outcome(wrong_line, text), NAMES).signature.startswith("misplaced")
    shifted = good.replace("   | " + " " * 18, "   | " + " " * 17)
    assert classify(_outcome(shifted, text), NAMES).signature == "misplaced:caret:E201"
    past = good.replace("s.tock:2:16", "s.tock:9:1")
    assert classify(_outcome(past, text), NAMES).signature == "misplaced:line-past-end:E201"
    assert display("a\x1b\tb") == "a\\x1b    b"


def test_a_caret_next_to_a_combining_mark_is_judged_on_either_side_of_it() -> None:
    # a long line ending in e + U+0301; the caret at the end of the file, after the accent
    line = "x = " + "(" * 200 + " // e\u0301"
    text = line.encode("utf-8")
    col = len(line) + 1
    shown = "..." + line[-40:]
    good = (f"s.tock:1:{col}: error[E103]: x\n 1 | {shown}\n   | "
            + " " * (3 + 39) + "^\n")   # the accent takes no cell
    assert classify(_outcome(good, text), NAMES).klass == "diagnostic"
    cut = good.replace(f" 1 | {shown}", f" 1 | ...{line[-40:-12]}")
    assert classify(_outcome(cut, text), NAMES).signature.startswith("misplaced")


def test_the_oracle_flags_raw_controls_floods_tracebacks_and_clobbers() -> None:
    assert classify(_outcome("tock: \x1b[31m\n", b""), NAMES).klass == "raw-control"
    many = "".join(f"s.tock:1:1: error[E101]: {k}\n 1 | x\n   | ^\n" for k in range(30))
    assert classify(_outcome(many, b"x\n"), NAMES).klass == "flood"
    crash = "Traceback (most recent call last):\n  File \"/r/model/types.py\", line 3, in " \
            "values\nNotImplementedError\n"
    verdict = classify(_outcome(crash, b"", exit=4), NAMES)
    assert verdict.signature == "internal:NotImplementedError:model/types.py:values"
    assert classify(_outcome("", b"", exit=0, clobbered=("s.tock",)), NAMES).klass == "clobber"
    assert classify(_outcome("", b"", exit=None, timed_out=True), NAMES).klass == "hang"


def test_a_failure_shrinks_to_the_lines_and_tokens_that_cause_it() -> None:
    prepare()
    spec = b"var a: bool = false\nvar b: bool = false\nconst N = " + b"9" * 60 + b"\n"
    case = Case(0, "t", "spec.tock", spec, ("check", "spec.tock", "--debug"))
    limits = Limits(seconds=10)
    signature = run_case(case, limits)[1].signature
    assert signature == ""   # a clean diagnostic: shrink keeps its (empty) signature

    def code_of(c: Case) -> str:
        out = run_case(c, limits)[0]
        return "E106" if "error[E106]" in out.stderr else "other"

    small = shrink(case, "E106", code_of, budget_seconds=60)
    assert small.spec.strip() == b"9" * 60 or small.spec.strip().endswith(b"9" * 60)
    assert len(small.spec) < len(spec) - 30
