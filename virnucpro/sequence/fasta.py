"""Streaming FASTA reading (plain or gzip) with checks that name the file, record and line.

Accepted: ``>`` headers whose first word is the record id (UTF-8; the rest of the header may be
anything); sequence lines of the nucleotide codes A C G T U and the IUPAC ambiguity codes
N R Y K M S W B D H V, in either case; LF or CRLF line ends; blank lines; spaces and tabs inside
sequence lines (ignored, as Biopython ignores them); a UTF-8 byte order mark. Everything else
(FASTQ, binary data, other compression formats, an empty file, text before the first header, a
header without an id, CR-only line ends, alignment gaps, digits, ``*``, ``X``, protein-only
letters) raises :class:`~virnucpro.errors.InputError`, whose message names the file, the record
(number and id) and the line. Record ids longer than ``MAX_ID_LENGTH`` (1,000) characters are
refused by :func:`check_id_lengths`, which stage 1 calls on every block it reads.

The file is read in blocks of about a megabyte cut at record boundaries
(:func:`read_blocks`), and each block is parsed on its own (:func:`parse_block`), so memory holds
one block (or one record, if a record is longer) and blocks can be parsed in worker processes.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import itertools
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, NamedTuple

import numpy as np

from virnucpro.errors import InputError
from virnucpro.sequence._fasta_problems import (
    ALLOWED,
    IGNORED,
    MAX_ID_LENGTH,
    NUCLEOTIDE_CODES,
    binary_problem,
    header_problem,
    letter_problem,
    long_id_problem,
    preamble_problem,
)
from virnucpro.sequence.wrapping import wrap

__all__ = [
    "MAX_ID_LENGTH",
    "NUCLEOTIDE_CODES",
    "FastaRecord",
    "ParsedBlock",
    "RecordBlock",
    "check_id_lengths",
    "format_record",
    "header_offsets",
    "parse_block",
    "parse_block_arrays",
    "read_blocks",
    "read_record_texts",
    "read_fasta",
]

_READ_SIZE = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"
_MARKER, _NEWLINE = ord(">"), ord("\n")
_WHITESPACE = b" \t\n\r\x0b\x0c"  # what bytes.split() splits at
_IS_WHITESPACE = np.zeros(256, dtype=bool)
_IS_WHITESPACE[list(_WHITESPACE)] = True
_FIRST_WORD = re.compile(rb"^[^ \t\n\r\x0b\x0c]+", re.MULTILINE)
_OTHER_FORMATS = {
    b"BZh": "bzip2-compressed",
    b"\xfd7zXZ\x00": "xz-compressed",
    b"\x28\xb5\x2f\xfd": "zstd-compressed",
    b"PK\x03\x04": "a zip archive",
}


class FastaRecord(NamedTuple):
    """One FASTA record: its id (first word of the header), sequence and where it was read."""

    id: str
    sequence: str
    number: int
    """Position of the record in the file, from 1."""
    line: int
    """Line number of the header, from 1."""


class RecordBlock(NamedTuple):
    """Raw text of consecutive whole records of a file, and where in the file it starts."""

    path: Path
    text: bytes
    """Starts with ``>``; ends where the next record starts (or at the end of the file)."""
    first_line: int
    first_number: int

    def line_at(self, offset: int) -> int:
        """The line number (in the file) of the byte at ``offset`` of the block."""
        return self.first_line + self.text.count(b"\n", 0, offset)


def read_fasta(
    path: Path, *, allow_empty: bool = False, check_letters: bool = True
) -> Iterator[FastaRecord]:
    """Yield the records of a FASTA file (plain or gzip), one at a time, checking each.

    Records without sequence are yielded with an empty ``sequence``; the caller decides.

    Args:
        path: the FASTA file; gzip is recognised by its first bytes, not its name.
        allow_empty: accept a file with no records (yield nothing) instead of raising.
        check_letters: refuse letters that are not nucleotide codes. False reads the protein
            split files, which this program wrote itself (LF line ends, no blanks).

    Raises:
        InputError: the file cannot be read, is not FASTA, or holds a letter that is not a
            nucleotide code. The message names the file, the record and the line.
    """
    for block in read_blocks(path, allow_empty=allow_empty):
        line, counted = block.first_line, 0
        for record_id, sequence, number, offset in parse_block(block, check_letters=check_letters):
            line += block.text.count(b"\n", counted, offset)
            counted = offset
            yield FastaRecord(record_id, sequence.decode("ascii"), number, line)


def read_blocks(path: Path, *, allow_empty: bool = False) -> Iterator[RecordBlock]:
    """Yield the file as blocks of whole records; check what precedes the first header.

    Raises:
        InputError: unreadable, damaged gzip, not FASTA, or (unless ``allow_empty``) no record.
    """
    path = Path(path)
    line, number = 1, 0
    with open_input(path) as handle:
        try:
            for text in _whole_records(handle):
                if not number and text[:1] != b">":
                    text, skipped_lines = _skip_preamble(text, path)
                    line += skipped_lines
                    if not text:
                        continue
                yield RecordBlock(path, text, line, number + 1)
                lines, headers = _count_lines_and_headers(text)
                line += lines
                number += headers
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise InputError(
                f"{path}: the gzip data is damaged or truncated after line {line} "
                f"({exc}); compress the file again or give it uncompressed"
            ) from exc
    if not number and not allow_empty:
        raise InputError(f"{path}: the file is empty (no FASTA record); is this the right file?")


def _count_lines_and_headers(text: bytes) -> tuple[int, int]:
    """Line ends in ``text``, and lines starting with ``>`` (``text`` starts with one)."""
    return text.count(b"\n"), 1 + text.count(b"\n>")


def read_record_texts(path: Path) -> Iterator[bytes]:
    """The raw text of a FASTA file in large pieces of whole records, without any check.

    For files this program wrote itself (splitting them, for instance).
    """
    with open_input(Path(path)) as handle:
        yield from _whole_records(handle)


def header_offsets(text: bytes) -> np.ndarray:
    """Offsets of the lines of ``text`` that start with ``>`` (``text`` starts with one)."""
    # A vectorised look at every '>' is several times faster than searching for b"\n>".
    codes = np.frombuffer(text, dtype=np.uint8)
    markers = np.flatnonzero(codes[1:] == _MARKER)
    starts = markers[codes[markers] == _NEWLINE] + 1
    return np.concatenate(([0], starts)) if text[:1] == b">" else starts


def parse_block(
    block: RecordBlock, *, check_letters: bool = True
) -> Iterator[tuple[str, bytes, int, int]]:
    """Yield ``(id, sequence, number, offset)`` of each record of a block, checking each.

    The sequence is ASCII bytes with line ends and blanks removed, letter case kept; ``offset``
    is where the record's header text starts in the block (see :meth:`RecordBlock.line_at`).
    With ``check_letters=False`` the sequence is the body without LF, unchecked: for a caller
    that checks every byte anyway and parses again (checking) when one is not a code.
    """
    parts, separator = _record_texts(block.text)
    number, offset = block.first_number, 1
    for text in parts:
        header, _, body = text.partition(b"\n")
        words = header.split(None, 1)
        if not words or not body:
            _check_header(block, header, offset)
        try:
            record_id = words[0].decode("utf-8")
        except UnicodeDecodeError as exc:
            problem = binary_problem(block.path, block.line_at(offset), words[0][exc.start])
            raise InputError(problem) from exc
        sequence = body.replace(b"\n", b"")
        if check_letters and sequence.translate(None, ALLOWED):  # blanks, CR or bad letters
            sequence = _clean_sequence(block, body, number, record_id, offset)
        yield record_id, sequence, number, offset
        number += 1
        offset += len(text) + separator


class ParsedBlock(NamedTuple):
    """The records of a block as arrays, as :func:`parse_block` reads and checks them."""

    ids: list[str]
    text: bytes
    """Holds every sequence (ASCII, case kept), record ``i``'s from ``starts[i]`` on."""
    starts: np.ndarray
    lengths: np.ndarray
    offsets: np.ndarray
    """Where each record's header text starts in the block, as ``parse_block`` yields it."""

    def sequence(self, index: int) -> bytes:
        """The sequence of record ``index``."""
        start = int(self.starts[index])
        return self.text[start : start + int(self.lengths[index])]


