"""``virnucpro make-dataset``: GenBank files in, frames and ``dataset.tsv`` out (no torch)."""

from __future__ import annotations

import argparse
import logging

from virnucpro.training.settings import training_config_from_args

logger = logging.getLogger(__name__)


def main(args: argparse.Namespace) -> None:
    """Run the four make-dataset stages into ``args.output_dir`` and list the outputs."""
    from virnucpro.pipeline.training_runs import run_make_dataset  # --help stays fast

    paths = run_make_dataset(training_config_from_args(args))
    logger.info("Dataset in %s: %s and %s/", paths.output_dir, paths.dataset_table.name,
                paths.frames_dir.name)
