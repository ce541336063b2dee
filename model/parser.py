"""Text to syntax tree: lark's LALR parser, a transformer that only builds AST nodes, and
syntax errors turned into diagnostics.

After a syntax error the parser resumes at the next line that starts (in column 1) with a
top-level keyword, so one run reports the errors of every declaration, not just the first
(up to MAX_SYNTAX_ERRORS).

Before the tree is transformed, one iterative pass checks the limits every later phase
relies on (`_check_limits`): nesting depth (E107), statements per block (E108), the
length of number literals (E106) and of names (E110). So no phase ever recurses deeper than
MAX_NESTING, and no literal exceeds what Python converts quickly.
"""

from __future__ import annotations

import bisect
import hashlib
import marshal
import os
import re
import sys
import zlib
from copy import copy
from functools import lru_cache

from lark import Lark, Token, Transformer, Tree, v_args
from lark import __version__ as lark_version
from lark.common import LexerConf
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.grammar import Rule
from lark.lexer import BasicLexer, ContextualLexer, Scanner, TerminalDef
from lark.parsers.lalr_analysis import IntParseTable, Reduce, Shift
from lark.parsers.lalr_parser import LALR_Parser
from lark.parsers.lalr_parser import _Parser as _LalrDriver

from . import ast
from .cache import private_folder
from .diagnostics import Diagnostic, SpecError
from .source import SourceFile, Span

__all__ = ["parse_text", "build_tables", "TABLES", "TOP_LEVEL_KEYWORDS", "MAX_NESTING",
           "MAX_STATEMENTS", "MAX_DIGITS", "MAX_NAME", "MAX_SYNTAX_ERRORS"]

MAX_NESTING = 48          # levels of the syntax tree inside one declaration
MAX_STATEMENTS = 500      # statements in one block
MAX_DIGITS = 40           # digits of a number literal (beyond 2**128)
MAX_NAME = 255            # characters of a name: every report repeats a name per value it
#                           names, so 10,000-character names made 100 MB reports
MAX_SYNTAX_ERRORS = 100   # syntax errors reported per file; then parsing stops
MAX_TOKENS = 100_000      # tokens per file (the flagship has about 6,000): lark parses
#                           some 30,000 a second, so this bounds the parse to seconds

# Tokens as `_too_many_tokens` counts them, ahead of lark: comments are skipped, a string is
# one token; an operator of two characters may count as two (the count only has to bound).
_TOKEN = re.compile(r'//[^\n]*|/\*.*?\*/|"[^"\n]*"|\w+|:=|==|!=|<=|>=|->|~>|\.\.|[^\w\s]',
                    re.DOTALL)

TOP_LEVEL_KEYWORDS = (
    "spec", "import", "const", "param", "type", "var", "clock", "def", "process", "action",
    "timeout", "bound", "invariant", "reachable", "property", "measure", "expect", "allow",
    "scenario", "fair", "strong", "show",
    "init", "boundary", "liveness",
)

_UNITS_MS = {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000}

# Human names for terminals in "expected ..." lists.
_TERMINAL_NAMES = {
    "NAME": "a name",
    "NUMBER": "a number",
    "DURATION": "a duration such as 15s",
    "STRING": "a quoted file name",
    "$END": "end of file",
}


TABLES = "grammar.lalr"  # the shipped tables of grammar.lark (`make parser-tables`)
_OPTIONS: dict = dict(parser="lalr", lexer="contextual", propagate_positions=True,
                      maybe_placeholders=True)
_HERE = os.path.dirname(os.path.abspath(__file__))


def _grammar() -> str:
    # read next to this file (package data): importlib.resources would load pathlib and
    # zipfile, some 5 ms of every cold start
    with open(os.path.join(_HERE, "grammar.lark"), encoding="utf-8") as handle:
        return handle.read()


def _tables_header(grammar: str) -> bytes:
    """What the shipped tables start with: the format, the grammar's hash, the options and
    lark's version, so tables built from another grammar or by another lark are never
    used."""
    digest = hashlib.sha256(f"{grammar}\0{sorted(_OPTIONS.items())}".encode()).hexdigest()
    return f"tock-lalr2 {digest[:32]} lark {lark_version}\n".encode()


def build_tables(grammar: str | None = None) -> bytes:
    """The parser's tables as shipped in model/grammar.lalr: the header, then lark's own
    serialisation (Lark.save's dictionary) with the LALR table in plain ints (see
    _FastTables), marshalled and compressed. Only plain data: nothing in the file runs
    code when read."""
    grammar = _grammar() if grammar is None else grammar
    saved, memo = Lark(grammar, **_OPTIONS).memo_serialize([TerminalDef, Rule])
    table = saved["parser"]["parser"]
    if sorted(table["states"]) != list(range(len(table["states"]))):
        raise ValueError("lark's LALR states are not numbered 0..n-1")  # never so far
    rows = []
    for state in range(len(table["states"])):
        actions = table["states"][state]
        rows.append((tuple(actions), tuple(
            arg["@"] * 2 + 1 if kind == 1 else arg * 2 for kind, arg in actions.values())))
    saved["parser"] = dict(saved["parser"], parser={
        "tokens": table["tokens"], "rows": tuple(rows),
        "start_states": table["start_states"], "end_states": table["end_states"]})
    return _tables_header(grammar) + zlib.compress(
        marshal.dumps({"data": saved, "memo": memo}), 9)


