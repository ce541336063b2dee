"""A mutation fuzzer for the `tock` command: malformed and mutated specs, hostile `--set`
values, options and file names, driven through `checker.cli.main` in forked, resource-limited
workers. Every input must end in a clean diagnostic (exit 2) or a run (exit 0, 1 or 3):
never an internal error, a traceback, a hang, a memory blow-up, or a diagnostic that points
somewhere else than it says.

    .venv/bin/python -m tests.fuzz --seed 1 --count 10000 --jobs 1

Modules: `corpus` (the seed specs), `mutate` (the strategies; one input per (seed, index)),
`driver` (isolation and the run loop), `oracle` (classification), `shrink` (minimal inputs).
"""
