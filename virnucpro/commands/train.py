"""``virnucpro train``: make the dataset, embed it as predict does, train and test the MLP
(also under torchrun: the ranks share the feature stages, rank 0 trains)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from virnucpro.commands.make_dataset import genbank_inputs
from virnucpro.logs import quiet_worker_rank
from virnucpro.pipeline.distribution.distributed import World
from virnucpro.training.settings import training_config_from_args

logger = logging.getLogger(__name__)


def run_request(config):
    """The engine's ``RunRequest`` of a train run: dataset, features, model, test metrics."""
    from virnucpro.pipeline.definitions import TRAIN  # the stages import torch when they run
    from virnucpro.pipeline.engine.run_summary import model_lines
    from virnucpro.pipeline.engine.runs import EMBEDDERS, RunRequest
    from virnucpro.training.dataset_paths import DatasetPaths

    layout = DatasetPaths(Path(config.output_dir), config.chunk_length)

    def lines(models, device: str) -> dict[str, object]:
        return {**model_lines(config, models, classifier=False), "Model": str(layout.model_file)}

    return RunRequest("train", TRAIN, layout, config, inputs=genbank_inputs(config),
                      models=EMBEDDERS, title="TRAINING SUMMARY", summary_lines=lines)


def main(args: argparse.Namespace) -> None:
    """Run the training pipeline into ``args.output_dir`` and list the result files."""
    from virnucpro.pipeline.engine.runs import run_pipeline

    world = World.from_environment()
    if not world.is_main:  # other ranks show no progress bars and log warnings only
        quiet_worker_rank(args.verbose, args.log_file, world.rank)
        args = argparse.Namespace(**{**vars(args), "progress": False})
    layout = run_pipeline(run_request(training_config_from_args(args)), world)
    if not world.is_main:
        return
    logger.info("Results in %s:", layout.output_dir)
    for path in (layout.model_file, layout.training_log, layout.test_metrics,
                 layout.dataset_table):
        logger.info("  %s", path.name)
    logger.info("Use the model with: virnucpro predict INPUT -m %s%s", layout.model_file,
                " --demo" if args.demo else "")
