"""The benchmark harness: Tock against the hand-written reference explorer, in one run.

    .venv/bin/python bench/bench.py            # the full table (several minutes)
    .venv/bin/python bench/bench.py --quick    # one repetition of the small cases

Every measurement runs in a fresh process (bench/run_tock.py, bench/reference_twophase.py),
the reference and Tock alternating, so a noisy machine affects both alike. Each figure is
the median of --repeat runs; a ratio is the median of the per-repetition ratios. Results go
to bench/results.json and to the generated part of docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from machine import describe  # noqa: E402

PYTHON = sys.executable
BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"


def run(argv: list[str]) -> dict:
    out = subprocess.run([PYTHON, *argv], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def python_baseline_mb() -> float:
    code = ("import json, resource, sys, time; "
            "print(json.dumps({'mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024}))")
    return run(["-c", code])["mb"]


def reference(rm: int, baseline: float) -> dict:
    r = run([os.path.join(HERE, "reference_twophase.py"), str(rm)])
    return {"states": r["states"], "transitions": r["transitions"], "seconds": r["seconds"],
            "wall": r["seconds"], "peak_rss_mb": r["peak_rss_mb"],
            "bytes_per_state": (r["peak_rss_mb"] - baseline) * 2**20 / r["states"]}


def tock(spec: str, *args: str) -> dict:
    return run([os.path.join(HERE, "run_tock.py"), spec, *args])


def median(values: list[float]) -> float:
    return statistics.median(values)


def summarise(name: str, runs: list[dict], ref_runs: list[dict] | None = None,
              base_runs: list[dict] | None = None) -> dict:
    row = {
        "case": name,
        "states": runs[0]["states"],
        "transitions": runs[0]["transitions"],
        "seconds": median([r["seconds"] for r in runs]),
        "states_per_s": median([r["states"] / r["seconds"] for r in runs]),
        "transitions_per_s": median([r["transitions"] / r["seconds"] for r in runs]),
        "peak_rss_mb": median([r["peak_rss_mb"] for r in runs]),
        "bytes_per_state": median([r["bytes_per_state"] for r in runs]),
        "runs": len(runs),
    }
    if ref_runs is not None:
        row["ratio_to_reference"] = median([
            (r["states"] / r["seconds"]) / (q["states"] / q["seconds"])
            for r, q in zip(runs, ref_runs)])
    if base_runs is not None:
        row["speedup_vs_1_worker"] = median([b["seconds"] / r["seconds"]
                                             for r, b in zip(runs, base_runs)])
    return row


def machine() -> dict:
    import numpy  # the explicit engine's frontier; its version matters to the figures

    return {**describe(), "numpy": numpy.__version__}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one repetition, small cases")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    baseline = python_baseline_mb()
    twophase = "specs/conformance/twophase.tock"
    rows: list[dict] = []

    def log(row: dict) -> None:
        rows.append(row)
        print(json.dumps(row), flush=True)

    sizes = [6] if args.quick else [6, 7, 8]
    for rm in sizes:
        ref_runs, fast_runs = [], []
        for k in range(repeat):
            if k % 2:
                fast_runs.append(tock(twophase, f"RM={rm}"))
                ref_runs.append(reference(rm, baseline))
            else:
                ref_runs.append(reference(rm, baseline))
                fast_runs.append(tock(twophase, f"RM={rm}"))
        log(summarise(f"reference TwoPhase RM={rm}", ref_runs))
        log(summarise(f"tock TwoPhase RM={rm}", fast_runs, ref_runs))
    if not args.quick:
        ref_runs, dict_runs, one, two = [], [], [], []
        for _ in range(repeat):
            ref_runs.append(reference(8, baseline))
            dict_runs.append(tock(twophase, "RM=8", "--memory", "fast"))
            one.append(tock(twophase, "RM=8", "--workers", "1"))
            two.append(tock(twophase, "RM=8", "--workers", "2"))
        log(summarise("tock TwoPhase RM=8, dict store (--memory fast)", dict_runs, ref_runs))
        log(summarise("tock TwoPhase RM=8, 2 workers", two, ref_runs, one))
    flagship = [tock("specs/timed/ping_window.tock") for _ in range(repeat)]
    log(summarise("tock ping window (zones)", flagship))
    timed = [tock("specs/timed/train_gate.tock", "TRAINS=3") for _ in range(repeat)]
    log(summarise("tock train-gate, 3 trains (zones)", timed))
    discrete = [tock("specs/timed/ping_window.tock", "--time", "discrete")
                for _ in range(repeat)]
    log(summarise("tock ping window (discrete time, 1 s ticks)", discrete))
    scaling: list[dict] = []
    if not args.quick:
        for rm in (5, 6, 7, 8, 9):
            r = tock(twophase, f"RM={rm}")
            scaling.append({"rm": rm, "states": r["states"], "seconds": r["seconds"],
                            "peak_rss_mb": r["peak_rss_mb"],
                            "bytes_per_state": r["bytes_per_state"]})
            print(json.dumps(scaling[-1]), flush=True)
    result = {"machine": machine(), "repeat": repeat, "rows": rows, "scaling": scaling}
    if not args.no_write and not args.quick:
        with open(os.path.join(HERE, "results.json"), "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2)
            handle.write("\n")
        write_markdown(result)


def write_markdown(result: dict) -> None:
    m = result["machine"]
    lines = [BEGIN, "",
             f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; "
             f"Python {m['python']}, numpy {m['numpy']}; medians of {result['repeat']} runs "
             "(`.venv/bin/python bench/bench.py`).", "",
             "| case | states | transitions | seconds | states/s | transitions/s | peak RSS MB "
             "| bytes/state | ratio to reference | speedup |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in result["rows"]:
        ratio = f"{row['ratio_to_reference']:.2f}" if "ratio_to_reference" in row else ""
        speed = f"{row['speedup_vs_1_worker']:.2f}x" if "speedup_vs_1_worker" in row else ""
        lines.append(f"| {row['case']} | {row['states']:,} | {row['transitions']:,} | "
                     f"{row['seconds']:.2f} | {row['states_per_s']:,.0f} | "
                     f"{row['transitions_per_s']:,.0f} | {row['peak_rss_mb']:.0f} | "
                     f"{row['bytes_per_state']:.0f} | {ratio} | {speed} |")
    if result["scaling"]:
        lines += ["", "Scaling, TwoPhase RM = 5..9 (one run each, compact store, one worker):", "",
                  "| RM | states | seconds | µs/state | peak RSS MB | bytes/state |",
                  "|---:|---:|---:|---:|---:|---:|"]
        for s in result["scaling"]:
            lines.append(f"| {s['rm']} | {s['states']:,} | {s['seconds']:.2f} | "
                         f"{s['seconds'] / s['states'] * 1e6:.2f} | {s['peak_rss_mb']:.0f} | "
                         f"{s['bytes_per_state']:.0f} |")
    lines += ["", END]
    path = os.path.join(ROOT, "docs", "performance.md")
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else f"{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(head + "\n".join(lines) + tail)


if __name__ == "__main__":
    main()
