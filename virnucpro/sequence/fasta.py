"""Streaming FASTA reading (plain or gzip) with checks that name the file, record and line.

Accepted: ``>`` headers whose first word is the record id; sequence lines of the nucleotide codes
A C G T U and the IUPAC ambiguity codes N R Y K M S W B D H V, in either case; LF or CRLF line
ends; blank lines; spaces and tabs inside sequence lines (ignored, as Biopython ignores them).
Everything else (FASTQ, binary data, an empty file, text before the first header, a header
without an id, alignment gaps, digits, ``*``, protein-only letters) raises
:class:`~virnucpro.errors.InputError`. Records are read one at a time: memory holds one record.
"""

from __future__ import annotations

import contextlib
import gzip
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, NamedTuple

from virnucpro.errors import InputError

NUCLEOTIDE_CODES = "ACGTUNRYKMSWBDHV"
_ALLOWED = (NUCLEOTIDE_CODES + NUCLEOTIDE_CODES.lower()).encode("ascii")
_IGNORED = b" \t\r\n"
_GZIP_MAGIC = b"\x1f\x8b"
_OTHER_FORMATS = {
    b"BZh": "bzip2-compressed",
    b"\xfd7zXZ\x00": "xz-compressed",
    b"\x28\xb5\x2f\xfd": "zstd-compressed",
    b"PK\x03\x04": "a zip archive",
}
FASTA_LINE_WIDTH = 60


class FastaRecord(NamedTuple):
    """One FASTA record: its id (first word of the header), sequence and where it was read."""

    id: str
    sequence: str
    number: int
    """Position of the record in the file, from 1."""
    line: int
    """Line number of the header, from 1."""


def read_fasta(path: Path, *, allow_empty: bool = False) -> Iterator[FastaRecord]:
    """Yield the records of a FASTA file (plain or gzip), one at a time, checking each.

    Records without sequence are yielded with an empty ``sequence``; the caller decides.

    Args:
        path: the FASTA file; gzip is recognised by its first bytes, not its name.
        allow_empty: accept a file with no records (yield nothing) instead of raising.

    Raises:
        InputError: the file cannot be read, is not FASTA, or holds a letter that is not a
            nucleotide code. The message names the file, the record and the line.
    """
    path = Path(path)
    with _open_binary(path) as handle:
        yield from _parse(handle, path, allow_empty)


def unique_ids(records: Iterable[FastaRecord], path: Path) -> Iterator[FastaRecord]:
    """Pass records through, raising :class:`InputError` at the first repeated id.

    Memory grows with the number of ids only (one dict entry per record).
    """
    first_seen: dict[str, int] = {}
    for record in records:
        earlier = first_seen.setdefault(record.id, record.number)
        if earlier != record.number:
            raise InputError(
                f"{path}: line {record.line}: record {record.number} has the id "
                f"{record.id!r}, already used by record {earlier}; sequence ids (the first "
                "word of each header) must be unique: rename one of them"
            )
        yield record


def format_record(record_id: str, sequence: str, width: int = FASTA_LINE_WIDTH) -> str:
    """One FASTA record as text, the sequence wrapped at ``width`` columns (Biopython's layout)."""
    lines = [sequence[start : start + width] for start in range(0, len(sequence), width)]
    return f">{record_id}\n" + "".join(line + "\n" for line in lines)


@contextlib.contextmanager
def _open_binary(path: Path) -> Iterator[IO[bytes]]:
    """Open ``path`` for reading bytes, decompressing gzip; refuse other compressed formats."""
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the input: {exc.strerror or exc}") from exc
    with handle:
        magic = handle.peek(8)[:8] if hasattr(handle, "peek") else b""
        for prefix, what in _OTHER_FORMATS.items():
            if magic.startswith(prefix):
                raise InputError(
                    f"{path}: this is {what}, which is not supported: give plain or "
                    "gzip-compressed FASTA"
                )
        if magic.startswith(_GZIP_MAGIC):
            with gzip.GzipFile(fileobj=handle, mode="rb") as unzipped:
                yield unzipped
        else:
            yield handle


