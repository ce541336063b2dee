"""Mutation strategies: one fuzz input per (seed, index), the same on every machine and run.

An input (`Case`) is a spec file (bytes: not always UTF-8), the command line that checks it,
and a few other files in the input's folder (imports, symlinks, an output folder). The
command always runs in that folder, so paths are relative and nothing leaves it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .corpus import Seed, seeds, token_pool, tokenize

__all__ = ["Case", "make_case", "STRATEGIES", "VICTIM", "VICTIM_TEXT"]

VICTIM = "outside/victim.txt"          # a file the run must never change
VICTIM_TEXT = b"do not overwrite\n"
BOUNDS = ["--max-states", "300", "--time-limit", "1"]


@dataclass(frozen=True)
class Case:
    index: int
    seed_path: str
    spec_name: str
    spec: bytes
    argv: tuple[str, ...]
    files: tuple[tuple[str, str, bytes], ...] = ()   # ("file"|"link"|"dir", path, data/target)
    strategies: tuple[str, ...] = field(default=())

    def with_spec(self, spec: bytes) -> Case:
        return replace(self, spec=spec)

    def command(self) -> str:
        import shlex
        return "tock " + " ".join(shlex.quote(a) for a in self.argv)


# ---------------------------------------------------------------------------- text edits

KEYWORDS = ("spec", "import", "const", "param", "type", "var", "clock", "def", "process",
            "action", "timeout", "bound", "invariant", "reachable", "property", "expect",
            "allow", "scenario", "fair", "strong", "when", "do", "after", "while", "if", "else",
            "then", "choose", "let", "require", "reset", "skip", "forall", "exists", "not",
            "and", "or", "implies", "iff", "in", "subset", "union", "minus", "intersect",
            "true", "false", "bool", "enum", "set", "of", "queue", "record", "within",
            "always", "eventually", "holds", "fails", "wait", "assert", "assume", "strict")
HOSTILE_CHARS = ("\x00", "\x07", "\x08", "\x0b", "\x0c", "\r", "\t", "\x1b", "\x7f", "\x85",
                 "\x9b", "\u00a0", "\u200b", "\u200d", "\u202e", "\u2028", "\u2029", "\ufeff",
                 "\u0301", "\u4e2d", "\u6587", "\uff21", "\U0001f600",
                 "\U0001f468\u200d\U0001f469", "\ud7ff", "\ue000", "\\", "`", "$", "@", "#", "&",
                 "|", "!", "'", '"', "~", "^")
ESCAPES = ("\x1b[31m", "\x1b[2J", "\x1b]0;owned\x07", "\x1b[1A\x1b[K", "\x1b[6n", "\x9b31m")
WIDE = ("中文", "日本語", "한국어", "ＡＢＣ", "😀", "👩‍👩‍👧", "🇫🇷", "e\u0301", "\u0e01\u0e34",
        "עברית", "\u202eevil\u202c", "ｘ")
HUGE = ("0", "1", "2147483648", "4294967296", "1000000", "1000000000", "10000000000",
        str(2**61), str(2**62), str(2**63), str(2**64), str(10**18), str(10**100),
        "9" * 4300, "9" * 4301, "1" + "0" * 5000, "00000000000000000000000000007")
NEST_SIZES = (20, 50, 100, 200, 250, 300, 500, 1000, 3000)


def _lines(text: str) -> list[str]:
    return text.split("\n")


def byte_edit(rng: random.Random, text: str, ctx: Context) -> str:
    for _ in range(rng.randint(1, 5)):
        pos = rng.randint(0, len(text))
        op = rng.random()
        if op < 0.4:
            char = rng.choice(HOSTILE_CHARS) if rng.random() < 0.5 else chr(rng.randint(32, 126))
            text = text[:pos] + char + text[pos:]
        elif op < 0.7:
            text = text[:pos] + text[pos + rng.randint(1, 8):]
        else:
            text = text[:pos] + chr(rng.randint(32, 126)) + text[pos + 1:]
    return text


def token_edit(rng: random.Random, text: str, ctx: Context) -> str:
    toks = tokenize(text)
    solid = [i for i, t in enumerate(toks) if not t.isspace()]
    if not solid:
        return text
    for _ in range(rng.randint(1, 4)):
        i = rng.choice(solid)
        op = rng.random()
        if op < 0.3:
            toks[i] = ""
        elif op < 0.5:
            toks[i] = toks[i] + " " + toks[i]
        elif op < 0.7:
            j = rng.choice(solid)
            toks[i], toks[j] = toks[j], toks[i]
        else:
            toks[i] = rng.choice(ctx.pool)
    return "".join(toks)


def line_edit(rng: random.Random, text: str, ctx: Context) -> str:
    lines = _lines(text)
    for _ in range(rng.randint(1, 4)):
        if not lines:
            break
        i = rng.randrange(len(lines))
        op = rng.random()
        if op < 0.35:
            del lines[i]
        elif op < 0.6:
            lines.insert(i, lines[i])
        elif op < 0.8:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            line = lines.pop(i)
            lines.insert(rng.randint(0, len(lines)), line)
    return "\n".join(lines)


def splice(rng: random.Random, text: str, ctx: Context) -> str:
    other = _lines(rng.choice(ctx.seeds).text)
    lines = _lines(text)
    if rng.random() < 0.5:
        a = rng.randrange(len(other))
        block = other[a:a + rng.randint(1, 30)]
        at = rng.randint(0, len(lines))
        return "\n".join(lines[:at] + block + lines[at:])
    return "\n".join(lines[:rng.randint(0, len(lines))] + other[rng.randint(0, len(other)):])


def random_ident(rng: random.Random, text: str, ctx: Context) -> str:
    toks = tokenize(text)
    names = sorted({t for t in toks if re.fullmatch(r"[A-Za-z_]\w*", t)})
    if not names:
        return text
    old = rng.choice(names)
    r = rng.random()
    if r < 0.3:
        new = rng.choice(KEYWORDS)
    elif r < 0.5:
        new = old[:-1] if len(old) > 1 else old + "x"
    elif r < 0.6:
        new = "x" * rng.choice((100, 1000, 10_000))
    elif r < 0.7:
        new = rng.choice(names)
    elif r < 0.8:
        new = rng.choice(WIDE)
    else:
        new = "".join(rng.choice("abcxyz_019") for _ in range(rng.randint(1, 8)))
    everywhere = rng.random() < 0.5
    out = []
    done = False
    for t in toks:
        if t == old and (everywhere or not done) and (everywhere or rng.random() < 0.5):
            out.append(new)
            done = True
        else:
            out.append(t)
    return "".join(out)


def huge_number(rng: random.Random, text: str, ctx: Context) -> str:
    toks = tokenize(text)
    nums = [i for i, t in enumerate(toks) if t[:1].isdigit()]
    if not nums:
        return text + f"\nconst HUGE_{rng.randint(0, 9)} = {rng.choice(HUGE)}\n"
    for _ in range(rng.randint(1, 3)):
        i = rng.choice(nums)
        unit = re.sub(r"^[0-9]+", "", toks[i])
        value = rng.choice(HUGE)
        if rng.random() < 0.15:
            value = "-" + value
        units = ("", "ms", "s", "min", "h")
        toks[i] = value + (unit if rng.random() < 0.8 else rng.choice(units))
    return "".join(toks)


def _nested(rng: random.Random, atom: str, n: int) -> str:
    kind = rng.randrange(9)
    if kind == 0:
        return "(" * n + atom + ")" * n
    if kind == 1:
        return "not " * n + atom
    if kind == 2:
        return "-" * n + atom
    if kind == 3:
        return " + ".join([atom] * n)
    if kind == 4:
        return " and ".join([atom] * n)
    if kind == 5:
        return "if true then " * n + atom + " else 0" * n
    if kind == 6:
        return "{" * n + atom + "}" * n
    if kind == 7:
        return "[" * n + atom + "]" * n
    return "abs(" * n + atom + ")" * n


def deep_nesting(rng: random.Random, text: str, ctx: Context) -> str:
    n = rng.choice(NEST_SIZES)
    toks = tokenize(text)
    atoms = [i for i, t in enumerate(toks) if re.fullmatch(r"\w+", t) and t not in KEYWORDS]
    r = rng.random()
    if r < 0.6 and atoms:
        i = rng.choice(atoms)
        toks[i] = _nested(rng, toks[i], n)
        return "".join(toks)
    if r < 0.8:
        body = "if x > 0 { " * n + "x := 0" + " }" * n
        return text + f"\nvar x: 0..3 = 0\naction deep do {{ {body} }}\n"
    if r < 0.9:
        return text + f"\nvar yy: 0..3 = 0\ninvariant deep: {_nested(rng, 'yy', n)} == 0\n"
    return text + "\n" + "process p { " * n + "}" * n + "\n"


def unicode_edit(rng: random.Random, text: str, ctx: Context) -> str:
    for _ in range(rng.randint(1, 4)):
        pos = rng.randint(0, len(text))
        r = rng.random()
        word = rng.choice(WIDE)
        if r < 0.4:
            text = text[:pos] + f" // {word}\n" + text[pos:]
        elif r < 0.7:
            text = text[:pos] + word + text[pos:]
        else:  # in front of a line that is likely to get a diagnostic
            lines = _lines(text)
            i = rng.randrange(len(lines))
            lines[i] = word + "\t" + lines[i] + " " + word + " )"
            text = "\n".join(lines)
    return text


def control_edit(rng: random.Random, text: str, ctx: Context) -> str:
    r = rng.random()
    if r < 0.2:
        return text.replace("\n", "\r\n")
    if r < 0.3:
        return text.replace("\n", "\r")
    if r < 0.4:
        return re.sub(r"(?m)^( {2})+", lambda m: "\t" * (len(m.group(0)) // 2), text)
    for _ in range(rng.randint(1, 4)):
        pos = rng.randint(0, len(text))
        char = rng.choice(ESCAPES + ("\x00", "\x0c", "\x0b", "\r", "\x1c", "\x85", "\u2028",
                                     "\f\f", "\t\t"))
        if rng.random() < 0.5:  # inside a comment, where the lexer lets it through
            char = f" // {char} \n"
        text = text[:pos] + char + text[pos:]
    return text


def long_line(rng: random.Random, text: str, ctx: Context) -> str:
    n = rng.choice((1_000, 10_000, 100_000, 1_000_000))
    r = rng.random()
    lines = _lines(text)
    i = rng.randint(0, len(lines))
    if r < 0.3:
        lines.insert(i, "// " + "x" * n)
    elif r < 0.5:
        lines.insert(i, "const LONG = " + " + ".join(["1"] * (n // 4)))
    elif r < 0.7:
        lines.insert(i, "var " + "v" * n + ": bool = false")
    elif r < 0.85:
        lines.insert(i, "!" * n)
    else:
        lines.insert(i, "/* " + "\n".join(["*"] * (n // 100)) + " */")
    return "\n".join(lines)


def many_statements(rng: random.Random, text: str, ctx: Context) -> str:
    n = rng.choice((100, 500, 1000, 2000, 5000))
    r = rng.random()
    if r < 0.25:
        stmts = "\n".join(f"  x := {k % 4}" for k in range(n))
        return text + f"\nvar x: 0..3 = 0\naction many do {{\n{stmts}\n}}\n"
    if r < 0.45:
        return text + "\n" + "\n".join(f"var v{k}: bool = false" for k in range(n)) + "\n"
    if r < 0.6:
        return text + "\n" + "\n".join("const C = 1" for _ in range(n)) + "\n"
    if r < 0.8:
        return text + "\n" + "\n".join("var = := ;" for _ in range(n)) + "\n"
    lines = _lines(text)
    i = rng.randrange(len(lines))
    return "\n".join(lines[:i] + [lines[i]] * n + lines[i:])


def truncate(rng: random.Random, text: str, ctx: Context) -> str:
    return text[:rng.randint(0, len(text))]


STRATEGIES: dict[str, tuple[float, Callable[[random.Random, str, Context], str]]] = {
    "byte": (3, byte_edit),
    "token": (3, token_edit),
    "line": (2, line_edit),
    "splice": (1.5, splice),
    "ident": (1.5, random_ident),
    "number": (1.5, huge_number),
    "nesting": (1, deep_nesting),
    "unicode": (1, unicode_edit),
    "control": (1, control_edit),
    "long": (0.4, long_line),
    "many": (0.6, many_statements),
    "truncate": (0.5, truncate),
}


# ---------------------------------------------------------------------------- bytes

def encode(rng: random.Random, text: str, names: list[str]) -> bytes:
    data = text.encode("utf-8", "surrogatepass")
    r = rng.random()
    if r < 0.01:
        names.append("bytes:latin1")
        return text.encode("latin-1", "replace") + b"\xe9\xff"
    if r < 0.02:
        names.append("bytes:bom")
        return b"\xef\xbb\xbf" + data
    if r < 0.025:
        names.append("bytes:utf16")
        return text.encode("utf-16")
    if r < 0.035:
        names.append("bytes:invalid")
        pos = rng.randint(0, len(data))
        return data[:pos] + rng.choice((b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80")) + data[pos:]
    return data


# ---------------------------------------------------------------------------- commands

SET_VALUES = ("0", "-1", "1", "2", "3", "1000000", "4294967296", str(2**62), "9" * 5000,
              "1/0", "true", "false", "x", "15s", "0ms", "1..3", "{1}", "[]", "中", "\x1b[31m",
              "1 +", "(((((1)))))", "-" * 1000 + "1", "a" * 10_000, "\x00", "1e9", "0x10",
              "up", "none")
PATHS = ("out/r", "out/sub/r", "r", "deep/a/b/c/r")


@dataclass(frozen=True)
class Context:
    seeds: tuple[Seed, ...]
    pool: tuple[str, ...]


def _names(text: str, keyword: str) -> list[str]:
    return re.findall(rf"(?m)^\s*(?:fair\s+|strong\s+fair\s+)?{keyword}\s+(\w+)", text)


def _command(rng: random.Random, seed: Seed, text: str, spec_name: str, names: list[str],
             files: list[tuple[str, str, bytes]]) -> list[str]:
    r = rng.random()
    if r < 0.06:
        argv = ["explain", spec_name] + (["--code"] if rng.random() < 0.5 else [])
        names.append("cmd:explain")
    elif r < 0.1:
        argv = ["graph", spec_name, "--limit", str(rng.choice((5, 50, 150)))]
        if rng.random() < 0.5:
            argv += ["--dot", "out/g.dot"]
        names.append("cmd:graph")
    else:
        argv = ["check", spec_name] + BOUNDS
    if seed.big and argv[0] == "check":
        props = _names(text, "invariant")
        argv += ["--property", props[0] if props else "deadlock"]
    consts = _names(text, "const") + _names(text, "param")
    if rng.random() < 0.25:
        names.append("opt:set")
        for _ in range(rng.randint(1, 3)):
            name = rng.choice(consts) if consts and rng.random() < 0.85 else rng.choice(
                ("NOPE", "", "=", "N", "a b", "\x1b"))
            argv += ["--set", f"{name}={rng.choice(SET_VALUES)}"]
    if argv[0] == "check" and rng.random() < 0.3:
        names.append("opt:check")
        for _ in range(rng.randint(1, 3)):
            argv += rng.choice((
                ["--max-depth", str(rng.choice((1, 3, 1000000)))],
                ["--time", "discrete"], ["--time", "zones"],
                ["--tick", rng.choice(("1ms", "7ms", "1h", "3s", "0ms", "x"))],
                ["--no-deadlock"], ["--deadlock"], ["--fail-fast"], ["--coverage"],
                ["--memory", "fast"], ["--memory", "compact"], ["--quiet"],
                ["--property", rng.choice(_names(text, "invariant") + ["nope", "deadlock"])],
                ["--max-states", rng.choice(("1", "0", "-5", "1_000", "x"))],
                ["--time-limit", rng.choice(("0.01", "0", "1ms", "-1", "nan", "inf"))],
            ))
    if argv[0] == "check" and rng.random() < 0.2:
        names.append("opt:out")
        argv += _outputs(rng, spec_name, files, names)
    if argv[0] == "graph" and rng.random() < 0.2:
        names.append("opt:graph-out")
        # a regular file the user names is theirs to overwrite (as with `check --json`); the
        # victim is reached only where tock must refuse: the named file is a symbolic link
        target = rng.choice(("g.svg", spec_name, "out/victim.svg", "out/g.svg"))
        if target == "out/victim.svg":
            files.append(("dir", "out", b""))
            files.append(("link", target, b"../" + VICTIM.encode()))
        argv += ["--svg", target]
    if rng.random() < 0.9:
        argv.append("--debug")  # tracebacks of internal errors give failure signatures
    return argv


def _outputs(rng: random.Random, spec_name: str, files: list[tuple[str, str, bytes]],
             names: list[str]) -> list[str]:
    r = rng.random()
    if r < 0.15:   # an output onto an input
        names.append("out:onto-input")
        return [rng.choice(("--json", "--text", "--html")), spec_name]
    if r < 0.3:    # a symlink in the output tree pointing outside it
        names.append("out:symlink")
        files.append(("dir", "out", b""))
        files.append(("link", "out/r.json", b"../" + VICTIM.encode()))
        files.append(("link", "out/link", b"../outside"))
        return rng.choice((["--json", "out/r.json"], ["--out", "out"], ["--text", "out/link/r"],
                           ["--svg", "out/link"], ["--out", "out/link"]))
    if r < 0.4:    # an output folder that is a file
        names.append("out:file-as-dir")
        return ["--out", spec_name]
    opts = []
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(PATHS)
        opts += rng.choice((["--json", path + ".json"], ["--text", path + ".txt"],
                            ["--html", path + ".html"], ["--out", "out"], ["--svg", "out/svg"]))
    return opts


SPEC_NAMES = ("spec.tock", "spec.tock", "spec.tock", "...tock", "..tock", ".tock", "a b.tock",
              "ünï😀.tock", "\x1b[31mred.tock", "a\tb.tock", "<script>&amp;.tock", 'q"uote.tock',
              "semi;colon.tock", "new\nline.tock", "noext", "spec.TOCK", "-dash.tock",
              "\x07bell.tock", "\u202eevil.tock")


def _spec_name(rng: random.Random, names: list[str]) -> str:
    if rng.random() < 0.9:
        return "spec.tock"
    name = rng.choice(SPEC_NAMES)
    names.append("name")
    return name


def make_case(seed: int, index: int) -> Case:
    """Input number `index` of the run with seed `seed` (independent of every other)."""
    rng = random.Random(f"tock-fuzz/{seed}/{index}")
    ctx = Context(seeds(), token_pool())
    base = rng.choice(ctx.seeds)
    text = base.text
    names: list[str] = []
    keys = list(STRATEGIES)
    weights = [STRATEGIES[k][0] for k in keys]
    if rng.random() < 0.03:
        names.append("unchanged")
    else:
        for key in rng.choices(keys, weights, k=rng.choice((1, 1, 1, 2, 2, 3))):
            text = STRATEGIES[key][1](rng, text, ctx)
            names.append(key)
    data = encode(rng, text, names)
    files: list[tuple[str, str, bytes]] = [("dir", "outside", b""), ("file", VICTIM, VICTIM_TEXT)]
    spec_name = _spec_name(rng, names)
    if rng.random() < 0.02:   # the spec is a symlink to something that is not a spec
        names.append("link:non-spec")
        files.append(("link", "spec.tock", rng.choice((b"outside/victim.txt", b"/etc/passwd",
                                                       b"/dev/zero", b"outside", b"missing"))))
        spec_name = "spec.tock"
        data = b""
    argv = _command(rng, base, text, spec_name, names, files)
    return Case(index, base.path, spec_name, data, tuple(argv), tuple(files), tuple(names))
