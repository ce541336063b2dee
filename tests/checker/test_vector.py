"""The vectorised frontier (checker/engine/explicit/vector.py) against the per-state engine:
the same JSON report (counts, depth, verdicts, traces) for every untimed spec of the
manifest, for snippets that fail at run time in every way the vector code marks, and for
random specs (the fuzzer's mutants of the repository's specs); and, chunk by chunk, the
same expansion (successors, first occurrences, first parents, deadlocks, findings), which
makes the discovery order and the parent links the same."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest

from checker.api import check_system, load
from checker.cli import main
from checker.engine.explicit import vector as vector_engine
from checker.engine.explicit.levels import PerStateExpander
from checker.engine.explicit.vector import VectorExpander, vector_expander
from checker.engine.store import Packing
from checker.errors import UsageError
from checker.options import Options
from checker.render.json import report_data
from model import SpecError, TransitionSystem
from tests.fuzz.mutate import make_case
from tests.helpers import WIDE_CONFORMANCE, spec

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = tomllib.loads((ROOT / "specs" / "manifest.toml").read_text())["spec"]
QUICK = 60_000  # manifests entries with more states are marked slow


@pytest.fixture(autouse=True)
def _every_chunk_vectorised(monkeypatch: pytest.MonkeyPatch) -> None:
    """The vector expander hands chunks of fewer than SMALL_CHUNK states to the per-state
    one; here it expands every chunk itself, so that these tests compare its code."""
    monkeypatch.setattr(vector_engine, "SMALL_CHUNK", 0)


def _report(system: TransitionSystem, vector: bool, **options: object) -> dict:
    data = report_data(check_system(system, Options(vector=vector, **options)))  # type: ignore[arg-type]
    data.pop("options")
    return json.loads(json.dumps(data, default=str))


def _path(system: TransitionSystem) -> str:
    expander, why = vector_expander(system)
    return "vector" if expander is not None else why


def _same(system: TransitionSystem, **options: object) -> dict:
    fast = _report(system, True, **options)
    slow = _report(system, False, **options)
    assert fast == slow
    return fast


def _entries() -> list:
    out = []
    for e in ENTRIES:
        if e["file"].startswith(("timed/", "mesos/")) or f"specs/{e['file']}" in WIDE_CONFORMANCE:
            continue
        name = e["file"] + "".join(f"[{k}={v}]" for k, v in e.get("constants", {}).items())
        slow = e.get("slow") or e.get("states", 0) > QUICK
        out.append(pytest.param(e, id=name, marks=pytest.mark.slow) if slow else
                   pytest.param(e, id=name))
    return out


@pytest.mark.parametrize("entry", _entries())
def test_manifest_spec_reports_the_same_with_the_vector_engine(entry: dict) -> None:
    system = load(f"specs/{entry['file']}", entry.get("constants"))
    if system.has_clocks or system.layout.width > 64:
        pytest.skip("clocks or wide states: the vector engine does not run")
    options = entry.get("options", {})
    data = _same(system, **options)
    if "states" in entry:
        assert data["stats"]["states"] == entry["states"]


def test_the_supported_conformance_specs_run_vectorised() -> None:
    """The differential tests above compare something: these specs take the vector path."""
    for name in ("twophase", "tcommit", "peterson", "bakery1", "coffeecan", "phils"):
        assert _path(load(f"specs/conformance/{name}.tock")) == "vector", name


SNIPPETS = {
    "range": """var x: 0..3 = 0
action inc do { x := x + 1 }
allow deadlock""",
    "index": """const N = 3
var a: [1..N] -> 0..2 = 0
var k: 0..5 = 1
action step when k < 5 do { a[k] := 1; k := k + 1 }
allow deadlock""",
    "read_index": """var a: [1..2] -> bool = false
var k: 0..3 = 1
action step when a[k] == false do { k := k + 1 }
allow deadlock""",
    "division": """var x: 0..3 = 3
var y: 0..9 = 0
action down when x > 0 do { x := x - 1 }
action div do { y := 6 / x }
allow deadlock""",
    "assert": """var x: 0..5 = 0
action up when x < 5 do { x := x + 1; assert x != 3 }""",
    "short_circuit": """var a: [1..3] -> 0..2 = 0
