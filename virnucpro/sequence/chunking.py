"""Cutting sequences into overlapping chunks by the original tool's rule.

A sequence of length ``n`` becomes ``k = ceil(n / L)`` chunks of at most ``L`` bases. The
original meant to spread the ``k*L - n`` surplus bases evenly as overlaps so that the last chunk
ends at ``n``; its arithmetic shifts chunk ``j`` back by ``lower + 1`` bases for each of the first
``surplus - lower*(k-1)`` steps and ``lower`` after, where ``lower = surplus // k``. For most
lengths this leaves the last chunk short (``n = 1001, L = 500``: ``[0:500], [333:833],
[666:1001]``). The published classifiers were trained on exactly these chunks, so the rule is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from virnucpro.sequence.fasta import FastaRecord, format_record

logger = logging.getLogger(__name__)

MANIFEST_HEADER = "id\tlength\tchunks\n"


def chunk_spans(length: int, chunk_length: int) -> list[tuple[int, int]]:
    """``(start, end)`` of every chunk of a sequence of ``length`` bases (none when 0)."""
    if length <= 0:
        return []
    count = -(-length // chunk_length)
    surplus = count * chunk_length - length
    lower = surplus // count
    longer_steps = surplus - lower * (count - 1)
    spans = []
    shift = 0
    for index in range(count):
        start = index * chunk_length - shift
        spans.append((start, min(start + chunk_length, length)))
        shift += lower + 1 if index < longer_steps else lower
    return spans


def chunk_id(record_id: str, index: int) -> str:
    """The id of chunk ``index`` (from 1) of a record: ``<id>_chunk_<index>``."""
    return f"{record_id}_chunk_{index}"


def chunk_sequence(record_id: str, sequence: str, chunk_length: int) -> list[tuple[str, str]]:
    """The ``(chunk id, chunk)`` pairs of one sequence, letter case kept."""
    return [
        (chunk_id(record_id, index), sequence[start:end])
        for index, (start, end) in enumerate(chunk_spans(len(sequence), chunk_length), start=1)
    ]


@dataclass
class ChunkingSummary:
    """What :func:`write_chunks` saw and wrote."""

    sequences: int = 0
    empty: int = 0
    chunks: int = 0
    bases: int = 0
    with_uracil: int = 0


def write_chunks(
    records: Iterable[FastaRecord], chunk_length: int, chunks_out: TextIO, manifest_out: TextIO
) -> ChunkingSummary:
    """Write the chunks of every record as FASTA and one manifest row per record.

    Empty records are logged as warnings, listed in the manifest with 0 bases and 0 chunks, and
    skipped (the original divides by zero on them).
    """
    summary = ChunkingSummary()
    manifest_out.write(MANIFEST_HEADER)
    for record in records:
        chunks = chunk_sequence(record.id, record.sequence, chunk_length)
        _count(summary, record, len(chunks))
        manifest_out.write(f"{record.id}\t{len(record.sequence)}\t{len(chunks)}\n")
        chunks_out.write("".join(format_record(name, chunk) for name, chunk in chunks))
    if summary.with_uracil:
        logger.warning(
            "%d sequence(s) contain U: as in the original tool, U is not read as T, so codons "
            "with U are not translated; replace U with T first if the input is RNA",
            summary.with_uracil,
        )
    return summary


def _count(summary: ChunkingSummary, record: FastaRecord, chunks: int) -> None:
    """Add one record to the summary, warning when it is empty."""
    summary.sequences += 1
    summary.chunks += chunks
    summary.bases += len(record.sequence)
    if not record.sequence:
        summary.empty += 1
        logger.warning(
            "record %d (%r, line %d) has no sequence; skipped",
            record.number,
            record.id,
            record.line,
        )
    elif "U" in record.sequence or "u" in record.sequence:
        summary.with_uracil += 1
