"""The editor grammar (docs/editors/tock.tmLanguage.json, docs/editors.md) highlights every
spec: tokenised with a small TextMate-style tokenizer (Python's re runs the grammar's
regular expressions, which keep to the subset Oniguruma shares), no character of a spec
falls through unscoped or lands in an invalid scope, no comment is left open at the end of
a file, and each token of the language's own lexer (model/grammar.lark) gets a scope of its
kind: a duration is a duration, a keyword a keyword, a comment a comment."""

from __future__ import annotations

import glob
import json
import os
import re
from dataclasses import dataclass, field

import pytest
from lark import Lark

from tests.test_doc_examples import extract_blocks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GRAMMAR = os.path.join(ROOT, "docs", "editors", "tock.tmLanguage.json")
ROOT_SCOPE = "source.tock"


# ------------------------------------------------------------------ a TextMate tokenizer

@dataclass
class Rule:
    """A match rule (`match`) or a begin/end rule (`begin`, `end`, inner `patterns`)."""

    name: str | None = None
    match: re.Pattern[str] | None = None
    captures: dict[int, str] = field(default_factory=dict)
    begin: re.Pattern[str] | None = None
    end: re.Pattern[str] | None = None
    begin_captures: dict[int, str] = field(default_factory=dict)
    end_captures: dict[int, str] = field(default_factory=dict)
    patterns: list[Rule] = field(default_factory=list)


def _captures(raw: dict | None) -> dict[int, str]:
    return {int(k): v["name"] for k, v in (raw or {}).items() if "name" in v}


def _compile(grammar: dict) -> list[Rule]:
    """The grammar's top-level patterns with every `include` resolved."""
    repository = grammar.get("repository", {})
    top: list[Rule] = []

    def rules(items: list[dict]) -> list[Rule]:
        out: list[Rule] = []
        for item in items:
            if "include" in item:
                ref = item["include"]
                if ref == "$self":
                    out.append(Rule(patterns=top))   # resolved lazily: the top list
                    continue
                assert ref.startswith("#"), f"unsupported include {ref}"
                entry = repository[ref[1:]]
                out.extend(rules(entry["patterns"]) if "patterns" in entry and
                           "begin" not in entry else rules([entry]))
            elif "match" in item:
                out.append(Rule(item.get("name"), re.compile(item["match"]),
                                _captures(item.get("captures"))))
            else:
                assert "begin" in item and "end" in item, item
                both = _captures(item.get("captures"))
                out.append(Rule(item.get("name"), begin=re.compile(item["begin"]),
                                end=re.compile(item["end"]),
                                begin_captures=_captures(item.get("beginCaptures")) or both,
                                end_captures=_captures(item.get("endCaptures")) or both,
                                patterns=rules(item.get("patterns", []))))
        return out

    top.extend(rules(grammar["patterns"]))
    return top


def _flat(patterns: list[Rule]) -> list[Rule]:
    out: list[Rule] = []
    for rule in patterns:
        if rule.match is None and rule.begin is None:
            out.extend(_flat(rule.patterns))
        else:
            out.append(rule)
    return out


@dataclass
class Tokens:
    scopes: list[tuple[str, ...]]   # per character of the text: its scopes, outermost first
    open_at_end: list[str]          # begin/end scopes still open at the end of the text


def tokenize(grammar: list[Rule], text: str) -> Tokens:
    """TextMate semantics, line by line: at each position the earliest match among the
    current context's patterns wins (the context's end pattern first on a tie, then the
    patterns in order); a begin rule opens a context until its end pattern matches."""
    scopes: list[tuple[str, ...]] = []
    stack: list[Rule] = []   # the open begin/end rules, carried from line to line
    for line in text.splitlines(keepends=True):
        if line.endswith("\n"):
            scopes.extend(_tokenize_line(grammar, line, stack))
        else:   # a last line without its newline is matched as if it had one
            scopes.extend(_tokenize_line(grammar, line + "\n", stack)[:-1])
    return Tokens(scopes[:len(text)], [r.name or "?" for r in stack])