def parse_block_arrays(block: RecordBlock) -> ParsedBlock:
    """The records of a block as a :class:`ParsedBlock`, checked as by :func:`parse_block`.

    A block of plain records (LF line ends, only nucleotide codes, an id right after each
    ``>``, no empty sequence) is read with a few passes over the whole block; any other block
    goes through :func:`parse_block`, which gives the same result or raises its error.
    """
    parsed = _parse_plain_block(block.text)
    if parsed is not None:
        return parsed
    records = list(parse_block(block))
    lengths = np.fromiter((len(record[1]) for record in records), np.int64, len(records))
    return ParsedBlock(
        [record[0] for record in records],
        b"".join([record[1] for record in records]),
        np.cumsum(lengths) - lengths,
        lengths,
        np.array([record[3] for record in records], dtype=np.int64),
    )


def check_id_lengths(block: RecordBlock, records: ParsedBlock) -> None:
    """Refuse a record id longer than ``MAX_ID_LENGTH`` characters.

    Ids become chunk ids and fields of every result table, where an id of megabytes would
    pass each stage and break the last (Python's csv reader stops at 131,072 characters).

    Raises:
        InputError: naming the file, the record number and line, the limit and the fix.
    """
    lengths = list(map(len, records.ids))
    if max(lengths, default=0) <= MAX_ID_LENGTH:
        return
    index = next(i for i, length in enumerate(lengths) if length > MAX_ID_LENGTH)
    line = block.line_at(int(records.offsets[index]))
    raise InputError(long_id_problem(block.path, block.first_number + index, line, lengths[index]))


