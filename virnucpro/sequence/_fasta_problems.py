"""The messages of the FASTA reader's refusals: each names the file, record and line, and says
what to do."""

from __future__ import annotations

from pathlib import Path

NUCLEOTIDE_CODES = "ACGTUNRYKMSWBDHV"
ALLOWED = (NUCLEOTIDE_CODES + NUCLEOTIDE_CODES.lower()).encode("ascii")
IGNORED = b" \t\r\n"
MAX_ID_LENGTH = 1000
"""The longest record id accepted, in characters (see ``fasta.check_id_lengths``)."""


def _is_binary(byte: int) -> bool:
    return byte >= 0x80 or (byte < 0x20 and byte not in IGNORED)


def letter_problem(where: str, body: bytes, first_line: int) -> str:
    """The message for the first character of a record body that is not a nucleotide code."""
    for line_number, line in enumerate(body.split(b"\n"), start=first_line):
        bad = line.translate(None, ALLOWED + IGNORED)
        if bad:
            column = line.index(bad[:1]) + 1
            return f"{where}, line {line_number}, column {column}: {_describe(bad[0])}"
    raise AssertionError("no invalid character found")  # pragma: no cover - caller checked


def _describe(byte: int) -> str:
    """Why one byte of a sequence line is refused, and what to do."""
    if _is_binary(byte):
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


def preamble_problem(path: Path, text: bytes) -> str | None:
    """The message for text before the first header, or None when it is only blank lines."""
    for line_number, line in enumerate(text.split(b"\n"), start=1):
        if line.strip():
            return f"{path}: line {line_number}: {_what_instead_of_a_header(line)}"
    return None


def _what_instead_of_a_header(line: bytes) -> str:
    if line.startswith(b"@"):
        return (
            "starts with '@': this looks like FASTQ, not FASTA; convert it to FASTA first "
            "(for example `seqtk seq -a`)"
        )
    if any(_is_binary(byte) for byte in line[:64]):
        return "binary data, not a FASTA text file; give a FASTA file (plain or gzip-compressed)"
    shown = line[:40].decode("ascii", "replace").strip()
    return f"expected a FASTA header starting with '>' but found {shown!r}; is this a FASTA file?"


def header_problem(path: Path, header: bytes, line_number: int) -> str | None:
    """The message for a header without an id or with carriage returns inside, else None."""
    if b"\r" in header.rstrip(b"\r"):
        return (
            f"{path}: line {line_number}: carriage returns inside a line: the file seems to use "
            "old Mac (CR only) line ends; convert them to LF"
        )
    if not header[1:].split():
        return (
            f"{path}: line {line_number}: a header with no id ('>' alone); every record needs "
            "an id after '>'"
        )
    return None


def binary_problem(path: Path, line_number: int, byte: int) -> str:
    """The message for a record id that is not UTF-8 text."""
    return (
        f"{path}: line {line_number}: byte 0x{byte:02x} is not UTF-8 text; the file looks "
        "binary: give a FASTA file (plain or gzip-compressed)"
    )


def long_id_problem(path: Path, number: int, line_number: int, length: int) -> str:
    """The message for a record id longer than :data:`MAX_ID_LENGTH`."""
    return (
        f"{path}: record {number}, line {line_number}: the record id (the header's first word) "
        f"is {length:,} characters long; ids may be at most {MAX_ID_LENGTH:,} characters: "
        "shorten the ids, or put a space after a short id so the rest becomes the description"
    )
