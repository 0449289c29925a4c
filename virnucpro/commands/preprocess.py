"""``virnucpro preprocess``: stages 1-4 (chunking, translation, splitting) without the models."""

from __future__ import annotations

import argparse
import logging

from virnucpro.config import config_from_args

logger = logging.getLogger(__name__)


def main(args: argparse.Namespace) -> None:
    """Run stages 1-4 on ``args.input`` into ``args.output_dir``."""
    from virnucpro.pipeline.runner import run_preprocess  # loaded when run: --help stays fast

    config = config_from_args(args)
    paths = run_preprocess(args.input, config, args.output_dir)
    logger.info("Outputs in %s:", paths.output_dir)
    for path in (paths.chunked_fasta, paths.identified_nucleotide, paths.identified_protein,
                 paths.nucleotide_split_dir, paths.protein_split_dir):
        logger.info("  %s", path.name)
