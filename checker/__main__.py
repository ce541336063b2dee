"""`python -m checker` runs the tock command."""

from .cli import run

run()