def _tokenize_line(grammar: list[Rule], line: str, stack: list[Rule]
                   ) -> list[tuple[str, ...]]:
    line_scopes: list[tuple[str, ...]] = [()] * len(line)

    def base() -> tuple[str, ...]:
        return tuple(r.name for r in stack if r.name)

    def paint(start: int, stop: int, names: tuple[str, ...]) -> None:
        for k in range(start, stop):
            line_scopes[k] = names

    def paint_match(m: re.Match[str], name: str | None, caps: dict[int, str]) -> None:
        outer = base() + ((name,) if name else ())
        paint(m.start(), m.end(), outer)
        for group, cap in sorted(caps.items()):
            if group == 0:
                paint(m.start(), m.end(), outer + (cap,))
            elif m.start(group) >= 0:
                paint(m.start(group), m.end(group), outer + (cap,))

    pos = 0
    while pos < len(line):
        context = _flat(stack[-1].patterns if stack else grammar)
        best: tuple[int, Rule | None, re.Match[str]] | None = None
        if stack:
            end = stack[-1].end
            assert end is not None
            m = end.search(line, pos)
            if m is not None:
                best = (m.start(), None, m)
        for rule in context:
            regex = rule.match or rule.begin
            assert regex is not None
            m = regex.search(line, pos)
            if m is not None and (best is None or m.start() < best[0]):
                best = (m.start(), rule, m)
        if best is None:
            paint(pos, len(line), base())
            break
        start, rule, m = best
        paint(pos, start, base())
        if rule is None:                      # the context's end
            paint_match(m, None, stack[-1].end_captures)   # still inside its scope
            stack.pop()
        elif rule.match is not None:
            paint_match(m, rule.name, rule.captures)
        else:
            paint_match(m, rule.name, rule.begin_captures)
            stack.append(rule)
        pos = m.end() if m.end() > pos else pos + 1   # an empty match moves on (unscoped)
    return line_scopes


@pytest.fixture(scope="module")
def grammar() -> list[Rule]:
    with open(GRAMMAR, encoding="utf-8") as handle:
        data = json.load(handle)
    assert data["scopeName"] == ROOT_SCOPE and "tock" in data["fileTypes"]
    return _compile(data)


def _scope_at(tokens: Tokens, text: str, needle: str) -> tuple[str, ...]:
    """The scopes of the first non-blank character of the first `needle` in `text`."""
    index = text.index(needle)
    return tokens.scopes[index + len(needle) - len(needle.lstrip())]


# ------------------------------------------------------------------ the specs

def _spec_files() -> list[str]:
    found = glob.glob(os.path.join(ROOT, "specs", "**", "*.tock"), recursive=True)
    found += glob.glob(os.path.join(ROOT, "tests", "fixtures", "**", "*.tock"), recursive=True)
    found += glob.glob(os.path.join(ROOT, "bench", "**", "*.tock"), recursive=True)
    return sorted(found)


SPECS = _spec_files()


def _doc_examples() -> list[tuple[str, str]]:
    """The ```tock examples of docs/language.md (those that compile), as (id, text)."""
    with open(os.path.join(ROOT, "docs", "language.md"), encoding="utf-8") as handle:
        blocks = extract_blocks(handle.read())
    return [(f"language.md:{b.line}", b.text) for b in blocks if b.tag == "tock"]


EXAMPLES = _doc_examples()

# the language's lexer, to compare token by token (basic lexer: keywords are their own
# terminals, so a keyword used as a name counts as a keyword, as the grammar shows it)
LEXER = Lark.open(os.path.join(ROOT, "model", "grammar.lark"), parser="lalr", lexer="basic")

