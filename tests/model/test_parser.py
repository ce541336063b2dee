"""The parser builds only AST nodes, keeps spans, and ignores formatting."""

from __future__ import annotations

import dataclasses
import glob

import lark
import pytest

from model import SpecError, ast, load_text
from model.parser import parse_text
from model.source import SourceFile


def _parse(text: str, name: str = "t.tock") -> ast.SpecFile:
    return parse_text(SourceFile(name, text))


def _nodes(value):  # noqa: ANN001, ANN202
    yield value
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from _nodes(getattr(value, f.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from _nodes(item)


@pytest.mark.parametrize("path", sorted(glob.glob("specs/**/*.tock", recursive=True))
                         + sorted(glob.glob("tests/fixtures/*.tock")))
def test_no_lark_tree_survives(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        spec = _parse(handle.read(), path)
    for node in _nodes(spec):
        assert not isinstance(node, (lark.Tree, lark.Token)), f"{type(node)} in {path}"


def test_spans_point_at_the_source() -> None:
    spec = _parse("var x: 0..3 = 0\naction inc when x < 3 do { x := x + 1 }")
    action = spec.decls[1]
    assert isinstance(action, ast.ActionDecl)
    assert (action.name_span.line, action.name_span.col) == (2, 8)
    guard = action.guard
    assert (guard.span.line, guard.span.col, guard.span.end_col) == (2, 17, 22)


def test_equality_ignores_formatting() -> None:
    a = _parse("var x: 0..3 = 0\naction inc when x < 3 do { x := x + 1 }")
    b = _parse("var x : 0 .. 3 = 0   // a counter\n\naction inc\n  when x<3\n  do {\n x := x+1 }")
    assert a.decls == b.decls


def test_precedence() -> None:
    spec = _parse("invariant p: not a and b or c implies d == e + f * g")
    expr = spec.decls[0].expr
    assert isinstance(expr, ast.Binary) and expr.op == "implies"
    assert expr.left.op == "or" and expr.left.left.op == "and"
    assert isinstance(expr.left.left.left, ast.Unary)
    right = expr.right
    assert right.op == "==" and right.right.op == "+" and right.right.right.op == "*"


def test_quantifier_extends_right_and_follows_not() -> None:
    spec = _parse("invariant p: not exists x in S: x > 1 or x < 0")
    expr = spec.decls[0].expr
    assert isinstance(expr, ast.Unary)
    assert isinstance(expr.operand, ast.Quantifier) and expr.operand.body.op == "or"


@pytest.mark.parametrize("text, millis", [("2s", 2000), ("15min", 900_000), ("250ms", 250),
                                          ("1h", 3_600_000)])
def test_durations(text: str, millis: int) -> None:
    spec = _parse(f"const T = {text}")
    assert spec.decls[0].value == ast.DurationLit(millis, text)


def test_several_syntax_errors_are_reported_together() -> None:
    from model import SpecError

    with pytest.raises(SpecError) as err:
        _parse("var x: 0..3 = 0\naction a do { x = 1 }\naction b do { x := }\nconst C = 3\n")
    assert [d.span.line for d in err.value.diagnostics] == [2, 3]


def test_recovery_never_resumes_inside_a_block_comment() -> None:
    """After a syntax error, parsing resumed at the next line starting with a keyword, even
    inside a block comment: the fuzzer's `const LONG = 1 + 1 + ...` of 500,000 tokens in a
    comment was parsed (15 s) though the token limit rightly never counted it."""
    text = ("10ay x: 0..3 = 0\n/*\nconst A = 1 + 1\n  more words\n*/\n"
            "var x: 0..1 = 0\naction a when x == 0 do { x := 1 }\n")
    with pytest.raises(SpecError) as err:
        load_text(text)
    assert [(d.code, d.span.line) for d in err.value.diagnostics] == [("E101", 1)]
