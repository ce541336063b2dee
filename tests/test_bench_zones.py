"""bench/zones.py reads Tock's and TChecker's outputs right (canned outputs; no TChecker
needed), and bench/fischer_tchecker.tock is TChecker's model. No timing assertions."""

from __future__ import annotations

import importlib.util
import json
import os
import sys

import pytest

from tests.conftest import ROOT


def _load_zones():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("bench_zones",
                                                  os.path.join(ROOT, "bench", "zones.py"))
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


zones = _load_zones()

# tck-reach -a covreach -s bfs on examples/fischer.sh 5 10 (the keys come sorted)
TCHECKER_STATS = """\
COVERED_STATES 1564
MEMORY_MAX_RSS 12072
REACHABLE false
RUNNING_TIME_SECONDS 0.0459667
STORED_STATES 727
VISITED_STATES 977
VISITED_TRANSITIONS 2290
"""

# the start of tck-reach -a covreach -s bfs -C graph on fischer 2 10, with one node's
# discrete state repeated under another zone
TCHECKER_GRAPH = TCHECKER_STATS.replace("VISITED_STATES 977", "VISITED_STATES 18") + """\
digraph fischer_2_10 {
  0 [initial="true", intval="id=0", labels="", vloc="<A,A>", zone="(0<=x1 && 0<=x2)"]
  1 [intval="id=0", labels="", vloc="<A,req>", zone="(0<=x1 && 0<=x2)"]
  8 [intval="id=2", labels="", vloc="<req,wait>", zone="(0<=x1 && 0<=x2<=10 && 0<=x1-x2)"]
  9 [intval="id=2", labels="", vloc="<req,wait>", zone="(0<=x1 && 0<=x2)"]
  16 [intval="id=1", labels="cs1", vloc="<cs,A>", zone="(0<=x1 && 0<=x2)"]
  0 -> 1 [edge_type="actual", vedge="<P2@tau>"]
  1 -> 8 [edge_type="subsumption", vedge="<P1@tau>"]
}
"""

TOCK_STDERR = """\
tock: 14,911 states, 28,571 transitions, depth 10, queue 4,654, 7,301 states/s, 2 s
tock: 20,636 states, 40,121 transitions, depth 11, queue 5,754, 6,732 states/s, 3 s
tock: checked in 69.66 s (search 15.24 s)
tock: wrote /tmp/flag.json
"""


def _tock_json(**changes: object) -> str:
    step = {"index": 0, "action": None, "state": {}}
    report = {
        "schema": 1, "tool": "tock", "outcome": "violation", "engine": "zones (Extra+_M)",
        "stats": {"states": 34, "transitions": 64, "depth": 9, "deadlocks": 0,
                  "exhaustive": True, "symbolic": True},
        "properties": [
            {"name": "mutex", "kind": "invariant", "status": "violated",
             "trace": [step] * 7, "loop_start": None},
            {"name": "live", "kind": "leadsto", "status": "violated",
             "trace": [step] * 5, "loop_start": 4},
            {"name": "deadlock", "kind": "deadlock", "status": "holds", "trace": None,
             "loop_start": None},
        ],
    }
    report.update(changes)
    return json.dumps(report)


def test_tchecker_statistics_are_parsed_as_numbers_and_booleans():
    stats = zones.parse_tchecker_stats(TCHECKER_STATS)
    assert stats["VISITED_STATES"] == 977
    assert stats["STORED_STATES"] == 727
    assert stats["COVERED_STATES"] == 1564
    assert stats["REACHABLE"] is False
    assert stats["RUNNING_TIME_SECONDS"] == pytest.approx(0.0459667)


def test_tchecker_statistics_stop_at_the_certificate():
    stats = zones.parse_tchecker_stats(TCHECKER_GRAPH)
    assert stats["VISITED_STATES"] == 18
    assert not any(key.startswith("digraph") for key in stats)


def test_tchecker_output_without_visited_states_is_an_error():
    with pytest.raises(ValueError, match="VISITED_STATES"):
        zones.parse_tchecker_stats("ERROR: syntax error\n")


def test_tchecker_graph_gives_the_set_of_discrete_states():
    states = zones.parse_tchecker_graph(TCHECKER_GRAPH)
    assert states == {(("A", "A"), (("id", 0),)), (("A", "req"), (("id", 0),)),
                      (("req", "wait"), (("id", 2),)), (("cs", "A"), (("id", 1),))}


def test_tock_discrete_states_take_tcheckers_shape():
    mine = zones.tock_discrete_as_tchecker(
        [{"id": "0", "P[1].loc": "A", "P[2].loc": "A"},
         {"id": "0", "P[1].loc": "A", "P[2].loc": "req"},
         {"id": "2", "P[1].loc": "req", "P[2].loc": "wait"},
         {"id": "1", "P[1].loc": "cs", "P[2].loc": "A"}], 2)
    assert mine == zones.parse_tchecker_graph(TCHECKER_GRAPH)


def test_tock_report_gives_states_and_verdicts_with_trace_lengths():
    report = zones.parse_tock_report(_tock_json())
    assert report["states"] == 34
    assert report["transitions"] == 64
    assert report["outcome"] == "violation"
    assert report["symbolic"] is True
    assert report["verdicts"]["mutex"] == {"kind": "invariant", "status": "violated",
                                           "trace": 7, "loop_start": None}
    assert report["verdicts"]["live"]["loop_start"] == 4
    assert report["verdicts"]["deadlock"]["trace"] is None


