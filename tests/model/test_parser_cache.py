"""The parser's tables are cached in the user's private cache folder, and only there."""

from __future__ import annotations

import os

import pytest

from model import load_text
from model import parser as parser_module
from model.cache import private_folder


@pytest.fixture
def fresh_parser(monkeypatch: pytest.MonkeyPatch, tmp_path):  # noqa: ANN001, ANN201
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
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
