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
from typing import BinaryIO, TextIO

from virnucpro.sequence.fasta import RecordBlock, parse_block
from virnucpro.sequence.unique import UniqueIds
from virnucpro.sequence.wrapping import wrap, wrap_rows

logger = logging.getLogger(__name__)

MANIFEST_HEADER = "id\tlength\tchunks\n"


def chunk_starts(length: int, chunk_length: int) -> list[int]:
    """Start of every chunk of a sequence of ``length`` bases (none when 0).

    Chunk ``k`` (from 0) starts at ``k*L`` minus the steps back so far: ``lower + 1`` each for
    the first ``longer_steps``, ``lower`` after, i.e. ``k*(L - lower) - min(k, longer_steps)``.
    """
    if length <= 0:
        return []
    count = -(-length // chunk_length)
    surplus = count * chunk_length - length
    lower = surplus // count
    longer_steps = surplus - lower * (count - 1)
    step = chunk_length - lower
    return [k * step - min(k, longer_steps) for k in range(count)]


def chunk_spans(length: int, chunk_length: int) -> list[tuple[int, int]]:
    """``(start, end)`` of every chunk of a sequence of ``length`` bases (none when 0)."""
    return [
        (start, min(start + chunk_length, length)) for start in chunk_starts(length, chunk_length)
    ]


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
    blocks: Iterable[RecordBlock], chunk_length: int, chunks_out: BinaryIO, manifest_out: TextIO
) -> ChunkingSummary:
    """Write the chunks of every record as FASTA (60 columns) and one manifest row per record.

    Empty records are logged as warnings, listed in the manifest with 0 bases and 0 chunks, and
    skipped (the original divides by zero on them). Repeated ids are looked for once all records
    are written (see :class:`~virnucpro.sequence.unique.UniqueIds`): write to temporary files.

    Raises:
        InputError: a record is malformed, or repeats the id of an earlier record.
    """
    summary = ChunkingSummary()
    ids = UniqueIds()
    source = None
    manifest_out.write(MANIFEST_HEADER)
    for block in blocks:
        source = block.path
        records = list(parse_block(block))
        rows = []
        for record_id, sequence, number, offset in records:
            ids.add(record_id)
            chunks = -(-len(sequence) // chunk_length)
            rows.append(f"{record_id}\t{len(sequence)}\t{chunks}\n")
            _count(summary, block, record_id, sequence, number, offset, chunks)
        chunks_out.write(_chunk_text(records, chunk_length))
        manifest_out.write("".join(rows))
    if source is not None:
        ids.check(source)
    if summary.with_uracil:
        logger.warning(
            "%d sequence(s) contain U: as in the original tool, U is not read as T, so codons "
            "with U are not translated; replace U with T first if the input is RNA",
            summary.with_uracil,
        )
    return summary


def _chunk_text(records: list[tuple[str, bytes, int, int]], chunk_length: int) -> bytes:
    """The FASTA text of the chunks of ``records``: ``>id_chunk_k`` and 60-column lines."""
    headers: list[bytes] = []
    bodies: list[bytes | None] = []  # None: a full-length chunk, wrapped below with the others
    full: list[bytes] = []
    for record_id, sequence, _, _ in records:
        prefix = b">" + record_id.encode() + b"_chunk_"
        length = len(sequence)
        for index, start in enumerate(chunk_starts(length, chunk_length), start=1):
            headers.append(prefix + _index_line(index))
            if start + chunk_length <= length:
                full.append(sequence[start : start + chunk_length])
                bodies.append(None)
            else:
                bodies.append(wrap(sequence[start:]))
    wrapped, row = wrap_rows(b"".join(full), chunk_length)
    text: list[bytes | memoryview] = []
    view = memoryview(wrapped)
    offset = 0
    for header, body in zip(headers, bodies, strict=True):
        text.append(header)
        if body is None:
            text.append(view[offset : offset + row])
            offset += row
        else:
            text.append(body)
    return b"".join(text)


_INDEX_LINES = tuple(b"%d\n" % index for index in range(1024))


def _index_line(index: int) -> bytes:
    """``b"<index>\\n"``, from a table for the usual small numbers."""
    return _INDEX_LINES[index] if index < len(_INDEX_LINES) else b"%d\n" % index


def _count(
    summary: ChunkingSummary,
    block: RecordBlock,
    record_id: str,
    sequence: bytes,
    number: int,
    offset: int,
    chunks: int,
) -> None:
    """Add one record to the summary, warning when it is empty."""
    summary.sequences += 1
    summary.chunks += chunks
    summary.bases += len(sequence)
    if not sequence:
        summary.empty += 1
        line = block.line_at(offset)
        logger.warning("record %d (%r, line %d) has no sequence; skipped", number, record_id, line)
    elif b"U" in sequence or b"u" in sequence:
        summary.with_uracil += 1
