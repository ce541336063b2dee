"""The zone engine (placeholder docstring; the engine layer replaces this file)."""