def _parse(lines: Iterable[bytes], path: Path, allow_empty: bool) -> Iterator[FastaRecord]:
    """The records of an iterable of raw lines (see :func:`read_fasta`)."""
    header: tuple[str, int, int] | None = None  # (id, record number, header line)
    body: list[bytes] = []
    line_number = 0
    try:
        for line_number, line in enumerate(lines, start=1):
            if line[:1] == b">":
                if header is not None:
                    yield _finish(header, body, path)
                number = header[1] + 1 if header else 1
                header, body = (_header_id(line, path, line_number), number, line_number), []
            elif header is not None:
                body.append(line)
            elif line.strip():
                raise InputError(_preamble_problem(path, line, line_number))
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(
            f"{path}: the gzip data is damaged or truncated near line {line_number + 1} "
            f"({exc}); compress the file again or give it uncompressed"
        ) from exc
    if header is not None:
        yield _finish(header, body, path)
    elif not allow_empty:
        raise InputError(f"{path}: the file is empty (no FASTA record); is this the right file?")


def _header_id(line: bytes, path: Path, line_number: int) -> str:
    """The record id of a header line: its first word."""
    title = line[1:].rstrip(b"\r\n")
    if b"\r" in title:
        raise InputError(
            f"{path}: line {line_number}: carriage returns inside a line: the file seems to use "
            "old Mac (CR only) line ends; convert them to LF"
        )
    try:
        words = title.decode("utf-8").split(None, 1)
    except UnicodeDecodeError as exc:
        raise InputError(_binary_problem(path, line_number, title[exc.start])) from exc
    if not words:
        raise InputError(
            f"{path}: line {line_number}: a header with no id ('>' alone); every record needs "
            "an id after '>'"
        )
    return words[0]


def _finish(header: tuple[str, int, int], body: list[bytes], path: Path) -> FastaRecord:
    """Join, clean and check one record's sequence lines."""
    record_id, number, line_number = header
    sequence = b"".join(body).translate(None, _IGNORED)
    if sequence.translate(None, _ALLOWED):
        raise InputError(_letter_problem(path, header, body))
    return FastaRecord(record_id, sequence.decode("ascii"), number, line_number)


def _letter_problem(path: Path, header: tuple[str, int, int], body: list[bytes]) -> str:
    """The message for the first character of a record that is not a nucleotide code."""
    record_id, number, header_line = header
    for offset, line in enumerate(body, start=1):
        bad = line.translate(None, _ALLOWED + _IGNORED)
        if bad:
            column = line.index(bad[:1]) + 1
            where = f"{path}: record {number} ({record_id!r}), line {header_line + offset}"
            return f"{where}, column {column}: {_describe(bad[0])}"
    raise AssertionError("no invalid character found")  # pragma: no cover - caller checked


def _describe(byte: int) -> str:
    """Why one byte of a sequence line is refused, and what to do."""
    if byte >= 0x80 or (byte < 0x20 and byte not in _IGNORED):
        return (
            f"byte 0x{byte:02x} is binary or non-ASCII data, not a nucleotide code; "
            "give a FASTA file (plain or gzip-compressed)"
        )
    char = chr(byte)
    if char in "-.":
        return (
            f"{char!r} is an alignment gap, not a nucleotide code; remove gaps before running "
            f"(allowed: {NUCLEOTIDE_CODES}, either case)"
        )
    return (
        f"{char!r} is not a nucleotide code (allowed: {NUCLEOTIDE_CODES} and lowercase); "
        "is this a protein or a quality file?"
    )


def _preamble_problem(path: Path, line: bytes, line_number: int) -> str:
    """The message for a non-blank line before the first header."""
    if line.startswith(b"@"):
        return (
            f"{path}: line {line_number}: starts with '@': this looks like FASTQ, not FASTA; "
            "convert it to FASTA first (for example `seqtk seq -a`)"
        )
    if any(byte >= 0x80 or (byte < 0x20 and byte not in _IGNORED) for byte in line[:64]):
        return (
            f"{path}: line {line_number}: binary data, not a FASTA text file; give a FASTA file "
            "(plain or gzip-compressed)"
        )
    shown = line[:40].decode("ascii", "replace").strip()
    return (
        f"{path}: line {line_number}: expected a FASTA header starting with '>' but found "
        f"{shown!r}; is this a FASTA file?"
    )


def _binary_problem(path: Path, line_number: int, byte: int) -> str:
    """The message for a header that is not UTF-8 text."""
    return (
        f"{path}: line {line_number}: byte 0x{byte:02x} is not UTF-8 text; the file looks "
        "binary: give a FASTA file (plain or gzip-compressed)"
    )