var k: 1..4 = 1
action go when k <= 3 and a[k] == 0 do { a[k] := 1; if k < 4 { k := k + 1 } }
action back when k == 4 or a[k] == 1 do { k := 1 }
allow deadlock""",
    "property_error": """var x: 0..3 = 0
var a: [0..2] -> bool = false
action inc when x < 3 do { x := x + 1 }
invariant safe: a[x] == false
allow deadlock""",
    "choose": """var s: set of 1..4 = {}
var last: 0..4 = 0
action add do { choose v in 1..4 { require v not in s; s := s union {v}; last := v } }
action drop do { choose v in s { s := s minus {v}; last := 0 } }
invariant small: len(s) <= 3
reachable full: s == {1, 2, 3, 4}""",
    "if_control": """var x: 0..6 = 0
var y: bool = false
action a do {
  if y { require x < 6; x := x + 1 } else { choose v in {1, 2} { x := v } }
  y := not y
}
invariant bounded: x <= 5""",
    "boundary": """var x: 0..9 = 0
var y: 0..9 = 0
action ix when x < 9 do { x := x + 1 }
action iy when y < 9 do { y := y + 1 }
boundary small: x + y <= 5
reachable corner: x == 5
allow deadlock""",
    "records": """type P = record { a: 0..3, b: bool }
var p: P = {a: 0, b: false}
var q: [1..2] -> P = {a: 1, b: true}
action m when p.a < 3 do { p := {a: p.a + 1, b: not p.b}; q[1] := p }
action sw do { q := [i in 1..2 -> if i == 1 then q[2] else q[1]] }
invariant inv: forall i in 1..2: q[i].a <= 3 and (q[i].b or q[i].a >= 0)""",
    "exists_sum": """const N = 3
var c: [1..N] -> 0..2 = 0
action inc(i: 1..N) when c[i] < 2 and not (exists j in 1..N: j != i and c[j] == 2) do {
  c[i] := c[i] + 1
}
action reset when sum(i in 1..N: c[i]) >= 4 do { c := [i in 1..N -> 0] }
invariant total: sum(i in 1..N: c[i]) <= 5
reachable two: {i in 1..N | c[i] == 2} == {1}""",
    "set_min_max": """var s: set of 2..6 = {3, 5}
var m: 0..9 = 0
action lo do { m := min(s) }
action hi do { m := max(s) }
action drop do { choose v in s { s := s minus {v} } }""",
    # a bag of bound 1 of records with an option field: deliveries over its elements as
    # action families (over 16 instances; one of two parameters), put into a full bag
    # (E504), quantifiers over its elements, options lifted, read and re-encoded
    "bag_family": """type Msg = record { src: 0..2, dst: 0..2, val: option 0..2 }
var net: bag[1] of Msg = {{src: 0, dst: 1, val: 0}, {src: 2, dst: 0, val: none}}
var got: [0..2] -> option 0..2 = none
var sent: 0..5 = 0
action deliver(m: Msg) when count(net, m) > 0 and got[m.dst] == none do {
  take(net, m)
  got[m.dst] := m.val
  if sent < 5 and m.val != none {
    put(net, {src: m.dst, dst: (m.dst + 1) % 3,
              val: if get(m.val) < 2 then get(m.val) + 1 else none})
    sent := sent + 1
  }
}
action relay(m: Msg, twice: bool) when count(net, m) > 0 and m.val == none do {
  take(net, m)
  if twice { choose d in {0, 1} { put(net, {src: m.src, dst: d, val: 1}) } }
}
action reset(i: 0..2) when got[i] != none do { got[i] := none }
reachable two: exists m in net: m.val == 2
invariant apart: forall m in net: m.src != m.dst or m.val == none
allow deadlock""",
    # a bag of bound 2 (counts of two bits, unrolled instances): count, len, put beyond the
    # bound (E504), take of an option's value, a quantifier over its elements, an option
    # re-encoded for another (E501 for 4)
    "bag_counts": """var b: bag[2] of 0..3 = {1, 1}
