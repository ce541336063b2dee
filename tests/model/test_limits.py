"""Limits: inputs that would hang a later phase, exhaust memory or give a wrong answer are
spec errors with a code, a span and a hint; domains are arithmetic, never enumerated."""

from __future__ import annotations

import os

import pytest

from model import SpecError, load_spec, load_text
from model.interp import execute
from model.limits import MAX_IR_DEPTH, MAX_ZONE_UNITS
from model.parser import MAX_NESTING
from model.types import BOOL, SIZE_CAP, ArrayT, IntT, QueueT, SetT

K61 = 2**61


def _codes(text: str, constants: dict[str, str] | None = None) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as info:
        load_text(text, "t.tock", constants)
    return [(d.code, d.message) for d in info.value.diagnostics]


def test_the_2_to_61_false_violation_is_a_spec_error() -> None:
    # as reported: a guard and a bound at 2^61 ms gave a trace at t=2305843009213694 that
    # "violated" `not done or c >= ...`
    text = (f"clock c\nvar done: bool = false\n"
            f"action fin when c >= {K61}ms and not done do {{ done := true }}\n"
            f"bound c <= {K61}ms while not done\n"
            f"invariant ok: not done or c >= {K61}ms\n")
    with pytest.raises(SpecError) as info:
        load_text(text, "t.tock")
    d = info.value.diagnostics[0]
    assert d.code == "E404" and str(K61) in d.message
    assert (d.span.line, d.span.col) == (3, 17)
    assert "ms" in (d.hint or "")


def test_time_constants_count_in_units_of_their_gcd() -> None:
    base = ("clock c\nvar b: bool = false\n"
            "action a when c <= {small} and not b do {{ b := true }}\n"
            "action z when c >= {big} do {{ b := false; reset c }}\n")
    # 1 ms and 100 h: 360,000,000 units, refused; 1 s and 100 h: 360,000 units, fine
    assert _codes(base.format(small="1ms", big="100h"))[0][0] == "E404"
    load_text(base.format(small="1s", big="100h"), "t.tock")
    # the limit itself
    load_text(base.format(small="1ms", big=f"{MAX_ZONE_UNITS}ms"), "t.tock")
    assert _codes(base.format(small="1ms", big=f"{MAX_ZONE_UNITS + 1}ms"))[0][0] == "E404"


def test_scenario_waits_and_within_are_time_constants_too() -> None:
    text = ("clock c\nvar b: bool = false\naction a when c <= 1ms do { b := not b }\n"
            "scenario long {\n  a\n  wait 100h\n  a\n}\n")
    assert _codes(text)[0][0] == "E404"
    text = ("clock c\nvar b: bool = false\naction a when c <= 1ms do { b := not b }\n"
            "property r: b ~> not b within 100h\n")
    assert _codes(text)[0][0] == "E404"


def test_huge_domains_cost_nothing_until_a_limit_refuses_them() -> None:
    huge = ArrayT(IntT(0, 2**32), BOOL)
    assert huge.width == 2**32 + 1 and huge.size() == SIZE_CAP
    assert SetT(IntT(0, 10**9)).size() == SIZE_CAP
    assert QueueT(10**9, BOOL).size() == SIZE_CAP and QueueT(3, BOOL).size() == 15
    assert not huge.contains((False,) * 3)
    codes = _codes("var m: [0..4294967296] -> bool\naction a do { m[0] := true }")
    assert codes[0][0] == "E403"
    codes = _codes("var m: [0..4294967296] -> bool = false\naction a do { m[0] := true }")
    assert codes[0][0] == "E506"  # the initial value would have 2^32 elements


def test_process_and_action_instances_are_bounded() -> None:
    text = "const N = 3\nvar n: 0..3 = 0\nprocess p[i: 0..N] {\n  action a do { n := 0 }\n}\n"
    for count in ("1000000", "4294967296"):
        assert _codes(text, {"N": count})[0][0] in ("E401", "E402")
    assert _codes("var n: 0..3 = 0\naction a(x: 0..100000) do { n := 0 }")[0][0] == "E402"
    assert _codes("clock c: [0..999]\nvar n: 0..3 = 0\naction a do { n := 0 }")[0][0] == "E402"
    # (a param of 10^9 values still hangs in model/check.py, which lists its domain)
    assert _codes("param p: 0..200000\nvar n: 0..3 = 0\naction a do { n := 0 }")[0][0] \
        == "E402"


