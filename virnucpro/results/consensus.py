"""``prediction_results_highestscore.csv``: the original tool's per-chunk consensus call."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from virnucpro.results.predictions import FramePrediction

CONSENSUS_HEADER = ("Modified_ID", "Is_Virus")


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
