"""``sequence_summary.tsv``: one call per input sequence (new; the original has no such table)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from virnucpro.config import DEFAULT_MIN_SCORE
from virnucpro.results.consensus import chunk_virus_scores, is_viral
from virnucpro.results.predictions import FramePrediction

SUMMARY_HEADER = (
    "sequence_id", "length", "chunks", "frames_scored", "virus_score",
    "chunks_called_viral", "viral_fraction", "call",
)


def sequence_of_chunk(chunk_id: str) -> str:
    """``seq_7_chunk_3`` -> ``seq_7`` (ids may contain ``_chunk_`` themselves)."""
    return chunk_id.rsplit("_chunk_", 1)[0]


@dataclass
class SequenceCall:
    """The per-sequence line of ``sequence_summary.tsv``.

    Attributes:
        virus_score: the highest P(virus) of the sequence's chunks (``chunk_virus_score``);
            None when no frame was scored.
        chunks_scored: chunks with at least one scored frame.
        chunks_called_viral: scored chunks whose P(virus) reaches the run's ``--min-score``.
    """

    sequence_id: str
    length: int
    chunks: int
    frames_scored: int = 0
    virus_score: float | None = None
    chunks_scored: int = 0
    chunks_called_viral: int = 0

    @property
    def viral_fraction(self) -> float | None:
        """Viral chunks / scored chunks; None when no chunk was scored."""
        if self.chunks_scored == 0:
            return None
        return self.chunks_called_viral / self.chunks_scored

    @property
    def call(self) -> str:
        """``virus`` if at least half the scored chunks are viral; ``no_frames`` if none scored."""
        if self.chunks_scored == 0:
            return "no_frames"
        return "virus" if 2 * self.chunks_called_viral >= self.chunks_scored else "others"

    def row(self) -> list[str]:
        """The fields of the line, in ``SUMMARY_HEADER`` order (empty: no scored frame)."""
        return [self.sequence_id, str(self.length), str(self.chunks), str(self.frames_scored),
                _number(self.virus_score), str(self.chunks_called_viral),
                _number(self.viral_fraction), self.call]


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


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
    min_score: float = DEFAULT_MIN_SCORE,
) -> list[SequenceCall]:
    """One :class:`SequenceCall` per input record, in input order.

    Args:
        manifest: ``id, length, chunks`` of every input record (``read_manifest``).
        predictions: the frame scores (``read_predictions``).
        min_score: the P(virus) a chunk needs to count as viral; 0.5 is the original's rule, so
            the chunks counted then are those ``prediction_results_highestscore.csv`` calls viral.
    """
    summary = {sid: SequenceCall(sid, length, chunks) for sid, length, chunks in manifest}
    frames = list(predictions)
    for row in frames:
        summary[sequence_of_chunk(row.chunk_id)].frames_scored += 1
    for chunk_id, score in chunk_virus_scores(frames).items():
        entry = summary[sequence_of_chunk(chunk_id)]
        entry.chunks_scored += 1
        entry.chunks_called_viral += int(is_viral(score, min_score))
        if entry.virus_score is None or score > entry.virus_score:
            entry.virus_score = score
    return list(summary.values())


def write_sequence_summary(handle: TextIO, calls: Iterable[SequenceCall]) -> None:
    """Write the header and one tab-separated line per sequence."""
    handle.write("\t".join(SUMMARY_HEADER) + "\n")
    for entry in calls:
        handle.write("\t".join(entry.row()) + "\n")
