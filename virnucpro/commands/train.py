"""``virnucpro train``: make the dataset, embed it as predict does, train and test the MLP."""

from __future__ import annotations

import argparse
import logging

from virnucpro.errors import UsageError
from virnucpro.pipeline.distributed import World
from virnucpro.training.settings import training_config_from_args

logger = logging.getLogger(__name__)


def main(args: argparse.Namespace) -> None:
    """Run the training pipeline into ``args.output_dir`` and list the result files."""
    from virnucpro.pipeline.training_runs import run_training  # imports torch when it runs

    world = World.from_environment()
    if world.size > 1:  # every rank would train the same model into the same folder
        raise UsageError(
            f"virnucpro train runs as one process; it was started as {world.size} torchrun "
            "ranks. Run it without torchrun (the feature stages use the GPU given with -d)"
        )
    paths = run_training(training_config_from_args(args))
    logger.info("Results in %s:", paths.output_dir)
    for path in (paths.model_file, paths.training_log, paths.test_metrics, paths.dataset_table):
        logger.info("  %s", path.name)
    logger.info("Use the model with: virnucpro predict INPUT -l %d -m %s%s", args.chunk_length,
                paths.model_file, " --demo" if args.demo else "")
