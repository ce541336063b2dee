"""`python -m tests.fuzz --seed S --count N --jobs J`: a fuzz run with a summary table.

Progress goes to stderr every few seconds; the summary to stdout; the smallest input of each
failure signature (shrunk) to --save DIR. Exit 1 when any input failed.
`--case I` runs input I of the seed alone and shows its command, input and output.
"""

from __future__ import annotations

import argparse
import sys
import time

from .driver import Limits, prepare, run_case
from .mutate import make_case
from .oracle import FAILURES
from .run import Summary, fuzz, load_repros, render_summary, save_repros


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--start", type=int, default=0, help="first input index")
    parser.add_argument("--jobs", type=int, default=1, help="inputs run at the same time")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="CPU seconds per input before it counts as a hang (default 10)")
    parser.add_argument("--memory", type=int, default=1536, help="MB of address space per input")
    parser.add_argument("--shrink", type=float, default=60.0,
                        help="seconds spent shrinking each failure signature (0: none)")
    parser.add_argument("--save", default="out/fuzz", help="folder for the shrunk failures")
    parser.add_argument("--case", type=int, help="run this one input and show it")
    parser.add_argument("--replay", metavar="DIR",
                        help="run again every failure saved under DIR (by --save) and say "
                        "what each does now")
    args = parser.parse_args(argv)
    limits = Limits(seconds=args.timeout, memory_mb=args.memory)
    if args.replay:
        prepare()
        still = 0
        for name, case in load_repros(args.replay):
            _, verdict = run_case(case, limits)
            still += verdict.failed
            sys.stdout.write(f"{name:<60} {verdict.klass:<11} {verdict.signature}\n")
        return 1 if still else 0
    if args.case is not None:
        prepare()
        case = make_case(args.seed, args.case)
        outcome, verdict = run_case(case, limits)
        sys.stdout.write(f"input #{case.index} of seed {args.seed}: from {case.seed_path}, "
                         f"strategies {', '.join(case.strategies)}\ncommand: {case.command()}\n"
                         f"files: {case.files!r}\n--- {case.spec_name!r} ---\n")
        sys.stdout.write(case.spec.decode("utf-8", "backslashreplace")[:20_000] + "\n")
        sys.stdout.write(f"--- exit {outcome.exit}, {outcome.seconds:.2f} s CPU: "
                         f"{verdict.klass} {verdict.signature} {verdict.detail}\n")
        sys.stdout.write(outcome.stdout[-5000:] + "\n--- stderr ---\n" + outcome.stderr[-10000:]
                         + outcome.escaped + outcome.stack[:5000] + "\n")
        return 1 if verdict.failed else 0
    last = [time.monotonic()]
    began = time.monotonic()

    def progress(done: int, summary: Summary) -> None:
        now = time.monotonic()
        if now - last[0] < 5 and done != args.count:
            return
        last[0] = now
        rate = done / max(now - began, 1e-9)
        eta = (args.count - done) / rate if rate else 0
        bad = ", ".join(f"{k} {n}" for k, n in sorted(summary.classes.items()) if k in FAILURES)
        if summary.failures:  # the first input of each signature, to look at with --case
            bad += " (first: " + ", ".join(sorted({f"#{f.first}" for f in
                                                  summary.failures.values()})[:8]) + ")"
        sys.stderr.write(f"fuzz: {done:,}/{args.count:,} inputs, {rate:.1f}/s, eta "
                         f"{eta / 60:.0f} min; failures: {bad or 'none'}\n")
        sys.stderr.flush()

    summary = fuzz(args.seed, args.count, args.jobs, limits, args.start, progress, args.shrink)
    sys.stdout.write(render_summary(summary))
    if summary.failures:
        folder = f"{args.save}/seed-{args.seed}"
        written = save_repros(summary, folder)
        sys.stdout.write(f"\n{len(written)} shrunk failures in {folder}/\n")
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