def test_empty_domains_are_spec_errors_or_nothing_never_a_crash() -> None:
    # an empty range is refused where it is written (model/check.py, E302), so an empty
    # process index is too; set --set N=0 on a process indexed by 1..N:
    text = "const N = 3\ntype C = 1..N\nvar n: 0..3 = 0\nprocess p[i: C] {\n" \
           "  var up: bool = false\n  action a do { up := true }\n}\n"
    assert _codes(text, {"N": "0"})[0][0] == "E302"
    assert _codes("var x: 1..0\naction a do { skip }")[0][0] == "E302"
    # an unknown index type leaves an error type, which has no values (was
    # NotImplementedError in types.values)
    codes = _codes("process t[n: Nope] {\n  var v: bool = false\n}\n")
    assert codes[0][0] == "E203"
    # the types themselves: an empty range has no values and nothing has a default there
    assert list(IntT(1, 0).values()) == [] and IntT(1, 0).is_empty()
    assert ArrayT(IntT(1, 0), BOOL).size() == 1 and ArrayT(BOOL, IntT(1, 0)).is_empty()
    assert list(QueueT(10**9, IntT(1, 0)).values()) == [()]


def test_nesting_is_bounded_in_the_parser_and_after_definitions_expand() -> None:
    ok = "var b: bool = false\ninvariant i: " + "not " * (MAX_NESTING - 4) + "b or true"
    load_text(ok, "t.tock")
    deep = "var b: bool = false\ninvariant i: " + "not " * 300 + "b or true"
    assert _codes(deep)[0][0] == "E107"
    defs = ["var x: 0..3 = 0", "def d0 = x"] + [f"def d{k} = d{k - 1} + 1"
                                                 for k in range(1, MAX_IR_DEPTH + 5)]
    defs.append(f"action a when d{MAX_IR_DEPTH + 4} > 0 do {{ x := 0 }}")
    codes = _codes("\n".join(defs))
    assert codes[0][0] == "E107" and "definitions" in codes[0][1]


def test_long_blocks_and_literals_are_bounded() -> None:
    block = "\n".join("  x := 1" for _ in range(501))
    assert _codes(f"var x: 0..3 = 0\naction a do {{\n{block}\n}}")[0][0] == "E108"
    assert _codes("const C = " + "9" * 5000)[0][0] == "E106"
    assert _codes("var x: 0..3 = 0\naction a do { x := 0 }", {"C": "9" * 5000})[0][0] == "E208"


def test_a_block_at_the_limit_runs_without_recursion() -> None:
    block = "\n".join(f"  x := {k % 4}" for k in range(500))
    system = load_text(f"var x: 0..3 = 0\naction a do {{\n{block}\n}}", "t.tock")
    action = system.model.actions[0]
    outcomes = list(execute(action.body, (0,), {}, (), ()))
    assert [o.state for o in outcomes] == [(499 % 4,)]


def test_constant_arithmetic_stops_at_4096_bits() -> None:
    lines = ["const C0 = 99999999999"] + [f"const C{k} = C{k - 1} * C{k - 1}" for k in
                                         range(1, 40)]
    lines += ["var x: 0..3 = 0", "action a when x < C39 do { x := 0 }"]
    assert _codes("\n".join(lines))[0][0] == "E506"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symlinks")
def test_only_spec_files_are_read(tmp_path) -> None:  # noqa: ANN001
    secret = tmp_path / "secret.txt"
    secret.write_text("password: hunter2\n")
    for target in (str(secret), "/dev/zero", str(tmp_path)):
        link = tmp_path / "x.tock"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(target)
        with pytest.raises(SpecError) as info:
            load_spec(str(link))
        text = info.value.render()
        assert "error[E104]" in text and "hunter2" not in text and "not a .tock file" in text
    big = tmp_path / "big.tock"
    big.write_bytes(b"// " + b"x" * (1 << 20) + b"\n")
    with pytest.raises(SpecError) as info:
        load_spec(str(big))
    assert "at most 1,048,576" in info.value.render()
    fifo = tmp_path / "fifo.tock"
    os.mkfifo(fifo)
    with pytest.raises(SpecError) as info:   # would block forever if it were opened to read
        load_spec(str(fifo))
    assert "not a regular file" in info.value.render()
