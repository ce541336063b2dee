"""The map of a log (TOML): which lines are which actions or observations.

    [timestamp]
    regex = '^[IWEF](?P<ts>\\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d+)'   # a named group `ts`
    format = "glog"            # glog (MMDD hh:mm:ss.ffffff, no year), iso8601, seconds
    tolerance = "1s"           # each gap between two lines, +- this
    ignore = ['^\\.\\.\\.$']    # lines that are no event (regexes, searched)
    silent = "*"               # actions that may happen unlogged: a list, or "*" (every
                               # action no event names)
    unmapped = "error"         # or "ignore": a line no event and no ignore pattern matches

    [[event]]
    match = 'Finished recovery'
    action = "reregister_timeout"          # or a list of names; or leave out (observation)
    args = { kind = "{kind}" }             # "{group}": a capture group; else a literal
    observe = { "agent.state" = "disconnected" }   # must hold after the line

Errors are `MapError`s with the map's file, line and column where they can be found
(tomllib gives them for syntax errors; others are found in the text).
"""

from __future__ import annotations

import datetime
import re
import tomllib
from dataclasses import dataclass

from ..errors import UsageError

__all__ = ["MapError", "LogMap", "Event", "parse_map", "parse_duration_us", "Template",
           "parse_timestamp"]


class MapError(UsageError):
    """A map that cannot be used: `where` is `file:line:col` (or just the file)."""

    def __init__(self, where: str, message: str, code: str = "M001"):
        super().__init__(f"{where}: error[{code}]: {message}")
        self.where = where
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Template:
    """A value of the map: a literal, or `{group}`, a named capture group of the event."""

    text: str
    group: str | None

    def value(self, match: re.Match[str]) -> str:
        if self.group is None:
            return self.text
        got = match.group(self.group)
        return "" if got is None else got


@dataclass(frozen=True)
class Event:
    """One `[[event]]`: its number (from 1), name, regex, the actions it may be (None: an
    observation only), their arguments and the observed leaves, and where it is."""

    number: int
    name: str
    regex: re.Pattern[str]
    actions: tuple[str, ...] | None
    args: tuple[tuple[str, Template], ...]
    observe: tuple[tuple[str, Template], ...]
    where: str


@dataclass(frozen=True)
class LogMap:
    file: str
    ts_regex: re.Pattern[str] | None
    ts_format: str
    year: int
    tolerance_us: int
    ignore: tuple[re.Pattern[str], ...]
    silent: tuple[str, ...] | None  # None: "*"
    unmapped: str  # error | ignore
    events: tuple[Event, ...]
    text: str  # the map's source, for positions

    def position(self, needle: str, start_line: int = 1) -> str:
        """`file:line:col` of the first occurrence of `needle` from line `start_line`."""
        lines = self.text.splitlines()
        for k in range(max(start_line, 1) - 1, len(lines)):
            col = lines[k].find(needle)
            if col >= 0:
                return f"{self.file}:{k + 1}:{col + 1}"
        return f"{self.file}:{start_line}:1" if start_line > 1 else self.file


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h)\s*$")
_UNIT_US = {"us": 1, "ms": 1000, "s": 1_000_000, "min": 60_000_000, "h": 3_600_000_000}


def parse_duration_us(text: str) -> int | None:
    """`1s`, `500ms`, `0.25s` in microseconds; None if it is no duration."""
    m = _DURATION.match(text)
    if m is None:
        return None
    return round(float(m.group(1)) * _UNIT_US[m.group(2)])


_GLOG = re.compile(r"^(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$")
FORMATS = ("glog", "iso8601", "seconds")


def parse_timestamp(text: str, fmt: str, year: int) -> int | None:
    """A timestamp in microseconds since an epoch (the same for every line of one log), or
    None when `text` is not one in format `fmt`."""
    text = text.strip()
    try:
        if fmt == "glog":
            m = _GLOG.match(text)
            if m is None:
                return None
            month, day, hh, mm, ss = (int(m.group(k)) for k in range(1, 6))
            frac = (m.group(6) or "0").ljust(6, "0")
            moment = datetime.datetime(year, month, day, hh, mm, ss, int(frac))
        elif fmt == "iso8601":
            moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
        else:  # seconds
            return round(float(text) * 1_000_000)
    except (ValueError, OverflowError):
        return None
    delta = moment - datetime.datetime(1970, 1, 1)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _compile(regex: object, where: str, what: str) -> re.Pattern[str]:
    if not isinstance(regex, str):
        raise MapError(where, f"{what} must be a string (a regular expression)", "M002")
    try:
        return re.compile(regex)
    except re.error as err:
        raise MapError(where, f"{what} is not a regular expression: {err}", "M003") from None


def _template(value: object, pattern: re.Pattern[str], where: str, what: str) -> Template:
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise MapError(where, f"{what} must be a string, a number or a boolean", "M004")
    m = re.fullmatch(r"\{(\w+)\}", value)
    if m is None:
        return Template(value, None)
    if m.group(1) not in pattern.groupindex:
        groups = ", ".join(sorted(pattern.groupindex)) or "none"
        raise MapError(where, f"{what} names the capture group '{m.group(1)}', which the "
                       f"event's regex does not have (its named groups: {groups})", "M005")
    return Template(value, m.group(1))


