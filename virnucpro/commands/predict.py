"""``virnucpro predict``: all nine stages, FASTA in, viral calls out."""

from __future__ import annotations

import argparse
import logging

from virnucpro.cli import config_from_args

logger = logging.getLogger(__name__)


def main(args: argparse.Namespace) -> None:
    """Run the prediction pipeline on ``args.input`` and list the result files."""
    from virnucpro.pipeline.predict import run_prediction  # imports torch

    config = config_from_args(args)
    paths = run_prediction(args.input, config)
    logger.info("Results in %s:", paths.output_dir)
    for path in (paths.prediction_results, paths.consensus_results, paths.sequence_summary):
        logger.info("  %s", path.name)
