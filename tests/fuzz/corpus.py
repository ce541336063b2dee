"""The seed inputs: every spec of the repository, read once, in a fixed order."""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Seed", "seeds", "token_pool", "tokenize", "ROOT"]

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_PATTERNS = ("specs/**/*.tock", "tests/golden/diagnostics/*.tock", "tests/fixtures/*.tock",
             "tests/fuzz/regressions/*.tock")

# Tock's tokens, roughly: comments, strings, durations and numbers, names, operators, blanks.
TOKEN = re.compile(r"//[^\n]*|/\*.*?\*/|\"[^\"\n]*\"|[0-9]+(?:ms|min|s|h)?|[A-Za-z_]\w*"
                   r"|:=|==|!=|<=|>=|->|~>|\.\.|\s+|.", re.DOTALL)


@dataclass(frozen=True)
class Seed:
    path: str   # relative to the repository root
    text: str

    @property
    def big(self) -> bool:
        """Large seeds (the flagship) are checked one property at a time."""
        return len(self.text) > 20_000


def tokenize(text: str) -> list[str]:
    """The text cut into tokens; ''.join(tokenize(t)) == t."""
    return TOKEN.findall(text)


@lru_cache(maxsize=1)
def seeds() -> tuple[Seed, ...]:
    paths: set[str] = set()
    for pattern in _PATTERNS:
        paths.update(glob.glob(os.path.join(ROOT, pattern), recursive=True))
    out = []
    for path in sorted(paths):
        if os.path.getsize(path) > 100_000:   # the E109 golden: mutants would only be slow
            continue
        with open(path, encoding="utf-8") as handle:
            out.append(Seed(os.path.relpath(path, ROOT), handle.read()))
    return tuple(out)


@lru_cache(maxsize=1)
def token_pool() -> tuple[str, ...]:
    """Every distinct non-blank token of the corpus, sorted (the token edits draw from it)."""
    pool: set[str] = set()
    for seed in seeds():
        pool.update(t for t in tokenize(seed.text) if not t.isspace() and len(t) < 40)
    return tuple(sorted(pool))
