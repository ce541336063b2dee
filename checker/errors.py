"""The checker's own errors (spec errors are model.SpecError)."""

from __future__ import annotations

__all__ = ["UsageError"]


class UsageError(Exception):
    """The options do not fit the spec (e.g. --property names no property)."""
