"""``virnucpro preprocess``: stages 1-4 (chunking, translation, splitting) without the models."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from virnucpro.config import config_from_args

logger = logging.getLogger(__name__)


def main(args: argparse.Namespace) -> None:
    """Run stages 1-4 on ``args.input`` into ``args.output_dir`` (their outputs are kept).

    The output folder is locked like every run's; ``preprocess`` has no ``--resume`` or
    ``--force``, so it starts only in an empty folder (or one where no stage finished).
    """
    from virnucpro.paths import RunPaths  # the pipeline loads when run: --help stays fast
    from virnucpro.pipeline.definitions import PREPROCESS
    from virnucpro.pipeline.engine import NO_MODELS, RunRequest, run_pipeline

    input_path, output_dir = Path(args.input), Path(args.output_dir)
    config = config_from_args(args, keep_intermediate=True, output_dir=output_dir)
    layout = RunPaths(input_path, output_dir, config.chunk_length)
    run_pipeline(RunRequest("preprocess", PREPROCESS, layout, config, inputs=(input_path,),
                            fasta=input_path, models=NO_MODELS, title="PREPROCESSING SUMMARY",
                            offers_resume=False))
    logger.info("Outputs in %s:", layout.output_dir)
    for path in (layout.chunked_fasta, layout.identified_nucleotide, layout.identified_protein,
                 layout.nucleotide_split_dir, layout.protein_split_dir):
        logger.info("  %s", path.name)
