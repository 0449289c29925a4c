"""``virnucpro preprocess``: stages 1-4 (chunking, translation, splitting) without the models."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from virnucpro.config import config_from_args

logger = logging.getLogger(__name__)


def run_request(input_path: Path, config):
    """The engine's ``RunRequest`` of stages 1-4 on ``input_path`` into ``config.output_dir``.

    The output folder is locked, resumed (``--resume``) or started over (``--force``) like
    every run's; the input may be a stream (``-``, a pipe), copied into the folder first.
    """
    from virnucpro.paths import RunPaths  # the pipeline loads when run: --help stays fast
    from virnucpro.pipeline.definitions import PREPROCESS
    from virnucpro.pipeline.engine.runs import NO_MODELS, RunRequest

    layout = RunPaths(Path(input_path), Path(config.output_dir), config.chunk_length)
    return RunRequest("preprocess", PREPROCESS, layout, config, inputs=(Path(input_path),),
                      fasta=Path(input_path), streams=True, models=NO_MODELS,
                      title="PREPROCESSING SUMMARY")


def main(args: argparse.Namespace) -> None:
    """Run stages 1-4 on ``args.input`` into ``args.output_dir`` (their outputs are kept)."""
    from virnucpro.pipeline.engine.runs import run_pipeline

    config = config_from_args(args, keep_intermediate=True, output_dir=Path(args.output_dir))
    layout = run_pipeline(run_request(args.input, config))
    logger.info("Outputs in %s:", layout.output_dir)
    for path in (layout.chunked_fasta, layout.identified_nucleotide, layout.identified_protein,
                 layout.nucleotide_split_dir, layout.protein_split_dir):
        logger.info("  %s", path.name)