class _FastTables(LALR_Parser):
    """lark's LALR parser, read from the shipped plain table: per state, the token numbers
    and one int per action (2n: shift to state n; 2r+1: reduce by the rule lark's memo
    numbers r). lark's own deserialisation builds the same table from nested
    dictionaries, resolving a memo reference per entry (12,000 of them): 3x slower."""

    @classmethod
    def deserialize(cls, data, memo, callbacks, debug=False):  # noqa: ANN001, ANN206
        tokens = data["tokens"]
        actions: dict[int, tuple] = {}
        states: dict[int, dict[str, tuple]] = {}
        for state, (keys, codes) in enumerate(data["rows"]):
            row = {}
            for key, code in zip(keys, codes):
                action = actions.get(code)
                if action is None:
                    action = actions[code] = ((Reduce, memo[code >> 1]) if code & 1
                                              else (Shift, code >> 1))
                row[tokens[key]] = action
            states[state] = row
        inst = cls.__new__(cls)
        inst._parse_table = IntParseTable(states, data["start_states"], data["end_states"])
        inst.parser = _LalrDriver(inst._parse_table, callbacks, debug)
        return inst


class _Lexers(dict):
    """The contextual lexer's lexer of each parser state, made when the state is first
    reached (a small spec reaches about 40 of the 133 distinct ones)."""

    def __init__(self, owner: _LazyContextualLexer):
        super().__init__()
        self.owner = owner

    def __missing__(self, state: int) -> BasicLexer:
        lexer = self[state] = self.owner.lexer_for(state)
        return lexer


class _AllTerminals:
    """Every terminal in lark's lexer order, compiled once into one alternation (lark's
    Scanner), and what each state's lexer needs to match as lark's would without
    compiling its own alternation (about 0.25 ms a state: 10 ms of a small spec's first
    parse).

    A state's lexer tries its terminals in this same order (BasicLexer sorts them by a key
    of each terminal alone: `order` is the order the lexer of all terminals has) and takes
    the first that matches (an alternation takes its first matching branch). So where the
    first of all terminals that matches is one of the state's, it is the state's answer;
    where it is not, every terminal before it failed, and the state's answer is the first
    of its later terminals that matches, tried one by one."""

    def __init__(self, conf: LexerConf, order: list[TerminalDef]):
        self.flags = conf.g_regex_flags
        self.re = conf.re_module
        self.order = order
        self.rank = {t.name: k for k, t in enumerate(self.order)}
        self.first = Scanner(self.order, self.flags, self.re, conf.use_bytes)
        self._single: dict[str, object] = {}
        self._covers: dict[tuple[str, str], bool] = {}

    def single(self, terminal: TerminalDef):  # noqa: ANN201 - a compiled pattern
        pattern = self._single.get(terminal.name)
        if pattern is None:
            pattern = self._single[terminal.name] = self.re.compile(
                terminal.pattern.to_regexp(), self.flags)
        return pattern

    def covers(self, regex: TerminalDef, string: TerminalDef) -> bool:
        """Whether `regex`'s pattern, matched at the start of `string`'s text, matches
        exactly that text (lark's _create_unless test, done once per pair here)."""
        key = (regex.name, string.name)
        hit = self._covers.get(key)
        if hit is None:
            text = string.pattern.value
            match = self.re.match(regex.pattern.to_regexp(), text, self.flags)
            hit = self._covers[key] = match is not None and match.group(0) == text
        return hit


class _Unless:
    """lark's UnlessCallback over literal strings: a token of the regular terminal whose
    text is one of them takes that string's terminal (the first in lexer order whose
    pattern matches the whole text)."""

    def __init__(self, strings: list[TerminalDef], terminals: _AllTerminals):
        self.strings = strings
        self.terminals = terminals

    def __call__(self, token: Token) -> Token:
        for string in self.strings:
            if string.pattern.flags or self.terminals.flags:
                if self.terminals.single(string).fullmatch(token.value) is None:
                    continue
            elif token.value != string.pattern.value:
                continue
            token.type = string.name
            break
        return token


class _StateScanner:
    """One state's scanner (lark's Scanner of that state's terminals), matching through
    _AllTerminals."""

    def __init__(self, terminals: list[TerminalDef], every: _AllTerminals):
        self.every = every
        self.allowed_types = {t.name for t in terminals}
        self.ranked = sorted(((every.rank[t.name], t) for t in terminals),
                             key=lambda pair: pair[0])

    def match(self, text, pos):  # noqa: ANN001, ANN201 - lark's TextSlice; (text, type)
        found = self.every.first.match(text, pos)
        if found is None or found[1] in self.allowed_types:
            return found
        after = self.every.rank[found[1]]
        source, end = text.text, text.end
        for rank, terminal in self.ranked:
            if rank <= after:
                continue
            pattern = terminal.pattern
            if pattern.type == "str" and not pattern.flags and not self.every.flags:
                if source.startswith(pattern.value, pos) and pos + len(pattern.value) <= end:
                    return pattern.value, terminal.name
                continue
            match = self.every.single(terminal).match(source, pos, end)
            if match:
                return match.group(0), terminal.name
        return None


