"""``virnucpro classify RUN_DIR``: stages 8-9 again from a kept run's merged features."""

from __future__ import annotations

import argparse
import logging

logger = logging.getLogger(__name__)


def main(args: argparse.Namespace) -> None:
    """Re-classify ``args.run_dir`` with ``args.model`` and ``args.min_score``."""
    from virnucpro.pipeline.reclassify import ReclassifyOptions, run_reclassify

    options = ReclassifyOptions(
        model=args.model, min_score=args.min_score,
        classifier_batch_size=args.classifier_batch_size, device=args.device,
        cache_dir=args.cache_dir, progress=args.progress,
    )
    paths = run_reclassify(args.run_dir, options)
    logger.info("Results rewritten in %s:", paths.output_dir)
    for path in paths.results():
        logger.info("  %s", path.name)
