"""The `tock` command. The only place that reads argv, prints, or chooses an exit code.

Exit codes: 0 every verdict as expected, 1 a verdict differs from its expectation,
2 a spec or usage error, 3 incomplete (a bound was hit), 4 internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from model import SpecError

from .api import UsageError, check_system, load
from .explore import Progress
from .options import Options
from .render.explain import render_explain
from .render.json import render_json
from .render.text import render_text
from .report import VERSION

__all__ = ["main"]

EXIT_SPEC_ERROR = 2
EXIT_INTERNAL = 4

_UNITS = {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tock", description="Tock: a model checker for timed distributed protocols.")
    parser.add_argument("--version", action="version", version=f"tock {VERSION}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def spec_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("spec", help="the spec file (.tock)")
        p.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE",
                       help="override a const or fix a param (repeatable): --set AGENTS=3")
        p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")

    check = sub.add_parser("check", help="explore every reachable state and check the "
                           "properties", description="Explore every reachable state of SPEC "
                           "and judge each property against the spec's expectations.")
    spec_args(check)
    check.add_argument("--property", dest="properties", action="append", metavar="NAME",
                       help="check only this property (repeatable)")
    check.add_argument("--json", metavar="FILE", help="write the JSON report to FILE")
    check.add_argument("--text", metavar="FILE", help="write the text report to FILE")
    check.add_argument("--out", metavar="DIR",
                       help="write SPEC_NAME.txt and SPEC_NAME.json into DIR")
    check.add_argument("--max-states", type=_positive, metavar="N",
                       help="stop after N distinct states (the run is then INCOMPLETE)")
    check.add_argument("--max-depth", type=_positive, metavar="N",
                       help="explore at most N BFS levels")
    check.add_argument("--time-limit", type=_seconds, metavar="T",
                       help="stop after T (seconds, or with a unit: 90s, 10min)")
    check.add_argument("--memory-limit", type=_positive, metavar="MB",
                       help="stop when the checker's memory exceeds MB megabytes "
                       "(default: three quarters of the machine's memory)")
    deadlock = check.add_mutually_exclusive_group()
    deadlock.add_argument("--no-deadlock", dest="deadlock", action="store_false", default=None,
                          help="do not report deadlocks (as `allow deadlock` in the spec)")
    deadlock.add_argument("--deadlock", dest="deadlock", action="store_true",
                          help="report deadlocks even if the spec allows them")
    check.add_argument("--fail-fast", action="store_true",
                       help="stop at the first verdict that differs from its expectation")
    check.add_argument("--coverage", action="store_true",
                       help="count the transitions of each action (finds actions that never "
                       "fire); costs a second pass over the states")
    check.add_argument("--time", dest="time_engine", choices=("zones", "discrete"),
                       help="time engine for specs with clocks (default: zones)")
    check.add_argument("--tick", type=_duration, metavar="D",
                       help="the discrete engine's tick (default: gcd of the time constants)")
    check.add_argument("--quiet", action="store_true",
                       help="print only the outcome line (reports still go to files)")
    check.set_defaults(func=_cmd_check)

    explain = sub.add_parser("explain", help="show the parsed model: processes, variables, "
                             "actions and the state layout")
    spec_args(explain)
    explain.add_argument("--code", action="store_true",
                         help="also print the generated successor code")
    explain.set_defaults(func=_cmd_explain)
    return parser


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
    if value <= 0:
        raise argparse.ArgumentTypeError("expected a positive time")
    return value


def _constants(sets: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in sets:
        name, eq, value = item.partition("=")
        if not eq or not name.strip() or not value.strip():
            raise UsageError(f"--set takes NAME=VALUE, got '{item}'")
        out[name.strip()] = value.strip()
    return out


def _load(args: argparse.Namespace):  # noqa: ANN202
    if not os.path.exists(args.spec):
        raise UsageError(f"cannot read {args.spec}: no such file")
    if os.path.isdir(args.spec):
        raise UsageError(f"{args.spec} is a directory; give a .tock file")
    return load(args.spec, _constants(args.sets))


def _progress_printer():  # noqa: ANN202
    tty = sys.stderr.isatty()
    shown = {"any": False}

    def show(p: Progress) -> None:
        rate = p.states / p.seconds if p.seconds else 0
        line = (f"tock: {p.states:,} states, {p.transitions:,} transitions, depth {p.depth}, "
                f"queue {p.queue:,}, {rate:,.0f} states/s, {p.seconds:.0f} s")
        if tty:
            sys.stderr.write("\r" + line + "\033[K")
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
        shown["any"] = True

    def done() -> None:
        if tty and shown["any"]:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

    return show, done


def _cmd_check(args: argparse.Namespace) -> int:
    system = _load(args)
    options = Options(
        max_states=args.max_states, max_depth=args.max_depth, time_limit=args.time_limit,
        memory_limit=args.memory_limit,
        check_deadlock=args.deadlock, properties=tuple(args.properties) if args.properties
        else None, fail_fast=args.fail_fast, time_engine=args.time_engine, tick=args.tick,
        coverage=args.coverage)
    show, done = _progress_printer()
    try:
        report = check_system(system, options, show)
    finally:
        done()
    text = render_text(report)
    outputs: list[tuple[str, str]] = []
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        outputs.append((os.path.join(args.out, f"{report.spec}.txt"), text))
        outputs.append((os.path.join(args.out, f"{report.spec}.json"), render_json(report)))
    if args.text:
        outputs.append((args.text, text))
    if args.json:
        outputs.append((args.json, render_json(report)))
    for path, content in outputs:
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(content)
    if args.quiet:
        sys.stdout.write(text.splitlines()[-2] + "\n")
    else:
        sys.stdout.write(text)
    for path, _ in outputs:
        sys.stderr.write(f"tock: wrote {path}\n")
    return report.exit_code


def _cmd_explain(args: argparse.Namespace) -> int:
    sys.stdout.write(render_explain(_load(args), code=args.code))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SpecError as err:
        sys.stderr.write(err.render())
        count = len(err.diagnostics)
        sys.stderr.write(f"tock: {count} error{'s' if count != 1 else ''} in {args.spec}\n")
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
