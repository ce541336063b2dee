"""Tock's search engines (placeholder docstring; the engine layer replaces this file)."""
