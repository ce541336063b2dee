"""Modules loaded on first use (model/lazy.py, re-exported here for the checker, which
imports only the model's package root):

    explore = lazy_module("checker.explore")   # at module level, with the other imports
"""

from __future__ import annotations

from model import lazy_module

__all__ = ["lazy_module"]
