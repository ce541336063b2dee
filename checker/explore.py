"""`tock explore`: step through a model by hand, from an initial state, in a browser.

Two parts. `Explorer` is the stepping logic, free of HTTP: a *path* is a list of tokens
(`"0"` the first initial state, then `"3"` the enabled move number 3, `"+1500"` 1.5 s
passing, written in exact milliseconds: `"+1001/3"`), and `Explorer.view(path)` replays it
with the reference interpreter (model.ConcreteStepper: concrete clock values, exact
fractions) and says what the page shows: each step's state, the moves enabled at the chosen
step, the longest delay its bounds allow, the properties' values. A counterexample of
`tock check` becomes a path (`Explorer.trace_path`), so the page loads it like any other.

`ExplorerServer` serves the page (checker.render.explorer) and a few JSON endpoints on
127.0.0.1 only, checks the Host header (no DNS rebinding) and serves nothing else. The
check runs once in a background thread at start (or on request) and its traces are offered
to load. `static_data` is the whole reachable graph of a small untimed model, for the
self-contained page of `--html`, where the page's script steps without a server.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from model import ConcreteMove, ConcreteState, ConcreteStepper, SpecError, TransitionSystem

from .api import check_system
from .options import Options
from .render.dot import lanes_of, render_swimlanes
from .render.escape import visible
from .render.explorer import page_csp, render_explorer
from .render.svg import GraphvizFailed, GraphvizMissing, dot_to_svg
from .report import Change, PropertyResult, Report, Stats, Step, Trace
from .trace import TraceBuilder, exact_seconds, format_duration, reset_change

__all__ = ["Explorer", "ExploreError", "ExplorerServer", "Entry", "parse_delay",
           "STATIC_LIMIT"]

STATIC_LIMIT = 2_000   # states of the self-contained page's graph, at most
MAX_PATH = 10_000      # tokens of a path a request may give

_UNIT_MS = {"ms": Fraction(1), "s": Fraction(1000), "min": Fraction(60_000),
            "h": Fraction(3_600_000)}
_DELAY = re.compile(r"\s*(\d+(?:\.\d+)?)(?:([+/])(\d+)(?:/(\d+))?)?\s*(ms|s|min|h)?\s*")


class ExploreError(Exception):
    """A path that does not replay, a delay that cannot be read, a model too large."""


def parse_delay(text: str, unit_required: bool = True) -> Fraction:
    """A delay in ms: `1.5s`, `500ms`, `2min`, `1/3s`, `1+1/3s` (as reports write times);
    without a unit (only where `unit_required` is false) milliseconds."""
    match = _DELAY.fullmatch(text)
    if match is None or (match.group(5) is None and unit_required) or \
            (match.group(2) == "+") != (match.group(4) is not None):
        raise ExploreError(f"expected a delay with a unit (ms, s, min, h) such as 1.5s or "
                           f"500ms, got '{visible(text)[:40]}'")
    value = Fraction(match.group(1))
    if match.group(2) is not None:
        over = int(match.group(4) or match.group(3))
        if over == 0:
            raise ExploreError("a delay cannot divide by zero")
        value = value + Fraction(int(match.group(3)), over) if match.group(2) == "+" \
            else value / over
    return value * _UNIT_MS[match.group(5) or "ms"]


def _token_of_delay(ms: Fraction) -> str:
    return f"+{ms}"


@dataclass(frozen=True, slots=True)
class Entry:
    """One step of a path: the token that made it, what it was, the state after it, the
    time since the start (ms) and the step as traces show it (checker.report.Step)."""

    token: str
    kind: str  # initial | delay | action
    state: ConcreteState
    time: Fraction
    step: Step
    lane: str | None = None


class Explorer:
    """The stepping logic of `tock explore` over one compiled system."""

    def __init__(self, system: TransitionSystem):
        self.system = system
        self.stepper = ConcreteStepper(system)
        self.timed = self.stepper.n_clocks > 0
        self.clock_names = system.clock_names if self.timed else ("0",)
        self.builder = TraceBuilder(system, timed=self.timed)  # how steps are made
        self.initial = self.stepper.initial_states()
        self._report = Report(system.name, system.file, tuple(system.constants()), {},
                              "explore", "ok", None, Stats(0, 0, 0, None, 0.0, False), (),
                              processes=system.processes)
        # every lane a path can use: the instances holding variables and those with actions
        probe = [self._make_step(None, self.initial[0], Fraction(0), ())] if self.initial \
            else []
        for inst in range(len(system.instances)):
            t = system.transition(inst)
            probe.append(Step(t.action, t.process, t.args, (), str(t), {}, (), ()))
        self.lanes = lanes_of(self._report, Trace(tuple(probe)))

    # -------------------------------------------------------------- steps
    def _make_step(self, move: ConcreteMove | None, state: ConcreteState, time: Fraction,
                   changes: Sequence[Change], label: str | None = None) -> Step:
        """A trace step, made as checker.trace.TraceBuilder makes them (same values, same
        state data), so a loaded trace's steps compare equal."""
        step = self.builder.make_step(None if move is None else move.transition,
                                      state.values, state.clocks if self.timed else (),
                                      time / 1000 if self.timed else None, changes)
        return step if label is None else dataclasses.replace(step, label=label)

    def enabled(self, state: ConcreteState) -> list[ConcreteMove]:
        return [m for m in self.stepper.moves(state) if m.target is not None]

    def start(self, token: str) -> Entry:
        if not token.isdigit() or int(token) >= len(self.initial):
            raise ExploreError(f"there is no initial state {visible(token)[:20]} (this model "
                               f"has {len(self.initial)})")
        state = self.initial[int(token)]
        return Entry(token, "initial", state, Fraction(0),
                     self._make_step(None, state, Fraction(0), ()))

    def advance(self, entry: Entry, token: str) -> Entry:
        """The step after `entry` that `token` names (ExploreError if it names none)."""
        state = entry.state
        if token.startswith("+"):
            if not self.timed:
                raise ExploreError("time does not pass in a spec without clocks")
            ms = parse_delay(token[1:], unit_required=False)
            after = self.stepper.delay(state, ms)
            if after is None:
                limit, strict = self.stepper.max_delay(state)
                raise ExploreError(f"a delay of {format_duration(ms)} breaks a bound here: "
                                   f"{_limit_text(limit, strict)}" if ms > 0 else
                                   "a delay must be longer than 0")
            time = entry.time + ms
            return Entry(_token_of_delay(ms), "delay", after, time,
                         self._make_step(None, after, time, (), "(time passes)"))
        moves = self.enabled(state)
        if not token.isdigit() or int(token) >= len(moves):
            raise ExploreError(f"there is no enabled move {visible(token)[:20]} here "
                               f"({len(moves)} enabled)")
        move = moves[int(token)]
        assert move.target is not None
        changes = self.builder.changes(state.values, move.target.values)
        for x in move.resets:
            name = self.clock_names[x + 1]
            if not name.startswith("@") and state.clocks[x] != 0:
                changes.append(reset_change(name, state.clocks[x]))
        step = self._make_step(move, move.target, entry.time, changes)
        return Entry(token, "action", move.target, entry.time, step, self.lanes.of_step(step))

    def replay(self, path: Sequence[str]) -> tuple[list[Entry], str | None]:
        """The entries of `path` as far as it replays, and why it stops early (or None)."""
        if not path:
            path = ["0"]
        if len(path) > MAX_PATH:
            return [], f"a path of more than {MAX_PATH:,} steps"
        entries: list[Entry] = []
        try:
            entries.append(self.start(path[0]))
            for token in path[1:]:
                entries.append(self.advance(entries[-1], token))
        except ExploreError as err:
            return entries, f"step {len(entries)}: {err}"
        return entries, None

    # -------------------------------------------------------------- what the page shows
    def model_data(self) -> dict[str, Any]:
        """What the page needs once: names, lanes, initial states."""
        system = self.system
        return {
            "spec": visible(system.name),
            "file": visible(system.file),
            "timed": self.timed,
            "constants": [[visible(n), visible(v)] for n, v in system.constants()],
            "lanes": [visible(n) for n in self.lanes.names],
            "leafLanes": {visible(leaf): visible(self.lanes.of_leaf(leaf))
                          for leaf, _ in system.layout.show(self.initial[0].values)}
            if self.initial else {},
            "initial": len(self.initial),
            "properties": [[visible(p.name), p.kind] for p in system.properties],
        }

    def entry_data(self, entry: Entry) -> dict[str, Any]:
        step = entry.step
        clocks = {visible(n) for n in self.clock_names[1:]}
        values = [[visible(leaf), visible(v)] for leaf, v in step.values]
        if entry.kind == "initial":
            label = "initial state" + (f" {int(entry.token) + 1} of {len(self.initial)}"
                                       if len(self.initial) > 1 else "")
        elif entry.kind == "delay":
            label = f"wait {format_duration(parse_delay(entry.token[1:], False))}"
        else:
            label = step.label or ""
        return {
            "token": entry.token,
            "kind": entry.kind,
            "label": visible(label),
            "lane": visible(entry.lane) if entry.lane else None,
            "time": format_duration(entry.time) if self.timed else None,
            "values": [v for v in values if v[0] not in clocks],
            "clocks": [v for v in values if v[0] in clocks],
            "resets": [visible(c.var) for c in step.changes if c.var in clocks],
            "props": [[visible(p.name), p.kind, p.value, None if p.error is None
                       else visible(p.error)] for p in self.stepper.properties(entry.state)],
        }

    def view(self, path: Sequence[str], at: int | None = None) -> dict[str, Any]:
        """The page's view of `path` (tokens), with the moves of step `at` (default: the
        last)."""
        entries, error = self.replay(path)
        out: dict[str, Any] = {"path": [e.token for e in entries], "error": error,
                               "entries": [self.entry_data(e) for e in entries]}
        if not entries:
            out.update(at=0, moves=[], waits=[], delay=None)
            return out
        k = len(entries) - 1 if at is None else max(0, min(at, len(entries) - 1))
        state = entries[k].state
        moves, number = [], 0
        for move in self.stepper.moves(state):
            step = Step(move.transition.action, move.transition.process, move.transition.args,
                        (), "", {}, (), ())
            item = {"label": visible(str(move.transition)),
                    "lane": visible(self.lanes.of_step(step)), "token": None, "error": None}
            if move.target is None:
                item["error"] = visible(move.error or "")
            else:
                item["token"] = str(number)
                number += 1
            moves.append(item)
        out["at"] = k
        out["moves"] = moves
        if self.timed:
            limit, strict = self.stepper.max_delay(state)
            out["delay"] = {"max": None if limit is None else format_duration(limit),
                            "strict": strict, "text": _limit_text(limit, strict)}
            out["waits"] = [{"label": visible(str(h.transition)),
                             "after": format_duration(h.after), "strict": h.strict,
                             "token": None if h.strict or h.after == 0
                             else _token_of_delay(h.after)}
                            for h in self.stepper.wait_hints(state)]
        else:
            out["delay"] = None
            out["waits"] = []
        return out

    # -------------------------------------------------------------- traces
    def trace_path(self, trace: Trace) -> list[str]:
        """The path that replays `trace` (a trace of `tock check` on this system): each
        step's delay, then the enabled move with the step's label that reaches the step's
        values. ExploreError where none does (a scenario's own steps, say)."""
        if not trace.steps:
            raise ExploreError("the trace is empty")
        first = trace.steps[0]
        entry = None
        for k in range(len(self.initial)):
            candidate = self.start(str(k))
            if _same(candidate.step, first):
                entry = candidate
                break
        if entry is None:
            raise ExploreError("no initial state of the model is the trace's first state")
        path = [entry.token]
        for n, step in enumerate(trace.steps[1:], 1):
            seconds = exact_seconds(step)
            if seconds is not None and self.timed:
                wait = seconds * 1000 - entry.time
                if wait > 0:
                    entry = self.advance(entry, _token_of_delay(wait))
                    path.append(entry.token)
            if step.action is None or step.error or (step.process is None
                                                      and not step.action.isidentifier()):
                continue  # time passing (at the end; a scenario's wait); a failing step
            moves = self.enabled(entry.state)
            for k, move in enumerate(moves):
                if str(move.transition) != step.label:
                    continue
                candidate = self.advance(entry, str(k))
                if _same(candidate.step, step):
                    entry = candidate
                    break
            else:
                raise ExploreError(f"step {n} ({visible(step.label or '')}) is no move of the "
                                   "model from the step before")
            path.append(entry.token)
        return path

    def traces_data(self, report: Report) -> list[dict[str, Any]]:
        """Each property of `report` with a trace: its verdict and the path of its trace
        (or why it cannot be loaded)."""
        out = []
        for p in report.properties:
            if p.trace is None:
                continue
            item: dict[str, Any] = {
                "name": visible(p.name), "kind": p.kind, "status": p.status,
                "asExpected": p.as_expected, "message": visible(p.message or ""),
                "steps": len(p.trace), "path": None, "problem": None,
                "failing": visible(p.trace.steps[-1].error or ""),
                "loop": p.trace.loop_start}
            try:
                item["path"] = self.trace_path(p.trace)
            except ExploreError as err:
                item["problem"] = str(err)
            out.append(item)
        return out

    def check_data(self, report: Report) -> dict[str, Any]:
        """What the page shows of a check: its outcome and its traces."""
        outcome = {"ok": "every verdict is as expected",
                   "violation": "a verdict differs from what the spec expects",
                   "incomplete": "the search stopped before every verdict was decided"
                   }.get(report.outcome, report.outcome)
        return {"status": "done", "traces": self.traces_data(report),
                "message": f"checked: {outcome} ({report.stats.states:,} states)"}

    # -------------------------------------------------------------- pictures
    def swimlane_dot(self, path: Sequence[str], at: int | None = None) -> str:
        """The swimlane picture (DOT, checker.render.dot) of the path up to step `at`."""
        entries, _ = self.replay(path)
        if at is not None:
            entries = entries[:at + 1]
        steps = [e.step for e in entries if e.kind != "delay"]
        if entries and entries[-1].kind == "delay" and len(entries) > 1:
            steps.append(entries[-1].step)
        trace = Trace(tuple(steps))
        n = len(trace)
        prop = PropertyResult("explored path", "explored path", "reached", None, True,
                              f"{n} step{'s' if n != 1 else ''} from the initial state",
                              trace=trace)
        return render_swimlanes(self._report, prop, id_prefix="explore")

    # -------------------------------------------------------------- the static page
    def static_data(self, limit: int = STATIC_LIMIT) -> dict[str, Any]:
        """The whole reachable graph (untimed specs): per state its entry data and its
        moves (the enabled ones with the state they lead to), for the page to step
        without a server. ExploreError above `limit` states."""
        if self.timed:
            raise ExploreError("--html writes a page for specs without clocks only (a timed "
                               "spec has infinitely many concrete states); run tock explore "
                               "SPEC without --html to step through it in the served page")
        index: dict[ConcreteState, int] = {}
        nodes: list[dict[str, Any]] = []
        todo: list[ConcreteState] = []

        def node(state: ConcreteState) -> int:
            if state not in index:
                if len(index) >= limit:
                    raise ExploreError(f"the model has more than {limit:,} reachable states, "
                                       "too many for a self-contained page; shrink it with "
                                       "--set, or run tock explore without --html")
                index[state] = len(index)
                todo.append(state)
                nodes.append({})
            return index[state]

        init = [node(s) for s in self.initial]
        while todo:
            state = todo.pop(0)
            k = index[state]
            entry = Entry("0", "initial", state, Fraction(0),
                          self._make_step(None, state, Fraction(0), ()))
            data = self.entry_data(entry)
            moves = []
            for move in self.stepper.moves(state):
                step = Step(move.transition.action, move.transition.process,
                            move.transition.args, (), "", {}, (), ())
                moves.append({"label": visible(str(move.transition)),
                              "lane": visible(self.lanes.of_step(step)),
                              "target": None if move.target is None else node(move.target),
                              "error": None if move.error is None else visible(move.error)})
            nodes[k] = {"values": data["values"], "props": data["props"], "moves": moves}
        return {"init": init, "nodes": nodes}


