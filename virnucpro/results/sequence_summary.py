"""``sequence_summary.tsv``: one call per input sequence (new; the original has no such table)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from virnucpro.results.predictions import FramePrediction

SUMMARY_HEADER = (
    "sequence_id", "length", "chunks", "frames_scored", "best_virus_score",
    "chunks_called_viral", "call",
)


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
