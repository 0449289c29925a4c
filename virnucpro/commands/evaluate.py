"""``virnucpro evaluate``: a classifier's metrics on a dataset's test split or labelled files."""

from __future__ import annotations

import argparse
import logging

from virnucpro.errors import UsageError
from virnucpro.training.settings import training_config_from_args

logger = logging.getLogger(__name__)


def main(args: argparse.Namespace) -> None:
    """Evaluate ``args.model``; print the metrics table (also in ``evaluation_metrics.tsv``)."""
    from virnucpro.pipeline.training_runs import run_evaluation  # imports torch when it runs

    labelled = bool(args.viral or args.other)
    if (args.dataset is None) == (not labelled):
        raise UsageError("give either --dataset DIR or labelled --viral and --other files")
    config = training_config_from_args(args, splits=("test",))
    paths = run_evaluation(config, args.dataset)
    print(paths.evaluation_metrics.read_text(encoding="utf-8"), end="")
    logger.info("Metrics in %s", paths.evaluation_metrics)