def _same(a: Step, b: Step) -> bool:
    """Whether two steps show the same values (b's leaves that a has: a product's trace
    holds monitor variables the model has not). A trace's clock value may add where it
    lies on an open end (`5001ms (just after 5s)`, model.timetext); the value is compared."""
    theirs = {leaf: _bare(value) for leaf, value in b.values}
    return all(theirs.get(leaf) == _bare(value) for leaf, value in a.values) and \
        (a.time is None or b.time is None or a.time == b.time)


def _bare(value: object) -> object:
    """A shown value without the open-end note a trace's clock value may carry."""
    if isinstance(value, str) and value.endswith(")") and " (just " in value:
        return value.split(" (just ", 1)[0]
    return value


def _limit_text(limit: Fraction | None, strict: bool) -> str:
    if limit is None:
        return "time may pass without limit"
    if limit == 0 and not strict:
        return "a bound stops time here: no delay is possible"
    return f"time may pass {'less than' if strict else 'at most'} {format_duration(limit)}"


# ---------------------------------------------------------------------------- the check

class CheckRunner:
    """`tock check`'s run in a background thread; its traces as paths when done."""

    def __init__(self, explorer: Explorer, options: Options):
        self.explorer = explorer
        self.options = options
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {"status": "off", "traces": [], "message": ""}
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._lock:
            if self._state["status"] == "running":
                return
            self._state = {"status": "running", "traces": [], "message": ""}
            self._thread = threading.Thread(target=self._run, name="tock-explore-check",
                                            daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            report = check_system(self.explorer.system, self.options)
            state = self.explorer.check_data(report)
        except SpecError as err:
            state = {"status": "error", "traces": [],
                     "message": visible(" ".join(d.message for d in err.diagnostics))}
        except Exception as err:  # noqa: BLE001 - shown on the page; the explorer goes on
            state = {"status": "error", "traces": [],
                     "message": visible(f"the check failed: {type(err).__name__}: {err}")}
        with self._lock:
            self._state = state

    def wait(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def data(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._state)


# ---------------------------------------------------------------------------- HTTP

class ExplorerServer:
    """The page and its endpoints on 127.0.0.1 (`port` 0: a free one)."""

    def __init__(self, explorer: Explorer, port: int = 0, options: Options | None = None,
                 swimlane: Callable[[str], str] = dot_to_svg):
        self.explorer = explorer
        self.checker = CheckRunner(explorer, options or Options())
        self.swimlane = swimlane
        self.page = render_explorer(explorer.model_data())
        self.csp = page_csp(served=True)
        owner = self

        class Handler(_Handler):
            server_owner = owner

        self.httpd = _Server(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def allowed_hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    @property
    def failures(self) -> list[str]:
        """The tracebacks of requests that failed inside the explorer (its bugs), for the
        CLI to report; a client that went away is not one."""
        return self.httpd.failures


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]):
        super().__init__(address, handler)
        self.failures: list[str] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        """socketserver prints a traceback here; only the CLI prints. A reset or closed
        connection (a closed tab, a keep-alive the client dropped) is nothing to report."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | TimeoutError):
            self.failures.append(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    server_owner: ExplorerServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: the CLI prints, the server does not."""

    def _send(self, code: int, body: bytes, kind: str, csp: str | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy",
                         csp or "default-src 'none'; frame-ancestors 'none'")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, data: object, code: int = 200) -> None:
        body = json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        self._send(code, body, "application/json")

    def _text(self, code: int, text: str) -> None:
        self._send(code, text.encode("utf-8"), "text/plain; charset=utf-8")

    def _trusted(self) -> bool:
        """The Host header names this server (a page of another site that resolves its
        name to 127.0.0.1 is refused), and a POST comes from this server's own page."""
        owner = self.server_owner
        if self.headers.get("Host", "") not in owner.allowed_hosts():
            self._text(403, "forbidden: unknown Host")
            return False
        origin = self.headers.get("Origin")
        if self.command == "POST" and origin is not None and \
                origin.removeprefix("http://") not in owner.allowed_hosts():
            self._text(403, "forbidden: another origin")
            return False
        return True

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        if not self._trusted():
            return
        owner = self.server_owner
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        try:
            if parts.path == "/":
                self._send(200, owner.page.encode("utf-8"), "text/html; charset=utf-8",
                           owner.csp)
            elif parts.path == "/api/model":
                self._json(owner.explorer.model_data())
            elif parts.path == "/api/view":
                self._json(owner.explorer.view(*_path_query(query)))
            elif parts.path == "/api/traces":
                self._json(owner.checker.data())
            elif parts.path == "/api/swimlane.svg":
                path, at = _path_query(query)
                try:
                    svg = owner.swimlane(owner.explorer.swimlane_dot(path, at))
                except (GraphvizMissing, GraphvizFailed) as err:
                    self._text(503, f"no picture: {err}")
                    return
                self._send(200, svg.encode("utf-8"), "image/svg+xml",
                           "default-src 'none'; style-src 'unsafe-inline'")
            elif parts.path == "/favicon.ico":
                self._send(204, b"", "image/x-icon")
            else:
                self._text(404, "not found")
        except ExploreError as err:
            self._text(400, str(err))
        except ConnectionError:
            raise
        except Exception:  # an explorer bug: the page hears of it, the CLI reports it
            self.server_owner.failures.append(traceback.format_exc())
            self._text(500, "internal error of the explorer")

    def do_POST(self) -> None:  # noqa: N802
        if not self._trusted():
            return
        text = self.headers.get("Content-Length") or "0"
        length = int(text) if text.isdigit() else 0
        if length:
            self.rfile.read(min(length, 1 << 16))
        if urlsplit(self.path).path == "/api/check":
            self.server_owner.checker.start()
            self._json(self.server_owner.checker.data())
        else:
            self._text(404, "not found")


def _path_query(query: dict[str, list[str]]) -> tuple[list[str], int | None]:
    text = query.get("path", [""])[0]
    path = [t for t in text.split(",") if t] if text else []
    at_text = query.get("at", [""])[0]
    at = int(at_text) if at_text.isdigit() else None
    return path, at