def _parse_plain_block(text: bytes) -> ParsedBlock | None:
    """:func:`parse_block_arrays` for a block of plain records; None for any other block."""
    codes = np.frombuffer(text, dtype=np.uint8)
    starts = header_offsets(text)
    newlines = np.flatnonzero(codes == _NEWLINE)
    newlines_before = np.searchsorted(newlines, starts)  # the header's line end is the next
    if newlines_before[-1] >= len(newlines) or _IS_WHITESPACE[codes[starts + 1]].any():
        return None  # a header without line end, or without an id right after '>'
    header_ends = newlines[newlines_before]
    headers = list(map(text.__getitem__, map(slice, (starts + 1).tolist(), header_ends.tolist())))
    flat = text.replace(b"\n", b"")
    header_text = b"".join(headers)
    if len(flat.translate(None, ALLOWED)) != len(header_text.translate(None, ALLOWED)) + len(
        starts
    ):
        return None  # blanks, CR or letters that are not codes: parse_block decides
    flat_starts = starts - newlines_before
    header_lengths = header_ends - starts  # with the '>'
    lengths = np.diff(flat_starts, append=len(flat)) - header_lengths
    ids = _record_ids(headers)
    if not lengths.all() or ids is None:
        return None  # an empty record (parse_block checks its header), or a non-UTF-8 id
    return ParsedBlock(ids, flat, flat_starts + header_lengths, lengths, starts + 1)


def _record_ids(headers: list[bytes]) -> list[str] | None:
    """The first word of each header (each starting with one); None if one is not UTF-8."""
    words = _FIRST_WORD.findall(b"\n".join(headers))
    try:
        return b"\n".join(words).decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return None


def _record_texts(text: bytes) -> tuple[list[bytes], int]:
    """The records of a block without their ``>``, and the length of what separates them."""
    parts = text.split(b">")
    if all(map(bytes.endswith, parts[1:-1], itertools.repeat(b"\n"))):
        return parts[1:], 1  # no '>' inside a line: each part is one whole record
    # Some header holds a '>' after its start: cut at line starts only.
    return (b"\n" + text).split(b"\n>")[1:], 2


