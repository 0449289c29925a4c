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

import numpy as np

from virnucpro.sequence.fasta import RecordBlock, parse_block
from virnucpro.sequence.unique import UniqueIds
from virnucpro.sequence.wrapping import FASTA_LINE_WIDTH, wrap_into, wrapped_length

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
        ids.add_all([record[0] for record in records])
        manifest_out.write(_manifest_rows(records, chunk_length))
        _count(summary, block, records, chunk_length)
        chunks_out.write(_chunk_text(records, chunk_length))
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
    """The FASTA text of the chunks of ``records``: ``>id_chunk_k`` and 60-column lines.

    Built for the whole block at once: every chunk becomes one row of a byte matrix holding its
    header (right-aligned in a slot as wide as the longest) followed by its wrapped bases; the
    text is then one slice per row. This is a few times faster than slicing line by line.
    """
    sequences = [sequence for _, sequence, _, _ in records]
    record_of, number, start, size = _chunk_table(sequences, chunk_length)
    if not len(record_of):
        return b""
    prefixes = [b">" + record_id.encode() + b"_chunk_" for record_id, _, _, _ in records]
    headers = [
        prefixes[record] + b"%d\n" % index
        for record, index in zip(record_of.tolist(), number.tolist(), strict=True)
    ]
    slot = max(map(len, headers))
    body = wrapped_length(chunk_length)
    matrix = np.empty((len(headers), slot + body), dtype=np.uint8)
    padded_headers = b"".join([header.rjust(slot) for header in headers])
    matrix[:, :slot] = np.frombuffer(padded_headers, dtype=np.uint8).reshape(-1, slot)
    wrap_into(matrix[:, slot:], _chunk_matrix(sequences, record_of, start, chunk_length))
    text = matrix.tobytes()
    header_lengths = np.fromiter(map(len, headers), dtype=np.int64, count=len(headers))
    body_starts = np.arange(len(headers)) * matrix.shape[1] + slot
    begins = (body_starts - header_lengths).tolist()
    ends = (body_starts + size + -(-size // FASTA_LINE_WIDTH)).tolist()
    return b"".join(map(text.__getitem__, map(slice, begins, ends)))


def _chunk_table(
    sequences: list[bytes], chunk_length: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For every chunk of ``sequences``: its record index, number (from 1), start and size.

    The same rule as :func:`chunk_starts`, computed for all records at once.
    """
    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    counts = -(-lengths // chunk_length)
    nonzero = np.maximum(counts, 1)  # empty records have no chunks; avoid dividing by zero
    surplus = nonzero * chunk_length - lengths
    lower = surplus // nonzero
    longer_steps = surplus - lower * (nonzero - 1)
    record_of = np.repeat(np.arange(len(sequences)), counts)
    index = np.arange(len(record_of)) - np.repeat(np.cumsum(counts) - counts, counts)
    start = index * (chunk_length - lower[record_of]) - np.minimum(index, longer_steps[record_of])
    size = np.minimum(chunk_length, lengths[record_of] - start)
    return record_of, index + 1, start, size


def _chunk_matrix(
    sequences: list[bytes], record_of: np.ndarray, start: np.ndarray, chunk_length: int
) -> np.ndarray:
    """``(chunks, chunk_length)`` bytes of every chunk; a short last chunk padded with newlines."""
    padding = b"\n" * chunk_length
    joined = np.frombuffer(padding.join(sequences) + padding, dtype=np.uint8)
    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    record_starts = np.cumsum(lengths + chunk_length) - (lengths + chunk_length)
    windows = np.lib.stride_tricks.sliding_window_view(joined, chunk_length)
    return windows[record_starts[record_of] + start]


def _manifest_rows(records: list[tuple[str, bytes, int, int]], chunk_length: int) -> str:
    """``id, length, chunks`` of each record, tab-separated, one line each."""
    return "".join(
        [
            f"{record_id}\t{len(sequence)}\t{-(-len(sequence) // chunk_length)}\n"
            for record_id, sequence, _, _ in records
        ]
    )


def _count(
    summary: ChunkingSummary,
    block: RecordBlock,
    records: list[tuple[str, bytes, int, int]],
    chunk_length: int,
) -> None:
    """Add a block's records to the summary, warning about each empty one."""
    lengths = [len(sequence) for _, sequence, _, _ in records]
    summary.sequences += len(records)
    summary.bases += sum(lengths)
    summary.chunks += sum([-(-length // chunk_length) for length in lengths])
    summary.with_uracil += sum([b"U" in seq or b"u" in seq for _, seq, _, _ in records])
    for record_id, sequence, number, offset in records:
        if not sequence:
            summary.empty += 1
            line = block.line_at(offset)
            logger.warning(
                "record %d (%r, line %d) has no sequence; skipped", number, record_id, line
            )
