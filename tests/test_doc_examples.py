"""The examples of docs/language.md compile, and its counter-examples do not.

Every fenced block tagged ```tock must compile with model.load_text. Every block tagged
```tock-error must raise SpecError; a comment `// error E207` in it names the code(s) the
diagnostics must include. Other blocks (```text, ```sh) are not checked.

Examples that state expectations or scenarios (`expect ...`, `scenario ...`) are also
checked: every verdict must be as the example expects, so what the text says about them
stays true. The examples are tiny; the whole module runs in a second or two.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import pytest

from checker import Options, check_system
from model import SpecError, load_text

DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs",
                   "language.md")
TAGS = ("tock", "tock-error")
_FENCE = re.compile(r"^```([\w-]*)\s*$")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*$")
_EXPECTED_CODE = re.compile(r"//\s*error\s+((?:E\d{3}[ ,]*)+)")
_STATES_VERDICTS = re.compile(r"^\s*(expect|scenario)\s", re.MULTILINE)


@dataclass(frozen=True)
class Block:
    number: int  # 1-based among the checked blocks, as in "docs/language.md example N"
    tag: str
    line: int  # line of the opening fence
    heading: str
    text: str

    @property
    def id(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.heading.lower()).strip("-") or "top"
        if len(slug) > 40:
            slug = slug[:40].rsplit("-", 1)[0]
        suffix = "-error" if self.tag == "tock-error" else ""
        return f"{self.number:02d}-{slug}{suffix}"

    @property
    def name(self) -> str:
        return f"docs/language.md example {self.number}"


def extract_blocks(text: str) -> list[Block]:
    """The ```tock and ```tock-error blocks of a Markdown text, in order."""
    blocks: list[Block] = []
    heading = ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence is None:
            match = _HEADING.match(line)
            if match:
                heading = match.group(1)
            i += 1
            continue
        tag, start = fence.group(1), i
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].rstrip() != "```":
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise ValueError(f"docs/language.md:{start + 1}: unterminated code block")
        i += 1
        if tag in TAGS:
            blocks.append(Block(len(blocks) + 1, tag, start + 1, heading,
                                "\n".join(body) + "\n"))
    return blocks


def _blocks() -> list[Block]:
    with open(DOC, encoding="utf-8") as handle:
        return extract_blocks(handle.read())


BLOCKS = _blocks()


def test_the_document_has_examples_and_counter_examples() -> None:
    tags = {b.tag for b in BLOCKS}
    assert tags == set(TAGS), f"expected both ```tock and ```tock-error blocks, found {tags}"
    for block in BLOCKS:
        if block.tag == "tock-error":
            assert _EXPECTED_CODE.search(block.text), \
                f"docs/language.md:{block.line}: a tock-error block names its code: // error E207"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.tag == "tock"], ids=lambda b: b.id)
def test_example_compiles(block: Block) -> None:
    try:
        load_text(block.text, block.name)
    except SpecError as err:
        pytest.fail(f"docs/language.md:{block.line}: the example does not compile:\n"
                    f"{err.render()}", pytrace=False)


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.tag == "tock"
                                   and _STATES_VERDICTS.search(b.text)], ids=lambda b: b.id)
def test_example_verdicts_are_as_expected(block: Block) -> None:
    report = check_system(load_text(block.text, block.name), Options(max_states=100_000))
    verdicts = ", ".join(f"{p.name} {p.status}" + ("" if p.as_expected else " (unexpected)")
                         for p in report.properties)
    assert report.outcome == "ok", f"docs/language.md:{block.line}: {verdicts}"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.tag == "tock-error"],
                         ids=lambda b: b.id)
def test_counter_example_is_rejected(block: Block) -> None:
    with pytest.raises(SpecError) as err:
        load_text(block.text, block.name)
    found = {d.code for d in err.value.diagnostics}
    match = _EXPECTED_CODE.search(block.text)
    expected = set(re.findall(r"E\d{3}", match.group(1))) if match else set()
    missing = expected - found
    assert not missing, (f"docs/language.md:{block.line}: expected {sorted(expected)}, "
                         f"got:\n{err.value.render()}")


def test_extraction() -> None:
    text = ("# A\n```tock\nvar x: bool\n```\n## B c\n```sh\nls\n```\n"
            "```tock-error\n// error E201\ny\n```\n")
    blocks = extract_blocks(text)
    assert [(b.number, b.tag, b.line, b.heading) for b in blocks] == [
        (1, "tock", 2, "A"), (2, "tock-error", 9, "B c")]
    assert blocks[0].text == "var x: bool\n"
    assert blocks[1].id == "02-b-c-error"
    with pytest.raises(ValueError):
        extract_blocks("```tock\nvar x: bool\n")
