"""Tock's engine: exploration, properties, traces, reports, renderers and the CLI.

    >>> from checker import check
    >>> report = check("var x: 0..2 = 0\\naction inc when x < 2 do { x := x + 1 }\\n"
    ...                "allow deadlock")
    >>> report.outcome, report.stats.states
    ('ok', 3)

`check(path_or_text, constants=..., options=...)` returns a Report (data only); the
renderers in checker.render turn it into text or JSON.
"""

from .api import check, check_system, load
from .errors import UsageError
from .options import Options
from .report import PropertyResult, Report, Stats, Step, Trace

__all__ = ["check", "check_system", "load", "Options", "Report", "PropertyResult", "Stats",
           "Step", "Trace", "UsageError"]
