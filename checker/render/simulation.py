"""The simulation report (tock simulate): the check report of what the runs met, with what
the runs did, and the outcome in words that never claim more than a simulation shows. A clean
simulation proves nothing: its outcome says so, and no verdict reads "holds".

`simulation` is the data of checker.simulate.SimulationReport.data(): plain values, so the
text and JSON forms are the same whatever the number of worker processes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..report import Report
from .json import report_data
from .text import render_text

__all__ = ["render_simulation_text", "render_simulation_json", "simulation_outcome"]

PROVES_NOTHING = ("a simulation proves nothing: no violation in these runs does not mean "
                  "there is none (tock check decides)")


def simulation_outcome(report: Report, simulation: Mapping[str, Any]) -> str:
    """The last line of the text report."""
    runs = simulation["runs"]
    if report.outcome == "violation":
        return (f"VIOLATION: a random run met a verdict that differs from what the spec "
                f"expects ({runs:,} run{'s' if runs != 1 else ''})")
    stopped = " (stopped early)" if report.stop_reason else ""
    return (f"INCOMPLETE: no verdict against the spec's expectations in {runs:,} random "
            f"run{'s' if runs != 1 else ''}{stopped}; {PROVES_NOTHING}")


def _system_lines(system: Mapping[str, Any]) -> list[str]:
    runs = system["runs"]
    lines = [f"  [{system['phase']}] {runs:,} of {system['runs_asked']:,} runs, "
             f"{system['steps']:,} steps, {system['states']:,} distinct discrete states, "
             f"deepest run {system['max_depth']} steps, {system['deadlocks']:,} ended in a "
             f"deadlock, {system['timelocks']:,} in a timelock"]
    never = [name for name, count in system["fired"].items() if count == 0]
    if never:
        lines.append(f"    never fired: {', '.join(never)}")
    for s in system["shrunk"]:
        lines.append(f"    {s['finding']}: first met by run {s['run']} after {s['found_steps']} "
                     f"steps, shortened to {s['steps']} ({s['replays']} replays)")
    return lines


def render_simulation_text(report: Report, simulation: Mapping[str, Any]) -> str:
    body = render_text(report).rstrip("\n").split("\n")
    if body and body[-1].startswith(("OK", "VIOLATION", "INCOMPLETE")):
        body = body[:-1]
    while body and not body[-1]:
        body.pop()
    head = (f"simulate   {simulation['runs_asked']:,} random runs of at most "
            f"{simulation['depth']} steps, seed {simulation['seed']}; {PROVES_NOTHING}")
    lines = body[:1] + [head] + body[1:]
    lines += ["", "simulation"]
    for system in simulation["systems"]:
        lines += _system_lines(system)
    lines += ["", simulation_outcome(report, simulation)]
    return "\n".join(lines) + "\n"


def render_simulation_json(report: Report, simulation: Mapping[str, Any]) -> str:
    data = report_data(report)
    data["simulation"] = {**simulation, "proves_nothing": PROVES_NOTHING,
                          "outcome": simulation_outcome(report, simulation)}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
