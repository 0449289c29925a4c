"""``virnucpro plot RUN_DIR``: the score tracks of a finished run's sequences."""

from __future__ import annotations

import argparse
import logging

logger = logging.getLogger(__name__)


def main(args: argparse.Namespace) -> None:
    """Draw the score tracks of ``args.run_dir`` into ``args.output``."""
    from virnucpro.report import plot_score_tracks  # imports matplotlib: --help stays fast

    path = plot_score_tracks(args.run_dir, args.output, args.sequence, args.top, args.min_score)
    logger.info("Score tracks written to %s", path)
