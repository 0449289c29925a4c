"""``training_log.tsv`` and ``test_metrics.tsv``, and the metrics table printed by evaluate."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path

from virnucpro.atomic import atomic_open
from virnucpro.training.metrics import METRIC_NAMES, ClassificationMetrics

LOG_COLUMNS = ("epoch", "train_loss", "val_loss", *METRIC_NAMES, "learning_rate", "seconds")


def format_value(value: float | int) -> str:
    """Integers as they are, floats with 6 significant digits, NaN as ``nan``."""
    if isinstance(value, int):
        return str(value)
    return "nan" if math.isnan(value) else f"{value:.6g}"


def write_training_log(rows: Iterable[Mapping[str, float | int]], path: Path) -> None:
    """One line per epoch: the :data:`LOG_COLUMNS`."""
    with atomic_open(path) as out:
        out.write("\t".join(LOG_COLUMNS) + "\n")
        for row in rows:
            out.write("\t".join(format_value(row[name]) for name in LOG_COLUMNS) + "\n")


def metrics_table(metrics: ClassificationMetrics) -> str:
    """``metric<TAB>value`` lines: the metrics, then the confusion counts."""
    lines = ["metric\tvalue"]
    lines += [f"{name}\t{format_value(value)}" for name, value in metrics.as_dict().items()]
    return "\n".join(lines) + "\n"


def write_test_metrics(metrics: ClassificationMetrics, path: Path) -> None:
    """The test split's :func:`metrics_table`."""
    with atomic_open(path) as out:
        out.write(metrics_table(metrics))
