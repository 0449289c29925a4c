"""``virnucpro evaluate``: a classifier's metrics on a dataset's test split or labelled files."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from virnucpro.commands.make_dataset import genbank_inputs
from virnucpro.errors import UsageError
from virnucpro.training.settings import training_config_from_args

logger = logging.getLogger(__name__)


def run_request(config, dataset_dir: Path | None):
    """The engine's ``RunRequest`` of ``config.model`` on the test split of ``dataset_dir`` (a
    make-dataset or train folder) or, without it, on every frame of the labelled files.

    Raises:
        UsageError: the output folder is the dataset folder.
    """
    from virnucpro.pipeline.definitions import EVALUATE_DATASET, EVALUATE_FILES
    from virnucpro.pipeline.engine.run_summary import model_lines
    from virnucpro.pipeline.engine.runs import ALL_MODELS, RunRequest
    from virnucpro.training.dataset_paths import DatasetPaths

    output_dir, table = Path(config.output_dir), None
    if dataset_dir is not None:
        dataset_dir = Path(dataset_dir)
        if output_dir.resolve() == dataset_dir.resolve():
            raise UsageError(f"-o {output_dir} is the --dataset folder; give another -o")
        table = DatasetPaths(dataset_dir, config.chunk_length).dataset_table
    layout = DatasetPaths(output_dir, config.chunk_length, dataset_dir)
    return RunRequest(
        "evaluate", EVALUATE_DATASET if table is not None else EVALUATE_FILES, layout, config,
        inputs=(table,) if table is not None else genbank_inputs(config), dataset_table=table,
        models=ALL_MODELS, title="EVALUATION SUMMARY",
        summary_lines=lambda models, device: model_lines(config, models))


def main(args: argparse.Namespace) -> None:
    """Evaluate ``args.model``; print the metrics table (also in ``evaluation_metrics.tsv``)."""
    from virnucpro.pipeline.engine.runs import run_pipeline

    labelled = bool(args.viral or args.other)
    if (args.dataset is None) == (not labelled):
        raise UsageError("give either --dataset DIR or labelled --viral and --other files")
    config = training_config_from_args(args, splits=("test",))
    layout = run_pipeline(run_request(config, args.dataset))
    print(layout.evaluation_metrics.read_text(encoding="utf-8"), end="")
    logger.info("Metrics in %s", layout.evaluation_metrics)