def test_tock_stderr_gives_the_check_and_search_seconds():
    info = zones.parse_tock_stderr(TOCK_STDERR)
    assert info["checked_seconds"] == pytest.approx(69.66)
    assert info["search_seconds"] == pytest.approx(15.24)
    assert info["progress_lines"] == 2
    assert "search_seconds" not in zones.parse_tock_stderr("tock: wrote out.json\n")
    # the labelled progress and the time split by phase of today's tock
    info = zones.parse_tock_stderr(
        "tock: [search] 14,911 states, 28,571 transitions, depth 10, queue 4,654, "
        "7,301 states/s, 2 s\n"
        "tock: [leads-to (state graph)] 4,096 of 9,000 states linked, 9,000 transitions, "
        "2,000 states/s, 2 s\n"
        "tock: checked in 69.66 s (load and compile 1.20 s, search 15.24 s, scenarios (2) "
        "0.50 s, verdicts and traces 0.10 s, reports 0.01 s)\n")
    assert info["checked_seconds"] == pytest.approx(69.66)
    assert info["search_seconds"] == pytest.approx(15.24)
    assert info["progress_lines"] == 1


def test_verdict_differences_name_the_property_and_what_changed():
    base = zones.parse_tock_report(_tock_json())["verdicts"]
    assert zones.compare_verdicts(base, base) == []
    changed = json.loads(_tock_json())
    changed["properties"][0]["trace"] = changed["properties"][0]["trace"][:6]
    changed["properties"][2]["status"] = "violated"
    del changed["properties"][1]
    now = zones.parse_tock_report(json.dumps(changed))["verdicts"]
    assert zones.compare_verdicts(now, base) == [
        "deadlock: status holds -> violated", "live: only in the baseline",
        "mutex: trace 7 -> 6"]


@pytest.mark.parametrize(("text", "expected"), [
    ("4..10", list(range(4, 11))), ("6", [6]), ("4,6,8", [4, 6, 8]), ("4-6,5", [4, 5, 6])])
def test_n_ranges(text, expected):
    assert zones.parse_n(text) == expected


@pytest.mark.parametrize("text", ["", "10..4", "x", "0"])
def test_bad_n_ranges_are_refused(text):
    with pytest.raises(ValueError):
        zones.parse_n(text)


# the output of TChecker's examples/fischer.sh 2 10, blank lines and trailing tabs dropped
FISCHER_SH_2_10 = """\
#labels=cs1:cs2
system:fischer_2_10
event:tau
int:1:0:2:0:id
# Process 1
process:P1
clock:1:x1
location:P1:A{initial:}
location:P1:req{invariant:x1<=10}
location:P1:wait{}
location:P1:cs{labels:cs1}
edge:P1:A:req:tau{provided:id==0 : do:x1=0}
edge:P1:req:wait:tau{provided:x1<=10 : do:x1=0;id=1}
edge:P1:wait:req:tau{provided:id==0 : do:x1=0}
edge:P1:wait:cs:tau{provided:x1>10&&id==1}
edge:P1:cs:A:tau{do:id=0}
# Process 2
process:P2
clock:1:x2
location:P2:A{initial:}
location:P2:req{invariant:x2<=10}
location:P2:wait{}
location:P2:cs{labels:cs2}
edge:P2:A:req:tau{provided:id==0 : do:x2=0}
edge:P2:req:wait:tau{provided:x2<=10 : do:x2=0;id=2}
edge:P2:wait:req:tau{provided:id==0 : do:x2=0}
edge:P2:wait:cs:tau{provided:x2>10&&id==2}
edge:P2:cs:A:tau{do:id=0}
"""


def test_the_tchecker_model_is_the_one_fischer_sh_writes():
    text = zones.tchecker_fischer(2, 10)
    assert [line.rstrip() for line in text.splitlines() if line.strip()] == \
        FISCHER_SH_2_10.splitlines()


def test_the_memory_budget_counts_the_reference_clock():
    assert zones.dbm_budget_bytes(6) == 200 + 4 * 49


def test_measure_reports_cpu_time_and_the_exit_code():
    m = zones.measure([sys.executable, "-c", "import sys; sum(range(10**6)); sys.exit(3)"],
                      timeout=60)
    assert m.returncode == 3
    assert not m.timed_out
    assert m.cpu > 0
    assert m.cpu == pytest.approx(m.user + m.system)
    assert m.maxrss_kb > 0


def test_measure_stops_a_run_past_its_cpu_timeout():
    m = zones.measure([sys.executable, "-c", "while True: pass"], timeout=1)
    assert m.timed_out
    assert m.returncode != 0


def test_a_run_that_fails_by_itself_is_not_a_timeout():
    m = zones.measure([sys.executable, "-c", "import os, signal; os.kill(os.getpid(), 9)"],
                      timeout=30)
    assert not m.timed_out
    assert m.returncode != 0


def test_the_fischer_spec_has_tcheckers_discrete_states():
    # N=3: tck-reach -C graph has 65 distinct (locations, id) pairs (its STORED_STATES);
    # a count of the model, not of an engine's zones
    from checker import check

    report = check(os.path.join(ROOT, "bench", "fischer_tchecker.tock"), {"N": "3"})
    graph = report.graph()
    discrete = [attrs["state"] for _, attrs in graph.nodes(data=True)]
    assert len(zones.tock_discrete_as_tchecker(discrete, 3)) == 65
    assert report.property("mutex").status == "holds"
