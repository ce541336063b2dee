"""A file parsed before is read back from the user's private cache (model/parsecache.py):
the same tree, without lark; syntax errors are never cached; a damaged entry is parsed
again; TOCK_NO_CACHE=1 and a folder others can write turn the cache off."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from model import SourceFile, SpecError, load_text, parsecache
from model import parser as lark_parser

TEXT = "spec s\nvar x: 0..3 = 0\naction a when x < 3 do { x := x + 1 }\nallow deadlock\n"


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch, tmp_path):  # noqa: ANN001, ANN201
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("TOCK_NO_CACHE", raising=False)
    return tmp_path / "tock" / "ast"


def test_a_parsed_file_is_read_back_as_the_same_tree(cache) -> None:  # noqa: ANN001
    source = SourceFile("a.tock", TEXT)
    first = parsecache.parse_text(source)
    [entry] = os.listdir(cache)
    again = parsecache.parse_text(source)
    assert again == first == lark_parser.parse_text(source)
    assert repr(again) == repr(first) and again.span == first.span
    assert [d.span for d in again.decls] == [d.span for d in first.decls]  # spans too
    assert os.listdir(cache) == [entry]
    other = parsecache.parse_text(SourceFile("b.tock", TEXT))  # the file's name is in spans
    assert other.file == "b.tock" and len(os.listdir(cache)) == 2


def test_a_damaged_entry_is_parsed_again(cache) -> None:  # noqa: ANN001
    source = SourceFile("a.tock", TEXT)
    first = parsecache.parse_text(source)
    [entry] = os.listdir(cache)
    (cache / entry).write_bytes(b"not a pickle")
    assert parsecache.parse_text(source) == first
    assert (cache / entry).read_bytes() != b"not a pickle"


def test_syntax_errors_are_never_cached(cache) -> None:  # noqa: ANN001
    source = SourceFile("bad.tock", "var x: 0..3 = \nvar y: 0..1 = 0\n")
    found = []
    for _ in range(2):
        with pytest.raises(SpecError) as err:
            parsecache.parse_text(source)
        found.append(err.value.diagnostics)
    assert found[0] == found[1] and found[0][0].code.startswith("E10")
    assert not cache.exists() or os.listdir(cache) == []


def test_no_cache_when_turned_off(cache, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("TOCK_NO_CACHE", "1")
    parsecache.parse_text(SourceFile("a.tock", TEXT))
    assert not cache.exists()


def test_a_cached_spec_loads_without_lark(cache) -> None:  # noqa: ANN001
    """The point of the cache: the second run does not import lark."""
    program = ("import sys\nfrom model import load_text\n"
               f"s = load_text({TEXT!r}, 'a.tock')\n"
               "print(len(s.successors(s.initial_states()[0])), 'lark' in sys.modules)\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache.parent.parent)}
    env.pop("TOCK_NO_CACHE", None)
    runs = [subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                           env=env, timeout=120, check=True).stdout for _ in range(2)]
    assert runs == ["1 True\n", "1 False\n"]
    assert len(load_text(TEXT, "a.tock").successors(load_text(TEXT).initial_states()[0])) == 1