var last: option 0..3 = none
action add(x: 0..3) when count(b, x) < 2 and len(b) < 4 do { put(b, x); last := x }
action rm(x: 0..3) when count(b, x) > 0 do { take(b, x) }
action over do { put(b, 1) }
action back when last != none do { take(b, get(last)); last := none }
action bump when last != none do { last := if get(last) > 1 then get(last) + 1 else none }
reachable full: count(b, 3) == 2
reachable one: exists x in b: x == 1
invariant some_odd: exists x in b: x == 1 or x == 3
allow deadlock""",
    # a family over a set's members, its parameter an interval inside the element type; an
    # index outside its array (E502 at x % 5 == 0) and a value outside an option (E501)
    "set_family": """var s: set of 0..40 = {4, 7, 13}
var t: [0..3] -> option 0..5 = none
var k: 0..3 = 0
action pick(x: 3..30) when x in s and t[x % 4] == none do {
  t[x % 5 - 1] := if x < 20 then x % 7 else none
  s := s minus {x} union {x + 3}
  k := (k + 1) % 4
}
action drop(i: 0..3) when t[i] != none do { t[i] := if get(t[i]) > 0 then get(t[i]) - 1 else none }
action wrap when t[k] != none do { t[k] := get(t[k]) + 3 }
reachable deep: t[3] == 5
allow deadlock""",
    # options of records and of bools: compared, read, taken apart, rebuilt; get of none
    # (E508)
    "options": """type P = record { a: 0..2, b: option bool }
var p: option P = none
var q: [0..1] -> option P = none
var n: 0..3 = 0
action set1 when n < 3 do { p := {a: n, b: if n == 1 then none else n == 2}; n := n + 1 }
action copy(i: 0..1) when p != none do { q[i] := p; p := none }
action read(i: 0..1) do { n := get(q[i]).a }
action flip(i: 0..1) when q[i] != none and get(q[i]).b != none do {
  q[i] := {a: get(q[i]).a, b: not get(get(q[i]).b)}
}
invariant ok: forall i in 0..1: q[i] == none or get(q[i]).a <= 2
reachable both: q[0] != none and q[1] != none and q[0] == q[1]
allow deadlock""",
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippet_reports_the_same_with_the_vector_engine(name: str) -> None:
    system = spec(SNIPPETS[name])
    assert _path(system) == "vector", name
    _same(system)
    _same(system, max_depth=3)
    _same(system, max_states=7)


@pytest.mark.parametrize("name", ["range", "division", "assert", "property_error", "index",
                                  "set_min_max", "bag_family", "bag_counts", "set_family",
                                  "options"])
def test_a_runtime_error_is_the_per_state_one(name: str) -> None:
    """The snippets that fail at run time do report the failure (so the comparison above
    compares errors, their messages and traces)."""
    data = _same(spec(SNIPPETS[name]))
    assert data["outcome"] != "ok"


def _chunks_agree(system: TransitionSystem, limit: int = 4000) -> int:
    """Expand every BFS level (up to `limit` states) with both expanders; their answers
    must be the same field by field. The number of states expanded."""
    packing = Packing(system.layout.width)
    per_state = PerStateExpander(system, packing)
    vector, why = vector_expander(system)
    assert isinstance(vector, VectorExpander), why
    active = tuple(range(len(system.properties)))
    level = packing.array(system.initial_states())
    seen = set(packing.ints(level))
    done = 0
    while len(level) and done < limit:
        task = (level.tobytes(), active, True)
        a, b = per_state(task), vector(task)
        assert (a.successors, a.owners) == (b.successors, b.owners)
        # `first` orders the successors by first occurrence (the vector one is a key in
        # that order, not a position)
        assert np.array_equal(np.argsort(np.frombuffer(a.first, dtype=np.int64)),
                              np.argsort(np.frombuffer(b.first, dtype=np.int64)))
        assert (a.transitions, a.deadlocks, a.hits, a.runtime, a.runtime_count, a.outside) == \
            (b.transitions, b.deadlocks, b.hits, b.runtime, b.runtime_count, b.outside)
        done += len(level)
        succ = packing.from_bytes(a.successors)
        order = np.argsort(np.frombuffer(a.first, dtype=np.int64), kind="stable")
        nxt = [s for s in packing.ints(succ[order]) if s not in seen]
        seen.update(nxt)
        level = packing.array(nxt)
    return done


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippet_chunks_expand_the_same(name: str) -> None:
    assert _chunks_agree(spec(SNIPPETS[name])) > 0


def _padded(text: str, bits: int) -> str:
    """`text` with a variable of `bits` bits declared first (so at bit 0 of the state) that
    nothing reads or writes: every other component moves up by `bits`, the state becomes
    wider than 64 bits, and components straddle the boundaries of its 64-bit words."""
    pad = f"var pad_: 0..{(1 << bits) - 1} = 0\n"
    if text.startswith("spec "):
        head, _, rest = text.partition("\n")
        return f"{head}\n{pad}{rest}"
    return pad + text


@pytest.mark.parametrize("bits", [63, 126])
@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_wide_snippet_reports_and_chunks_the_same(name: str, bits: int) -> None:
    """Wide states (several uint64 words a state), fields straddling words included: the
    vector engine runs them, with the per-state engine's reports and chunk expansions."""
    system = spec(_padded(SNIPPETS[name], bits))
    assert system.layout.width > 64
    assert _path(system) == "vector", name
    _same(system)
    _same(system, max_states=7)
    assert _chunks_agree(system) > 0


