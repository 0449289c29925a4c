"""``virnucpro demo-models DIR``: write the small offline demo models."""

from __future__ import annotations

import argparse
import logging

logger = logging.getLogger(__name__)


def main(args: argparse.Namespace) -> None:
    """Write the demo models into ``args.directory`` and list them."""
    from virnucpro.pipeline.models.demo import write_demo_models  # imports torch

    models = write_demo_models(args.directory)
    logger.info("Demo models written to %s (random weights: their predictions mean nothing):",
                args.directory)
    for path in (models.dnabert_dir, models.esm_checkpoint, models.classifier):
        logger.info("  %s", path)
    logger.info("Use them with: virnucpro predict INPUT --dnabert %s --esm %s -m %s",
                models.dnabert_dir, models.esm_checkpoint, models.classifier)
