"""Score-track geometry: where each chunk lies on its sequence, how high and in which colour.

Pure data, no drawing. A chunk's span comes from the chunk rule the run used
(:func:`virnucpro.sequence.chunking.chunk_spans`), so the overlapping last chunks sit where
they really are, not at ``chunk number x 500`` as in the original tool's figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from virnucpro.config import DEFAULT_MIN_SCORE
from virnucpro.errors import UsageError
from virnucpro.report.run_results import RunResults, SequenceRow
from virnucpro.results import is_viral, sequence_of_chunk
from virnucpro.sequence.chunking import chunk_id, chunk_spans

DEFAULT_TOP = 20


@dataclass(frozen=True)
class ChunkBar:
    """One chunk on its sequence: bases ``[start, end)``, 0-based.

    ``virus_score`` is the chunk's P(virus) (``virnucpro.results.chunk_virus_score``) and
    ``is_virus`` its call at the threshold drawn; both are None when no frame of the chunk was
    scored (no open reading frame was found).
    """

    chunk_id: str
    number: int
    start: int
    end: int
    virus_score: float | None
    is_virus: bool | None


@dataclass(frozen=True)
class SequenceTrack:
    """The chunks of one sequence, in order along it, and its call from the summary."""

    sequence_id: str
    length: int
    call: str
    chunks: tuple[ChunkBar, ...]

    @property
    def viral_chunks(self) -> int:
        return sum(bar.is_virus is True for bar in self.chunks)

    @property
    def scored_chunks(self) -> int:
        return sum(bar.is_virus is not None for bar in self.chunks)

    @property
    def best_score(self) -> float | None:
        """The highest chunk P(virus), or None when no chunk was scored."""
        return max((b.virus_score for b in self.chunks if b.virus_score is not None), default=None)


def sequence_track(
    row: SequenceRow, results: RunResults, chunk_length: int,
    min_score: float = DEFAULT_MIN_SCORE,
) -> SequenceTrack:
    """The track of one summary row, its chunk spans from the chunk rule, calls at ``min_score``."""
    bars = []
    for number, (start, end) in enumerate(chunk_spans(row.length, chunk_length), start=1):
        name = chunk_id(row.sequence_id, number)
        score = results.chunk_scores.get(name)
        bars.append(ChunkBar(
            chunk_id=name,
            number=number,
            start=start,
            end=end,
            virus_score=score,
            is_virus=None if score is None else is_viral(score, min_score),
        ))
    return SequenceTrack(row.sequence_id, row.length, row.call, tuple(bars))


def ranked_sequences(
    results: RunResults, min_score: float = DEFAULT_MIN_SCORE
) -> list[SequenceRow]:
    """Every sequence, most viral chunks first, then highest P(virus), then input order."""
    viral: dict[str, int] = {}
    for name, score in results.chunk_scores.items():
        if is_viral(score, min_score):
            sequence_id = sequence_of_chunk(name)
            viral[sequence_id] = viral.get(sequence_id, 0) + 1
    scores = results.sequence_scores()

    def rank(item: tuple[int, SequenceRow]) -> tuple:
        position, row = item
        return (-viral.get(row.sequence_id, 0), -scores.get(row.sequence_id, -1.0), position)

    return [row for _, row in sorted(enumerate(results.sequences), key=rank)]


def select_tracks(
    results: RunResults,
    chunk_length: int,
    sequence_ids: Sequence[str] | None = None,
    top: int = DEFAULT_TOP,
    min_score: float = DEFAULT_MIN_SCORE,
) -> list[SequenceTrack]:
    """The tracks to draw: ``sequence_ids`` in the order given, or the ``top`` ranked ones.

    Args:
        results: the run's results.
        chunk_length: the run's chunk length (see ``run_chunk_length``).
        sequence_ids: explicit ids; when given, ``top`` is ignored.
        top: how many of :func:`ranked_sequences` to keep when no ids are given.
        min_score: the P(virus) a chunk needs to count as viral (colour and ranking).

    Raises:
        UsageError: an id is not in the run, or ``top`` is below 1.
    """
    if sequence_ids:
        rows: Iterable[SequenceRow] = [results.sequence(name) for name in sequence_ids]
    else:
        if top < 1:
            raise UsageError(f"--top must be at least 1, not {top}")
        rows = [row for row in ranked_sequences(results, min_score) if row.length > 0][:top]
    return [sequence_track(row, results, chunk_length, min_score) for row in rows]