WIDE_ARRAYS = """// fields at computed places straddling words; a wide state of two words
const N = 9
var a: [1..N] -> 0..15 = 0
var b: [1..N] -> 0..127 = 0
var c: [1..N] -> bool = false
var k: 1..N = 1
action bump(i: 1..N) when a[i] < 2 and not c[i] do { a[i] := a[i] + 1; b[k] := b[k] + a[i] }
action move when k < N do { k := k + 1; c[k] := not c[k] }
action mix do {
  if c[k] { a[k] := 0 } else { b[k] := 0 }
  c[1] := c[k]
}
invariant small: b[k] < 100
allow deadlock"""


def test_wide_computed_places_report_the_same() -> None:
    system = spec(WIDE_ARRAYS)
    assert system.layout.width > 64
    assert _path(system) == "vector"
    _same(system, max_states=6000)
    assert _chunks_agree(system, limit=3000) > 0


@pytest.mark.parametrize("name", sorted(WIDE_CONFORMANCE))
def test_the_wide_conformance_specs_report_the_same_with_the_vector_engine(name: str) -> None:
    """abd and paxos (bags of records of bound 1, options; 3,520 and 6,498 action
    instances as families) run vectorised, with the per-state engine's reports (the
    frozen ones: tests/specs/test_frozen_reports.py) and, for their first levels, the same
    chunk expansions."""
    system = load(name)
    assert _path(system) == "vector"
    entry = next(e for e in ENTRIES if f"specs/{e['file']}" == name)
    data = _same(system)
    assert data["stats"]["states"] == entry["states"]
    assert _chunks_agree(system, limit=3000) > 0


def test_a_family_numbers_its_outcomes_as_the_per_state_order() -> None:
    """An action family's outcome numbers: instance i's j-th emission site is
    base + i * sites + j, so the key order is the per-state order."""
    system = spec(SNIPPETS["bag_family"])
    code, _ = system.vector_code
    assert code is not None and "_setbits(s, " in code.source
    # deliver: 36 instances, 1 site; relay: 72 instances (m, twice), 3 sites; reset: 3
    assert code.outcomes == 36 * 1 + 72 * 3 + 3


def _random_specs(count: int, attempts: int = 3000, pad: int = 0
                  ) -> list[tuple[int, TransitionSystem]]:
    """Mutants of the repository's specs (tests/fuzz) that load, have no clocks and fit in
    64 bits, and that the vector code supports: the first `count` of a fixed sequence;
    with `pad`, each padded by that many bits (so wide: _padded)."""
    out = []
    for index in range(attempts):
        case = make_case(12, index)
        try:
            text = case.spec.decode("utf-8")
            if pad:
                text = _padded(text, pad)
            system = spec(text)
            system.initial_states()
        except (SpecError, UsageError, UnicodeDecodeError, RecursionError, ValueError):
            continue
        if system.has_clocks or system.layout.width > 64 + pad or \
                (pad and system.layout.width <= 64) or \
                vector_expander(system)[0] is None:
            continue
        out.append((index, system))
        if len(out) >= count:
            break
    return out


def test_random_specs_report_the_same_with_the_vector_engine() -> None:
    cases = _random_specs(12)
    assert len(cases) >= 6
    for index, system in cases:
        _same(system, max_states=3000, time_limit=20)
        _chunks_agree(system, limit=2000)
        del index


