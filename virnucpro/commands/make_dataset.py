"""``virnucpro make-dataset``: GenBank files in, frames and ``dataset.tsv`` out (no torch)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from virnucpro.training.settings import training_config_from_args

logger = logging.getLogger(__name__)


def genbank_inputs(config) -> tuple[Path, ...]:
    """The GenBank files of a training configuration (none without a dataset)."""
    dataset = getattr(config, "dataset", None)
    return tuple(item.path for item in dataset.inputs) if dataset is not None else ()


def run_request(config):
    """The engine's ``RunRequest`` of the four make-dataset stages into ``config.output_dir``."""
    from virnucpro.pipeline.definitions import MAKE_DATASET  # --help stays fast
    from virnucpro.pipeline.engine.runs import NO_MODELS, RunRequest
    from virnucpro.training.dataset_paths import DatasetPaths

    layout = DatasetPaths(Path(config.output_dir), config.chunk_length)
    return RunRequest("make-dataset", MAKE_DATASET, layout, config,
                      inputs=genbank_inputs(config), models=NO_MODELS,
                      title="MAKE-DATASET SUMMARY")


def main(args: argparse.Namespace) -> None:
    """Run the four make-dataset stages into ``args.output_dir`` and list the outputs."""
    from virnucpro.pipeline.engine.runs import run_pipeline

    layout = run_pipeline(run_request(training_config_from_args(args)))
    logger.info("Dataset in %s: %s and %s/", layout.output_dir, layout.dataset_table.name,
                layout.frames_dir.name)