def parse_map(text: str, file: str) -> LogMap:
    """Parse and check a map's text (not yet against a spec: checker.logs.validate binds
    the names)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        msg = str(err)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        where = f"{file}:{m.group(1)}:{m.group(2)}" if m else file
        raise MapError(where, f"not valid TOML: {re.sub(r' [(]at .*[)]$', '', msg)}",
                       "M000") from None
    probe = LogMap(file, None, "glog", 2000, 0, (), None, "error", (), text)
    known = {"timestamp", "tolerance", "ignore", "silent", "unmapped", "event", "spec",
             "description"}
    for key in data:
        if key not in known:
            raise MapError(probe.position(key), f"unknown key '{key}' (a map has: "
                           f"{', '.join(sorted(known))})", "M006")
    ts = data.get("timestamp", {})
    if not isinstance(ts, dict):
        raise MapError(probe.position("timestamp"), "timestamp must be a table", "M002")
    ts_regex = None
    fmt = ts.get("format", "glog")
    if fmt not in FORMATS:
        raise MapError(probe.position("format"), f"timestamp format '{fmt}' is not one of "
                       f"{', '.join(FORMATS)}", "M007")
    if "regex" in ts:
        ts_regex = _compile(ts["regex"], probe.position("regex"), "timestamp regex")
        if "ts" not in ts_regex.groupindex:
            raise MapError(probe.position("regex"), "the timestamp regex needs a named group "
                           "`ts`: (?P<ts>...)", "M005")
    year = ts.get("year", 2000)  # a leap year: glog's 29 February parses
    if not isinstance(year, int) or not 1 <= year <= 9999:
        raise MapError(probe.position("year"), "timestamp year must be a whole number", "M004")
    tol_text = data.get("tolerance", "0s")
    tolerance = parse_duration_us(tol_text) if isinstance(tol_text, str) else None
    if tolerance is None:
        raise MapError(probe.position("tolerance"), f"tolerance must be a duration such as "
                       f"\"1s\" or \"250ms\", got {tol_text!r}", "M004")
    ignore_list = data.get("ignore", [])
    if not isinstance(ignore_list, list):
        raise MapError(probe.position("ignore"), "ignore must be a list of regexes", "M002")
    ignore = tuple(_compile(r, probe.position(str(r)) if isinstance(r, str)
                            else probe.position("ignore"), "an ignore pattern")
                   for r in ignore_list)
    silent_raw = data.get("silent", "*")
    if silent_raw == "*":
        silent: tuple[str, ...] | None = None
    elif isinstance(silent_raw, list) and all(isinstance(s, str) for s in silent_raw):
        silent = tuple(silent_raw)
    else:
        raise MapError(probe.position("silent"), "silent must be \"*\" or a list of action "
                       "names", "M002")
    unmapped = data.get("unmapped", "error")
    if unmapped not in ("error", "ignore"):
        raise MapError(probe.position("unmapped"), "unmapped must be \"error\" or \"ignore\"",
                       "M004")
    raw_events = data.get("event", [])
    if not isinstance(raw_events, list) or not raw_events:
        raise MapError(file, "the map has no [[event]] table: nothing in a log would be "
                       "an event", "M008")
    headers = [k + 1 for k, line in enumerate(text.splitlines())
               if re.match(r"^\s*\[\[\s*event\s*\]\]", line)]
    events = []
    for k, ev in enumerate(raw_events):
        start = headers[k] if k < len(headers) else 1
        here = f"{file}:{start}:1"

        def at(needle: str, start: int = start) -> str:
            return probe.position(needle, start)

        for key in ev:
            if key not in ("match", "action", "args", "observe", "name"):
                raise MapError(at(key), f"unknown key '{key}' in an event (it has: match, "
                               "action, args, observe, name)", "M006")
        if "match" not in ev:
            raise MapError(here, "an event needs `match = 'regex'`", "M008")
        pattern = _compile(ev["match"], at("match"), "match")
        action = ev.get("action")
        actions: tuple[str, ...] | None
        if action is None:
            actions = None
        elif isinstance(action, str):
            actions = (action,)
        elif isinstance(action, list) and action and all(isinstance(a, str) for a in action):
            actions = tuple(action)
        else:
            raise MapError(at("action"), "action must be a name or a list of names", "M002")
        args_raw = ev.get("args", {})
        obs_raw = ev.get("observe", {})
        if not isinstance(args_raw, dict) or not isinstance(obs_raw, dict):
            raise MapError(at("args" if not isinstance(args_raw, dict) else "observe"),
                           "args and observe must be tables: { name = \"value\" }", "M002")
        if args_raw and actions is None:
            raise MapError(at("args"), "args without an action", "M008")
        if actions is None and not obs_raw:
            raise MapError(here, "an event needs an action or an observation (or put its "
                           "regex under ignore)", "M008")
        args = tuple((name, _template(v, pattern, at(name), f"argument {name}"))
                     for name, v in args_raw.items())
        observe = tuple((name, _template(v, pattern, at(name), f"observed {name}"))
                        for name, v in obs_raw.items())
        name = ev.get("name")
        if not isinstance(name, str):
            name = "/".join(actions) if actions else "observe " + ", ".join(
                n for n, _ in observe)
        events.append(Event(k + 1, name, pattern, actions, args, observe, here))
    return LogMap(file, ts_regex, fmt, year, tolerance, ignore, silent, unmapped,
                  tuple(events), text)
