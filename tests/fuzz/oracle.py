"""What a run's outcome says: a class (clean, accepted or one kind of failure) and, for a
failure, a signature that groups inputs with the same cause.

Diagnostics are checked against the input itself: the header's `file:line:col` must name a
line of the file (lines end at '\\n', '\\r\\n' or '\\r', as in an editor; a leading
byte-order mark is not part of the text), the excerpt must show that line (tabs as four
spaces, control and format characters escaped as `\\xNN` or `\\uNNNN`; a long line may be
cut to a window marked with '...'), and the first caret must sit under the named column,
counted in display cells (East Asian wide characters take two, combining marks none).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Outcome", "Verdict", "classify", "FAILURES", "CLASSES", "display", "display_name",
           "cells", "MAX_DIAGNOSTICS"]

CLASSES = ("diagnostic", "accepted", "internal", "hang", "memory", "crash", "misplaced",
           "raw-control", "flood", "clobber", "bad-xml", "odd-exit")
FAILURES = frozenset(CLASSES[2:])
MAX_DIAGNOSTICS = 20     # more than this many diagnostics printed for one run is a flood


@dataclass(frozen=True)
class Outcome:
    """What a worker saw: exit status, output, and the facts about files the driver checked."""

    exit: int | None          # main's return value (None: the worker died or was killed)
    signal: int | None        # the signal that ended the worker, if any
    timed_out: bool
    stdout: str
    stderr: str
    escaped: str              # a traceback that escaped main(), if any
    stack: str                # faulthandler's dump when the time ran out
    seconds: float            # CPU seconds
    files: dict[str, bytes]   # the input files as they were after the run (name -> bytes)
    clobbered: tuple[str, ...]   # input files changed or removed by the run
    svgs: dict[str, bytes]    # SVG and HTML files the run wrote


@dataclass(frozen=True)
class Verdict:
    klass: str
    signature: str
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.klass in FAILURES


# ---------------------------------------------------------------------------- display

def _escape_char(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _hidden(ch: str) -> bool:
    return ch != "\t" and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp")


def display(text: str) -> str:
    """A source line as an excerpt shows it."""
    return "".join("    " if ch == "\t" else _escape_char(ch) if _hidden(ch) else ch
                   for ch in text)


def display_name(name: str) -> str:
    """A file name as messages show it: every control character escaped, tabs too; a byte
    that is not UTF-8 (a surrogate escape) as \\xNN."""
    out = []
    for ch in name:
        if 0xDC80 <= ord(ch) <= 0xDCFF:
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif ch == "\t" or _hidden(ch):
            out.append(_escape_char(ch))
        else:
            out.append(ch)
    return "".join(out)


def cells(text: str) -> int:
    """Terminal cells of displayed text."""
    n = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me"):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n


def _file_lines(data: bytes) -> list[str] | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


# ---------------------------------------------------------------------------- checks

_HEADER = re.compile(r"^(?P<file>.*):(?P<line>\d+):(?P<col>\d+): error\[(?P<code>E\d+)\]: ")
_EXCERPT = re.compile(r"^ (?P<gutter>\d+) \| (?P<text>.*)$")
_CARETS = re.compile(r"^ +\| (?P<pad> *)(?P<carets>\^+)$")
_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>\S+)')
_FH_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<func>\S+)')
_PROJECT = re.compile(r"/(model|checker|tests/fuzz)/[^/]+\.py$|/(checker/render)/[^/]+\.py$")


def _where(frames: list[tuple[str, str]]) -> str:
    """The innermost frame in Tock's own code (else the innermost), as module:function."""
    for file, func in reversed(frames):
        if _PROJECT.search(file) and "tests/fuzz" not in file:
            parts = file.split("/")
            return f"{parts[-2]}/{parts[-1]}:{func}"
    if frames:
        file, func = frames[-1]
        return f"{file.rsplit('/', 1)[-1]}:{func}"
    return "?"


def _exception(tb: str) -> tuple[str, str]:
    frames = [(m["file"], m["func"]) for m in _FRAME.finditer(tb)]
    kind = "?"
    for line in reversed(tb.strip().splitlines()):
        m = re.match(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Iteration)\w*)"
                     r"(:|$)", line)
        if m:
            kind = m.group(1).rsplit(".", 1)[-1]
            break
    return kind, _where(frames)


def _hang_where(stack: str) -> str:
    # faulthandler prints the current thread first, innermost frame first
    block = stack.split("\n\n")[0]
    frames = [(m["file"], m["func"]) for m in _FH_FRAME.finditer(block)]
    return _where(list(reversed(frames)))


