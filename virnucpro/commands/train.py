"""``virnucpro train``: make the dataset, embed it as predict does, train and test the MLP
(also under torchrun: the ranks share the feature stages, rank 0 trains)."""

from __future__ import annotations

import argparse
import logging

from virnucpro.logs import quiet_worker_rank
from virnucpro.pipeline.distributed import World
from virnucpro.training.settings import training_config_from_args

logger = logging.getLogger(__name__)


def main(args: argparse.Namespace) -> None:
    """Run the training pipeline into ``args.output_dir`` and list the result files."""
    from virnucpro.pipeline.training_runs import run_training  # imports torch when it runs

    world = World.from_environment()
    if not world.is_main:  # other ranks show no progress bars and log warnings only
        quiet_worker_rank(args.verbose, args.log_file, world.rank)
        args = argparse.Namespace(**{**vars(args), "progress": False})
    paths = run_training(training_config_from_args(args), world)
    if not world.is_main:
        return
    logger.info("Results in %s:", paths.output_dir)
    for path in (paths.model_file, paths.training_log, paths.test_metrics, paths.dataset_table):
        logger.info("  %s", path.name)
    logger.info("Use the model with: virnucpro predict INPUT -m %s%s", paths.model_file,
                " --demo" if args.demo else "")
