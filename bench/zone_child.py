"""The child side of bench/zones.py: runs inside Tock's virtualenv, prints one JSON line.

    .venv/bin/python bench/zone_child.py phases SPEC [NAME=VALUE ...]
    .venv/bin/python bench/zone_child.py discrete SPEC [NAME=VALUE ...]

`phases` checks SPEC through the Python API (checker.check_system, as `tock check` does)
with timers wrapped around the engine's entry points, and prints the CPU and wall seconds
of each phase:

    load        model.load_spec: parsing, checking and compiling the spec
    compile     model.codegen.compile_zones, timed where model.system calls it: the zone
                target of each system (the spec with its monitors, and each scenario's
                product)
    verdicts    checker.engine.driver.judge: verdicts and the traces of each search
    leads-to    the fair-cycle search on the exact zone graph (the graph itself is the
                main search's)
    scenarios   checker.api.check_scenario, once per scenario (a product each)
    report      rendering the text and JSON reports

and, from the check's Budget, every search by name with its CPU and wall seconds (the
main search runs on the product with the bounded-response monitors and, for a spec with
leads-to, is the exact zone graph: one pass where there were three).

Each timer records the time *inclusive* of what it calls, with the enclosing phase, so a
zone search inside the response product is reported under "response" and also as a part
of it. The hooks are module attributes looked up at call time; a hook that no longer
exists (the engine is being rewritten) is reported in "missing" and its time falls into
the enclosing phase, so the totals stay right. This process's own start-up is not timed
here (the whole-process figures of zones.py include it).

`discrete` prints the distinct discrete states (variables without clocks) of the zone
graph of SPEC (Report.graph(), so at most its graph limit of states), for comparing a
model's discrete behaviour with another tool's.
"""

from __future__ import annotations

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

HOOKS = (
    # (phase, module, attribute): names looked up when called, so wrapping them times them
    ("compile (zone target)", "model.system", "compile_zones"),  # as model.system calls it
    ("verdicts and traces", "checker.engine.driver", "judge"),
    ("leads-to (fair cycles)", "checker.engine.zones.leadsto", "leads_to_results"),
    ("scenarios", "checker.api", "check_scenario"),
)


class PhaseTimer:
    """Inclusive CPU and wall time per (enclosing phases, phase), with call counts."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.records: dict[tuple[str, ...], list[float]] = {}  # path -> [cpu, wall, calls]

    def wrap(self, phase: str, fn):  # noqa: ANN001, ANN201
        def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            self.stack.append(phase)
            path = tuple(self.stack)
            cpu, wall = time.process_time(), time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                rec = self.records.setdefault(path, [0.0, 0.0, 0])
                rec[0] += time.process_time() - cpu
                rec[1] += time.perf_counter() - wall
                rec[2] += 1
                self.stack.pop()

        return timed

    def rows(self) -> list[dict]:
        return [{"path": list(path), "cpu": round(cpu, 3), "wall": round(wall, 3),
                 "calls": calls}
                for path, (cpu, wall, calls) in sorted(self.records.items())]


def _constants(items: list[str]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in items)


def phases(spec: str, constants: dict[str, str]) -> dict:
    import importlib

    timer = PhaseTimer()
    missing = []
    for phase, module_name, attr in HOOKS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            missing.append(f"{module_name}.{attr}")
            continue
        fn = getattr(module, attr, None)
        if fn is None:
            missing.append(f"{module_name}.{attr}")
            continue
        setattr(module, attr, timer.wrap(phase, fn))

    from checker import Options
    from checker.api import check_system
    from checker.engine import Budget
    from checker.render.json import render_json
    from checker.render.text import render_text
    from model import load_spec

    load = timer.wrap("load", load_spec)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    system = load(spec, constants)
    budget = Budget(Options())
    report = timer.wrap("check", check_system)(system, Options(), budget=budget)
    timer.wrap("report", lambda r: (render_text(r), render_json(r)))(report)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {"spec": spec, "constants": constants, "outcome": report.outcome,
            "states": report.stats.states, "search_seconds": round(report.stats.seconds, 3),
            "cpu": round(cpu, 3), "wall": round(wall, 3), "phases": timer.rows(),
            "searches": [{"phase": phase, "wall": round(w, 3), "cpu": round(c, 3)}
                         for phase, w, c in budget.searches],
            "missing": missing}


def discrete(spec: str, constants: dict[str, str]) -> dict:
    from checker import check

    report = check(spec, constants)
    graph = report.graph()
    seen = {tuple(sorted(attrs["state"].items())) for _, attrs in graph.nodes(data=True)}
    return {"symbolic": report.stats.states, "nodes": graph.number_of_nodes(),
            "discrete": [dict(s) for s in sorted(seen)]}


def main() -> None:
    if len(sys.argv) < 3 or sys.argv[1] not in ("phases", "discrete"):
        sys.stderr.write(__doc__)
        sys.exit(2)
    what, spec, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    out = phases(spec, _constants(rest)) if what == "phases" else discrete(spec,
                                                                         _constants(rest))
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
