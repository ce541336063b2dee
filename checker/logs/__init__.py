"""Trace validation: a real system's log, mapped to the model's actions and observations by
a TOML file (logmap), replayed against the model with its timing (validate). The Python API
is `checker.replay` (checker.api); the CLI is `tock replay`; docs/replay.md describes the
map format and the answers."""