def _excerpt_problems(out: Outcome, names: dict[str, str]) -> list[str]:
    """Each diagnostic whose header, excerpt or caret does not match the input."""
    problems = []
    lines = out.stderr.split("\n")
    for k, line in enumerate(lines):
        m = _HEADER.match(line)
        if not m:
            continue
        code = m["code"]
        shown = m["file"]
        if shown not in names:
            if shown.startswith(("<", "/")):
                continue
            problems.append(f"unknown-file:{code}")
            continue
        source = _file_lines(out.files.get(names[shown], b""))
        if source is None:
            continue
        number, col = int(m["line"]), int(m["col"])
        if not 1 <= number <= max(1, len(source)):
            problems.append(f"line-past-end:{code}")
            continue
        text = source[number - 1] if source else ""
        if not 1 <= col <= len(text) + 1:
            problems.append(f"col-past-end:{code}")
            continue
        ex = _EXCERPT.match(lines[k + 1]) if k + 1 < len(lines) else None
        if ex is None:
            problems.append(f"no-excerpt:{code}")
            continue
        if int(ex["gutter"]) != number:
            problems.append(f"gutter:{code}")
            continue
        car = _CARETS.match(lines[k + 2]) if k + 2 < len(lines) else None
        if car is None:
            problems.append(f"no-carets:{code}")
            continue
        problem = _window_problem(ex["text"], len(car["pad"]), text, col)
        if problem:
            problems.append(f"{problem}:{code}")
    return problems


def _window_problem(shown: str, pad: int, line: str, col: int) -> str | None:
    """Whether `shown` with a caret `pad` cells in shows `line` with the caret at `col`:
    the whole line, or a window of it ('...' marks a cut)."""
    before, after = display(line[:col - 1]), display(line[col - 1:])
    if shown == before + after:
        return None if pad == cells(before) else "caret"
    lead = 3 if shown.startswith("...") else 0
    core = shown[lead:]
    if pad < lead:
        return "caret"
    i, used = 0, 0
    while i < len(core) and used < pad - lead:
        used += cells(core[i])
        i += 1
    if used != pad - lead:
        return "caret"
    # characters of no width (a combining accent) after the caret's cell may belong on
    # either side of it: each split is tried
    splits = [i]
    while i < len(core) and cells(core[i]) == 0:
        i += 1
        splits.append(i)
    return min((_split_problem(core[:k], core[k:], before, after, lead) for k in splits),
               key=lambda problem: problem is not None)


def _split_problem(head: str, rest: str, before: str, after: str, lead: int) -> str | None:
    if rest.endswith("...") and not after.startswith(rest):
        rest = rest[:-3]
    if not before.endswith(head) or not after.startswith(rest):
        return "excerpt"
    if not lead and head != before:
        return "excerpt"
    return None


def _raw_control(text: str) -> str | None:
    for ch in text:
        if ch != "\n" and _hidden(ch):
            return _escape_char(ch)
    return None


def _bad_xml(svgs: dict[str, bytes]) -> str | None:
    import xml.etree.ElementTree as ET

    for name, data in sorted(svgs.items()):
        if not name.endswith(".svg"):
            continue
        try:
            ET.fromstring(data)
        except ET.ParseError:
            return name
    return None


def classify(out: Outcome, names: dict[str, str]) -> Verdict:
    """`names` maps each file name as a diagnostic would show it to its key in out.files."""
    text = out.stdout + out.stderr + out.escaped
    if out.timed_out:
        return Verdict("hang", f"hang:{_hang_where(out.stack)}", f"{out.seconds:.1f} s CPU")
    if "MemoryError" in text:
        return Verdict("memory", "memory:" + _exception(text)[1])
    if out.escaped or out.exit == 4 or "Traceback (most recent call last)" in text:
        kind, where = _exception(out.escaped or out.stderr or out.stdout)
        return Verdict("internal", f"internal:{kind}:{where}")
    if out.exit is None:
        return Verdict("crash", f"crash:signal {out.signal}")
    if out.clobbered:
        return Verdict("clobber", "clobber:" + ",".join(sorted(
            "victim" if "victim" in c else "input" for c in out.clobbered)), str(out.clobbered))
    if out.exit not in (0, 1, 2, 3):
        return Verdict("odd-exit", f"odd-exit:{out.exit}")
    problems = _excerpt_problems(out, names)
    if problems:
        return Verdict("misplaced", "misplaced:" + problems[0], ", ".join(problems[:5]))
    raw = _raw_control(out.stdout + out.stderr)
    if raw is not None:
        return Verdict("raw-control", f"raw-control:{raw}")
    count = sum(1 for line in out.stderr.split("\n") if _HEADER.match(line))
    if count > MAX_DIAGNOSTICS:
        return Verdict("flood", "flood", f"{count} diagnostics printed")
    bad = _bad_xml(out.svgs)
    if bad is not None:
        return Verdict("bad-xml", "bad-xml", bad)
    return Verdict("diagnostic" if out.exit == 2 else "accepted", "")