class _StateLexer(BasicLexer):
    """lark's BasicLexer whose scanner matches through _AllTerminals (_StateScanner) and
    whose keyword callbacks compare strings (_Unless): the same tokens, without compiling
    an alternation per state. tests/model/test_parser_cache.py compares both in every
    state at every offset of the specs."""

    def __init__(self, conf: LexerConf, every: _AllTerminals):
        super().__init__(conf, None)
        self.every = every

    def _build_scanner(self) -> _StateScanner:  # type: ignore[override]
        if self.user_callbacks or self.use_bytes:  # never here: lark's own way
            return super()._build_scanner()  # type: ignore[return-value]
        # lark's _create_unless: a literal string that a regular terminal of the same
        # priority matches in full is lexed as that terminal, then renamed by its callback;
        # it leaves the alternation where its flags are among the regular terminal's
        regular = [t for t in self.terminals if t.pattern.type == "re"]
        strings = [t for t in self.terminals if t.pattern.type == "str"]
        embedded: set[str] = set()
        self.callback = {}
        for retok in regular:
            unless = [s for s in strings
                      if s.priority == retok.priority and self.every.covers(retok, s)]
            for string in unless:
                if string.pattern.flags <= retok.pattern.flags:
                    embedded.add(string.name)
            if unless:
                self.callback[retok.name] = _Unless(unless, self.every)
        return _StateScanner([t for t in self.terminals if t.name not in embedded],
                             self.every)


class _LazyContextualLexer(ContextualLexer):
    """lark's contextual lexer with each state's lexer made on first use, as
    ContextualLexer.__init__ makes them all (the same terminals for the same accepted
    set, hence the same tokens); tests/model/test_parser_cache.py compares both."""

    def __init__(self, conf: LexerConf, states: dict, always_accept: tuple = ()):
        self._conf = copy(conf)
        self._conf.terminals = list(conf.terminals)
        self._states = states
        self._always = always_accept
        self._by_tokens: dict[frozenset, BasicLexer] = {}
        self._root: BasicLexer | None = None
        self._every: _AllTerminals | None = None
        self.lexers = _Lexers(self)

    def lexer_for(self, state: int) -> BasicLexer:
        accepts = self._states[state]
        key = frozenset(accepts)
        lexer = self._by_tokens.get(key)
        if lexer is None:
            conf = self._conf
            names = set(accepts) | set(conf.ignore) | set(self._always)
            own = copy(conf)
            own.terminals = [conf.terminals_by_name[n] for n in names
                             if n in conf.terminals_by_name]
            if self._every is None:
                self._every = _AllTerminals(self._conf, list(self.root_lexer.terminals))
            lexer = self._by_tokens[key] = _StateLexer(own, self._every)
        return lexer

    @property
    def root_lexer(self) -> BasicLexer:  # type: ignore[override]
        """All terminals: only a syntax error's message reads it."""
        if self._root is None:
            conf = copy(self._conf)
            conf.skip_validation = True
            self._root = BasicLexer(conf, None)
        return self._root


