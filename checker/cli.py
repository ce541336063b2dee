"""The `tock` command. The only place that reads argv, prints, or chooses an exit code.

Exit codes: 0 every verdict as expected, 1 a verdict differs from its expectation,
2 a spec or usage error, 3 incomplete (a bound was hit), 4 internal error, 130 interrupted
before the search started (Ctrl-C while starting up or reading the spec).

Report files never destroy anything: an output path that is an input of the run (the spec,
a file it imports) is refused, as is a file name derived from the spec's name that would
land outside --out; each report is written to a temporary file beside its target and
renamed into place, and tock never writes through a symbolic link (devices and pipes such
as /dev/stdout excepted). File names are escaped wherever they are printed.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import dataclasses
import os
import shlex
import signal
import stat
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

# numpy's OpenBLAS starts a thread per core when it loads (0.1 s of CPU on 2 cores, more on
# more); Tock never calls BLAS, so it gets one thread. A setting of the user's own stands.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

try:  # the heavy modules: a Ctrl-C while they load ends quietly, as at any other time
    from model import SpecError, escape_name

    from .api import check_system, load, read_map, replay_system
    from .disabled import summary as disabled_summary
    from .engine import Budget, Progress, StopReason
    from .errors import UsageError
    from .graph import GraphTooLarge
    from .lazy import lazy_module
    from .options import Options, conflict, moot
    from .render.escape import visible
    from .render.text import render_text
    from .report import VERSION, PropertyResult, Report
except KeyboardInterrupt:  # pragma: no cover - timing
    sys.stderr.write("tock: interrupted\n")
    sys.exit(130)

# what only some commands or options need loads when first used (checker/lazy.py): the
# explorer's HTTP server, the simulator, log replay, diff, the zone engine's kernel, and
# every renderer but the text report
if TYPE_CHECKING:
    import tempfile
    import traceback

    from . import compare, explore, simulation
    from .engine import checkpoint, zones
    from .logs import logmap
    from .logs import render as replay_render
    from .render import diff as diff_render
    from .render import dot as dot_render
    from .render import explain as explain_render
    from .render import explorer as explorer_render
    from .render import html as html_render
    from .render import json as json_render
    from .render import junit as junit_render
    from .render import sarif as sarif_render
    from .render import simulation as simulation_render
    from .render import svg as svg_render
else:
    explore = lazy_module("checker.explore")
    simulation = lazy_module("checker.simulation")
    logmap = lazy_module("checker.logs.logmap")
    replay_render = lazy_module("checker.logs.render")
    compare = lazy_module("checker.compare")
    zones = lazy_module("checker.engine.zones")
    checkpoint = lazy_module("checker.engine.checkpoint")  # --checkpoint, --resume
    diff_render = lazy_module("checker.render.diff")
    dot_render = lazy_module("checker.render.dot")
    explain_render = lazy_module("checker.render.explain")
    explorer_render = lazy_module("checker.render.explorer")
    html_render = lazy_module("checker.render.html")
    json_render = lazy_module("checker.render.json")
    junit_render = lazy_module("checker.render.junit")
    sarif_render = lazy_module("checker.render.sarif")
    simulation_render = lazy_module("checker.render.simulation")
    svg_render = lazy_module("checker.render.svg")
    tempfile = lazy_module("tempfile")  # writing a report file
    traceback = lazy_module("traceback")  # an internal error

__all__ = ["main"]

EXIT_SPEC_ERROR = 2
EXIT_INCOMPLETE = 3
EXIT_INTERNAL = 4

GRAPH_LIMIT = 150        # tock graph draws at most this many states unless --limit says more
HTML_GRAPH_LIMIT = 60    # the HTML report includes the state graph up to this many states
NO_GRAPHVIZ = ("graphviz's dot program is not installed, so there are no SVG pictures "
               "(install graphviz: apt-get install graphviz, brew install graphviz, ...)")

_UNITS = {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000}


def graphviz_available() -> bool:
    """Whether graphviz's dot program is installed (checker.render.svg, loaded on first
    use; tests replace this to run as if it were not)."""
    return svg_render.graphviz_available()


COMMANDS = ("check", "graph", "explain", "diff", "replay", "explore", "simulate")


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; given a `command`, only that subcommand's arguments are
    added (the others are named with their help, which is all `tock --help` shows): the
    whole parser is about 120 add_argument calls, 6 ms of CPU warm against 3 ms for
    `check` alone. (A command missing from COMMANDS still works: main builds the whole
    parser for it.)"""
    def wanted(name: str) -> bool:
        return command is None or command == name

    parser = argparse.ArgumentParser(
        prog="tock", description="Tock: a model checker for timed distributed protocols.")
    parser.add_argument("-V", "--version", action="version", version=f"tock {VERSION}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def spec_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("spec", help="the spec file (.tock)")
        p.add_argument("-s", "--set", dest="sets", action="append", default=[],
                       metavar="NAME=VALUE",
                       help="override a const or fix a param (repeatable): --set AGENTS=3")
        p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
        p.add_argument("--diagnostics", choices=("text", "json-lines"), default="text",
                       help="how spec errors are printed on stderr: text (default) or "
                       "json-lines, one JSON object per error for editors (docs/editors.md)")

    check = sub.add_parser("check", help="explore every reachable state and check the "
                           "properties", description="Explore every reachable state of SPEC "
                           "and judge each property against the spec's expectations.")
    if wanted("check"):
        spec_args(check)
        check.add_argument("-p", "--property", dest="properties", action="append", metavar="NAME",
                           help="check only this property (repeatable)")
        check.add_argument("--json", metavar="FILE", help="write the JSON report to FILE")
        check.add_argument("--text", metavar="FILE", help="write the text report to FILE")
        check.add_argument("-o", "--out", metavar="DIR",
                           help="write SPEC_NAME.txt, .json and .html into DIR, and the swimlane "
                           "pictures into DIR/SPEC_NAME/ (implies --coverage)")
        check.add_argument("--svg", metavar="DIR",
                           help="write a swimlane picture of each trace to DIR/PROPERTY.svg "
                           "(needs graphviz)")
        check.add_argument("--html", metavar="FILE",
                           help="write a self-contained HTML report to FILE (implies --coverage)")
        # reports for CI systems (docs/ci-outputs.md)
        check.add_argument("--junit", metavar="FILE",
                           help="write a JUnit XML report to FILE: a test case per property")
        check.add_argument("--sarif", metavar="FILE",
                           help="write a SARIF 2.1.0 report to FILE (code scanning): a result per "
                           "property at its declaration, traces as code flows")
        check.add_argument("--max-states", type=_positive, metavar="N",
                           help="stop after N distinct states (the run is then INCOMPLETE)")
        check.add_argument("--max-depth", type=_positive, metavar="N",
                           help="explore at most N BFS levels")
        check.add_argument("--time-limit", type=_seconds, metavar="T",
                           help="stop after T (seconds, or with a unit: 90s, 10min)")
        check.add_argument("--memory-limit", type=_positive, metavar="MB",
                           help="when the checker's memory exceeds MB megabytes, spill the "
                           "states to disk (see --spill) or stop (default: three "
                           "quarters of the machine's memory)")
        deadlock = check.add_mutually_exclusive_group()
        deadlock.add_argument("--no-deadlock", dest="deadlock", action="store_false", default=None,
                              help="do not report deadlocks (as `allow deadlock` in the spec)")
        deadlock.add_argument("--deadlock", dest="deadlock", action="store_true",
                              help="report deadlocks even if the spec allows them")
        check.add_argument("--memory", choices=("compact", "fast"),
                           help="state store: compact (arrays, the default: 20 bytes per state up "
                           "to 64 bits, 20 plus the state's width beyond) or fast (a dict, ~100 "
                           "bytes plus the state)")
        check.add_argument("-j", "--workers", type=_positive, default=1, metavar="N",
                           help="expand states in N processes (the compact store of a spec "
                           "without clocks); counts and traces are the same as with one")
        # the vectorised frontier (docs/performance.md, checker/engine/explicit/vector.py)
        check.add_argument("--no-vector", dest="vector", action="store_false",
                           help="expand states one at a time, not a chunk at once with numpy "
                           "(the same states, order and traces; for comparison)")
        # checkpoints and spilling to disk (docs/checkpoint.md)
        check.add_argument("--checkpoint", metavar="DIR",
                           help="write the search's state to DIR at BFS level boundaries, every "
                           "--every seconds and when a bound or Ctrl-C stops it (replaces a "
                           "checkpoint in DIR)")
        check.add_argument("--every", type=_interval, metavar="T",
                           help="with --checkpoint or --resume: seconds between checkpoints "
                           "(0.5, 2s, 10min; default 60)")
        check.add_argument("--resume", metavar="DIR",
                           help="go on from the checkpoint in DIR (refused unless it is of the "
                           "same spec, constants and search options) and keep checkpointing there")
        check.add_argument("--spill", choices=("auto", "never"), default="auto",
                           help="at --memory-limit, move the store (or the zone engine's "
                           "passed list, or its exact zone graph for leads-to) to disk and "
                           "go on (auto, the default) or stop the search, INCOMPLETE (never)")
        check.add_argument("--spill-dir", metavar="DIR",
                           help="where spilled states go (default: the system's temporary "
                           "directory)")
        check.add_argument("--cluster", metavar="ADDRESS",
                           help="distribute the search over Ray actors (explicit states, or "
                           "zones by discrete state; needs pip install 'tock[cluster]'): local:N "
                           "starts N on this machine, "
                           "auto or ray://HOST:PORT joins a running cluster (docs/cluster.md); "
                           "the report is the same as one process's")
        check.add_argument("--fail-fast", action="store_true",
                           help="stop at the first verdict that differs from its expectation")
        check.add_argument("--coverage", action="store_true",
                           help="count the transitions of each action (finds actions that never "
                           "fire); costs a second pass over the states")
        check.add_argument("--time", dest="time_engine", choices=("zones", "discrete"),
                           help="time engine for specs with clocks (default: zones)")
        check.add_argument("--tick", type=_duration, metavar="D",
                           help="with --time discrete: the tick (default: gcd of the time "
                           "constants)")
        check.add_argument("-q", "--quiet", action="store_true",
                           help="no progress lines (the report is still printed)")
        check.add_argument("--summary", action="store_true",
                           help="print only the outcome line of the report on standard output "
                           "(report files are still written in full)")
        check.set_defaults(func=_cmd_check, actions=check._actions)

    graph = sub.add_parser("graph", help="draw the reachable state graph of a small model "
                           "with a trace highlighted",
                           description="Explore SPEC and draw its reachable state graph (the "
                           "zone graph for specs with clocks) with the trace of a property in "
                           "red. Without --svg or --dot the DOT source goes to standard output. "
                           "Exit 3 when the graph has more states than --limit.")
    if wanted("graph"):
        spec_args(graph)
        graph.add_argument("--svg", metavar="FILE",
                           help="write the drawing to FILE (needs graphviz)")
        graph.add_argument("--dot", metavar="FILE", help="write the graphviz DOT source to FILE")
        graph.add_argument("-p", "--property", metavar="NAME",
                           help="highlight this property's trace (default: the first with a trace)")
        graph.add_argument("--limit", type=_positive, default=GRAPH_LIMIT, metavar="N",
                           help=f"refuse graphs of more than N states (default {GRAPH_LIMIT})")
        graph.set_defaults(func=_cmd_graph)

    explain = sub.add_parser("explain", help="show the parsed model: processes, variables, "
                             "actions and the state layout")
    if wanted("explain"):
        spec_args(explain)
        explain.add_argument("--code", action="store_true",
                             help="also print the generated code of the engine that will run "
                             "(for a spec with clocks: the zone engine's, or with --time "
                             "discrete the discrete-time engine's)")
        explain.add_argument("--time", dest="time_engine", choices=("zones", "discrete"),
                             help="with --code: the time engine whose code to show "
                             "(default: zones)")
        explain.add_argument("--tick", type=_duration, metavar="D",
                             help="with --code --time discrete: the tick (default: gcd of the time "
                             "constants)")
        explain.set_defaults(func=_cmd_explain)

    diff = sub.add_parser("diff", help="the shortest observable behaviour one configuration "
                          "has and another lacks",
                          description="Compare two configurations of SPEC (the same spec with "
                          "different constants) as an outside observer sees them: the observed "
                          "variables (default: every variable) and, with --observe-actions, the "
                          "actions. Prints the shortest run each side has that the other "
                          "cannot match, or that there is none (docs/diff.md). Exit 1 when "
                          "there is a difference, 0 when there is none, 3 when a bound "
                          "stopped the search first.")
    if wanted("diff"):
        spec_args(diff)
        diff.add_argument("--left", action="append", default=[], metavar="NAME=VALUE",
                          help="a constant of the left configuration (repeatable); --set applies "
                          "to both")
        diff.add_argument("--right", action="append", default=[], metavar="NAME=VALUE",
                          help="a constant of the right configuration (repeatable)")
        diff.add_argument("--observe", action="append", metavar="VARS",
                          help="the observed variables, comma-separated (repeatable): a variable, "
                          "a process's variable (agent.state), an element (view[1]) or a process "
                          "(all its variables); default: every variable")
        diff.add_argument("--observe-actions", action="store_true",
                          help="observe the actions with their arguments too (alone: only them)")
        diff.add_argument("--json", metavar="FILE", help="write the JSON result to FILE")
        diff.add_argument("--text", metavar="FILE", help="write the text result to FILE")
        diff.add_argument("--svg", metavar="FILE|DIR",
                          help="draw each divergence as a two-column swimlane: FILE.svg (the first "
                          "one) or DIR/left-only.svg and DIR/right-only.svg (needs graphviz)")
        diff.add_argument("--html", metavar="FILE", help="write a self-contained HTML page")
        diff.add_argument("--max-states", type=_positive, metavar="N",
                          help="stop after N pairs in a direction (then INCOMPLETE)")
        diff.add_argument("--max-depth", type=_positive, metavar="N",
                          help="look at runs of at most N steps (then INCOMPLETE)")
        diff.add_argument("--time-limit", type=_seconds, metavar="T",
                          help="stop after T (seconds, or with a unit: 90s, 10min)")
        diff.add_argument("--memory-limit", type=_positive, metavar="MB",
                          help="stop when the checker's memory exceeds MB megabytes")
        diff.add_argument("--horizon", type=_duration, metavar="T",
                          help="with discrete time: look at runs up to time T only (then "
                          "INCOMPLETE)")
        diff.add_argument("--time", dest="time_engine", choices=("zones", "discrete"),
                          help="for specs with clocks: discrete (time observed tick by tick; the "
                          "default where the constraints are closed) or zones (time not compared)")
        diff.add_argument("--tick", type=_duration, metavar="D",
                          help="with --time discrete: the tick (default: gcd of the time "
                          "constants)")
        diff.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
        diff.set_defaults(func=_cmd_diff, actions=diff._actions)
    replay = sub.add_parser("replay", help="validate a real system's log against the model "
                            "(trace validation, with timing)",
                            description="Find a run of SPEC that produces exactly the events "
                            "of LOG, in order and with its timestamps' timing, as the map "
                            "(TOML, docs/replay.md) says which lines are which actions or "
                            "observations. Exit 0 consistent, 1 a line the model cannot "
                            "produce (or unmapped lines, or a log error), 2 a spec, map or "
                            "usage error, 3 incomplete, 4 internal error.")
    if wanted("replay"):
        spec_args(replay)
        replay.add_argument("log", help="the log file")
        replay.add_argument("-m", "--map", required=True, metavar="MAP",
                            help="the map (TOML) from log lines to actions and observations")
        replay.add_argument("--json", metavar="FILE", help="write the JSON answer to FILE")
        replay.add_argument("--text", metavar="FILE", help="write the text answer to FILE")
        replay.add_argument("--svg", metavar="FILE",
                            help="write the swimlane picture of the witness (or of the longest "
                            "consistent prefix) to FILE (needs graphviz)")
        replay.add_argument("--html", metavar="FILE",
                            help="write a self-contained HTML page to FILE")
        replay.add_argument("--allow-unmapped", action="store_true",
                            help="lines that match no event and no ignore pattern are listed but "
                            "are not an error of the log")
        replay.add_argument("--untimed", action="store_true",
                            help="ignore the timestamps: only the order of the events counts")
        replay.add_argument("--tolerance", type=_tolerance, metavar="D",
                            help="override the map's tolerance (per gap between two lines): 1s, "
                            "250ms")
        replay.add_argument("--max-states", type=_positive, metavar="N",
                            help="stop when one gap's closure exceeds N symbolic states "
                            "(INCOMPLETE)")
        replay.add_argument("--time-limit", type=_seconds, metavar="T",
                            help="stop after T (seconds, or with a unit: 90s, 10min)")
        replay.add_argument("--memory-limit", type=_positive, metavar="MB",
                            help="stop when the checker's memory exceeds MB megabytes")
        replay.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
        replay.set_defaults(func=_cmd_replay, actions=replay._actions)

    explore = sub.add_parser("explore", help="step through the model by hand in a browser "
                             "page, and load the check's counterexamples",
                             description="Serve a page on 127.0.0.1 to step through SPEC from "
                             "an initial state: choose enabled actions, let time pass, go back, "
                             "jump to any step, load a counterexample of the check and watch "
                             "the swimlanes grow. Ctrl-C stops the server. With --html, write "
                             "a self-contained page for a small model without clocks instead.")
    if wanted("explore"):
        spec_args(explore)
        explore.add_argument("--port", type=_port, default=0, metavar="N",
                             help="listen on port N of 127.0.0.1 (default: a free port)")
        explore.add_argument("--html", metavar="FILE",
                             help="write a self-contained explorer page to FILE and exit (specs "
                             "without clocks, up to a few thousand states)")
        explore.add_argument("--no-check", dest="run_check", action="store_false",
                             help="do not run the check at start (the page can run it)")
        explore.set_defaults(func=_cmd_explore)

    # tock simulate (docs/simulate.md): random runs, shortened counterexamples
    simulate = sub.add_parser("simulate", help="random runs for state spaces too big to "
                              "exhaust (finds violations, proves nothing)",
                              description="Run SPEC at random from its initial states, judging "
                              "every safety property, bounded response and scenario on each "
                              "state; a violation is shortened and shown as a trace. No "
                              "violation in N runs proves nothing: use tock check for that.")
    if wanted("simulate"):
        spec_args(simulate)
        simulate.add_argument("-p", "--property", dest="properties", action="append",
                              metavar="NAME", help="judge only this property (repeatable)")
        simulate.add_argument("--runs", type=_positive, default=1000, metavar="N",
                              help="number of random runs (default 1000)")
        simulate.add_argument("--depth", type=_positive, default=100, metavar="D",
                              help="steps per run at most (default 100)")
        simulate.add_argument("--seed", type=_natural, default=0, metavar="S",
                              help="the seed the runs derive from (default 0); the same seed gives "
                              "the same runs and report")
        simulate.add_argument("-j", "--workers", type=_positive, default=1, metavar="N",
                              help="run in N processes (the report is the same as with one)")
        simulate.add_argument("--json", metavar="FILE", help="write the JSON report to FILE")
        simulate.add_argument("--text", metavar="FILE", help="write the text report to FILE")
        simulate.add_argument("--svg", metavar="DIR",
                              help="write a swimlane picture of each trace to DIR/PROPERTY.svg")
        simulate.add_argument("--html", metavar="FILE",
                              help="write a self-contained HTML report to FILE")
        simulate.add_argument("--max-states", type=_positive, metavar="N",
                              help="stop after N distinct discrete states")
        simulate.add_argument("--time-limit", type=_seconds, metavar="T",
                              help="stop after T (seconds, or with a unit: 90s, 10min)")
        simulate.add_argument("--memory-limit", type=_positive, metavar="MB",
                              help="stop when memory exceeds MB megabytes")
        sim_deadlock = simulate.add_mutually_exclusive_group()
        sim_deadlock.add_argument("--no-deadlock", dest="deadlock", action="store_false",
                                  default=None, help="do not report deadlocks")
        sim_deadlock.add_argument("--deadlock", dest="deadlock", action="store_true",
                                  help="report deadlocks even if the spec allows them")
        simulate.add_argument("--time", dest="time_engine", choices=("zones",),
                              help="time semantics for specs with clocks (zones, the default)")
        simulate.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
        simulate.set_defaults(func=_cmd_simulate, actions=simulate._actions)
    return parser


def _tolerance(text: str) -> int:
    """A tolerance in microseconds: `1s`, `250ms`, `0s`."""
    value = logmap.parse_duration_us(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"expected a duration such as 1s or 250ms, got '{text}'")
    return value


def _cmd_replay(args: argparse.Namespace) -> int:
    options = Options(max_states=args.max_states, time_limit=args.time_limit,
                      memory_limit=args.memory_limit)
    system = _load(args)
    logmap = read_map(args.map)
    if args.tolerance is not None:
        logmap = dataclasses.replace(logmap, tolerance_us=args.tolerance)
    if not os.path.isfile(args.log):
        raise UsageError(f"cannot read the log {escape_name(args.log)}: no such file")
    inputs = _inputs(system) + [args.log, args.map]
    show, done = _progress_printer()
    budget = Budget(options, None if args.quiet else show)
    try:
        with _ctrl_c(budget):
            result = replay_system(system, args.log, logmap, options,
                                   allow_unmapped=args.allow_unmapped, untimed=args.untimed,
                                   budget=budget)
    finally:
        done()
    text = replay_render.render_replay_text(result)
    outputs: list[tuple[str, str]] = []
    if args.text:
        outputs.append((args.text, text))
    if args.json:
        outputs.append((args.json, replay_render.render_replay_json(result)))
    notes: list[str] = []
    svg = None
    if args.svg or args.html:
        source = replay_render.render_replay_dot(result)
        if source is None:
            notes.append("no witness to draw")
        elif not graphviz_available():
            notes.append(NO_GRAPHVIZ)
        else:
            try:
                svg = svg_render.dot_to_svg(source)
            except (svg_render.GraphvizMissing, svg_render.GraphvizFailed) as err:
                notes.append(f"no picture: {err}")
        if args.svg and svg is not None:
            outputs.append((args.svg, svg))
        if args.html:
            outputs.append((args.html, replay_render.render_replay_html(result, svg, _command(args),
                                                          tuple(notes))))
    return _finish(text, outputs, inputs, f"tock: replayed in {result.seconds:.2f} s", notes,
                   result.exit_code)


def _checkpoint_conflict(args: argparse.Namespace) -> str | None:
    """Checkpoint flags that do not go together (docs/checkpoint.md)."""
    if args.checkpoint and args.resume and \
            os.path.abspath(args.checkpoint) != os.path.abspath(args.resume):
        return ("--resume DIR goes on checkpointing into DIR; give --checkpoint the same "
                "directory, or drop it")
    if args.spill_dir and not os.path.isdir(args.spill_dir):
        return f"--spill-dir {escape_name(args.spill_dir)} is not a directory"
    if args.every is not None and not (args.checkpoint or args.resume):
        return "--every sets how often checkpoints are taken: add --checkpoint DIR"
    if args.cluster and (args.checkpoint or args.resume):
        return ("a search on a cluster (--cluster) is not checkpointed: drop --checkpoint or "
                "--resume, or --cluster")
    return None


def _interval(text: str) -> float:
    """Seconds, possibly fractional, with an optional unit: 0.2, 0.2s, 500ms, 10min."""
    number, factor = text, 1.0
    for unit, scale in (("ms", 0.001), ("min", 60.0), ("s", 1.0), ("h", 3600.0)):
        if text.endswith(unit):
            number, factor = text[: -len(unit)], scale
            break
    try:
        value = float(number) * factor
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a time such as 0.5, 2s or 10min, got "
                                         f"'{text}'") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive time, got '{text}'")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0..65535, got '{text}'")
    return int(text)


