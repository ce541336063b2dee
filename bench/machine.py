"""What machine a benchmark ran on, for the records of bench/bench.py and bench/zones.py."""

from __future__ import annotations

import os
import platform
from datetime import date

__all__ = ["describe"]


def describe() -> dict:
    """The CPU model, cores this process may use, memory, Python, OS and today's date."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "memory_gb": round(mem_gb, 1),
            "python": platform.python_version(), "os": platform.platform(),
            "date": date.today().isoformat()}