def test_random_wide_specs_report_the_same_with_the_vector_engine() -> None:
    cases = _random_specs(8, pad=62)
    assert len(cases) >= 4
    for _index, system in cases:
        assert system.layout.width > 64
        _same(system, max_states=3000, time_limit=20)
        _chunks_agree(system, limit=2000)


def _random_bag_specs(count: int, attempts: int = 3000) -> list[tuple[int, TransitionSystem]]:
    """Mutants (tests/fuzz) with a bag (of abd and paxos, the specs that have bags: wide
    states, families, options) that load and that the vector code supports: the first
    `count` of a fixed sequence."""
    out = []
    for index in range(attempts):
        case = make_case(12, index)
        if b"bag[" not in case.spec:
            continue
        try:
            system = spec(case.spec.decode("utf-8"))
            system.initial_states()
        except (SpecError, UsageError, UnicodeDecodeError, RecursionError, ValueError):
            continue
        if system.has_clocks or vector_expander(system)[0] is None:
            continue
        out.append((index, system))
        if len(out) >= count:
            break
    return out


def test_random_bag_specs_report_the_same_with_the_vector_engine() -> None:
    cases = _random_bag_specs(6)
    assert len(cases) >= 4
    for _index, system in cases:
        _same(system, max_states=1500, time_limit=20)
        _chunks_agree(system, limit=600)


@pytest.mark.slow
def test_many_random_specs_report_the_same_with_the_vector_engine() -> None:
    for _index, system in _random_specs(80, attempts=20000):
        _same(system, max_states=20000)
        _chunks_agree(system, limit=20000)


def test_the_cli_says_which_expansion_ran(capsys: pytest.CaptureFixture[str]) -> None:
    spec_path = "specs/conformance/twophase.tock"
    assert main(["check", spec_path, "-q"]) == 0
    vector = capsys.readouterr()
    assert main(["check", spec_path, "-q", "--no-vector"]) == 0
    per_state = capsys.readouterr()
    assert "; expansion: vector, per state under 256 states a chunk)" in vector.err
    assert "; expansion: per state (--no-vector))" in per_state.err
    # the same report, but for the option that differs from the default
    assert vector.out.splitlines() == [line for line in per_state.out.splitlines()
                                       if line != "options    vector=False"]
    assert main(["check", spec_path, "-q", "--memory", "fast"]) == 0
    assert "expansion" not in capsys.readouterr().err  # the dict store expands per state


# A property the vector code cannot generate, before ones it can: each property's function
# starts afresh (a given-up one once left the next one indented: an IndentationError)
GIVEN_UP_FIRST = """type P = 1..3
var w: [P] -> 0..2 = 0
var s: set of 0..3 = {1, 2}
action inc(p: P) when w[p] < 2 do { w[p] := w[p] + 1 }
action add(x: 0..3) when not (x in s) do { s := s union {x} }
invariant setsum: sum(s) <= 6
invariant small: w[1] + w[2] + w[3] < 5
reachable five: w[1] + w[2] + w[3] == 5
expect small fails
allow deadlock"""


def test_a_property_given_up_does_not_spoil_the_next() -> None:
    system = spec(GIVEN_UP_FIRST)
    vector, why = vector_expander(system)
    assert isinstance(vector, VectorExpander), why
    code, _ = system.vector_code
    assert code is not None and code.props[0] is None and code.props[1] is not None
    data = _same(system)
    assert [p["status"] for p in data["properties"]][:3] == ["holds", "violated", "reached"]


def test_small_chunks_are_expanded_per_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Below SMALL_CHUNK states a chunk goes to the per-state expander (the same answer,
    sooner); from it on, to the vector code."""
    monkeypatch.setattr(vector_engine, "SMALL_CHUNK", 256)
    system = spec(SNIPPETS["bag_family"])
    vector, why = vector_expander(system)
    assert isinstance(vector, VectorExpander), why
    calls = []
    expand = vector.code.expand
    monkeypatch.setattr(vector.code, "expand", lambda s: calls.append(len(s)) or expand(s))
    packing = Packing(system.layout.width)
    small = packing.array(system.initial_states())
    task = (small.tobytes(), (), True)
    assert vector(task) == PerStateExpander(system, packing)(task)
    assert calls == []
    big = np.repeat(small, 256)
    vector((big.tobytes(), (), True))
    assert calls == [256 * len(small)]
