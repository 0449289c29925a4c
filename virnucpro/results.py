"""Result tables: per-frame predictions, the per-chunk consensus and the per-sequence summary.

The first two keep the original tool's formats exactly; ``sequence_summary.tsv`` is new.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

PREDICTION_HEADER = ("Sequence_ID", "Prediction", "score1", "score2")
CONSENSUS_HEADER = ("Modified_ID", "Is_Virus")
SUMMARY_HEADER = (
    "sequence_id", "length", "chunks", "frames_scored", "best_virus_score",
    "chunks_called_viral", "call",
)
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


def consensus_calls(predictions: Iterable[FramePrediction]) -> dict[str, bool]:
    """The original rule: per chunk, viral when max(score2) >= max(score1); sorted by chunk id."""
    best: dict[str, list[float]] = {}
    for row in predictions:
        scores = best.setdefault(row.chunk_id, [row.score1, row.score2])
        scores[0] = max(scores[0], row.score1)
        scores[1] = max(scores[1], row.score2)
    return {chunk: scores[1] >= scores[0] for chunk, scores in sorted(best.items())}


def write_consensus(handle: TextIO, calls: dict[str, bool]) -> None:
    """Tab-separated ``Modified_ID  Is_Virus`` with ``True`` / ``False``, as pandas wrote it."""
    handle.write("\t".join(CONSENSUS_HEADER) + "\n")
    for chunk_id, is_virus in calls.items():
        handle.write(f"{chunk_id}\t{is_virus}\n")


def sequence_of_chunk(chunk_id: str) -> str:
    """``seq_7_chunk_3`` -> ``seq_7`` (ids may contain ``_chunk_`` themselves)."""
    return chunk_id.rsplit("_chunk_", 1)[0]


@dataclass
class SequenceCall:
    """The per-sequence line of ``sequence_summary.tsv``."""

    sequence_id: str
    length: int
    chunks: int
    frames_scored: int = 0
    best_virus_score: float | None = None
    chunks_scored: int = 0
    chunks_called_viral: int = 0

    @property
    def call(self) -> str:
        """``virus`` if at least half the scored chunks are viral; ``no_frames`` if none scored."""
        if self.chunks_scored == 0:
            return "no_frames"
        return "virus" if 2 * self.chunks_called_viral >= self.chunks_scored else "others"

    def row(self) -> list[str]:
        best = "" if self.best_virus_score is None else f"{self.best_virus_score:.6g}"
        return [self.sequence_id, str(self.length), str(self.chunks), str(self.frames_scored),
                best, str(self.chunks_called_viral), self.call]


def read_manifest(path: Path) -> Iterator[tuple[str, int, int]]:
    """The ``id, length, chunks`` rows that stage 1 wrote for every input record."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t")
        next(rows, None)
        for sequence_id, length, chunks in rows:
            yield sequence_id, int(length), int(chunks)


def summarise_sequences(
    manifest: Iterable[tuple[str, int, int]],
    predictions: Iterable[FramePrediction],
    calls: dict[str, bool],
) -> list[SequenceCall]:
    """One :class:`SequenceCall` per input record, in input order."""
    summary = {sid: SequenceCall(sid, length, chunks) for sid, length, chunks in manifest}
    for row in predictions:
        entry = summary[sequence_of_chunk(row.chunk_id)]
        entry.frames_scored += 1
        if entry.best_virus_score is None or row.score2 > entry.best_virus_score:
            entry.best_virus_score = row.score2
    for chunk_id, is_virus in calls.items():
        entry = summary[sequence_of_chunk(chunk_id)]
        entry.chunks_scored += 1
        entry.chunks_called_viral += int(is_virus)
    return list(summary.values())


def write_sequence_summary(handle: TextIO, calls: Iterable[SequenceCall]) -> None:
    handle.write("\t".join(SUMMARY_HEADER) + "\n")
    for entry in calls:
        handle.write("\t".join(entry.row()) + "\n")
