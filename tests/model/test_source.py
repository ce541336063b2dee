"""Source lines and excerpts: diagnostics point where they say, whatever the line holds."""

from __future__ import annotations

import pytest

from model import SpecError, load_text
from model.diagnostics import MAX_SHOWN, Diagnostic
from model.source import SourceFile, Span, cells, escape, escape_name, excerpt, normalise


def _error(text: str) -> str:
    with pytest.raises(SpecError) as info:
        load_text(text, "t.tock")
    return info.value.render()


def test_line_endings_are_an_editors() -> None:
    assert normalise("a\r\nb\rc\n") == "a\nb\nc\n"
    assert normalise("\ufeffvar x: bool") == "var x: bool"
    source = SourceFile("f", "a\fb\nc\vd\n")
    assert source.line_count == 2
    assert source.line(1) == "a\fb" and source.line(2) == "c\vd" and source.line(3) == ""


def test_a_form_feed_does_not_shift_the_excerpt() -> None:
    err = _error("var x: bool = false // \f page\nvar y: bool = nope\n")
    assert "t.tock:2:15:" in err
    assert " 2 | var y: bool = nope" in err


def test_crlf_and_lone_cr_give_editor_lines() -> None:
    for newline in ("\r\n", "\r"):
        err = _error(f"var x: bool = false{newline}var y: bool = nope{newline}")
        assert "t.tock:2:15:" in err and " 2 | var y: bool = nope\n" in err


def test_tabs_and_wide_characters_put_the_caret_under_the_column() -> None:
    err = _error("var x: bool = false\t// 中文\n\tvar y: bool = nope // 😀\n")
    lines = err.splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith(" 2 | "))
    shown, carets = lines[k][5:], lines[k + 1][5:]
    assert shown == "    var y: bool = nope // 😀"
    assert carets.index("^") == shown.index("nope")
    shown, offset, width = excerpt("中文 x", 4, 5)
    assert (shown, offset, width) == ("中文 x", 5, 1)   # two wide characters, a space
    assert cells("e\u0301") == 1                           # a combining accent takes no cell


def test_control_characters_and_terminal_escapes_are_shown_escaped() -> None:
    assert escape("a\x1b[31mb\x00\u202e\u200b") == "a\\x1b[31mb\\x00\\u202e\\u200b"
    assert escape_name("a\tb\udcff.tock") == "a\\x09b\\xff.tock"
    err = _error("var x: bool = false\nvar y: bool = \x1b // \x1b[2J\x07\n")
    assert "\x1b" not in err and "\x07" not in err
    assert " 2 | var y: bool = \\x1b // \\x1b[2J\\x07\n" in err
    assert "unexpected character '\\x1b'" in err


def test_a_long_line_is_a_window_around_the_caret() -> None:
    line = "x" * 5000 + " oops " + "y" * 5000
    shown, offset, width = excerpt(line, 5002, 5006)
    assert shown.startswith("...") and shown.endswith("...") and len(shown) <= 170
    assert shown[offset:offset + width] == "oops"


def test_a_position_past_the_end_is_shown_at_the_end() -> None:
    source = SourceFile("f", "var x: bool\n")
    err = SpecError([Diagnostic("E101", "late", Span("f", 9, 3, 9, 4))], {"f": source})
    assert err.render().startswith("f:1:12: error[E101]: late\n 1 | var x: bool\n")


def test_at_most_twenty_diagnostics_are_printed_then_a_count() -> None:
    text = "\n".join("var = := ;" for _ in range(60))
    with pytest.raises(SpecError) as info:
        load_text(text, "t.tock")
    rendered = info.value.render()
    assert rendered.count("error[E101]") == MAX_SHOWN
    assert rendered.endswith(f"... and {len(info.value.diagnostics) - MAX_SHOWN:,} more errors\n")
