"""``virnucpro evaluate``: a classifier's metrics on a dataset's test split or labelled files."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from virnucpro.commands.make_dataset import genbank_inputs
from virnucpro.errors import UsageError
from virnucpro.training.settings import training_config_from_args

logger = logging.getLogger(__name__)


def main(args: argparse.Namespace) -> None:
    """Evaluate ``args.model``; print the metrics table (also in ``evaluation_metrics.tsv``).

    With ``--dataset DIR`` on the test split of a make-dataset or train folder, else on every
    frame of the labelled ``--viral`` / ``--other`` files.
    """
    from virnucpro.pipeline.definitions import EVALUATE_DATASET, EVALUATE_FILES
    from virnucpro.pipeline.engine import ALL_MODELS, RunRequest, run_pipeline
    from virnucpro.pipeline.run_summary import model_lines
    from virnucpro.training.dataset_paths import DatasetPaths

    labelled = bool(args.viral or args.other)
    if (args.dataset is None) == (not labelled):
        raise UsageError("give either --dataset DIR or labelled --viral and --other files")
    config = training_config_from_args(args, splits=("test",))
    output_dir, dataset_dir, table = Path(config.output_dir), args.dataset, None
    if dataset_dir is not None:
        dataset_dir = Path(dataset_dir)
        if output_dir.resolve() == dataset_dir.resolve():
            raise UsageError(f"-o {output_dir} is the --dataset folder; give another -o")
        table = DatasetPaths(dataset_dir, config.chunk_length).dataset_table
    layout = DatasetPaths(output_dir, config.chunk_length, dataset_dir)
    run_pipeline(RunRequest(
        "evaluate", EVALUATE_DATASET if table is not None else EVALUATE_FILES, layout, config,
        inputs=(table,) if table is not None else genbank_inputs(config), dataset_table=table,
        models=ALL_MODELS, title="EVALUATION SUMMARY",
        summary_lines=lambda models, device: model_lines(config, models)))
    print(layout.evaluation_metrics.read_text(encoding="utf-8"), end="")
    logger.info("Metrics in %s", layout.evaluation_metrics)