EXPECTED = {   # lark terminal -> the scope prefixes its characters may carry
    "COMMENT": ("comment.line",),
    "BLOCK_COMMENT": ("comment.block", "punctuation.definition.comment"),
    "DURATION": ("constant.numeric.duration",),
    "NUMBER": ("constant.numeric.integer",),
    "STRING": ("string.quoted",),
    "NAME": ("variable.", "entity.name.", "support.function."),
}
KEYWORD = ("keyword.", "storage.", "support.type.", "constant.language.")
SYMBOL = ("keyword.operator.", "punctuation.")


def test_the_specs_are_found() -> None:
    assert len(SPECS) >= 17
    assert any(path.endswith("agent_recovery.tock") for path in SPECS)
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize("where, text", EXAMPLES, ids=[w for w, _ in EXAMPLES])
def test_the_language_guide_examples_are_scoped(grammar, where: str, text: str) -> None:  # noqa: ANN001
    tokens = tokenize(grammar, text)
    assert not tokens.open_at_end, where
    for k, ch in enumerate(text):
        if not ch.isspace():
            scopes = tokens.scopes[k]
            assert scopes and not any(s.startswith("invalid") for s in scopes), (
                f"{where}+{text.count(chr(10), 0, k)}: {ch!r} is {scopes}")


@pytest.mark.parametrize("path", SPECS, ids=lambda p: os.path.relpath(p, ROOT))
def test_every_character_of_a_spec_is_scoped(grammar, path: str) -> None:  # noqa: ANN001
    with open(path, encoding="utf-8") as handle:
        text = handle.read().replace("\r\n", "\n")
    tokens = tokenize(grammar, text)
    assert not tokens.open_at_end, f"{path}: {tokens.open_at_end} open at the end"
    for k, ch in enumerate(text):
        if ch.isspace():
            continue
        scopes = tokens.scopes[k]
        line = text.count("\n", 0, k) + 1
        where = f"{os.path.relpath(path, ROOT)}:{line}: {ch!r}"
        assert scopes, f"{where} has no scope"
        assert not any(s.startswith("invalid") for s in scopes), f"{where} is {scopes}"


@pytest.mark.parametrize("path", SPECS, ids=lambda p: os.path.relpath(p, ROOT))
def test_the_scopes_agree_with_the_language_lexer(grammar, path: str) -> None:  # noqa: ANN001
    with open(path, encoding="utf-8") as handle:
        text = handle.read().replace("\r\n", "\n")
    tokens = tokenize(grammar, text)
    kinds = set()
    for token in LEXER.lex(text, dont_ignore=True):
        if token.type == "WS":
            continue
        if token.type in EXPECTED:
            allowed = EXPECTED[token.type]
        elif token.value.isalpha():   # a keyword, or one the parser takes as a name here
            allowed = KEYWORD + EXPECTED["NAME"]   # (`action set`, `process strong`)
        else:
            allowed = SYMBOL
        kinds.add(token.type)
        for k in range(token.start_pos, token.end_pos):
            innermost = tokens.scopes[k][-1] if tokens.scopes[k] else ""
            assert innermost.startswith(allowed), (
                f"{os.path.relpath(path, ROOT)}:{token.line}:{token.column}: {token.type} "
                f"{token.value!r} is {tokens.scopes[k]}")
    assert "NAME" in kinds


# ------------------------------------------------------------------ particular scopes

SAMPLE = """spec sample  // the name
/* a block
   comment */ const N = 3
type Node = 1..N
var x: [Node] -> 0..3 = 0
clock c
fair process p[i: Node] {
  timeout t after c == 150ms when x[i] < 3 do { x[i] := min(x[i] + 1, 3) reset c }
}
action a(n: Node) when forall m in Node: x[m] >= 0 and not (n in {}) do { skip }
invariant ok: x[1] <= 3
property live: x[1] == 0 ~> x[1] == 1 within 2min
expect ok holds
scenario s { a(n=1); wait 1s; assert x[1] == 0 }
import "lib.tock"
"""


