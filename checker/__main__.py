"""`python -m checker` runs the tock command."""

import sys

from .cli import main

sys.exit(main())