def _shipped_parser(grammar: str) -> Lark | None:
    """The parser from the tables shipped with the package; None when they are missing
    or were built from another grammar, other options or another version of lark."""
    try:
        with open(os.path.join(_HERE, TABLES), "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    header = _tables_header(grammar)
    if not data.startswith(header):
        return None
    try:
        saved = marshal.loads(zlib.decompress(data[len(header):]))
        return Lark._load_from_dict(saved["data"], saved["memo"], _plugins={
            "LALR_Parser": _FastTables, "ContextualLexer": _LazyContextualLexer})
    except (zlib.error, EOFError, ValueError, TypeError, KeyError, IndexError,
            AttributeError):
        return None


@lru_cache(maxsize=1)
def _parser() -> Lark:
    """The LALR parser. Building its tables takes about 0.4 s, so they ship with the
    package (model/grammar.lalr, built by `make parser-tables`; tests/model/
    test_parser_cache.py checks they are current). When those do not fit (an edited
    grammar, another lark), the tables are kept in the user's cache folder (lark's own
    cache format, checked against a hash of the grammar and the options) and loaded from
    there when the folder is private to the user; nothing is written anywhere else."""
    grammar = _grammar()
    shipped = _shipped_parser(grammar)
    if shipped is not None:
        return shipped
    options = _OPTIONS
    folder = private_folder()
    if folder is None:
        return Lark(grammar, **options)
    digest = hashlib.sha256(grammar.encode()).hexdigest()[:16]
    path = os.path.join(folder, f"grammar-{digest}-lark{lark_version}-py{sys.version_info[0]}"
                        f"{sys.version_info[1]}.cache")
    if os.path.isfile(path):
        return Lark(grammar, cache=path, **options)
    # written under a name of this process's own, then moved into place in one step, so
    # another process never reads half a file
    partial = f"{path}.{os.getpid()}.partial"
    parser = Lark(grammar, cache=partial, **options)
    try:
        os.replace(partial, path)
    except OSError:
        pass
    return parser


def parse_text(source: SourceFile) -> ast.SpecFile:
    """Parse one file; raise SpecError with every syntax error found."""
    diagnostics: list[Diagnostic] = []
    decls: list[ast.Decl] = []
    name: str | None = None
    text = source.text
    offset = 0
    too_long, comments = _tokens(source)
    if too_long is not None:
        raise SpecError([too_long], {source.name: source})
    while True:
        chunk, shift = _blank_prefix(text, offset)
        try:
            tree = _parser().parse(chunk)
        except UnexpectedInput as err:
            diagnostics.append(_syntax_diagnostic(err, source, shift))
            resume = _next_decl_start(text, err, shift, comments)
            if resume is None:
                break
            if len(diagnostics) >= MAX_SYNTAX_ERRORS:
                last = diagnostics[-1]
                diagnostics[-1] = Diagnostic(
                    last.code, last.message, last.span, last.notes + (
                        (f"stopped after {MAX_SYNTAX_ERRORS} syntax errors", None),), last.hint)
                break
            offset = resume
            continue
        diagnostics.extend(_check_limits(tree, source.name))
        if diagnostics:
            break
        spec = _Builder(source.name).transform(tree)
        if offset == 0:
            name = spec.name
        decls.extend(spec.decls)
        break
    if diagnostics:
        raise SpecError(diagnostics, {source.name: source})
    whole = Span(source.name, 1, 1, max(1, text.count("\n") + 1), 1)
    return ast.SpecFile(name, tuple(decls), source.name, whole)


def _tokens(source: SourceFile) -> tuple[Diagnostic | None, list[tuple[int, int]]]:
    """E109 at the first token past MAX_TOKENS, if there is one; and the block comments
    that span lines, as (start, end) offsets, where recovery must not resume."""
    count = 0
    comments: list[tuple[int, int]] = []
    for match in _TOKEN.finditer(source.text):
        if match.group().startswith(("//", "/*")):
            if match.group().startswith("/*") and "\n" in match.group():
                comments.append(match.span())
            continue
        count += 1
        if count > MAX_TOKENS:
            line = source.text.count("\n", 0, match.start()) + 1
            col = match.start() - (source.text.rfind("\n", 0, match.start()) + 1) + 1
            return Diagnostic("E109", f"more than {MAX_TOKENS:,} tokens",
                              Span(source.name, line, col, line, col + len(match.group())),
                              hint="split the spec into files that import each other"), []
    return None, comments


def _blank_prefix(text: str, offset: int) -> tuple[str, int]:
    """The text from `offset` (a line start) on, after as many newlines as it skips, so
    lines and columns stay true; and how far stream positions moved (offset - newlines)."""
    if offset == 0:
        return text, 0
    newlines = text.count("\n", 0, offset)
    return "\n" * newlines + text[offset:], offset - newlines


def _check_limits(tree: Tree, file: str) -> list[Diagnostic]:
    """Nesting depth, block sizes, literal and name lengths, in one pass without recursion. One
    diagnostic per offending declaration (the deepest point of a too-deep one)."""
    out: list[Diagnostic] = []
    for decl in tree.children:
        if not isinstance(decl, Tree):
            continue
        deepest = 0
        beyond: Tree | None = None   # the first node past the limit
        stack: list[tuple[Tree, int]] = [(decl, 1)]
        while stack:
            node, depth = stack.pop()
            deepest = max(deepest, depth)
            if depth == MAX_NESTING + 1 and beyond is None:
                beyond = node
            if node.data == "block" and len(node.children) > MAX_STATEMENTS:
                extra = node.children[MAX_STATEMENTS]
                where = _span(file, extra.meta) if isinstance(extra, Tree) else _span(
                    file, node.meta)
                out.append(Diagnostic("E108", f"a block of {len(node.children):,} statements",
                                      where, hint=f"a block holds at most {MAX_STATEMENTS} "
                                      "statements; split the action"))
            for child in reversed(node.children):
                if isinstance(child, Tree):
                    stack.append((child, depth + 1))
                elif isinstance(child, Token) and child.type in ("NUMBER", "DURATION"):
                    digits = len(str(child).rstrip("msinh"))
                    if digits > MAX_DIGITS:
                        out.append(Diagnostic(
                            "E106", f"a number of {digits:,} digits", _tok_span(file, child),
                            hint=f"numbers have at most {MAX_DIGITS} digits"))
                elif isinstance(child, Token) and child.type == "NAME" and len(child) > MAX_NAME:
                    out.append(Diagnostic(
                        "E110", f"a name of {len(child):,} characters", _tok_span(file, child),
                        hint=f"names have at most {MAX_NAME} characters"))
        if beyond is not None:
            out.append(Diagnostic("E107", f"nested {deepest} levels deep", _span(file, beyond.meta),
                                  hint=f"expressions, types and statements nest at most "
                                  f"{MAX_NESTING} levels; name the parts with def or let"))
    return out


_DECL_START = re.compile(r"^({})\b".format("|".join(TOP_LEVEL_KEYWORDS)), re.MULTILINE)


def _next_decl_start(text: str, err: UnexpectedInput, shift: int = 0,
                     comments: list[tuple[int, int]] | None = None) -> int | None:
    """Offset of the first top-level declaration starting on a line after the error, and
    outside the block comments `comments` (a line of a comment that starts with `const`
    is no declaration: resuming there would parse text the token limit never counted)."""
    line = getattr(err, "line", None)
    if not isinstance(line, int) or line < 1:
        return None
    at = getattr(err, "pos_in_stream", None)
    if isinstance(at, int) and at >= 0:  # the error's offset in the text, then its line's end
        nl = text.find("\n", at + shift)
        if nl < 0:
            return None
        pos = nl + 1
    else:  # start of the line after the error
        pos = 0
        for _ in range(line):
            nl = text.find("\n", pos)
            if nl < 0:
                return None
            pos = nl + 1
    comments = comments or []
    starts = [start for start, _end in comments]
    while True:
        match = _DECL_START.search(text, pos)
        if match is None:
            return None
        k = bisect.bisect_right(starts, match.start()) - 1
        if k < 0 or comments[k][1] <= match.start():
            return match.start()
        pos = comments[k][1]


def _describe_terminal(name: str) -> str:
    if name in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[name]
    for term in _parser().terminals:
        if term.name == name:
            pattern = term.pattern
            if pattern.type == "str":
                return f"'{pattern.value}'"
            return name.lower()
    return name.lower()


def _expected_list(names: set[str] | frozenset[str]) -> str:
    described = sorted({_describe_terminal(n) for n in names})
    if len(described) > 8:
        described = described[:8] + ["…"]
    return ", ".join(described)


def _syntax_diagnostic(err: UnexpectedInput, source: SourceFile, shift: int = 0) -> Diagnostic:
    line = getattr(err, "line", 1) or 1
    col = getattr(err, "column", 1) or 1
    hint: str | None = None
    if isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream + shift
        char = source.text[pos] if 0 <= pos < len(source.text) else "?"
        span = Span(source.name, line, col, line, col + 1)
        hint = {
            "&": "write 'and' for conjunction",
            "|": "write 'or' for disjunction",
            "!": "write 'not' for negation and '!=' for inequality",
            "'": "file names are written in double quotes",
            "#": "comments start with //",
            "\\": "write 'and' for /\\ and 'or' for \\/",
        }.get(char)
        message = f"unexpected character {char!r}"
        return Diagnostic("E102", message, span, hint=hint)
    if isinstance(err, UnexpectedEOF) or (
        isinstance(err, UnexpectedToken) and err.token.type == "$END"
    ):
        last_line = source.line_count
        end_col = len(source.line(last_line)) + 1
        span = Span(source.name, last_line, end_col, last_line, end_col + 1)
        expected = _expected_list(set(err.expected))
        return Diagnostic("E103", f"unexpected end of file; expected {expected}", span,
                          hint="a '{' may be missing its '}'")
    assert isinstance(err, UnexpectedToken)
    token = err.token
    text = str(token)
    span = Span(source.name, line, col, line, col + max(1, len(text)))
    expected = set(err.expected)
    described = {_describe_terminal(n) for n in expected}
    if text == "=" and "':='" in described:
        hint = "assignments use ':='; '==' compares"
    elif text == "=":
        hint = "comparisons use '=='; an action's effects assign with ':='"
    elif "'do'" in described:
        hint = "an action's effect follows 'do': action name when GUARD do { ... }"
    elif token.type == "NAME" and text in ("then", "elif", "end", "fi", "od"):
        hint = "blocks are written in braces: if COND { ... } else { ... }"
    elif text == "spec":
        hint = "a file has one `spec NAME` header, on its first line"
    elif text in TOP_LEVEL_KEYWORDS and "'}'" in described:
        hint = "a '}' may be missing before this declaration"
    elif text == "[" and token.type != "$END":
        hint = ("an integer range in a type is written lo..hi; a lower bound with arithmetic "
                "needs parentheses: (N - 1)..N")
    message = f"unexpected {_token_description(token)}; expected {_expected_list(expected)}"
    return Diagnostic("E101", message, span, hint=hint)


def _token_description(token: Token) -> str:
    if token.type == "NAME":
        return f"name '{token}'"
    if token.type == "NUMBER":
        return f"number {token}"
    return f"'{token}'"


def _span(file: str, meta) -> Span:  # noqa: ANN001 - lark's Meta
    if getattr(meta, "empty", True):
        return Span(file, 0, 0, 0, 0)
    return Span(file, meta.line, meta.column, meta.end_line, meta.end_column)


def _tok_span(file: str, tok: Token) -> Span:
    return Span(file, tok.line, tok.column, tok.end_line or tok.line,
                tok.end_column or tok.column + len(tok))


@v_args(meta=True)
class _Builder(Transformer):
    """Builds AST nodes from lark's tree; no checks happen here."""

    def __init__(self, file: str):
        super().__init__(visit_tokens=False)
        self.file = file

    def _s(self, meta) -> Span:  # noqa: ANN001
        return _span(self.file, meta)

    def _n(self, tok: Token) -> Span:
        return _tok_span(self.file, tok)

    # -- file
    def start(self, meta, children):
        name = None
        decls = []
        for child in children:
            if isinstance(child, tuple) and child and child[0] == "spec":
                name = child[1]
            elif isinstance(child, list):  # `clock a, b`
                decls.extend(child)
            else:
                decls.append(child)
        return ast.SpecFile(name, tuple(decls), self.file, self._s(meta))

    def spec_header(self, meta, children):
        return ("spec", str(children[0]))

    # -- declarations
    def import_decl(self, meta, children):
        return ast.ImportDecl(str(children[0])[1:-1], self._s(meta))

    def const_decl(self, meta, children):
        name, typ, value = children
        return ast.ConstDecl(str(name), typ, value, self._s(meta), self._n(name))

    def param_decl(self, meta, children):
        name, typ = children
        return ast.ParamDecl(str(name), typ, self._s(meta), self._n(name))

    def type_decl(self, meta, children):
        name, typ = children
        return ast.TypeDecl(str(name), typ, self._s(meta), self._n(name))

    def var_decl(self, meta, children):
        name, typ, init = children
        kind, value = init if init is not None else (None, None)
        return ast.VarDecl(str(name), typ, kind, value, self._s(meta), self._n(name))

    def var_init(self, meta, children):
        return (str(children[0]), children[1])

    def clock_decl(self, meta, children):
        """`clock a, b: [P]` declares each name with the same index types: a list of
        declarations, flattened by the enclosing spec or process."""
        names = [c for c in children if isinstance(c, Token)]
        index = tuple(t for t in children if t is not None and not isinstance(t, Token))
        if len(names) == 1:
            return ast.ClockDecl(str(names[0]), index, self._s(meta), self._n(names[0]))
        return [ast.ClockDecl(str(n), index, self._n(n), self._n(n)) for n in names]

    def def_decl(self, meta, children):
        name, *rest = children
        body = rest[-1]
        typ = rest[-2]
        params = tuple(p for p in rest[:-2] if p is not None)
        return ast.DefDecl(str(name), params, typ, body, self._s(meta), self._n(name))

    def fairness(self, meta, children):
        return "strong" if str(children[0]) == "strong" else "weak"

    def process_decl(self, meta, children):
        fairness, name, *rest = children
        params: list[ast.Formal] = []
        items: list[ast.Decl] = []
        for child in rest:
            if child is None:
                continue
            if isinstance(child, list):  # `clock a, b`
                items.extend(child)
                continue
            (params if isinstance(child, ast.Formal) else items).append(child)
        return ast.ProcessDecl(str(name), tuple(params), tuple(items), self._s(meta),
                               self._n(name), fairness)

    def action_decl(self, meta, children):
        fairness, name, *rest = children
        body = rest[-1]
        guard = rest[-2]
        params = tuple(p for p in rest[:-2] if p is not None)
        return ast.ActionDecl(str(name), params, guard, body, None, self._s(meta),
                              self._n(name), fairness)

    def timeout_decl(self, meta, children):
        name, *rest = children
        body = rest[-1]
        guard = rest[-2]
        after = rest[-3]
        params = tuple(p for p in rest[:-3] if p is not None)
        return ast.ActionDecl(str(name), params, guard, body, after, self._s(meta),
                              self._n(name))

    def bound_decl(self, meta, children):
        return ast.BoundDecl(children[0], children[1], self._s(meta))

    def invariant_decl(self, meta, children):
        name, expr = children
        return ast.InvariantDecl(str(name), expr, self._s(meta), self._n(name))

    def reachable_decl(self, meta, children):
        name, expr = children
        return ast.ReachableDecl(str(name), expr, self._s(meta), self._n(name))

    def leads_to_decl(self, meta, children):
        name, p, q, within = children
        return ast.LivenessDecl(str(name), p, q, within, self._s(meta), self._n(name))

    def forall_leads_to_decl(self, meta, children):
        """`property NAME: forall x in S: P ~> Q [within T]`: P ~> Q (within T) for each x
        (issue 17; the bounded form issue 16); written `(forall x in S: P) ~> Q` it is the
        plain leads-to of a quantified left side."""
        name, *binders, p, q, within = children
        return ast.LivenessDecl(str(name), p, q, within, self._s(meta), self._n(name),
                                tuple(binders))

    def always_eventually_decl(self, meta, children):
        name, q = children
        return ast.LivenessDecl(str(name), ast.BoolLit(True, self._s(meta)), q, None,
                                self._s(meta), self._n(name))

    def measure_delay_decl(self, meta, children):
        name, p, q = children
        return ast.MeasureDecl(str(name), "delay", p, q, self._s(meta), self._n(name))

    def measure_clock_decl(self, meta, children):
        name, value, cond = children
        return ast.MeasureDecl(str(name), "clock", value, cond, self._s(meta), self._n(name))

    def show_decl(self, meta, children):
        name, expr = children
        return ast.ShowDecl(str(name), expr, self._s(meta), self._n(name))

    # -- initial predicates, boundaries (issue 17)
    def init_decl(self, meta, children):
        name, expr = children
        return ast.InitDecl(str(name) if name is not None else None, expr, self._s(meta),
                            self._n(name) if name is not None else self._s(meta))

    def liveness_decl(self, meta, children):
        return ast.LivenessModeDecl(str(children[0]), self._s(meta), self._n(children[0]))

    def boundary_decl(self, meta, children):
        name, expr = children
        return ast.BoundaryDecl(str(name), expr, self._s(meta), self._n(name))

    def bound_call(self, meta, children):
        """`sum(x in S: e)`: a built-in over the values of a binder (only `sum` is one;
        the checker says so for any other name)."""
        name, head, body = children
        return ast.BoundCall(str(name), self._binder_of(head), body, self._s(meta))

    def expect_decl(self, meta, children):
        name, verdict, when = children
        return ast.ExpectDecl(str(name), verdict, when, self._s(meta), self._n(name))

    def expect_interval_decl(self, meta, children):
        name, interval, when = children
        return ast.ExpectDecl(str(name), "==", when, self._s(meta), self._n(name), interval)

    def interval(self, meta, children):
        opening, lo, _comma, hi, closing = children
        return ast.ExpectedInterval(lo, str(opening) == "[", hi, str(closing) == "]",
                                    self._s(meta))

    def inf_lit(self, meta, children):
        return None

    def verdict(self, meta, children):
        return str(children[0])

    def allow_decl(self, meta, children):
        return ast.AllowDecl(str(children[0]), self._s(meta))

    def scenario_decl(self, meta, children):
        name, strict, *items = children
        return ast.ScenarioDecl(str(name), strict is not None, tuple(items), self._s(meta),
                                self._n(name))

    def strict(self, meta, children):
        return True

    def step_item(self, meta, children):
        name, *args = children
        args = tuple(a for a in args if a is not None)
        return ast.StepItem(str(name), args, self._s(meta))

    def step_arg(self, meta, children):
        name, value = children
        return ast.StepArg(str(name) if name is not None else None, value, self._s(meta))

    def wait_item(self, meta, children):
        return ast.WaitItem(children[0], self._s(meta))

    def assert_item(self, meta, children):
        return ast.AssertItem(children[0], self._s(meta))

    def assume_item(self, meta, children):
        return ast.AssumeItem(children[0], self._s(meta))

    def param(self, meta, children):
        name, typ = children
        return ast.Formal(str(name), typ, self._s(meta))

    # -- types
    def named_type(self, meta, children):
        return ast.NamedType(str(children[0]), self._s(meta))

    def bool_type(self, meta, children):
        return ast.BoolType(self._s(meta))

    def enum_type(self, meta, children):
        return ast.EnumType(tuple(str(c) for c in children), self._s(meta))

    def range_type(self, meta, children):
        return ast.RangeType(children[0], children[1], self._s(meta))

    def map_type(self, meta, children):
        return ast.MapType(tuple(children[:-1]), children[-1], self._s(meta))

    def set_type(self, meta, children):
        return ast.SetType(children[0], self._s(meta))

    def queue_type(self, meta, children):
        return ast.QueueType(children[0], children[1], self._s(meta))

    def record_type(self, meta, children):
        return ast.RecordType(tuple(children), self._s(meta))

    def option_type(self, meta, children):
        return ast.OptionType(children[0], self._s(meta))

    def bag_type(self, meta, children):
        return ast.BagType(children[0], children[1], self._s(meta))

    def field_type(self, meta, children):
        return ast.FieldType(str(children[0]), children[1], self._s(meta))

    def neg_int_lit(self, meta, children):
        return ast.IntLit(-int(children[0]), self._s(meta))

    # -- statements
    def block(self, meta, children):
        return ast.Block(tuple(children), self._s(meta))

    def assign_stmt(self, meta, children):
        return ast.Assign(children[0], children[1], self._s(meta))

    def update_stmt(self, meta, children):
        """`x += e` is `x := x + e` (and `-=` likewise); the target is checked once per
        occurrence, as if written twice."""
        target, op, value = children
        span = self._s(meta)
        return ast.Assign(target, ast.Binary(str(op)[0], target, value, span), span)

    def update_op(self, meta, children):
        return children[0]

    def call_stmt(self, meta, children):
        return ast.CallStmt(children[0], self._s(meta))

    def let_stmt(self, meta, children):
        name, typ, value = children
        return ast.Let(str(name), typ, value, self._s(meta))

    def require_stmt(self, meta, children):
        return ast.Require(children[0], self._s(meta))

    def assert_stmt(self, meta, children):
        return ast.Assert(children[0], self._s(meta))

    def reset_stmt(self, meta, children):
        return ast.Reset(tuple(children), self._s(meta))

    def skip_stmt(self, meta, children):
        return ast.Skip(self._s(meta))

    def if_stmt(self, meta, children):
        cond, then, *rest = children
        orelse = rest[0] if rest else None
        if isinstance(orelse, ast.If):
            orelse = ast.Block((orelse,), orelse.span)
        return ast.If(cond, then, orelse, self._s(meta))

    def choose_stmt(self, meta, children):
        *binders, body = children
        return ast.Choose(tuple(binders), body, self._s(meta))

    def for_stmt(self, meta, children):
        *binders, body = children
        return ast.For(tuple(binders), body, self._s(meta))

    def binder(self, meta, children):
        return ast.Binder(str(children[0]), children[1], self._s(meta))

    # -- expressions
    def forall_expr(self, meta, children):
        *binders, body = children
        return ast.Quantifier("forall", tuple(binders), body, self._s(meta))

    def exists_expr(self, meta, children):
        *binders, body = children
        return ast.Quantifier("exists", tuple(binders), body, self._s(meta))

    def ite_expr(self, meta, children):
        return ast.Ite(*children, self._s(meta))

    def _bin(self, op, meta, children):
        return ast.Binary(op, children[0], children[-1], self._s(meta))

    def implies_op(self, meta, children):
        return self._bin("implies", meta, children)

    def iff_op(self, meta, children):
        return self._bin("iff", meta, children)

    def or_op(self, meta, children):
        return self._bin("or", meta, children)

    def and_op(self, meta, children):
        return self._bin("and", meta, children)

    def not_op(self, meta, children):
        return ast.Unary("not", children[0], self._s(meta))

    def neg_op(self, meta, children):
        operand = children[0]
        if isinstance(operand, ast.IntLit):
            return ast.IntLit(-operand.value, self._s(meta))
        return ast.Unary("-", operand, self._s(meta))

    def compare(self, meta, children):
        return ast.Binary(children[1], children[0], children[2], self._s(meta))

    def cmp_op(self, meta, children):
        return str(children[0])

    def add_op(self, meta, children):
        return str(children[0])

    def mul_op(self, meta, children):
        return str(children[0])

    def arith(self, meta, children):
        return ast.Binary(children[1], children[0], children[2], self._s(meta))

    def in_op(self, meta, children):
        return self._bin("in", meta, children)

    def not_in_op(self, meta, children):
        return self._bin("notin", meta, children)

    def subset_op(self, meta, children):
        return self._bin("subset", meta, children)

    def range_lit(self, meta, children):
        return ast.RangeLit(children[0], children[1], self._s(meta))

    def field_access(self, meta, children):
        return ast.FieldAccess(children[0], str(children[1]), self._s(meta))

    def index_access(self, meta, children):
        return ast.Index(children[0], tuple(children[1:]), self._s(meta))

    def call(self, meta, children):
        name, *args = children
        args = tuple(a for a in args if a is not None)
        return ast.Call(str(name), args, self._s(meta))

    def int_lit(self, meta, children):
        return ast.IntLit(int(children[0]), self._s(meta))

    def duration_lit(self, meta, children):
        text = str(children[0])
        match = re.fullmatch(r"([0-9]+)(ms|min|s|h)", text)
        assert match is not None
        return ast.DurationLit(int(match.group(1)) * _UNITS_MS[match.group(2)], text,
                               self._s(meta))

    def true_lit(self, meta, children):
        return ast.BoolLit(True, self._s(meta))

    def false_lit(self, meta, children):
        return ast.BoolLit(False, self._s(meta))

    def name_ref(self, meta, children):
        return ast.NameRef(str(children[0]), self._s(meta))

    def powerset_range(self, meta, children):
        return ast.RangeType(ast.IntLit(int(children[0]), self._n(children[0])), children[1],
                             self._s(meta))

    def powerset_expr(self, meta, children):
        span = self._s(meta)
        return ast.TypeValues(ast.SetType(children[0], span), span)

    def empty_braces(self, meta, children):
        return ast.EmptyBraces(self._s(meta))

    def set_lit(self, meta, children):
        return ast.SetLit(tuple(children), self._s(meta))

    def set_comp(self, meta, children):
        head, pred = children
        return ast.SetComp(self._binder_of(head), pred, self._s(meta))

    def record_lit(self, meta, children):
        return ast.RecordLit(tuple(children), self._s(meta))

    def field_init(self, meta, children):
        return ast.FieldInit(str(children[0]), children[1], self._s(meta))

    def empty_brackets(self, meta, children):
        return ast.EmptyBrackets(self._s(meta))

    def seq_lit(self, meta, children):
        return ast.SeqLit(tuple(children), self._s(meta))

    def map_comp(self, meta, children):
        head, body = children
        return ast.MapComp(self._binder_of(head), body, self._s(meta))

    def _binder_of(self, head) -> ast.Binder:  # noqa: ANN001
        """`x in D` parsed as a membership test, read back as a binder (x may be NameRef)."""
        if isinstance(head, ast.Binary) and head.op == "in" and isinstance(head.left, ast.NameRef):
            return ast.Binder(head.left.name, head.right, head.span)
        # Not of the form `x in D`: keep a binder the checker will reject with a clear message.
        return ast.Binder("", head, head.span)
