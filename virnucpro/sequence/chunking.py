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

from virnucpro.sequence.fasta import (
    ParsedBlock,
    RecordBlock,
    check_id_lengths,
    parse_block_arrays,
)
from virnucpro.sequence.unique import UniqueIds
from virnucpro.sequence.wrapping import FASTA_LINE_WIDTH, wrap_into, wrapped_length

logger = logging.getLogger(__name__)

MANIFEST_HEADER = "id\tlength\tchunks\n"
_NEWLINE, _ZERO = ord("\n"), ord("0")


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
        InputError: a record is malformed, has an id longer than ``MAX_ID_LENGTH``, or repeats
            the id of an earlier record.
    """
    summary = ChunkingSummary()
    ids = UniqueIds()
    source = None
    manifest_out.write(MANIFEST_HEADER)
    for block in blocks:
        source = block.path
        records = parse_block_arrays(block)
        check_id_lengths(block, records)
        ids.add_all(records.ids)
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


def _chunk_text(records: ParsedBlock, chunk_length: int) -> bytes:
    """The FASTA text of the chunks of ``records``: ``>id_chunk_k`` and 60-column lines.

    Built for the whole block at once: every chunk becomes one row of a byte matrix holding its
    header (right-aligned in a slot as wide as the longest) followed by its wrapped bases; the
    text is then one slice per row. This is a few times faster than slicing line by line.
    """
    record_of, number, start, size = _chunk_table(records.lengths, chunk_length)
    if not len(record_of):
        return b""
    headers, header_lengths = _header_matrix(records.ids, record_of, number)
    slot = headers.shape[1]
    matrix = np.empty((len(headers), slot + wrapped_length(chunk_length)), dtype=np.uint8)
    matrix[:, :slot] = headers
    wrap_into(matrix[:, slot:], _chunk_matrix(records, record_of, start, size, chunk_length))
    text = memoryview(matrix.reshape(-1))  # sliced without copying; joined once
    body_starts = np.arange(len(headers)) * matrix.shape[1] + slot
    begins = (body_starts - header_lengths).tolist()
    ends = (body_starts + size + -(-size // FASTA_LINE_WIDTH)).tolist()
    return b"".join(map(text.__getitem__, map(slice, begins, ends)))


def _header_matrix(
    ids: list[str], record_of: np.ndarray, number: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The header ``>id_chunk_k`` and newline of every chunk, right-aligned in the rows of a
    matrix (what is left of a header is undefined), and the length of each."""
    prefixes = [b">" + record_id.encode() + b"_chunk_" for record_id in ids]
    prefix_lengths = np.fromiter(map(len, prefixes), dtype=np.int64, count=len(prefixes))
    width = int(prefix_lengths.max())
    prefix_rows = np.frombuffer(b"".join([prefix.rjust(width) for prefix in prefixes]), np.uint8)
    prefix_rows = prefix_rows.reshape(-1, width)
    digits = _digit_counts(number)
    most = int(digits.max())
    slot = width + most + 1
    matrix = np.empty((len(number), slot), dtype=np.uint8)
    matrix[:, -1] = _NEWLINE
    for place in range(most):  # places beyond a number's digits are overwritten below
        matrix[:, slot - 2 - place] = _ZERO + number // 10**place % 10
    for count in np.unique(digits).tolist():
        rows = np.flatnonzero(digits == count)
        matrix[rows, slot - 1 - count - width : slot - 1 - count] = prefix_rows[record_of[rows]]
    return matrix, prefix_lengths[record_of] + digits + 1


def _digit_counts(numbers: np.ndarray) -> np.ndarray:
    """How many decimal digits each of ``numbers`` (all positive) has."""
    counts = np.ones(len(numbers), dtype=np.int64)
    limit = 10
    while limit <= numbers.max():
        counts += numbers >= limit
        limit *= 10
    return counts


def _chunk_table(
    lengths: np.ndarray, chunk_length: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For every chunk of sequences of ``lengths``: its record index, number (from 1), start
    and size.

    The same rule as :func:`chunk_starts`, computed for all records at once.
    """
    counts = -(-lengths // chunk_length)
    nonzero = np.maximum(counts, 1)  # empty records have no chunks; avoid dividing by zero
    surplus = nonzero * chunk_length - lengths
    lower = surplus // nonzero
    longer_steps = surplus - lower * (nonzero - 1)
    record_of = np.repeat(np.arange(len(lengths)), counts)
    index = np.arange(len(record_of)) - np.repeat(np.cumsum(counts) - counts, counts)
    start = index * (chunk_length - lower[record_of]) - np.minimum(index, longer_steps[record_of])
    size = np.minimum(chunk_length, lengths[record_of] - start)
    return record_of, index + 1, start, size


def _chunk_matrix(
    records: ParsedBlock,
    record_of: np.ndarray,
    start: np.ndarray,
    size: np.ndarray,
    chunk_length: int,
) -> np.ndarray:
    """``(chunks, chunk_length)`` bytes of every chunk; a newline after a short last chunk.

    The bytes after that newline are whatever follows in the block: :func:`_chunk_text` drops
    them.
    """
    joined = np.frombuffer(records.text + b"\n" * chunk_length, dtype=np.uint8)
    windows = np.lib.stride_tricks.sliding_window_view(joined, chunk_length)
    chunks = windows[records.starts[record_of] + start]
    short = np.flatnonzero(size < chunk_length)
    chunks[short, size[short]] = _NEWLINE
    return chunks


def _manifest_rows(records: ParsedBlock, chunk_length: int) -> str:
    """``id, length, chunks`` of each record, tab-separated, one line each."""
    lengths = records.lengths.tolist()
    counts = (-(-records.lengths // chunk_length)).tolist()
    return "".join(map("{}\t{}\t{}\n".format, records.ids, lengths, counts))


def _count(
    summary: ChunkingSummary, block: RecordBlock, records: ParsedBlock, chunk_length: int
) -> None:
    """Add a block's records to the summary, warning about each empty one."""
    lengths = records.lengths
    summary.sequences += len(lengths)
    summary.bases += int(lengths.sum())
    summary.chunks += int((-(-lengths // chunk_length)).sum())
    summary.with_uracil += _records_with_uracil(records)
    for index in np.flatnonzero(lengths == 0).tolist():
        summary.empty += 1
        line = block.line_at(int(records.offsets[index]))
        logger.warning(
            "record %d (%r, line %d) has no sequence; skipped",
            block.first_number + index,
            records.ids[index],
            line,
        )


def _records_with_uracil(records: ParsedBlock) -> int:
    """How many of ``records`` hold a ``U`` or ``u``."""
    return sum([b"U" in sequence or b"u" in sequence for sequence in _sequences(records)])


def _sequences(records: ParsedBlock) -> list[bytes]:
    """The sequence of each record, or none when no record holds a ``U`` or ``u``."""
    if b"U" not in records.text and b"u" not in records.text:
        return []
    return [records.sequence(index) for index in range(len(records.ids))]
