"""The parser's tables ship with the package (model/grammar.lalr) and must be current;
without them (an edited grammar, another lark) they are cached in the user's private cache
folder, and only there."""

from __future__ import annotations

import glob
import os

import pytest
from lark import Lark, Token
from lark.exceptions import UnexpectedInput
from lark.lexer import BasicLexer, ContextualLexer
from lark.parsers.lalr_analysis import Shift
from lark.utils import TextSlice

from model import load_text
from model import parser as parser_module
from model.cache import private_folder


@pytest.fixture
def fresh_parser(monkeypatch: pytest.MonkeyPatch, tmp_path):  # noqa: ANN001, ANN201
    """No shipped tables and an empty cache folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(parser_module, "TABLES", "no-such-tables.lalr")
    parser_module._parser.cache_clear()
    yield tmp_path
    parser_module._parser.cache_clear()


def test_the_tables_are_written_once_and_read_back(fresh_parser) -> None:  # noqa: ANN001
    parser_module._parser()
    [name] = [n for n in os.listdir(fresh_parser / "tock") if n.startswith("grammar-")]
    assert name.startswith("grammar-") and name.endswith(".cache")
    assert os.stat(fresh_parser / "tock").st_mode & 0o777 == 0o700
    parser_module._parser.cache_clear()
    system = load_text("var x: 0..1 = 0\naction a when x == 0 do { x := 1 }\nallow deadlock")
    assert len(system.successors(system.initial_states()[0])) == 1
    assert not [n for n in os.listdir(fresh_parser / "tock") if n.endswith(".partial")]


def test_a_folder_others_can_write_is_never_used(fresh_parser) -> None:  # noqa: ANN001
    (fresh_parser / "tock").mkdir()
    os.chmod(fresh_parser / "tock", 0o777)
    assert private_folder() is None
    parser_module._parser()
    assert os.listdir(fresh_parser / "tock") == []
    load_text("var x: 0..1 = 0\naction a when x == 0 do { x := 1 }\nallow deadlock")
    assert os.listdir(fresh_parser / "tock") == []  # no byte code either


def test_generated_code_is_compiled_once(fresh_parser) -> None:  # noqa: ANN001
    text = "var x: 0..3 = 0\naction a when x < 3 do { x := x + 1 }\nallow deadlock"
    first = load_text(text)
    assert len(first.successors(first.initial_states()[0])) == 1
    [entry] = os.listdir(fresh_parser / "tock" / "code")
    with open(fresh_parser / "tock" / "code" / entry, "wb") as handle:
        handle.write(b"not byte code")  # a damaged entry is rebuilt, never trusted
    again = load_text(text)
    assert [again.decode(t) for t in again.successors(again.initial_states()[0])] == [(1,)]
    assert os.listdir(fresh_parser / "tock" / "code") == [entry]
    with open(fresh_parser / "tock" / "code" / entry, "rb") as handle:
        assert handle.read() != b"not byte code"


def _canonical(parser: Lark) -> tuple:
    """The parser's LALR table with the states numbered in the order a walk from the start
    state reaches them (lark numbers them by set iteration order, which varies with the
    hash seed), and its terminals."""
    table = parser.parser.parser.parser.parse_table  # type: ignore[attr-defined]
    number: dict[int, int] = {}
    queue = [table.start_states["start"]]
    while queue:
        state = queue.pop(0)
        if state in number:
            continue
        number[state] = len(number)
        queue.extend(arg for _tok, (action, arg) in sorted(table.states[state].items())
                     if action is Shift)
    states = sorted(
        (number[state], sorted((tok, action.name, number[arg] if action is Shift else str(arg))
                               for tok, (action, arg) in actions.items()))
        for state, actions in table.states.items())
    terminals = sorted((t.name, t.pattern.type, t.pattern.value, t.priority)
                       for t in parser.terminals)
    return len(table.states), states, terminals


def test_the_shipped_tables_are_current_and_equal_a_fresh_build(monkeypatch) -> None:  # noqa: ANN001
    # `make parser-tables` after an edit of model/grammar.lark, or on a new lark
    grammar = parser_module._grammar()
    shipped = parser_module._shipped_parser(grammar)
    assert shipped is not None, "model/grammar.lalr is missing or stale: make parser-tables"
    fresh = Lark(grammar, **parser_module._OPTIONS)
    assert _canonical(shipped) == _canonical(fresh)
    text = "var x: 0..1 = 0\naction a when x == 0 do { x := 1 }\nallow deadlock\n"
    assert shipped.parse(text) == fresh.parse(text)


def test_stale_or_damaged_tables_are_never_used(monkeypatch, tmp_path) -> None:  # noqa: ANN001
    grammar = parser_module._grammar()
    assert parser_module._shipped_parser(grammar + "\n// edited\n") is None
    assert parser_module._tables_header(grammar) != parser_module._tables_header(grammar + " ")
    damaged = tmp_path / "damaged.lalr"
    damaged.write_bytes(parser_module._tables_header(grammar) + b"not compressed tables")
    monkeypatch.setattr(parser_module, "TABLES", str(damaged))  # an absolute path joins as is
    assert parser_module._shipped_parser(grammar) is None


def test_the_shipped_tables_are_used_and_no_cached_copy_is_written(monkeypatch, tmp_path) -> None:  # noqa: ANN001
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    parser_module._parser.cache_clear()
    try:
        system = load_text("var x: 0..1 = 0\naction a when x == 0 do { x := 1 }\nallow deadlock")
        assert len(system.successors(system.initial_states()[0])) == 1
        assert not [n for n in os.listdir(tmp_path / "tock") if n.startswith("grammar-")]
    finally:
        parser_module._parser.cache_clear()


def test_the_lazy_contextual_lexer_makes_lark_s_lexer_in_every_state() -> None:
    # the shipped parser makes each state's lexer on first use (parser._LazyContextualLexer);
    # lark's ContextualLexer makes them all up front from the same table and terminals
    shipped = parser_module._shipped_parser(parser_module._grammar())
    assert shipped is not None
    frontend = shipped.parser  # type: ignore[attr-defined]
    lazy = frontend.lexer
    assert isinstance(lazy, parser_module._LazyContextualLexer)
    table = frontend.parser._parse_table
    eager = ContextualLexer(shipped.lexer_conf, {s: list(row) for s, row in table.states.items()})

    def shape(lexer) -> tuple:  # noqa: ANN001
        return ([(t.name, t.pattern.to_regexp(), t.priority) for t in lexer.terminals],
                lexer.ignore_types, lexer.newline_types)

    assert len(table.states) > 100
    for state in table.states:
        assert shape(lazy.lexers[state]) == shape(eager.lexers[state]), state
    assert shape(lazy.root_lexer) == shape(eager.root_lexer)
    # one lexer per accepted set, as lark shares them
    assert len({id(lex) for lex in lazy.lexers.values()}) == len(
        {id(lex) for lex in eager.lexers.values()})


def test_the_shipped_parser_reads_every_spec_and_error_as_lark_s_own() -> None:
    # the same trees and the same syntax errors as a parser lark builds from the grammar
    grammar = parser_module._grammar()
    shipped = parser_module._shipped_parser(grammar)
    assert shipped is not None
    fresh = Lark(grammar, **parser_module._OPTIONS)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    texts = [open(path, encoding="utf-8").read()
             for path in sorted(glob.glob(os.path.join(root, "specs", "**", "*.tock"),
                                          recursive=True))]
    assert len(texts) > 10
    broken = [t[: len(t) // 3] for t in texts] + [t.replace("{", "", 1) for t in texts] + [
        t.replace(":=", "=", 1) for t in texts] + ["spec x\nvar a: 0..1 = 0 &", "var 1x"]
    for text in texts + broken:
        outcomes = []
        for parser in (shipped, fresh):
            try:
                outcomes.append(parser.parse(text))
            except UnexpectedInput as err:
                outcomes.append((type(err).__name__, err.line, err.column,
                                 sorted(getattr(err, "expected", None) or
                                        getattr(err, "allowed", None) or ())))
        assert outcomes[0] == outcomes[1]


def test_each_state_s_lexer_matches_as_lark_s_at_every_offset() -> None:
    # parser._StateLexer matches through one alternation of all terminals and compares
    # keywords as strings; lark's BasicLexer compiles an alternation per state: the same
    # token (text and type, after the keyword callback) or none, wherever lexing may start
    shipped = parser_module._shipped_parser(parser_module._grammar())
    assert shipped is not None
    lazy = shipped.parser.lexer  # type: ignore[attr-defined]
    table = shipped.parser.parser._parse_table  # type: ignore[attr-defined]
    eager = ContextualLexer(shipped.lexer_conf, {s: list(row) for s, row in table.states.items()})
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    paths = sorted(glob.glob(os.path.join(root, "specs", "**", "*.tock"), recursive=True))
    text = "".join(open(path, encoding="utf-8").read() for path in paths[:2])
    text += ("spec specx actionx 15s 15ms 15min 3h 1..2 a..b := == != <= >= -> ~> ..."
             " .. . ' & | ! # \\ \" x\" true false _a a_1 0x1 007 1e3 \u00e9 \t\r\n")
    source = TextSlice(text, 0, len(text))
    seen: set[int] = set()
    mine_kind = parser_module._StateLexer
    assert all(isinstance(lazy.lexers[s], mine_kind) for s in table.states)
    for state in table.states:
        mine, theirs = lazy.lexers[state], eager.lexers[state]
        if id(mine) in seen:
            continue
        seen.add(id(mine))
        assert type(theirs) is BasicLexer
        assert mine.scanner.allowed_types == theirs.scanner.allowed_types
        assert set(mine.callback) == set(theirs.callback)
        for pos in range(len(text)):
            got, want = mine.match(source, pos), theirs.match(source, pos)
            assert got == want, (state, pos, got, want)
            if got is not None and got[1] in theirs.callback:
                a, b = Token(got[1], got[0]), Token(got[1], got[0])
                assert mine.callback[got[1]](a).type == theirs.callback[got[1]](b).type
    assert len(seen) > 100