def test_keywords_comments_and_literals_get_their_scopes(grammar) -> None:  # noqa: ANN001
    tokens = tokenize(grammar, SAMPLE)
    assert tokens.open_at_end == []

    def innermost(needle: str) -> str:
        return _scope_at(tokens, SAMPLE, needle)[-1]

    assert innermost("// the") == "comment.line.double-slash.tock"
    assert innermost("the name") == "comment.line.double-slash.tock"
    assert innermost("a block") == "comment.block.tock"
    assert innermost("   comment") == "comment.block.tock"
    assert innermost("comment */") == "comment.block.tock"
    assert _scope_at(tokens, SAMPLE, "*/")[-1] == "punctuation.definition.comment.end.tock"
    assert innermost("const") == "storage.type.variable.tock"
    for word in ("when", "do", "after", "reset", "wait", "assert", "within"):
        assert innermost(f" {word} ")[:8] in ("keyword.", "storage."), word
    assert innermost("forall").startswith("keyword.operator.word")
    assert innermost("not (").startswith("keyword.operator.word")
    assert innermost("fair").startswith("storage.modifier")
    assert innermost("expect").startswith("keyword")
    assert innermost("holds").startswith("keyword")
    assert innermost("150ms") == "constant.numeric.duration.tock"
    assert innermost("2min") == "constant.numeric.duration.tock"
    assert innermost("1s") == "constant.numeric.duration.tock"
    assert innermost("3\n") == "constant.numeric.integer.tock"
    assert innermost("min(") == "support.function.builtin.tock"
    assert innermost("~>") == "keyword.operator.leads-to.tock"
    assert innermost(":=") == "keyword.operator.assignment.tock"
    assert innermost("..") == "keyword.operator.range.tock"
    assert innermost('"lib.tock"') == "string.quoted.double.tock"
    assert innermost("Node =") == "entity.name.type.tock"
    assert innermost("t after") == "entity.name.function.tock"
    assert innermost("ok:") == "entity.name.function.property.tock"
    assert innermost("x[m]") == "variable.other.tock"


def test_a_character_the_language_lacks_is_invalid(grammar) -> None:  # noqa: ANN001
    for text, bad in (("var x: 0..3 = 0 # note\n", "#"), ("invariant i: x @ 1\n", "@"),
                      ("invariant i: x ! 1\n", "!"), ('import "lib.tock\n', '"')):
        tokens = tokenize(grammar, text)
        assert tokens.scopes[text.index(bad)][-1] == "invalid.illegal.tock", text


def test_the_golden_unexpected_character_is_invalid(grammar) -> None:  # noqa: ANN001
    """The diagnostics' own example of E102 (`&&`, which Tock spells `and`)."""
    path = os.path.join(ROOT, "tests", "golden", "diagnostics", "E102_character.tock")
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    tokens = tokenize(grammar, text)
    assert tokens.scopes[text.index("&&")][-1] == "invalid.illegal.tock"


def test_an_unterminated_block_comment_is_open_at_the_end(grammar) -> None:  # noqa: ANN001
    tokens = tokenize(grammar, "var x: 0..3 = 0\n/* never closed\naction a do { skip }\n")
    assert tokens.open_at_end == ["comment.block.tock"]
    tokens = tokenize(grammar, "/* closed */ var x: 0..3 = 0\n")
    assert tokens.open_at_end == []
    assert tokens.scopes[len("/* closed */ v")][-1] == "storage.type.variable.tock"


def test_the_patterns_keep_to_the_shared_regex_subset() -> None:
    """No construct that Oniguruma and Python's re read differently (or one lacks)."""
    with open(GRAMMAR, encoding="utf-8") as handle:
        data = json.load(handle)
    regexes: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("match", "begin", "end") and isinstance(value, str):
                    regexes.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    assert len(regexes) > 20
    forbidden = re.compile(r"\\[hHGAzZwWdDkKpP]|\(\?[<P]?[A-Za-z]|\(\?>|[*+?}][+]|\\[1-9]")
    for regex in regexes:
        assert not forbidden.search(regex.replace("(?<!", "").replace("(?<=", "")), regex
        re.compile(regex)
