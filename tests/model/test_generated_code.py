"""Generated code a person can debug: each action instance's block names the action, its
arguments and its place in the spec (in comments that nothing in a spec can break out of),
tracebacks through generated code show its lines, masks are hex, and `tock explain --code`
shows the code of the engine that will run."""

from __future__ import annotations

import re
import traceback

import pytest

from checker.cli import main
from model import load_spec, load_text
from model.codegen import compile_zones, sanitize
from model.system import DiscreteTimeSystem


def test_each_instance_block_names_its_action_arguments_and_place() -> None:
    source = load_spec("specs/conformance/twophase.tock").code.source
    assert "# action RMPrepare(r=2) at specs/conformance/twophase.tock:35" in source
    assert "# action TMCommit at specs/conformance/twophase.tock:24" in source
    assert "# invariant TCConsistent at specs/conformance/twophase.tock:" in source


def test_a_table_driven_action_says_so() -> None:
    system = load_text("var x: 0..1 = 0\naction big(i: 1..100) when x == 0 do { x := 1 }\n"
                       "allow deadlock", "specs/t.tock")
    assert ("# action big(i), each argument tuple from a table at specs/t.tock:2"
            in system.code.source)


@pytest.mark.parametrize("name", [
    "evil\nimport os\nos.system('x') #.tock",
    "a\rb\x00c\u2028d\x1be.tock",
    "ünïcode.tock",
])
def test_nothing_in_a_spec_breaks_out_of_a_comment(name: str) -> None:
    system = load_text("var x: 0..1 = 0\naction go when x == 0 do { x := 1 }\nallow deadlock",
                       name)
    source = system.code.source
    compile(source, "<check>", "exec")  # still Python
    for line in source.splitlines():
        assert all(" " <= c <= "~" for c in line), repr(line)
        assert not line.lstrip().startswith(("import", "os.")), line
    assert sanitize(name) in source
    assert len(system.successors(system.initial_states()[0])) == 1


def test_identifiers_in_code_stay_ours() -> None:
    system = load_text("type Evil = enum { __import__, exec }\nvar os: Evil = __import__\n"
                       "action system when os == __import__ do { os := exec }\nallow deadlock")
    code_lines = [line for line in system.code.source.splitlines()
                  if not line.lstrip().startswith("#")]
    assert not any(word in line for line in code_lines for word in ("__import__", "exec",
                                                                    "system", "os"))


def test_a_traceback_through_generated_code_shows_its_lines() -> None:
    system = load_spec("specs/conformance/twophase.tock")
    with pytest.raises(TypeError) as info:
        system.successors("not a state")  # type: ignore[arg-type]
    text = "".join(traceback.format_exception(info.value))
    assert "<tock:twophase:explicit:" in text
    # the generated line itself: the first field the successor function decodes
    assert re.search(r"_d\d+ = \(\(s >> 6\) & 0x3\)", text)


def test_fields_read_more_than_once_are_decoded_once() -> None:
    source = load_spec("specs/conformance/twophase.tock").code.source
    succ = source[source.index("def _succ(s):"):source.index("def _labeled(s):")]
    [name] = re.findall(r"(_d\d+) = \(\(s >> 6\) & 0x3\)", succ)  # the TM's state
    assert "((s >> 6) & 0x3)" not in succ.replace(f"{name} = ((s >> 6) & 0x3)", "")
    # the TM's actions all test it first: one `if` of that test holds them all
    assert succ.count(f"if ({name} == 0):") == 1


def test_zone_and_discrete_modules_are_registered_too() -> None:
    system = load_spec("specs/timed/fischer.tock")
    zones = compile_zones(system.model, system.layout)
    with pytest.raises(TypeError) as info:
        zones.succ("not a state")  # type: ignore[arg-type]
    assert "_zsucc" in "".join(traceback.format_exception(info.value))
    discrete = DiscreteTimeSystem(system.model, system.sources, 1000)
    with pytest.raises(TypeError) as info:
        discrete.tick("not a state")  # type: ignore[arg-type]
    assert "<tock:fischer:discrete:" in "".join(traceback.format_exception(info.value))


def test_masks_are_hex_and_shifts_decimal() -> None:
    source = load_spec("specs/conformance/twophase.tock").code.source
    assert re.search(r"& 0x[0-9a-f]+\)", source)
    assert re.search(r"& ~0x[0-9a-f]+\)", source)  # clearing a field before a store
    assert re.search(r">> \d+\)", source) and re.search(r"<< \d+\)", source)
    assert not re.search(r"& -?\d{2,}\b", source), "a decimal mask"


def _explain(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["explain", *args]) == 0
    return capsys.readouterr().out


def test_explain_code_shows_the_engine_that_will_run(capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    out = _explain(capsys, "specs/conformance/twophase.tock", "--code")
    assert "generated code (explicit engine)" in out and "def _succ(s):" in out
    out = _explain(capsys, "specs/timed/fischer.tock", "--code")
    assert "generated code (zone engine)" in out and "def _zsucc(s):" in out
    assert "def _succ(s):" not in out
    out = _explain(capsys, "specs/timed/fischer.tock", "--code", "--time", "discrete")
    assert "generated code (discrete-time engine, tick 1s)" in out and "def _tick(s):" in out
    out = _explain(capsys, "specs/timed/fischer.tock", "--code", "--time", "discrete",
                   "--tick", "500ms")
    assert "tick 500ms" in out


def test_explain_code_says_when_the_discrete_engine_refuses(
        capsys: pytest.CaptureFixture[str], tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "strict.tock"
    path.write_text("clock c\nvar x: 0..1 = 0\naction a when x == 0 and c > 1s do { x := 1 }\n"
                    "allow deadlock\n")
    out = _explain(capsys, str(path), "--code", "--time", "discrete")
    assert "none: the discrete engine refuses this spec" in out


def test_range_checks_the_guard_implies_are_left_out() -> None:
    # x < 3 makes x + 1 fit 0..3; after that write, the second x + 1 may not; y > 0 says
    # nothing of y + 1; the bag's and the array's checks stay (the differential test's
    # guard_implied_ranges snippet holds the behaviour to the interpreter)
    system = load_text("var x: 0..3 = 0\nvar y: 0..3 = 0\n"
                       "action a when x < 3 and y > 0 do { x := x + 1; y := y - 1 }\n"
                       "action b when x < 3 do { x := x + 1; x := x + 1 }\n"
                       "action c when y > 0 do { y := y + 1 }\n"
                       "allow deadlock", "specs/t.tock")
    fast = system.code.source.split("def _labeled")[0]
    blocks = dict(re.findall(r"# action (\w) at [^\n]*\n((?:    (?!#)[^\n]*\n)*)", fast))
    assert "_chk" not in blocks["a"], blocks["a"]
    assert blocks["b"].count("_chk") == 1, blocks["b"]
    assert blocks["c"].count("_chk") == 1, blocks["c"]
