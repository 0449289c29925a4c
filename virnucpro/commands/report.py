"""``virnucpro report RUN_DIR``: the self-contained HTML report of a finished run."""

from __future__ import annotations

import argparse
import logging

logger = logging.getLogger(__name__)


def main(args: argparse.Namespace) -> None:
    """Write the report of ``args.run_dir`` (with its saved stage records) to ``args.output``."""
    from virnucpro.report import write_report  # imports matplotlib: --help stays fast

    path = write_report(args.run_dir, args.output, min_score=args.min_score)
    logger.info("Report written to %s", path)
