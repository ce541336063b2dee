"""Times and durations as text: the one formatter every report, diagnostic and picture uses.

Times are exact (a `Fraction` of seconds, or of milliseconds for durations) and are written
as decimals: `75`, `75.5`, `349.999001`, exact whenever the value has a finite decimal
expansion (every time Tock computes from a spec does: the constants are whole milliseconds
and the slack that meets a strict bound is a power of ten of them). A value that has none
(only a hand-made one, `226/3`) is cut after `PLACES` decimals and marked with `…`
(`75.333333…`); `exact_text` keeps it exact for machine output (`226/3`). No report writes
a fraction.

An *open* time is one that a strict bound keeps from its limit: the earliest firing time of
a step guarded by `c > 75s` is no number, only "just after 75 s"; a concrete run picks a
time inside the bound (75.001) and the reports say both (`open_text`).
"""

from __future__ import annotations

from fractions import Fraction

__all__ = ["format_time", "format_duration", "exact_text", "open_text", "open_duration",
           "is_finite_decimal", "PLACES", "AFTER", "BEFORE"]

PLACES = 6  # decimals written for a time that has no finite decimal expansion

AFTER = "after"    # an open time just after its bound (a strict lower bound: c > K)
BEFORE = "before"  # an open time just before its bound (a strict upper bound: c < K)

_UNITS = (("h", 3_600_000), ("min", 60_000), ("s", 1000), ("ms", 1))


def is_finite_decimal(value: Fraction) -> bool:
    """Whether `value` has a finite decimal expansion (its denominator is 2^a 5^b)."""
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def format_time(t: Fraction | int) -> str:
    """Seconds (or any quantity) as a decimal without trailing zeros: `75`, `0.001`,
    `349.999001`; exact if the value has a finite decimal expansion, else `PLACES` decimals
    and `…` (`75.333333…`)."""
    value = Fraction(t)
    sign = "-" if value < 0 else ""
    value = abs(value)
    whole, rest = divmod(value.numerator, value.denominator)
    if rest == 0:
        return f"{sign}{whole}"
    exact = is_finite_decimal(value)
    digits = []
    frac = Fraction(rest, value.denominator)
    places = 0
    while frac and (exact or places < PLACES):
        frac *= 10
        digit = frac.numerator // frac.denominator
        digits.append(str(digit))
        frac -= digit
        places += 1
    text = "".join(digits).rstrip("0") if exact else "".join(digits)
    return f"{sign}{whole}.{text}" + ("" if exact else "\u2026")


def format_duration(ms: int | Fraction) -> str:
    """A duration in milliseconds as the spec would write it: `75s`, `15min`, `1500ms`; a
    fraction of a millisecond in seconds, `2.0005s` (format_time)."""
    value = Fraction(ms)
    if value.denominator != 1:
        return f"{format_time(value / 1000)}s"
    whole = int(value)
    if whole == 0:
        return "0s"
    for unit, size in _UNITS:
        if whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}ms"  # pragma: no cover - ms always divides


def exact_text(t: Fraction | int) -> str:
    """A value exactly, for machine output: the decimal of format_time when it is exact,
    else the fraction `226/3` (which `Fraction(text)` reads back, as it reads decimals)."""
    value = Fraction(t)
    if is_finite_decimal(value):
        return format_time(value)
    return f"{value.numerator}/{value.denominator}"


def open_text(side: str, bound: Fraction | int, unit: str = " s") -> str:
    """An open time in words: `just after 75 s`, `just before 90 s` (`bound` in seconds)."""
    if side not in (AFTER, BEFORE):
        raise ValueError(f"an open time is just {AFTER} or just {BEFORE} its bound, not {side}")
    return f"just {side} {format_time(bound)}{unit}"


def open_duration(value_ms: int | Fraction, slack_ms: int | Fraction) -> str:
    """A clock value of a run whose times carry a slack (`slack_ms` past their open limits,
    negative before): `5001ms (just after 5s)`; just the duration when the slack is 0."""
    text = format_duration(value_ms)
    if not slack_ms:
        return text
    side = AFTER if slack_ms > 0 else BEFORE
    limit = Fraction(value_ms) - Fraction(slack_ms)
    # the limit in the value's own unit: `9.999001s (just after 9.999s)`, not `(... 9999ms)`
    limit_text = (f"{format_time(limit / 1000)}s" if Fraction(value_ms).denominator != 1
                  else format_duration(limit))
    return f"{text} (just {side} {limit_text})"
