"""The JUnit XML report (docs/ci-outputs.md): one <testsuite> for the spec, one <testcase>
per property in the report's order. A verdict that differs from its expectation is a
<failure> (its text: the summary and the trace); an undecided verdict (the search stopped
before deciding it) is <skipped> with the reason; a verdict as expected is a plain test case
whose <system-out> holds the summary.

Valid against the Jenkins JUnit schema (tests/fixtures/junit.xsd). Deterministic: no
timestamps, host names or durations (the optional `time` attributes are left out), so the
same spec and options give the same bytes. Every string from the spec or the command line
is escaped for XML 1.0: markup characters as entities, control and format characters
(which XML forbids or hides) as visible `\\xNN` escapes."""

from __future__ import annotations

from ..report import PropertyResult, Report, stop_reason_text
from .ci import counts, missed, summarise, what
from .escape import visible
from .text import render_trace

__all__ = ["render_junit", "xml_text"]

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"}


def _xml_char(ch: str) -> str:
    n = ord(ch)
    if n in (0x9, 0xA, 0xD) or 0x20 <= n <= 0xD7FF or 0xE000 <= n <= 0xFFFD \
            or 0x10000 <= n <= 0x10FFFF:
        return _ENTITIES.get(ch, ch)
    return f"\\u{n:04x}"  # (visible has escaped every control character; this is U+FFFE/F)


def xml_text(text: str) -> str:
    """`text` safe in XML 1.0 content and in a double-quoted attribute: one line (a line
    break or tab in it is escaped, as every control character), markup as entities."""
    return "".join(_xml_char(ch) for ch in visible(text))


def _block(lines: list[str]) -> str:
    """Several lines of element text: each escaped, joined by real line breaks."""
    return "\n".join(xml_text(line) for line in lines)


def _attrs(**values: str | int) -> str:
    return "".join(f' {key.rstrip("_")}="{xml_text(str(value))}"' for key, value in
                   values.items())


def _details(p: PropertyResult) -> list[str]:
    summary = summarise(p)
    lines = summary.lines()
    if p.trace is not None:
        lines.append("")
        lines.extend(render_trace(p.trace, indent="  "))
    if p.why:
        lines.append("in the last state:")
        lines.extend(f"  {text} = {value}" for text, value in p.why)
    return lines


def _testcase(report: Report, p: PropertyResult) -> list[str]:
    summary = summarise(p)
    head = f"    <testcase{_attrs(name=p.name, classname=f'{report.spec}.{p.kind}')}>"
    body = _block(_details(p))
    if summary.result == "fail":
        message = missed(p)
        if p.message:
            message += f": {p.message}"
        return [head, f"      <failure{_attrs(type_=p.kind, message=message)}>{body}</failure>",
                "    </testcase>"]
    if summary.result == "undecided":
        reason = "undecided: the search stopped before deciding it"
        if report.stop_reason:
            reason += f" ({stop_reason_text(report.stop_reason)})"
        return [head, f"      <skipped{_attrs(message=reason)}>{body}</skipped>",
                "    </testcase>"]
    if summary.result == "skipped":
        return [head, f"      <skipped{_attrs(message=p.message or 'not run')}>{body}</skipped>",
                "    </testcase>"]
    return [head, f"      <system-out>{body}</system-out>", "    </testcase>"]


def render_junit(report: Report) -> str:
    tests, failures, undecided = counts(report)
    totals = {"tests": tests, "failures": failures, "errors": 0}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f"<testsuites{_attrs(name=report.tool, **totals)}>",
             f"  <testsuite{_attrs(name=report.spec, **totals, skipped=undecided)}"
             f"{_attrs(file=report.file)}>",
             "    <properties>"]
    facts: list[tuple[str, object]] = [
        ("tock.version", report.version), ("tock.engine", report.engine),
        ("tock.outcome", report.outcome), ("tock.exit_code", report.exit_code),
        ("tock.states", report.stats.states), ("tock.exhaustive", report.stats.exhaustive)]
    if report.stop_reason:
        facts.append(("tock.stop_reason", report.stop_reason))
    facts.extend((f"const.{name}", value) for name, value in report.constants)
    facts.extend((f"option.{name}", value) for name, value in report.options.items())
    for name, value in facts:
        if isinstance(value, bool):
            text = str(value).lower()
        elif isinstance(value, list | tuple):
            text = ",".join(map(str, value))
        else:
            text = str(value)
        lines.append(f"      <property{_attrs(name=name, value=text)}/>")
    lines.append("    </properties>")
    for p in report.properties:
        lines.extend(_testcase(report, p))
    lines.extend(["  </testsuite>", "</testsuites>"])
    return "\n".join(lines) + "\n"
