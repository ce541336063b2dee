"""Shrinking a failing input: delete chunks of lines, then of tokens, then options, keeping
each deletion after which the failure signature stays the same (delta debugging, greedy)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import replace

from .mutate import BOUNDS, Case

__all__ = ["shrink"]

_TOKEN = re.compile(rb"//[^\n]*|\"[^\"\n]*\"|[0-9]+[a-z]*|[A-Za-z_]\w*|:=|==|!=|<=|>=|->|\.\."
                    rb"|\s+|.", re.DOTALL)


def _ddmin(items: list, still_fails: Callable[[list], bool], out_of_budget: Callable[[], bool]
           ) -> list:
    chunk = max(1, len(items) // 2)
    while chunk >= 1 and items:
        i = 0
        while i < len(items):
            if out_of_budget():
                return items
            candidate = items[:i] + items[i + chunk:]
            if still_fails(candidate):
                items = candidate
            else:
                i += chunk
        if chunk == 1:
            break
        chunk //= 2
    return items


def _options(argv: tuple[str, ...]) -> list[tuple[str, ...]]:
    """argv cut into the command with its spec, then one group per option and its value."""
    groups: list[tuple[str, ...]] = [tuple(argv[:2])]
    k = 2
    while k < len(argv):
        if k + 1 < len(argv) and not argv[k + 1].startswith("--"):
            groups.append((argv[k], argv[k + 1]))
            k += 2
        else:
            groups.append((argv[k],))
            k += 1
    return groups


def shrink(case: Case, signature: str, signature_of: Callable[[Case], str],
           budget_seconds: float = 60.0, max_runs: int = 400) -> Case:
    """A smaller case with the same signature (or `case` itself)."""
    started = time.monotonic()
    runs = [0]

    def out_of_budget() -> bool:
        return runs[0] >= max_runs or time.monotonic() - started > budget_seconds

    def same(candidate: Case) -> bool:
        runs[0] += 1
        return signature_of(candidate) == signature

    best = case
    # lines, then tokens (bytes, so invalid UTF-8 survives shrinking)
    lines = best.spec.split(b"\n")
    kept = _ddmin(lines, lambda ls: same(best.with_spec(b"\n".join(ls))), out_of_budget)
    best = best.with_spec(b"\n".join(kept))
    tokens = _TOKEN.findall(best.spec)
    kept = _ddmin(tokens, lambda ts: same(best.with_spec(b"".join(ts))), out_of_budget)
    best = best.with_spec(b"".join(kept))
    # options, keeping the bounds
    groups = _options(best.argv)
    head, rest = groups[0], groups[1:]
    optional = [g for g in rest if g[0] not in BOUNDS]
    bounds = [g for g in rest if g[0] in BOUNDS]

    def with_opts(opts: list[tuple[str, ...]]) -> Case:
        return replace(best, argv=tuple(a for g in [head] + bounds + opts for a in g))

    kept_opts = _ddmin(optional, lambda gs: same(with_opts(gs)), out_of_budget)
    return with_opts(kept_opts)