def _check_header(block: RecordBlock, header: bytes, offset: int) -> None:
    """Raise for a header without an id, or a line with carriage returns inside."""
    problem = header_problem(block.path, b">" + header, block.line_at(offset))
    if problem:
        raise InputError(problem)


def _clean_sequence(
    block: RecordBlock, body: bytes, number: int, record_id: str, offset: int
) -> bytes:
    """The sequence of a body holding more than codes and LF: drop blanks and CR, or raise."""
    sequence = body.translate(None, IGNORED)
    if sequence.translate(None, ALLOWED):
        where = f"{block.path}: record {number} ({record_id!r})"
        raise InputError(letter_problem(where, body, block.line_at(offset) + 1))
    return sequence


def format_record(record_id: str, sequence: str) -> str:
    """One FASTA record as text, the sequence in lines of 60 columns (Biopython's layout)."""
    return f">{record_id}\n" + wrap(sequence.encode("ascii")).decode("ascii")


@contextlib.contextmanager
def open_input(path: Path, kind: str = "FASTA") -> Iterator[IO[bytes]]:
    """Open an input file for reading bytes, decompressing gzip (recognised by its first
    bytes, not its name); refuse other compressed formats, naming ``kind`` as what to give.

    Raises:
        InputError: the file cannot be opened, or is bzip2, xz, zstd or zip.
    """
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the input: {exc.strerror or exc}") from exc
    with handle:
        magic = handle.peek(8)[:8]
        for prefix, what in _OTHER_FORMATS.items():
            if magic.startswith(prefix):
                raise InputError(
                    f"{path}: this is {what}, which is not supported: give plain or "
                    f"gzip-compressed {kind}"
                )
        if magic.startswith(_GZIP_MAGIC):
            with gzip.GzipFile(fileobj=handle, mode="rb") as unzipped:
                yield unzipped
        else:
            yield handle


def _whole_records(handle: IO[bytes]) -> Iterator[bytes]:
    """Read large pieces and cut them just before a ``>`` that starts a line.

    Each piece holds whole records; only the new data is searched, so a record longer than
    the read size costs no more than a short one.
    """
    pending: list[bytes] = []
    for data in iter(functools.partial(handle.read, _READ_SIZE), b""):
        cut = data.rfind(b"\n>")
        if cut < 0:
            pending.append(data)
            continue
        pending.append(data[: cut + 1])
        yield b"".join(pending)
        pending = [data[cut + 1 :]]
    if pending:
        yield b"".join(pending)


def _skip_preamble(text: bytes, path: Path) -> tuple[bytes, int]:
    """Drop blank lines (and a UTF-8 byte order mark) before the first header.

    Returns the text from the first header on and the number of lines dropped.

    Raises:
        InputError: something other than blank lines precedes the first header.
    """
    if text.startswith(_UTF8_BOM):
        text = text[len(_UTF8_BOM) :]
        if text[:1] == b">":
            return text, 0
    preamble, separator, rest = text.partition(b"\n>")
    problem = preamble_problem(path, preamble)
    if problem:
        raise InputError(problem)
    if not separator:  # only blank lines so far: the first header is in a later piece
        return b"", preamble.count(b"\n")
    return b">" + rest, preamble.count(b"\n") + 1


class FastaSize(NamedTuple):
    """How much a FASTA file holds: its records and their sequence letters."""

    records: int
    residues: int


def fasta_size(path: Path) -> FastaSize:
    """Count the records and sequence letters of a FASTA file this program wrote (a split file),
    read with :func:`read_record_texts` (headers and line ends are not letters)."""
    records = residues = 0
    for text in read_record_texts(path):
        lines, headers = _count_lines_and_headers(text)
        records += headers
        header_bytes = sum(len(line) for line in text.split(b"\n") if line.startswith(b">"))
        residues += len(text) - lines - text.count(b"\r") - header_bytes
    return FastaSize(records, residues)
