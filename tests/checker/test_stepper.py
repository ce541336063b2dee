"""`tock explore`'s stepping logic (model.ConcreteStepper, checker.explore.Explorer) without
a browser: enabled moves, delays against bounds in exact time, undo and jumps, loading the
check's traces (a loaded trace ends in the trace's own last state), the self-contained
page's graph, and the HTTP endpoints of the server on a free port."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from fractions import Fraction

import pytest

from checker import Options, check_system
from checker.api import load
from checker.cli import main
from checker.explore import ExploreError, Explorer, ExplorerServer, _bare, parse_delay
from checker.render.explorer import render_explorer
from model import ConcreteStepper
from tests.helpers import sigint_as_usual, spec

COUNTER = """
var x: 0..3 = 0
action inc when x < 3 do { x := x + 1 }
action jump do { choose v in {0, 2} { x := v } }
action crash when x == 2 do { x := x + 3 }
invariant small: x < 3
"""

# a state `a` where time may pass up to 2 s and `go` needs 1 s; then `b`, strictly
# below 3 s, from which `back` leads to `a` only while the bound of `a` still holds
TIMED = """
var s: enum { a, b } = a
clock c
action go when s == a and c >= 1s do { s := b; reset c }
action back when s == b and c > 1s do { s := a }
bound c <= 2s while s == a
bound c < 3s while s == b
invariant early: s == a or c < 2500ms
allow deadlock
"""


def labels(explorer: Explorer, view: dict) -> list[str]:
    return [m["label"] for m in view["moves"] if m["token"] is not None]


def test_untimed_moves_are_the_enabled_instances_and_choices_in_order() -> None:
    explorer = Explorer(spec(COUNTER))
    view = explorer.view(["0"])
    assert labels(explorer, view) == ["inc", "jump choose v=0", "jump choose v=2"]
    assert view["delay"] is None and view["entries"][0]["label"] == "initial state"
    # to x = 2 by the choice, where `crash` fails (5 is outside 0..3): shown, not taken
    view = explorer.view(["0", "2"])
    assert dict(view["entries"][-1]["values"]) == {"x": "2"}
    failing = [m for m in view["moves"] if m["token"] is None]
    assert [m["label"] for m in failing] == ["crash"]
    assert "outside" in failing[0]["error"]
    assert view["entries"][-1]["props"] == [["small", "invariant", True, None]]
    view = explorer.view(["0", "2", "0"])
    assert view["entries"][-1]["props"] == [["small", "invariant", False, None]]


def test_a_path_that_does_not_replay_stops_with_the_reason() -> None:
    explorer = Explorer(spec(COUNTER))
    view = explorer.view(["0", "0", "9"])
    assert view["path"] == ["0", "0"] and "no enabled move 9" in view["error"]
    assert "time does not pass" in explorer.view(["0", "+1s"])["error"]
    assert "no initial state 3" in explorer.view(["3"])["error"]


def test_undo_and_jump_keep_the_path_and_show_the_moves_of_that_step() -> None:
    explorer = Explorer(spec(COUNTER))
    path = ["0", "0", "0", "0"]                   # x = 3
    view = explorer.view(path, at=1)              # back to x = 1
    assert view["at"] == 1 and len(view["entries"]) == 4
    assert dict(view["entries"][view["at"]]["values"]) == {"x": "1"}
    assert labels(explorer, view)[0] == "inc"
    assert labels(explorer, explorer.view(path))[0] == "jump choose v=0"   # inc off at 3
    assert explorer.view(path, at=99)["at"] == 3


def test_delays_are_exact_and_bounded_by_the_active_bounds() -> None:
    system = spec(TIMED)
    stepper = ConcreteStepper(system)
    (start,) = stepper.initial_states()
    assert [m for m in stepper.moves(start) if m.target] == []      # go needs c >= 1s
    assert stepper.max_delay(start) == (Fraction(2000), False)
    (hint,) = stepper.wait_hints(start)
    assert str(hint.transition) == "go" and hint.after == 1000 and not hint.strict
    assert stepper.delay(start, Fraction(2001)) is None
    third = stepper.delay(start, Fraction(1000, 3))
    assert third is not None and third.clocks == (Fraction(1000, 3),)
    at_two = stepper.delay(start, Fraction(2000))
    assert at_two is not None and stepper.max_delay(at_two) == (Fraction(0), False)

    explorer = Explorer(system)
    view = explorer.view(["0", "+1s"])
    assert labels(explorer, view) == ["go"]
    assert view["delay"]["text"] == "time may pass at most 1s"
    view = explorer.view(["0", "+1s", "0"])                       # go: c reset, in b
    assert view["entries"][-1]["clocks"] == [["c", "0s"]]
    assert view["entries"][-1]["resets"] == ["c"]
    assert view["delay"] == {"max": "3s", "strict": True, "text": "time may pass less than 3s"}
    assert "breaks a bound" in explorer.view(["0", "+1s", "0", "+3s"])["error"]
    # back is enabled after more than 1 s, while the target's bound c <= 2s holds
    assert labels(explorer, explorer.view(["0", "+1s", "0", "+1500ms"])) == ["back"]
    assert labels(explorer, explorer.view(["0", "+1s", "0", "+1s"])) == []
    assert labels(explorer, explorer.view(["0", "+1s", "0", "+2500ms"])) == []
    view = explorer.view(["0", "+1s", "0", "+2999ms"])
    assert view["entries"][-1]["props"][0][2] is False              # early: c < 2.5s broken
    assert view["entries"][-1]["time"] == "3999ms"
    # an exact third of a second, in the path's own notation
    view = explorer.view(["0", "+1/3s", "+2/3s"])
    assert view["path"] == ["0", "+1000/3", "+2000/3"] and view["error"] is None
    assert view["entries"][-1]["clocks"] == [["c", "1s"]]


def test_delays_are_read_with_units() -> None:
    assert parse_delay("1.5s") == 1500 and parse_delay("2min") == 120_000
    assert parse_delay("1/3s") == Fraction(1000, 3) and parse_delay("7ms") == 7
    assert parse_delay("1+1/3s") == Fraction(4000, 3)     # as reports write it
    assert parse_delay("250", unit_required=False) == 250
    for bad in ("1.5", "s", "-1s", "1/0s", "1e3s", "", "1+2s", "1/2/3s"):
        with pytest.raises(ExploreError):
            parse_delay(bad)


@pytest.mark.parametrize("path, sets", [
    ("specs/timed/fischer.tock", {"WAIT": "1s"}),
    ("specs/timed/retry.tock", {"DELAY": "2s"}),
    ("specs/conformance/increment.tock", None),
])
def test_every_trace_of_the_check_loads_and_ends_in_its_last_state(path: str, sets) -> None:
    system = load(path, sets)
    explorer = Explorer(system)
    report = check_system(system, Options())
    traced = [p for p in report.properties if p.trace is not None]
    assert traced
    for p in traced:
        tokens = explorer.trace_path(p.trace)
        entries, error = explorer.replay(tokens)
        assert error is None
        last, want = entries[-1].step, p.trace.steps[-1]
        if want.error:   # the trace ends in a failing step: the state before it
            want = p.trace.steps[-2]
        assert last.values == want.values and last.state == want.state, p.name
        actions = [e.step.label for e in entries if e.kind == "action"]
        assert actions == [s.label for s in p.trace.steps[1:] if s.action and not s.error]
    assert all(t["problem"] is None for t in explorer.traces_data(report))


@pytest.mark.slow
def test_every_trace_of_the_flagship_loads() -> None:
    """Liveness lassos, scenarios with waits, bounded responses: 33 traces (about 20 s)."""
    system = load("specs/mesos/agent_recovery.tock")
    explorer = Explorer(system)
    report = check_system(system, Options())
    for p in report.properties:
        if p.trace is None:
            continue
        entries, error = explorer.replay(explorer.trace_path(p.trace))
        want = p.trace.steps[-2] if p.trace.steps[-1].error else p.trace.steps[-1]
        assert error is None and entries[-1].step.time == want.time, p.name
        # a trace's clock value may note an open end (`5001ms (just after 5s)`); the
        # explorer's concrete value is the number alone
        theirs = {leaf: _bare(value) for leaf, value in want.values}
        assert all(theirs[leaf] == _bare(value) for leaf, value in entries[-1].step.values), \
            p.name


def test_the_static_graph_is_the_reachable_graph_and_refuses_timed_specs() -> None:
    explorer = Explorer(load("specs/conformance/increment.tock"))
    graph = explorer.static_data()
    assert len(graph["nodes"]) == 13 and graph["init"] == [0]
    with pytest.raises(ExploreError, match="more than 5"):
        explorer.static_data(limit=5)
    with pytest.raises(ExploreError, match="without clocks"):
        Explorer(spec(TIMED)).static_data()


def test_names_from_the_spec_never_reach_the_page_as_markup() -> None:
    hostile = ("spec x\nconst N = 1\nvar x: enum { a, b } = a\n"
               "action go when x == a do { x := b }\n"
               "invariant never: x == a\nallow deadlock\n")
    explorer = Explorer(spec(hostile))
    data = explorer.model_data()
    data["spec"] = "</script><img src=x onerror=alert(1)>&"
    page = render_explorer(data, explorer.static_data(), None)
    assert page.count("<script") == 2 and page.count("</script>") == 2
    assert "<img" not in page and "&lt;/script&gt;&lt;img" in page   # the title and h1
    payload = re.search(r'id="tock-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in payload and "&" not in payload
    assert json.loads(payload)["model"]["spec"] == data["spec"]


# ---------------------------------------------------------------------------- HTTP

@pytest.fixture()
def server():
    srv = ExplorerServer(Explorer(load("specs/timed/fischer.tock", {"WAIT": "1s"})), 0,
                         swimlane=lambda dot: "<svg>" + str(len(dot)) + "</svg>")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    thread.join(5)


def request(srv: ExplorerServer, path: str, method: str = "GET",
            host: str | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    headers = {"Host": host} if host else {}
    conn.request(method, path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), body


def test_the_server_serves_the_page_and_its_json(server: ExplorerServer) -> None:
    assert server.url.startswith("http://127.0.0.1:") and server.httpd.server_address[0] \
        == "127.0.0.1"
    status, headers, body = request(server, "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    csp = headers["Content-Security-Policy"]
    assert "script-src 'sha256-" in csp and "connect-src 'self'" in csp
    assert "unsafe-eval" not in csp and "http" not in csp
    assert b"fischer" in body
    status, _, body = request(server, "/api/view?path=0,0,%2B500ms&at=1")
    view = json.loads(body)
    assert status == 200 and view["path"] == ["0", "0", "+500"] and view["at"] == 1
    assert view["entries"][-1]["clocks"] == [["P[1].x", "500ms"], ["P[2].x", "500ms"]]
    status, headers, body = request(server, "/api/swimlane.svg?path=0,0")
    assert status == 200 and headers["Content-Type"] == "image/svg+xml"
    assert body.startswith(b"<svg>")
    assert request(server, "/etc/passwd")[0] == 404
    assert request(server, "/", host="evil.example:80")[0] == 403    # DNS rebinding
    assert request(server, "/api/model", host=f"localhost:{server.port}")[0] == 200


def test_a_client_that_goes_away_is_not_an_error_but_a_failing_request_is(
        server: ExplorerServer) -> None:
    try:
        raise ConnectionResetError(104, "Connection reset by peer")
    except ConnectionResetError:
        server.httpd.handle_error(None, ("127.0.0.1", 1))
    assert server.failures == []
    try:
        raise ValueError("a bug")
    except ValueError:
        server.httpd.handle_error(None, ("127.0.0.1", 1))
    assert len(server.failures) == 1 and "ValueError: a bug" in server.failures[0]


def test_the_check_runs_on_request_and_offers_its_traces(server: ExplorerServer) -> None:
    status, _, body = request(server, "/api/check", method="POST")
    assert status == 200 and json.loads(body)["status"] in ("running", "done")
    server.checker.wait(120)
    data = json.loads(request(server, "/api/traces")[2])
    assert data["status"] == "done"
    mutex = next(t for t in data["traces"] if t["name"] == "mutex")
    assert mutex["status"] == "violated" and mutex["path"][0] == "0"
    view = json.loads(request(server, "/api/view?path=" + ",".join(mutex["path"]).replace(
        "+", "%2B"))[2])
    assert view["error"] is None
    assert next(p for p in view["entries"][-1]["props"] if p[0] == "mutex")[2] is False


# ---------------------------------------------------------------------------- the command

def test_tock_explore_html_writes_a_page_or_refuses_a_timed_spec(tmp_path, capsys) -> None:
    out = tmp_path / "inc.html"
    assert main(["explore", "specs/conformance/increment.tock", "--html", str(out)]) == 0
    page = out.read_text()
    assert '"graph"' in page and "fin" in page
    assert main(["explore", "specs/timed/fischer.tock", "--html", str(out)]) == 2
    assert "without clocks" in capsys.readouterr().err


def test_ctrl_c_stops_the_server_without_a_traceback() -> None:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "checker", "explore",
                             "specs/conformance/increment.tock", "--no-check"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=sigint_as_usual)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert url, line
        conn = http.client.HTTPConnection("127.0.0.1", int(url.group(1)), timeout=30)
        conn.request("GET", "/api/view?path=0")
        assert conn.getresponse().status == 200
        conn.close()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            time.sleep(0.1)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "explorer stopped" in err
