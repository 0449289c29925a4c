"""The per-chunk call: the original tool's consensus rule, as a call and as a score.

``prediction_results_highestscore.csv`` keeps the original's call: a chunk is viral when the
highest P(virus) of its frames (``score2``) is at least the highest P(others) (``score1``).
:func:`chunk_virus_scores` states the same rule as one number per chunk, so that a threshold
other than the original's can be applied (``--min-score``) and the calls stay comparable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from virnucpro.config import DEFAULT_MIN_SCORE  # 0.5: the original's rule
from virnucpro.results.predictions import FramePrediction

CONSENSUS_HEADER = ("Modified_ID", "Is_Virus")


def _chunk_maxima(predictions: Iterable[FramePrediction]) -> dict[str, tuple[float, float]]:
    """Chunk id -> (highest score1, highest score2) of its frames, sorted by chunk id."""
    best: dict[str, tuple[float, float]] = {}
    for row in predictions:
        score1, score2 = best.get(row.chunk_id, (row.score1, row.score2))
        best[row.chunk_id] = (max(score1, row.score1), max(score2, row.score2))
    return dict(sorted(best.items()))


def chunk_virus_score(max_score1: float, max_score2: float) -> float:
    """A chunk's P(virus): ``(1 + max score2 - max score1) / 2``.

    The original's consensus rule as a score: it is at least 0.5 exactly when
    ``max score2 >= max score1``. As every frame's two scores sum to 1, it is the mean of the
    highest and the lowest P(virus) of the chunk's frames, and a chunk with one scored frame
    gets that frame's P(virus).
    """
    return (1.0 + (max_score2 - max_score1)) / 2.0


def is_viral(virus_score: float, min_score: float = DEFAULT_MIN_SCORE) -> bool:
    """Whether a chunk with this P(virus) counts as viral at the threshold ``min_score``."""
    return virus_score >= min_score


def chunk_virus_scores(predictions: Iterable[FramePrediction]) -> dict[str, float]:
    """Chunk id -> its P(virus) (:func:`chunk_virus_score`), sorted by chunk id."""
    return {
        chunk: chunk_virus_score(score1, score2)
        for chunk, (score1, score2) in _chunk_maxima(predictions).items()
    }


def consensus_calls(predictions: Iterable[FramePrediction]) -> dict[str, bool]:
    """The original rule: per chunk, viral when max(score2) >= max(score1); sorted by chunk id."""
    return {
        chunk: score2 >= score1 for chunk, (score1, score2) in _chunk_maxima(predictions).items()
    }


def write_consensus(handle: TextIO, calls: dict[str, bool]) -> None:
    """Tab-separated ``Modified_ID  Is_Virus`` with ``True`` / ``False``, as pandas wrote it."""
    handle.write("\t".join(CONSENSUS_HEADER) + "\n")
    for chunk_id, is_virus in calls.items():
        handle.write(f"{chunk_id}\t{is_virus}\n")
