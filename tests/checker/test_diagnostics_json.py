"""`--diagnostics json-lines` (docs/editors.md): every spec error as one JSON object per line
on stderr, for editors; the exit code stays 2 and stdout stays empty; every command that
loads a spec takes it."""

from __future__ import annotations

import json

import pytest

from checker.cli import main

TWO_ERRORS = """spec bad
var x: 0..3 = 0
action a when y > 0 do { x := z }
"""

SYNTAX = """spec syn
var x: 0..3 =
action a do { x := 1 }
"""

KEYS = ["file", "line", "column", "end_line", "end_column", "code", "severity", "title",
        "message", "hint", "notes"]


def _lines(err: str) -> list[dict]:
    return [json.loads(line) for line in err.splitlines()]


@pytest.mark.parametrize("command", ["check", "explain", "graph"])
def test_two_errors_are_two_json_lines(tmp_path, capsys, command: str) -> None:  # noqa: ANN001
    spec = tmp_path / "two.tock"
    spec.write_text(TWO_ERRORS)
    assert main([command, str(spec), "--diagnostics", "json-lines"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    found = _lines(err)   # every line of stderr is one diagnostic, nothing else
    assert [list(d) for d in found] == [KEYS, KEYS]
    assert [(d["line"], d["column"], d["end_line"], d["end_column"]) for d in found] == [
        (3, 15, 3, 16), (3, 31, 3, 32)]
    assert {d["code"] for d in found} == {"E201"}
    assert {d["severity"] for d in found} == {"error"}
    assert found[0]["file"] == str(spec)
    assert "'y'" in found[0]["message"] and "'z'" in found[1]["message"]


def test_a_syntax_error_is_one_line(tmp_path, capsys) -> None:  # noqa: ANN001
    spec = tmp_path / "syn.tock"
    spec.write_text(SYNTAX)
    assert main(["check", str(spec), "--diagnostics", "json-lines"]) == 2
    (found,) = _lines(capsys.readouterr().err)
    assert (found["code"], found["title"], found["line"], found["column"]) == (
        "E101", "syntax error", 3, 8)
    assert found["message"].startswith("unexpected name 'a'")


def test_hints_and_the_text_form_are_unchanged(tmp_path, capsys) -> None:  # noqa: ANN001
    spec = tmp_path / "hint.tock"
    spec.write_text("var count: 0..3 = 0\naction a do { cuont := 1 }\n")
    assert main(["check", str(spec), "--diagnostics", "json-lines"]) == 2
    (found,) = _lines(capsys.readouterr().err)
    assert found["hint"] == "did you mean 'count'?"
    assert main(["check", str(spec)]) == 2      # the default stays the compiler-like text
    err = capsys.readouterr().err
    assert "error[E201]" in err and "tock: 1 error in" in err and not err.startswith("{")


def test_the_file_is_named_as_it_is_and_the_output_is_ascii(tmp_path, capsys) -> None:  # noqa: ANN001
    spec = tmp_path / "spéc\x01.tock"
    spec.write_text("var x: 0..3 = 0\naction a do { x := \u00e9t\u00e9 }\n")
    assert main(["explain", str(spec), "--diagnostics", "json-lines"]) == 2
    err = capsys.readouterr().err
    assert err.isascii() and "\x01" not in err
    (found,) = _lines(err)
    assert found["file"] == str(spec)      # the real name, so an editor can open it