def _positive(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError("expected a number of at least 1")
    return value


def _duration(text: str) -> int:
    """A duration in milliseconds: `2s`, `500ms`, `1min`."""
    for unit in ("ms", "min", "s", "h"):
        if text.endswith(unit) and text[: -len(unit)].isdigit():
            value = int(text[: -len(unit)]) * _UNITS[unit]
            if value > 0:
                return value
    raise argparse.ArgumentTypeError(f"expected a duration such as 1s or 500ms, got '{text}'")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return _duration(text) / 1000
    if not value > 0 or value == float("inf"):   # nan and inf too
        raise argparse.ArgumentTypeError(f"expected a positive time, got '{text}'")
    return value


def _constants(sets: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in sets:
        name, eq, value = item.partition("=")
        if not eq or not name.strip() or not value.strip():
            raise UsageError(f"--set takes NAME=VALUE, got '{escape_name(item)}'")
        out[name.strip()] = value.strip()
    return out


def _load(args: argparse.Namespace):  # noqa: ANN202
    if not os.path.exists(args.spec):
        raise UsageError(f"cannot read {escape_name(args.spec)}: no such file")
    if os.path.isdir(args.spec):
        raise UsageError(f"{escape_name(args.spec)} is a directory; give a .tock file")
    return load(args.spec, _constants(args.sets), "--set")


def _progress_printer():  # noqa: ANN202
    """Progress lines on stderr, each labelled with its phase: `[search]` for the main
    search, `[scenario S]`, `[leads-to (state graph)]`, ...; a phase that printed progress
    ends with a `done` line, so the next phase's counts are not read as its own."""
    tty = sys.stderr.isatty()
    shown = {"any": False}

    def show(p: Progress) -> None:
        label = f"[{_phase_label(p.phase)}]"
        if p.done:
            how = "done" if p.stop_reason is None else f"stopped ({p.stop_reason.value})"
            line = f"tock: {label} {how} after {p.seconds:.0f} s"
        elif p.total is not None:
            rate = p.states / p.seconds if p.seconds else 0
            line = (f"tock: {label} {p.states:,} of {p.total:,} states linked, "
                    f"{p.transitions:,} transitions, {rate:,.0f} states/s, {p.seconds:.0f} s")
        else:
            rate = p.states / p.seconds if p.seconds else 0
            line = (f"tock: {label} {p.states:,} states, {p.transitions:,} transitions, "
                    f"depth {p.depth}, queue {p.queue:,}, {rate:,.0f} states/s, "
                    f"{p.seconds:.0f} s")
        if tty and not p.done:
            sys.stderr.write("\r" + line + "\033[K")
        elif tty:
            sys.stderr.write("\r" + line + "\033[K\n")
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
        shown["any"] = not p.done

    def done() -> None:
        if tty and shown["any"]:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

    return show, done


def _phase_label(phase: str) -> str:
    return "search" if phase == "main" else escape_name(phase)


def _cmd_check(args: argparse.Namespace) -> int:
    options = Options(
        max_states=args.max_states, max_depth=args.max_depth, time_limit=args.time_limit,
        memory_limit=args.memory_limit,
        check_deadlock=args.deadlock, properties=tuple(args.properties) if args.properties
        else None, fail_fast=args.fail_fast, time_engine=args.time_engine, tick=args.tick,
        coverage=args.coverage or bool(args.html or args.out), memory=args.memory,
        workers=args.workers, spill=args.spill, spill_dir=args.spill_dir,
        cluster=args.cluster, vector=args.vector,
        # the check draws a graph only for its HTML report, up to HTML_GRAPH_LIMIT states:
        # the zone engine then keeps no edges beyond that (12 bytes a transition)
        graph_limit=HTML_GRAPH_LIMIT)
    refused = conflict(options) or _checkpoint_conflict(args)
    if refused is not None:
        raise UsageError(refused)
    clock = _Stopwatch(args.started)
    system = _load(args)
    clock.lap("load")
    inputs = _inputs(system)
    for warning in moot(options, system.has_clocks):
        sys.stderr.write(f"tock: warning: {warning}\n")
    if system.has_clocks and options.time_engine != "discrete" and not zones.kernel.NATIVE:
        sys.stderr.write(f"tock: note: {zones.kernel.WHY_NOT}\n")
    show, done = _progress_printer()
    checkpointer = None
    if args.checkpoint or args.resume:
        checkpointer = checkpoint.Checkpointer(args.resume or args.checkpoint, system,
                                               options, args.every or checkpoint.DEFAULT_EVERY,
                                               resume=bool(args.resume))
    budget = Budget(options, None if args.quiet else show, checkpoint=checkpointer)
    try:
        with _ctrl_c(budget):
            report = check_system(system, options, budget=budget)
    finally:
        done()
    clock.lap("check")
    # (a search that spilled before its first state had nothing of its own to move: what
    # held the memory was the check's earlier phases; no news, no note)
    for phase, states, before, after in budget.spills:
        if not states:
            continue
        sys.stderr.write(f"tock: note: [{_phase_label(phase)}] memory came near the limit at "
                         f"{states:,} states ({before:,.0f} MB): the states went to disk "
                         f"({after:,.0f} MB after), and the search went on\n")
    for phase, (times, written) in sorted(budget.spilled.items()):
        if not written:
            continue
        sys.stderr.write(f"tock: note: [{_phase_label(phase)}] spilled {times:,} "
                         f"time{'s' if times != 1 else ''}, {written:,.1f} MB written to "
                         "disk\n")
    if checkpointer is not None:
        sys.stderr.write(f"tock: checkpoint in {escape_name(checkpointer.directory)} "
                         f"({checkpointer.written:,} written)\n")
    text = render_text(report)
    outputs: list[tuple[str, str, str | None]] = []   # path, content, folder it must stay in
    if args.out:
        outputs.append((os.path.join(args.out, f"{report.spec}.txt"), text, args.out))
        outputs.append((os.path.join(args.out, f"{report.spec}.json"),
                        json_render.render_json(report), args.out))
    if args.text:
        outputs.append((args.text, text, None))
    if args.json:
        outputs.append((args.json, json_render.render_json(report), None))
    if args.junit:
        outputs.append((args.junit, junit_render.render_junit(report), None))
    if args.sarif:
        outputs.append((args.sarif, sarif_render.render_sarif(report, system.action_locations),
                        None))
    notes: list[str] = []
    if args.svg or args.html or args.out:
        clock.lap("reports")
        pictures = _swimlane_svgs(report, notes)
        for directory, inside in ([(args.svg, None)] if args.svg else []) + (
                [(os.path.join(args.out, report.spec), args.out)] if args.out else []):
            for name, svg in pictures.items():
                outputs.append((os.path.join(directory, f"{dot_render.safe_name(name)}.svg"), svg,
                                inside))
        if args.svg and not pictures and not notes:
            notes.append("no property has a trace, so there is no swimlane picture to draw")
        if args.html or args.out:
            graph = _html_graph(report, notes)
            clock.lap("pictures")
            page = html_render.render_html(report, pictures, _command(args), graph, tuple(notes),
                               timings=_timings(clock, budget))
            if args.out:
                outputs.append((os.path.join(args.out, f"{report.spec}.html"), page, args.out))
            if args.html:
                outputs.append((args.html, page, None))
        else:
            clock.lap("pictures")
    written, failed = _write_all(outputs, inputs)
    if args.summary:
        sys.stdout.write(text.splitlines()[-1] + "\n")
    else:
        sys.stdout.write(text)
    clock.lap("reports")
    # which expansion the main search ran (the vectorised frontier or per state, and why)
    expansion = budget.expansion.get("main")
    how = "" if expansion is None else f"; expansion: {expansion}"
    sys.stderr.write(f"tock: checked in {clock.total():.2f} s "
                     f"({_where_the_time_went(_timings(clock, budget))}{how})\n")
    disabled = disabled_summary(report.disabled, report.disabled_complete)
    if disabled is not None:
        sys.stderr.write(f"tock: warning: {visible(disabled)}\n")
    for note in notes:
        sys.stderr.write(f"tock: {escape_name(note)}\n")
    for path in written:
        sys.stderr.write(f"tock: wrote {escape_name(path)}\n")
    for message in failed:
        sys.stderr.write(f"tock: error: {message}\n")
    return EXIT_SPEC_ERROR if failed else report.exit_code


def _natural(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def _sim_progress(runs: int):  # noqa: ANN202
    """Progress lines of `tock simulate` on stderr: runs done, states, steps."""

    def show(p: Progress) -> None:
        label = f"[{_phase_label(p.phase)}]"
        if p.done:
            how = "done" if p.stop_reason is None else f"stopped ({p.stop_reason.value})"
            line = f"tock: {label} {how} after {p.seconds:.0f} s"
        else:
            line = (f"tock: {label} run {runs - p.queue:,} of {runs:,}, {p.states:,} distinct "
                    f"states, {p.transitions:,} steps, deepest {p.depth}, {p.seconds:.0f} s")
        sys.stderr.write(line + "\n")
        sys.stderr.flush()

    return show


def _cmd_simulate(args: argparse.Namespace) -> int:
    options = Options(
        max_states=args.max_states, time_limit=args.time_limit,
        memory_limit=args.memory_limit, check_deadlock=args.deadlock,
        properties=tuple(args.properties) if args.properties else None,
        time_engine=args.time_engine)
    settings = simulation.SimSettings(runs=args.runs, depth=args.depth, seed=args.seed,
                           workers=args.workers)
    clock = _Stopwatch(args.started)
    system = _load(args)
    clock.lap("load")
    inputs = _inputs(system)
    budget = Budget(options, None if args.quiet else _sim_progress(args.runs))
    with _ctrl_c(budget):
        simulated = simulation.simulate_system(system, options, settings, budget=budget)
    clock.lap("simulate")
    report, data = simulated.report, simulated.data()
    text = simulation_render.render_simulation_text(report, data)
    outputs: list[tuple[str, str, str | None]] = []
    if args.text:
        outputs.append((args.text, text, None))
    if args.json:
        outputs.append((args.json, simulation_render.render_simulation_json(report, data), None))
    notes: list[str] = []
    if args.svg or args.html:
        pictures = _swimlane_svgs(report, notes)
        if args.svg:
            for name, svg in pictures.items():
                outputs.append((os.path.join(args.svg, f"{dot_render.safe_name(name)}.svg"), svg,
                                None))
        if args.html:
            page = html_render.render_html(report, pictures, _command(args), None,
                               tuple(notes) + (text.splitlines()[-1],),
                               timings=_timings(clock, budget))
            outputs.append((args.html, page, None))
    return _finish(text, outputs, inputs, f"tock: simulated in {clock.total():.2f} s", notes,
                   report.exit_code)


class _Stopwatch:
    """The wall-clock time of a command, lap by lap (laps of one name add up)."""

    def __init__(self, started: float):
        self.started = started
        self.mark = started
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self.mark
        self.mark = now

    def total(self) -> float:
        return self.mark - self.started


def _timings(clock: _Stopwatch, budget: Budget) -> list[tuple[str, float]]:
    """Where the time went, in order: loading the spec, each kind of search, the time of
    the check outside its searches (verdicts, traces, replaying them), the pictures
    (graphviz) and the reports."""
    out = [("load and compile", clock.laps.get("load", 0.0))]
    searches = _searches(budget)
    out += searches
    if "check" in clock.laps:
        rest = clock.laps["check"] - sum(seconds for _, seconds in searches)
        out.append(("verdicts and traces", max(0.0, rest)))
    for name in ("pictures", "reports"):
        if name in clock.laps:
            out.append((name, clock.laps[name]))
    return out


def _where_the_time_went(timings: list[tuple[str, float]]) -> str:
    return ", ".join(f"{label} {seconds:.2f} s" for label, seconds in timings)


@contextlib.contextmanager
def _ctrl_c(budget: Budget) -> Iterator[None]:
    """The first Ctrl-C ends every search of the check (each stops at its next look at the
    budget, and the report says what was decided); the second exits at once."""

    def handler(_signum: int, _frame: object) -> None:
        if budget.spent is StopReason.INTERRUPTED:
            sys.stderr.write("\ntock: interrupted again; exiting without a report\n")
            sys.stderr.flush()
            os._exit(130)
        budget.interrupt()
        sys.stderr.write("\ntock: interrupted; finishing the report (Ctrl-C again to exit "
                         "at once)\n")
        sys.stderr.flush()

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: Python's own KeyboardInterrupt handling stays
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _searches(budget: Budget) -> list[tuple[str, float]]:
    """The searches of the check (and its coverage pass), grouped by kind, in order:
    `search`, `scenarios (3)`, `leads-to (state graph)`, `coverage`."""
    totals: dict[str, list[float]] = {}
    for phase, seconds, _cpu in budget.searches:
        kind = phase.split(" ", 1)[0] if phase.startswith("scenario ") else phase
        totals.setdefault("scenarios" if kind == "scenario" else kind, []).append(seconds)
    parts = []
    for kind, times in totals.items():
        label = "search" if kind == "main" else kind
        count = f" ({len(times)})" if len(times) > 1 else ""
        parts.append((f"{label}{count}", sum(times)))
    return parts


def _command(args: argparse.Namespace) -> str:
    """The command line of this run, to reproduce it from any folder (shown in the HTML
    report): the tock program actually run and every file or folder as an absolute path,
    each option in its long form, shell-quoted. Rebuilt from the parsed arguments, so an
    option added to the parser is included without a change here."""
    words = _program()
    words.append(args.command)
    for action in getattr(args, "actions", ()):
        if isinstance(action, argparse._HelpAction) or action.dest in ("debug",):
            continue
        value = getattr(args, action.dest, None)
        if not action.option_strings:  # the spec
            words.append(_absolute(str(value)))
            continue
        flag = max(action.option_strings, key=len)  # the long form
        if action.nargs == 0:  # a switch
            if value == action.const and value != action.default:
                words.append(flag)
            continue
        if value is None or value == action.default:
            continue
        for item in value if isinstance(value, list) else [value]:
            words += [flag, _shown_value(action, item)]
    return shlex.join(words)


def _program() -> list[str]:
    """The command that ran tock: the `tock` script by its absolute path, or
    `python -m checker`; when tock runs inside another program (tests), the `tock` script
    beside the Python that runs it, if there is one."""
    first = sys.argv[0] if sys.argv else ""
    if os.path.basename(first) == "__main__.py":
        return [sys.executable, "-m", "checker"]
    if os.path.basename(first).startswith("tock") and os.path.exists(first):
        return [os.path.abspath(first)]
    beside = os.path.join(os.path.dirname(sys.executable), "tock")
    return [os.path.abspath(beside)] if os.path.exists(beside) else ["tock"]


def _absolute(path: str) -> str:
    return path if _is_stream(path) else os.path.abspath(path)


def _shown_value(action: argparse.Action, value: object) -> str:
    """An option's parsed value as the command line writes it again."""
    if action.type is _duration:
        return f"{value}ms"
    if isinstance(value, float):
        return f"{value:g}"
    if action.metavar in ("FILE", "DIR"):
        return _absolute(str(value))
    return str(value)


def _swimlane_svgs(report: Report, notes: list[str]) -> dict[str, str]:
    """Property name -> swimlane SVG, for each property with a trace. Without graphviz: no
    pictures, and a note saying so."""
    traced = [(k, p) for k, p in enumerate(report.properties) if p.trace is not None]
    extra = [(k, name, q) for k, p in enumerate(report.properties)
             for name, q in dot_render.measure_pictures(p)]
    if not traced:
        return {}
    if not graphviz_available():
        notes.append(NO_GRAPHVIZ)
        return {}
    pictures: dict[str, str] = {}
    for k, p in traced:
        try:
            pictures[p.name] = svg_render.dot_to_svg(
                dot_render.render_swimlanes(report, p, id_prefix=f"p{k + 1}"))
        except svg_render.GraphvizMissing:
            notes.append(NO_GRAPHVIZ)
            return pictures
        except svg_render.GraphvizFailed as err:
            notes.append(f"no picture of {p.name}: {err}")
    for k, name, q in extra:  # a measure's other witness
        try:
            pictures[name] = svg_render.dot_to_svg(
                dot_render.render_swimlanes(report, q, id_prefix=f"p{k + 1}s"))
        except (svg_render.GraphvizMissing, svg_render.GraphvizFailed) as err:
            notes.append(f"no picture of {name}: {err}")
    return pictures


def _html_graph(report: Report, notes: list[str]) -> str | None:
    """The state graph for the HTML report, when the model is small enough to draw."""
    if (report.stats.states > HTML_GRAPH_LIMIT or not report.stats.exhaustive
            or report.engine.startswith("discrete") or not graphviz_available()):
        return None  # (the discrete-time graph has no edges for the ticks: not drawn)
    try:
        graph = report.graph()
    except Exception:  # noqa: BLE001 - the graph is a bonus; the report stands without it
        return None
    chosen = _chosen_trace(report, None)
    path = dot_render.match_trace(graph, chosen.trace) if chosen and chosen.trace else []
    title = f"{report.spec}: the reachable {'zone ' if report.stats.symbolic else ''}graph"
    if chosen is not None and path:
        title += f"; in red: {_what(chosen)} {chosen.status}"
    try:
        return svg_render.dot_to_svg(
            dot_render.render_state_graph(graph, title, path, id_prefix="graph"))
    except (svg_render.GraphvizMissing, svg_render.GraphvizFailed) as err:
        notes.append(f"no state graph picture: {err}")
        return None


def _what(p: PropertyResult) -> str:
    """`invariant mutex`, or just `deadlock` when the kind is the name."""
    return p.name if p.kind == p.name else f"{p.kind} {p.name}"


def _chosen_trace(report: Report, name: str | None) -> PropertyResult | None:
    for p in report.properties:
        if (name is None or p.name == name) and p.trace is not None:
            return p
    return None


def _cmd_graph(args: argparse.Namespace) -> int:
    system = _load(args)
    inputs = _inputs(system)
    limit = args.limit
    # explore one state past the limit at most: a model too big to draw is not explored whole
    options = Options(max_states=limit + 1, graph_limit=limit,
                      properties=(args.property,) if args.property else None)
    report = check_system(system, options)
    graph = None
    if report.stats.states <= limit:
        try:
            graph = report.graph()
        except GraphTooLarge:
            pass
    if graph is None:
        constants = ", ".join(f"{n} = {v}" for n, v in report.constants)
        sys.stderr.write(
            f"tock: the state graph of {report.spec} has more than {limit:,} "
            f"{'symbolic ' if report.stats.symbolic else ''}states; a drawing that large is "
            "unreadable, so tock graph refuses.\n"
            "tock: shrink the model: smaller constants with --set"
            + (f" (this spec has {constants})" if constants else "")
            + ", fewer process instances or smaller types; or raise --limit (dot gets slow "
            "above a few hundred states)\n")
        return EXIT_INCOMPLETE
    chosen = _chosen_trace(report, args.property)
    if args.property and chosen is None:
        sys.stderr.write(f"tock: {escape_name(args.property)} has no trace to highlight "
                         f"(it {report.property(args.property).status})\n")
    path = (dot_render.match_trace(graph, chosen.trace)
            if chosen is not None and chosen.trace else [])
    if chosen is not None and not path:
        sys.stderr.write(f"tock: the trace of {chosen.name} does not follow the graph's "
                         "edges; nothing is highlighted\n")
    kind = "zone graph" if report.stats.symbolic else "state graph"
    title = f"{report.spec}: {kind}, {graph.number_of_nodes():,} states"
    if path and chosen is not None:
        title += f"; in red: {_what(chosen)} {chosen.status} ({len(chosen.trace)} steps)"
    source = dot_render.render_state_graph(graph, title, path)
    summary = (f"{kind}: {graph.number_of_nodes():,} states, {graph.number_of_edges():,} "
               f"edges" + (f"; highlighted: {chosen.name} ({len(path) - 1} steps)" if path
                           and chosen is not None else "; nothing highlighted") + "\n")
    written: list[str] = []
    if args.dot:
        _write(args.dot, source, inputs)
        written.append(args.dot)
    if args.svg:
        try:
            svg = svg_render.dot_to_svg(source)
        except svg_render.GraphvizMissing:
            raise UsageError(NO_GRAPHVIZ + "; --dot FILE writes the DOT source") from None
        except svg_render.GraphvizFailed as err:
            raise UsageError(str(err)) from None
        _write(args.svg, svg, inputs)
        written.append(args.svg)
    if written:
        sys.stdout.write(summary)
        for path_ in written:
            sys.stderr.write(f"tock: wrote {escape_name(path_)}\n")
    else:
        sys.stdout.write(source)
        sys.stderr.write(summary)
    return 0


def _inputs(system) -> list[str]:  # noqa: ANN001
    """The files the run reads: the spec and every file it imports."""
    return [path for path in system.sources if os.path.exists(path)]


def _is_stream(path: str) -> bool:
    """A device or pipe (/dev/stdout, a FIFO): written to directly, not replaced."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _check_output(path: str, inputs: list[str]) -> None:
    """Refuse an output path that is an input of the run, a folder, or a symbolic link."""
    shown = escape_name(path)
    if os.path.lexists(path) and not _is_stream(path):
        for source in inputs:
            try:
                same = os.path.samefile(path, source)
            except OSError:
                same = False
            if same:
                raise UsageError(f"cannot write {shown}: it is {escape_name(source)}, an input "
                                 "of this run; choose another file name")
        if os.path.islink(path):
            raise UsageError(f"cannot write {shown}: it is a symbolic link, and tock does not "
                             "write through links; remove it or choose another file name")
        if os.path.isdir(path):
            raise UsageError(f"cannot write {shown}: it is a folder")


def _inside(path: str, folder: str) -> None:
    """A file named after the spec must land inside `folder` (the --out folder), and no
    folder on the way from there may be a symbolic link."""
    root = os.path.abspath(folder)
    full = os.path.abspath(path)
    if os.path.commonpath([root, full]) != root or full == root:
        raise UsageError(f"cannot write {escape_name(path)}: named after the spec, it would "
                         f"land outside {escape_name(folder)}; give the spec a name with a "
                         "`spec NAME` line")
    step = os.path.dirname(full)
    while step != root:
        if os.path.islink(step):
            raise UsageError(f"cannot write {escape_name(path)}: {escape_name(step)} is a "
                             "symbolic link, and tock does not write through links")
        step = os.path.dirname(step)


def _write_all(outputs: list, inputs: list[str]) -> tuple[list[str], list[str]]:
    """Write each report file, (path, content) or (path, content, the folder it must stay
    in): the paths written, and what could not be (one message each)."""
    written, failed = [], []
    for path, content, *inside in outputs:
        try:
            _write(path, content, inputs, inside[0] if inside else None)
            written.append(path)
        except UsageError as err:
            failed.append(str(err))
    return written, failed


def _finish(text: str, outputs: list, inputs: list[str], done: str, notes: list[str],
            exit_code: int) -> int:
    """The end of a command that writes a report (diff, replay, simulate): the files, the
    report on stdout, then on stderr the time line `done`, the notes, what was written and
    what failed; a file that could not be written makes it a usage error."""
    written, failed = _write_all(outputs, inputs)
    sys.stdout.write(text)
    sys.stderr.write(done + "\n")
    for note in notes:
        sys.stderr.write(f"tock: {escape_name(note)}\n")
    for path in written:
        sys.stderr.write(f"tock: wrote {escape_name(path)}\n")
    for message in failed:
        sys.stderr.write(f"tock: error: {message}\n")
    return EXIT_SPEC_ERROR if failed else exit_code


def _write(path: str, content: str, inputs: list[str] = (),  # type: ignore[assignment]
           inside: str | None = None) -> None:
    """Write a report file: into a temporary file in the target's folder, then renamed into
    place, so an interrupted run leaves the old file or the new one, never half of one. A
    path that cannot or must not be written is the user's to fix (UsageError); `inside`:
    the folder a path derived from the spec's name must stay in."""
    directory = os.path.dirname(path)
    shown = escape_name(path)
    if inside is not None:
        _inside(path, inside)
    if directory and os.path.lexists(directory) and not os.path.isdir(directory):
        raise UsageError(f"cannot write {shown}: {escape_name(directory)} is a file, not a folder")
    _check_output(path, list(inputs))
    if _is_stream(path):
        try:
            with open(path, "w", encoding="utf-8", errors="backslashreplace") as handle:
                handle.write(content)
        except OSError as err:
            raise UsageError(f"cannot write {shown}: {err.strerror or err}") from None
        return
    try:
        if directory:
            os.makedirs(directory, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=directory or ".", prefix=".tock-", suffix=".tmp")
    except OSError as err:
        raise UsageError(f"cannot write {shown}: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(content)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temp, 0o666 & ~mask)
        os.replace(temp, path)
    except OSError as err:
        raise UsageError(f"cannot write {shown}: {err.strerror or err}") from None
    finally:
        if os.path.lexists(temp):
            os.unlink(temp)


def _cmd_diff(args: argparse.Namespace) -> int:
    options = Options(max_states=args.max_states, max_depth=args.max_depth,
                      time_limit=args.time_limit, memory_limit=args.memory_limit,
                      time_engine=args.time_engine, tick=args.tick)
    if not args.left and not args.right:
        raise UsageError("tock diff compares two configurations: give at least one "
                         "--left NAME=VALUE or --right NAME=VALUE")
    if not os.path.exists(args.spec):
        raise UsageError(f"cannot read {escape_name(args.spec)}: no such file")
    if os.path.isdir(args.spec):
        raise UsageError(f"{escape_name(args.spec)} is a directory; give a .tock file")
    both = _constants(args.sets)
    left = load(args.spec, {**both, **_constants(args.left)}, "--left")
    right = load(args.spec, {**both, **_constants(args.right)}, "--right")
    for warning in moot(options, left.has_clocks):
        if "--time" in warning:
            sys.stderr.write(f"tock: warning: {warning}\n")
    observe = None if args.observe is None else [
        name for item in args.observe for name in item.split(",") if name.strip()]
    show, done = _progress_printer()
    budget = Budget(options, None if args.quiet else show)
    try:
        with _ctrl_c(budget):
            result = compare.diff_systems(left, right, observe, args.observe_actions, options,
                                          budget, args.horizon)
    finally:
        done()
    inputs = _inputs(left)
    text = diff_render.render_diff_text(result)
    outputs: list[tuple[str, str]] = []
    if args.text:
        outputs.append((args.text, text))
    if args.json:
        outputs.append((args.json, diff_render.render_diff_json(result)))
    notes: list[str] = []
    pictures: dict[str, str] = {}
    found = [d for d in result.directions if d.divergence is not None]
    if (args.svg or args.html) and found:
        if not graphviz_available():
            notes.append(NO_GRAPHVIZ)
        else:
            for k, d in enumerate(found):
                assert d.divergence is not None
                try:
                    pictures[f"{d.allows}-only"] = svg_render.dot_to_svg(
                        diff_render.render_diff_dot(result, d.divergence, id_prefix=f"d{k + 1}"))
                except (svg_render.GraphvizMissing, svg_render.GraphvizFailed) as err:
                    notes.append(f"no picture of {d.allows}-only: {err}")
    if args.svg:
        if not found:
            notes.append("no difference, so there is no divergence to draw")
        elif args.svg.endswith(".svg"):
            first = next(iter(pictures.values()), None)
            if first is not None:
                outputs.append((args.svg, first))
        else:
            for name, svg in pictures.items():
                outputs.append((os.path.join(args.svg, f"{name}.svg"), svg))
    if args.html:
        outputs.append((args.html, diff_render.render_diff_html(result, pictures, _command(args))))
    done = f"tock: compared in {result.seconds:.2f} s"
    if left.has_clocks and not zones.kernel.NATIVE and result.time.startswith("zones"):
        done += f"\ntock: note: {zones.kernel.WHY_NOT}"
    return _finish(text, outputs, inputs, done, notes, result.exit_code)


def _cmd_explain(args: argparse.Namespace) -> int:
    if args.time_engine is not None and not args.code:
        raise UsageError(f"--time {args.time_engine} chooses the engine whose code --code "
                         "shows; add --code, or drop --time")
    if args.tick is not None and args.time_engine != "discrete":
        raise UsageError("--tick sets the tick of the discrete-time code; add --code "
                         "--time discrete, or drop --tick")
    system = _load(args)
    if args.time_engine is not None and not system.has_clocks:
        sys.stderr.write(f"tock: warning: --time {args.time_engine} has no effect: this "
                         "spec has no clocks, so no time engine runs\n")
    sys.stdout.write(explain_render.render_explain(system, code=args.code,
                                                   time_engine=args.time_engine,
                                                   tick=args.tick))
    return 0


def _cmd_explore(args: argparse.Namespace) -> int:
    system = _load(args)
    explorer = explore.Explorer(system)
    if not explorer.initial:
        raise UsageError("no initial state satisfies the spec's bounds: nothing to explore")
    if args.html:
        try:
            graph = explorer.static_data()
        except explore.ExploreError as err:
            raise UsageError(str(err)) from None
        traces = {"status": "off", "traces": [], "message": ""}
        if args.run_check:
            report = check_system(system, Options())
            traces = explorer.check_data(report)
        _write(args.html, explorer_render.render_explorer(explorer.model_data(), graph, traces),
               _inputs(system))
        sys.stderr.write(f"tock: wrote {escape_name(args.html)} ({len(graph['nodes']):,} "
                         "states)\n")
        return 0
    try:
        server = explore.ExplorerServer(explorer, args.port)
    except OSError as err:
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port}: "
                         f"{err.strerror or err}") from None
    if args.run_check:
        server.checker.start()
    thread = threading.Thread(target=server.serve_forever, name="tock-explore", daemon=True)
    thread.start()
    sys.stdout.write(f"tock: exploring {escape_name(system.name)} at {server.url}\n"
                     "tock: open it in a browser; Ctrl-C stops the server\n")
    sys.stdout.flush()
    try:
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        sys.stderr.write("\ntock: explorer stopped\n")
    finally:
        server.shutdown()
    if server.failures:
        sys.stderr.write(f"tock: internal error: {len(server.failures)} request(s) failed "
                         "inside the explorer, please report it with the spec\n")
        if args.debug:
            sys.stderr.write("".join(server.failures))
        else:
            sys.stderr.write("tock: run again with --debug to see the traceback\n")
        return EXIT_INTERNAL
    return 0


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    parser = _parser(argv[0] if argv and argv[0] in COMMANDS else None)
    started = time.perf_counter()
    args = parser.parse_args(argv)
    args.argv = list(argv)
    args.started = started
    try:
        return args.func(args)
    except SpecError as err:
        if args.diagnostics == "json-lines":  # for editors: only the errors, one per line
            sys.stderr.write(err.json_lines())
            return EXIT_SPEC_ERROR
        sys.stderr.write(err.render())
        count = len(err.diagnostics)
        sys.stderr.write(f"tock: {count:,} error{'s' if count != 1 else ''} in "
                         f"{escape_name(args.spec)}\n")
        return EXIT_SPEC_ERROR
    except logmap.MapError as err:  # file:line:col: error[M...]: ..., as spec errors are
        sys.stderr.write(f"{escape_name(str(err))}\n")
        sys.stderr.write(f"tock: 1 error in {escape_name(err.where.split(':', 1)[0])}\n")
        return EXIT_SPEC_ERROR
    except UsageError as err:
        sys.stderr.write(f"tock: error: {err}\n")
        return EXIT_SPEC_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("tock: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # noqa: BLE001 - the last line of defence
        sys.stderr.write("tock: internal error, please report it with the spec and command\n")
        if getattr(args, "debug", False):
            traceback.print_exc()
        else:
            sys.stderr.write("tock: run again with --debug to see the traceback\n")
        return EXIT_INTERNAL


def run() -> None:
    """The `tock` console script and `python -m checker`: main(), then the exit without
    Python's teardown, which frees every object and module one by one (about 35 ms of a
    0.4 s small check's CPU, ~9%, bench/zones.py's Fischer N = 6). What the teardown
    would do that matters is done first: the output streams are flushed and the atexit
    handlers run (a Ray or multiprocessing shutdown, temporary directories' finalizers).
    With a thread still running (none of Tock's outlives main) the exit is the usual one,
    which waits for it."""
    code = main()
    _flush()
    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()  # CPython's own hook for this (what its exit runs)
    _flush()  # what the handlers wrote
    os._exit(code)


def _flush() -> None:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a closed reader: as main() treats it
        pass


if __name__ == "__main__":  # pragma: no cover
    run()
