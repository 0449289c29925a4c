"""Entry point for ``python -m virnucpro``."""

import sys

from virnucpro.cli import main

if __name__ == "__main__":
    sys.exit(main())
