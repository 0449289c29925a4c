"""``prediction_results.txt``: one row per scored frame, in the original tool's exact format."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

PREDICTION_HEADER = ("Sequence_ID", "Prediction", "score1", "score2")
LABELS = ("others", "virus")  # class index -> label, as the original


@dataclass(frozen=True)
class FramePrediction:
    """One row of ``prediction_results.txt``: score1 = P(others), score2 = P(virus)."""

    frame_id: str
    label: str
    score1: float
    score2: float

    @property
    def chunk_id(self) -> str:
        """The chunk the frame came from: the frame id minus its ``F1``..``R3`` suffix."""
        return self.frame_id[:-2]


def format_score(value: np.float32) -> str:
    """A float32 probability written as the original writes it (shortest round-trip repr)."""
    return str(np.float32(value))


def write_prediction_header(handle: TextIO) -> None:
    handle.write("\t".join(PREDICTION_HEADER) + "\n")


def write_prediction_rows(handle: TextIO, frame_ids: list[str], probabilities: np.ndarray) -> None:
    """Write one row per frame; the label is the arg-max class, the first on a tie."""
    for frame_id, row in zip(frame_ids, probabilities, strict=True):
        label = LABELS[int(np.argmax(row))]
        handle.write(f"{frame_id}\t{label}\t{format_score(row[0])}\t{format_score(row[1])}\n")


def read_predictions(path: Path) -> Iterator[FramePrediction]:
    """Parse ``prediction_results.txt``, scores as Python floats (what pandas reads)."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t")
        next(rows, None)
        for frame_id, label, score1, score2 in rows:
            yield FramePrediction(frame_id, label, float(score1), float(score2))
