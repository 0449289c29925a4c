"""Reading GenBank flat files: each record's id, sequence and CDS proteins, one record at a time.

The proteins are the list the original tool's ``create_refseq_pro_list`` builds: for every ``CDS``
feature in file order, its first ``/translation`` qualifier, or ``""`` when it has none. The record
id is Biopython's ``record.id``, the ``VERSION`` accession (``NC_005816.1``), which is also the id
the RefSeq ``.fna`` twin file gives the same sequence.

Records are parsed by Biopython one at a time (:func:`read_genbank` is a generator), so memory
holds one record however many the file has. Plain and gzip files are told apart by their first
bytes, not their names.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, NamedTuple

from virnucpro.errors import InputError
from virnucpro.paths import file_stem
from virnucpro.sequence._fasta_problems import ALLOWED
from virnucpro.sequence.fasta import open_input

logger = logging.getLogger(__name__)

GENBANK_SUFFIXES = (".gbff", ".gbk", ".gb", ".seq", ".genbank")


class GenBankRecord(NamedTuple):
    """One GenBank record: ``VERSION`` id, uppercase sequence and CDS translations."""

    id: str
    sequence: str
    proteins: list[str]
    number: int
    """Position of the record in its file, from 1."""


def genbank_stem(path: Path) -> str:
    """The file name without ``.gz`` and a GenBank suffix: ``viral.1.genomic.gbff.gz`` ->
    ``viral.1.genomic``."""
    return file_stem(path, GENBANK_SUFFIXES)


def cds_proteins(features) -> list[str]:
    """Every CDS feature's first ``/translation`` (``""`` when absent), in file order."""
    return [
        feature.qualifiers.get("translation", [""])[0]
        for feature in features
        if feature.type == "CDS"
    ]


def read_genbank(path: Path) -> Iterator[GenBankRecord]:
    """Yield the records of a GenBank flat file (plain or gzip), one at a time.

    Records whose CDS features carry no translation at all are logged as warnings (they cannot
    contribute a training frame) and still yielded, so the caller's counts stay complete.

    Raises:
        InputError: the file cannot be read, is not GenBank, is damaged, repeats a record id,
            or holds a record without sequence (a CON/WGS master record) or with letters that are
            not nucleotide codes. The message names the file and the record.
    """
    path = Path(path)
    seen: set[str] = set()
    with _open_text(path) as handle:
        for number, record in enumerate(_parse_records(handle, path), start=1):
            if record.id in seen:
                raise InputError(
                    f"{path}: record {number} ({record.id}) repeats the id of an earlier record; "
                    "record ids (VERSION) must be unique: remove the duplicate"
                )
            seen.add(record.id)
            yield _checked_record(record, number, path)
    if not seen:
        raise InputError(
            f"{path}: not a GenBank flat file (no LOCUS record found); give GenBank files "
            "(.gb .gbk .gbff .seq, plain or gzip), not FASTA"
        )


def _checked_record(record, number: int, path: Path) -> GenBankRecord:
    """The record's id, sequence and proteins; refuses undefined sequences and odd letters."""
    from Bio.Seq import UndefinedSequenceError

    where = f"{path}: record {number} ({record.id})"
    try:
        sequence = str(record.seq).upper()
    except UndefinedSequenceError:
        raise InputError(
            f"{where} has no sequence (a CON or WGS master record that only points to other "
            "records); download the records it points to, or remove it"
        ) from None
    bad = sequence.encode("ascii", "replace").translate(None, ALLOWED)
    if bad:
        raise InputError(
            f"{where}: the sequence holds {chr(bad[0])!r} at base {sequence.index(chr(bad[0])) + 1}"
            ", which is not a nucleotide code; fix or remove the record"
        )
    proteins = cds_proteins(record.features)
    if not any(proteins):
        logger.warning(
            "%s has no CDS with a /translation; it contributes no training frame", where
        )
    return GenBankRecord(record.id, sequence, proteins, number)


def _parse_records(handle: IO[str], path: Path) -> Iterator:
    """Biopython's GenBank records, with parser errors and warnings naming the file."""
    from Bio import SeqIO  # Biopython's GenBank parser; imported here to keep start-up fast

    records = SeqIO.parse(handle, "genbank")
    number = 0
    while True:
        number += 1
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                record = next(records)
            except StopIteration:
                return
            except (ValueError, EOFError, OSError, zlib.error) as error:
                raise InputError(
                    f"{path}: record {number}: not a valid GenBank record ({_first_line(error)}); "
                    "is the file complete and in GenBank flat-file format?"
                ) from None
        _report_parser_warnings([_first_line(w.message) for w in caught], path, number)
        yield record


# Biopython only warns about these, but they mean a damaged or truncated file (a partial
# download): the record's sequence is not what its LOCUS line says.
_DAMAGE = ("Premature end of file", "Expected sequence length")


def _report_parser_warnings(messages: list[str], path: Path, number: int) -> None:
    """Log Biopython's warnings about a record; raise for those that mean a damaged file."""
    for message in messages:
        if message.startswith(_DAMAGE):
            raise InputError(
                f"{path}: record {number}: not a valid GenBank record ({message}); is the file "
                "complete? download it again"
            )
        logger.warning("%s: record %d: %s", path, number, message)


@contextlib.contextmanager
def _open_text(path: Path) -> Iterator[IO[str]]:
    """Open ``path`` as ASCII text, plain or gzip (``sequence.fasta.open_input``)."""
    with (open_input(path, "GenBank") as binary,
          io.TextIOWrapper(binary, encoding="ascii", errors="strict") as text):
        yield text


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
