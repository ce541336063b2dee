"""The CI reports (`tock check --junit FILE --sarif FILE`, docs/ci-outputs.md): valid against
their schemas (the OASIS SARIF 2.1.0 schema and the Jenkins JUnit schema, shipped in
tests/fixtures), one entry per property with its location, verdict, expectation and trace
summary, names from the spec escaped, the same bytes on every run."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import jsonschema
import pytest
import xmlschema
from hypothesis import given
from hypothesis import strategies as st

from checker.cli import main
from checker.render.escape import visible
from checker.render.junit import xml_text

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "fixtures")

# a violated invariant, one that holds, an expected violation, a reachable, a deadlock
# and a run-time error (a division by zero)
MIXED = """spec mixed
var x: 0..3 = 0
var y: 0..5 = 0
action inc when x < 3 do { x := x + 1 }
action boom when x == 3 do { y := 10 / (x - 3) }
invariant small: x < 3
invariant bounded: x <= 3
invariant never: x < 2
expect never fails
reachable top: x == 3
"""

TIMED = """spec timed
clock c
var x: 0..3 = 0
timeout t after c == 2s when x < 3 do { x := x + 1 reset c }
invariant small: x < 2
allow deadlock
"""


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    with open(os.path.join(FIXTURES, "sarif-schema-2.1.0.json"), encoding="utf-8") as handle:
        schema = json.load(handle)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(os.path.join(FIXTURES, "junit.xsd"))


def _run(folder, name: str, text: str, *extra: str, tag: str = "") -> tuple[int, bytes, bytes]:  # noqa: ANN001
    """Check `text` saved as folder/name (run from folder, so names stay relative); the exit
    code and the JUnit and SARIF bytes."""
    spec = os.path.join(str(folder), name)
    if not os.path.exists(spec):
        with open(spec, "w", encoding="utf-8") as handle:
            handle.write(text)
    here = os.getcwd()
    os.chdir(str(folder))
    try:
        code = main(["check", name, "--quiet", "--junit", f"r{tag}.xml", "--sarif",
                     f"r{tag}.sarif", *extra])
    finally:
        os.chdir(here)
    with open(os.path.join(str(folder), f"r{tag}.xml"), "rb") as xml_file, \
            open(os.path.join(str(folder), f"r{tag}.sarif"), "rb") as sarif_file:
        return code, xml_file.read(), sarif_file.read()


def _cases(xml: bytes) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    return {case.get("name"): case for case in root.iter("testcase")}


def test_every_property_is_a_test_case_and_a_verdict_off_its_expectation_fails(
        tmp_path, capsys, junit_schema) -> None:  # noqa: ANN001
    code, xml, _ = _run(tmp_path, "mixed.tock", MIXED)
    capsys.readouterr()
    assert code == 1
    junit_schema.validate(xml.decode("utf-8"))
    root = ET.fromstring(xml)
    suites = root.findall("testsuite")
    assert root.tag == "testsuites" and len(suites) == 1
    suite = suites[0]
    assert (suite.get("name"), suite.get("file")) == ("mixed", "mixed.tock")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"),
            suite.get("skipped")) == ("6", "3", "0", "0")
    cases = _cases(xml)
    assert list(cases) == ["small", "bounded", "never", "top", "deadlock", "runtime"]
    failed = {name for name, case in cases.items() if case.find("failure") is not None}
    assert failed == {"small", "deadlock", "runtime"}
    assert cases["small"].get("classname") == "mixed.invariant"
    failure = cases["small"].find("failure")
    assert failure.get("type") == "invariant"
    assert "expected to hold" in failure.get("message")
    body = failure.text
    assert "location: mixed.tock:6:1" in body and "trace: 3 steps" in body
    assert "x: 2 -> 3" in body   # the trace itself
    runtime = cases["runtime"].find("failure")
    assert "division by zero" in runtime.get("message")
    assert "location: mixed.tock:5:35" in runtime.text and "trace: 4 steps" in runtime.text
    # the expected violation passes, and says what happened
    never = cases["never"]
    assert never.find("failure") is None and never.find("skipped") is None
    out = never.find("system-out").text
    assert "verdict: violated" in out and "expected: fails" in out and "trace: 2 steps" in out
    assert "as expected: yes" in out


def test_an_undecided_verdict_is_skipped_with_the_reason(tmp_path, capsys, junit_schema,
                                                         sarif_validator) -> None:  # noqa: ANN001
    code, xml, sarif = _run(tmp_path, "mixed.tock", MIXED, "--max-states", "2")
    capsys.readouterr()
    assert code == 3
    junit_schema.validate(xml.decode("utf-8"))
    skipped = [case for case in _cases(xml).values() if case.find("skipped") is not None]
    assert skipped
    assert "--max-states" in skipped[0].find("skipped").get("message")
    assert ET.fromstring(xml).find("testsuite").get("skipped") == str(len(skipped))
    data = json.loads(sarif)
    sarif_validator.validate(data)
    undecided = [r for r in data["runs"][0]["results"] if r["properties"]["verdict"] == "unknown"]
    assert len(undecided) == len(skipped)
    assert {(r["kind"], r["level"]) for r in undecided} == {("fail", "warning")}


def test_the_sarif_log_is_valid_and_locates_each_result(tmp_path, capsys,
                                                        sarif_validator) -> None:  # noqa: ANN001
    code, _, sarif = _run(tmp_path, "mixed.tock", MIXED)
    capsys.readouterr()
    assert code == 1
    data = json.loads(sarif)
    sarif_validator.validate(data)
    assert data["version"] == "2.1.0" and len(data["runs"]) == 1
    run = data["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "tock"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    results = {r["properties"]["name"]: r for r in run["results"]}
    assert list(results) == ["small", "bounded", "never", "top", "deadlock", "runtime"]
    for r in results.values():
        assert rule_ids[r["ruleIndex"]] == r["ruleId"] == r["properties"]["propertyKind"]
    levels = {name: (r["kind"], r["level"]) for name, r in results.items()}
    assert levels == {"small": ("fail", "error"), "bounded": ("pass", "none"),
                      "never": ("pass", "none"), "top": ("pass", "none"),
                      "deadlock": ("fail", "error"), "runtime": ("fail", "error")}

    def region(name: str) -> tuple[str, int, int]:
        physical = results[name]["locations"][0]["physicalLocation"]
        return (physical["artifactLocation"]["uri"], physical["region"]["startLine"],
                physical["region"]["startColumn"])

    assert region("small") == ("mixed.tock", 6, 1)
    assert region("runtime") == ("mixed.tock", 5, 35)
    # the deadlock has no declaration: the result points at the file
    deadlock = results["deadlock"]["locations"][0]["physicalLocation"]
    assert deadlock == {"artifactLocation": {"uri": "mixed.tock"}}
    assert results["never"]["properties"]["expected"] == "fails"
    assert results["small"]["properties"]["traceSteps"] == 3
    # the trace as a code flow: a location per step, each action at its declaration
    flow = results["runtime"]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert len(flow) == 5
    assert flow[0]["location"]["message"]["text"] == "initial state"
    assert flow[0]["state"] == {"x": {"text": "0"}, "y": {"text": "0"}}
    assert flow[1]["location"]["physicalLocation"]["region"]["startLine"] == 4   # inc
    assert flow[4]["location"]["physicalLocation"]["region"]["startLine"] == 5   # boom
    assert "division by zero" in flow[4]["location"]["message"]["text"]
    assert "codeFlows" not in results["bounded"]


def test_a_timed_trace_gives_its_final_time(tmp_path, capsys, sarif_validator,
                                            junit_schema) -> None:  # noqa: ANN001
    code, xml, sarif = _run(tmp_path, "timed.tock", TIMED)
    capsys.readouterr()
    assert code == 1
    junit_schema.validate(xml.decode("utf-8"))
    assert "trace: 2 steps, ends at t=4" in _cases(xml)["small"].find("failure").text
    data = json.loads(sarif)
    sarif_validator.validate(data)
    small = data["runs"][0]["results"][0]
    assert small["properties"]["finalTime"] == "4"
    steps = small["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["properties"].get("time") for s in steps] == ["0", "2", "4"]
    assert "at t=2" in steps[1]["location"]["message"]["text"]


WEIRD = 'we<i>rd&"q\'\x01'   # a spec named after its file: markup, quotes, a control character


def test_names_from_the_spec_are_escaped(tmp_path, capsys, sarif_validator,
                                         junit_schema) -> None:  # noqa: ANN001
    text = MIXED.split("\n", 1)[1]   # no `spec` line: the spec is named after the file
    code, xml, sarif = _run(tmp_path, WEIRD + ".tock", text)
    capsys.readouterr()
    assert code == 1
    assert b"\x01" not in xml and b"\x01" not in sarif
    junit_schema.validate(xml.decode("utf-8"))   # well-formed XML 1.0 and valid
    suite = ET.fromstring(xml).find("testsuite")
    assert suite.get("name") == 'we<i>rd&"q\'\\x01'   # the control character shown as \x01
    assert suite.get("file") == 'we<i>rd&"q\'\\x01.tock'
    assert "x < 3 = false" in _cases(xml)["small"].find("failure").text
    data = json.loads(sarif)
    sarif_validator.validate(data)
    run = data["runs"][0]
    assert run["properties"]["spec"] == 'we<i>rd&"q\'\\x01'
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "we%3Ci%3Erd%26%22q%27%01.tock"   # the real file name, percent-encoded


@pytest.mark.parametrize("text", [MIXED, TIMED])
def test_both_reports_are_deterministic(tmp_path, capsys, text: str) -> None:  # noqa: ANN001
    first = _run(tmp_path, "s.tock", text, tag="1")
    second = _run(tmp_path, "s.tock", text, tag="2")
    capsys.readouterr()
    assert first == second
    assert str(tmp_path).encode() not in first[1] + first[2]   # no absolute paths


def test_an_absolute_spec_path_is_a_file_uri(tmp_path, capsys, sarif_validator) -> None:  # noqa: ANN001
    spec = tmp_path / "abs.tock"
    spec.write_text(MIXED)
    out = tmp_path / "abs.sarif"
    assert main(["check", str(spec), "--quiet", "--sarif", str(out)]) == 1
    capsys.readouterr()
    data = json.loads(out.read_text())
    sarif_validator.validate(data)
    uri = data["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"] == "file://" + str(spec)


def test_the_ci_reports_are_written_like_the_others(tmp_path, capsys) -> None:  # noqa: ANN001
    spec = tmp_path / "s.tock"
    spec.write_text(MIXED)
    for option in ("--junit", "--sarif"):
        assert main(["check", str(spec), option, str(spec)]) == 2
        assert "an input of this run" in capsys.readouterr().err
        link = tmp_path / f"link{option}"
        link.symlink_to(tmp_path / "victim")
        assert main(["check", str(spec), option, str(link)]) == 2
        assert "symbolic link" in capsys.readouterr().err
        assert not (tmp_path / "victim").exists()
    assert spec.read_text() == MIXED


def test_a_lasso_validates_and_says_where_it_cycles(tmp_path, capsys, sarif_validator,
                                                   junit_schema) -> None:  # noqa: ANN001
    """A leads-to counterexample that ends in a cycle: the expected violation of
    specs/liveness/naive_lock.tock."""
    spec = os.path.join(os.path.dirname(os.path.dirname(FIXTURES)), "specs", "liveness",
                        "naive_lock.tock")
    xml_path, sarif_path = tmp_path / "r.xml", tmp_path / "r.sarif"
    assert main(["check", spec, "--quiet", "--junit", str(xml_path), "--sarif",
                 str(sarif_path)]) == 0
    capsys.readouterr()
    junit_schema.validate(str(xml_path))
    data = json.loads(sarif_path.read_text(encoding="utf-8"))
    sarif_validator.validate(data)
    results = data["runs"][0]["results"]
    assert {r["kind"] for r in results} == {"pass"}
    lasso = [r for r in results if r["ruleId"] == "leadsto" and "codeFlows" in r]
    assert lasso
    steps = lasso[0]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert sum("the cycle returns" in s["location"]["message"]["text"] for s in steps) == 1
    assert "ends in a cycle" in xml_path.read_text(encoding="utf-8")


SCENARIO = """spec sc
var x: 0..3 = 0
action inc when x < 3 do { x := x + 1 }
allow deadlock
scenario wrong { inc; assert x == 2 }
expect wrong fails
"""


def test_a_scenario_is_located_at_its_failing_assert(tmp_path, capsys, sarif_validator,
                                                     junit_schema) -> None:  # noqa: ANN001
    code, xml, sarif = _run(tmp_path, "sc.tock", SCENARIO)
    capsys.readouterr()
    assert code == 0
    junit_schema.validate(xml.decode("utf-8"))
    case = _cases(xml)["wrong"]
    assert case.get("classname") == "sc.scenario" and case.find("failure") is None
    assert "location: sc.tock:5:23" in case.find("system-out").text
    data = json.loads(sarif)
    sarif_validator.validate(data)
    (result,) = [r for r in data["runs"][0]["results"] if r["ruleId"] == "scenario"]
    assert (result["kind"], result["level"]) == ("pass", "none")
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 5,
                                                                    "startColumn": 23}


@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF)))
def test_any_text_is_safe_in_xml(text: str) -> None:
    """Whatever a name holds (control characters, lone surrogates, U+FFFE), the JUnit
    escaping yields well-formed XML 1.0 in an attribute and in element text, showing the
    text as the text report does."""
    safe = xml_text(text)
    element = ET.fromstring(f'<a b="{safe}">{safe}</a>'.encode("utf-8", "surrogatepass"))
    assert element.get("b") == element.text or (element.text is None and element.get("b") == "")
    shown = visible(text)
    if "\ufffe" not in shown and "\uffff" not in shown:
        assert element.get("b") == shown


def test_a_file_name_that_is_not_utf8(tmp_path, capsys, sarif_validator,
                                      junit_schema) -> None:  # noqa: ANN001
    """A byte that is not UTF-8 in the spec's file name (Python's surrogate escape): shown
    as \\xff in the JUnit report, percent-encoded as that byte in the SARIF URI."""
    name = os.fsdecode(b"b\xffd.tock")
    code, xml, sarif = _run(tmp_path, name, MIXED.split("\n", 1)[1])
    capsys.readouterr()
    assert code == 1
    junit_schema.validate(xml.decode("utf-8"))
    assert ET.fromstring(xml).find("testsuite").get("file") == "b\\xffd.tock"
    data = json.loads(sarif)
    sarif_validator.validate(data)
    location = data["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "b%FFd.tock"
