"""What the CI reports (JUnit XML, SARIF) say about each property, computed once for both:
where it is declared, its verdict against its expectation, and a summary of its trace.
Documented in docs/ci-outputs.md."""

from __future__ import annotations

from model import nodeclass

from ..report import PropertyResult, Report

__all__ = ["Where", "Summary", "summarise", "parse_location", "what", "counts", "missed"]


@nodeclass(frozen=True, slots=True)
class Where:
    """A source position as the report gives it (`file:line:col`): the file as written in
    the report (escaped for display), 1-based line and column (code points)."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@nodeclass(frozen=True, slots=True)
class Summary:
    """One property as a CI test: `result` is pass (the verdict is as expected), fail (it
    differs), undecided (status unknown: a bound stopped the search first) or skipped (a
    scenario that names what the constants leave out: not run)."""

    result: str
    verdict: str
    expected: str           # holds | fails
    default_expectation: bool  # the spec has no `expect` for it
    where: Where | None
    message: str | None
    steps: int | None       # transitions in the trace (None: no trace)
    final_time: str | None  # time of the trace's last state, formatted (timed specs)
    lasso: bool             # the trace ends in a cycle

    def lines(self) -> list[str]:
        """The summary as `key: value` lines (the JUnit bodies show them)."""
        out = [f"verdict: {self.verdict}",
               f"expected: {self.expected}" + (" (the default)" if self.default_expectation
                                               else "")]
        out.append(f"as expected: {'yes' if self.result == 'pass' else 'no'}"
                   + (f" ({self.result})" if self.result in ("undecided", "skipped") else ""))
        if self.where is not None:
            out.append(f"location: {self.where}")
        if self.message:
            out.append(f"message: {self.message}")
        trace = self.trace_text()
        if trace:
            out.append(f"trace: {trace}")
        return out

    def trace_text(self) -> str | None:
        """`3 steps, ends at t=75, ends in a cycle`, or None without a trace."""
        if self.steps is None:
            return None
        text = f"{self.steps} step{'s' if self.steps != 1 else ''}"
        if self.final_time is not None:
            text += f", ends at t={self.final_time}"
        if self.lasso:
            text += ", ends in a cycle that repeats forever"
        return text


def parse_location(text: str | None) -> Where | None:
    """`file:line:col` (the file may hold colons) as a Where; None when absent or not in
    that form."""
    if not text:
        return None
    file, _, rest = text.rpartition(":")
    file, _, line = file.rpartition(":")
    if not file or not line.isdigit() or not rest.isdigit():
        return None
    return Where(file, int(line), int(rest))


def what(p: PropertyResult) -> str:
    """`invariant mutex`, or just `deadlock` when the kind is the name."""
    return p.name if p.kind == p.name else f"{p.kind} {p.name}"


def missed(p: PropertyResult) -> str:
    """How a verdict that is not as expected is said: `measure d: (3s, 5s), expected
    [3s, 5s]` for a timing query, `invariant mutex: violated, expected to hold` else."""
    if p.measure is not None:
        return f"{what(p)}: {p.measure.text}, expected {p.expected}"
    want = "hold" if (p.expected or "holds") == "holds" else "fail"
    return f"{what(p)}: {p.status}, expected to {want}"


def summarise(p: PropertyResult) -> Summary:
    if p.status == "unknown":
        result = "undecided"
    elif p.status == "skipped":
        result = "skipped"  # a scenario the constants leave no instance for
    else:
        result = "pass" if p.as_expected else "fail"
    steps = final = None
    lasso = False
    if p.trace is not None:
        steps = len(p.trace)
        times = [s.shown_time for s in p.trace.steps if s.shown_time is not None]
        final = times[-1] if times else None
        lasso = p.trace.loop_start is not None
    return Summary(result, p.status, p.expected or "holds", p.expected is None,
                   parse_location(p.location), p.message, steps, final, lasso)


def counts(report: Report) -> tuple[int, int, int]:
    """(tests, failures, not run: undecided or skipped) over the report's properties."""
    results = [summarise(p).result for p in report.properties]
    return len(results), results.count("fail"), \
        results.count("undecided") + results.count("skipped")
