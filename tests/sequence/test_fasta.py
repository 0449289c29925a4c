"""The streaming FASTA reader: what it accepts, and the message for everything it refuses."""

from __future__ import annotations

import bz2
import gzip
import re

import pytest

from virnucpro.errors import InputError
from virnucpro.sequence import fasta
from virnucpro.sequence.fasta import FastaRecord, format_record, read_fasta


def test_reads_ids_sequences_numbers_and_header_lines(fasta_file):
    path = fasta_file(">one first record\nACGT\nacgt\n>two\nNNRY\n")
    assert list(read_fasta(path)) == [
        FastaRecord("one", "ACGTacgt", number=1, line=1),
        FastaRecord("two", "NNRY", number=2, line=4),
    ]


@pytest.mark.parametrize(
    "text",
    [
        ">a desc\r\nAC\r\nGT\r\n>b\r\nTT\r\n",  # CRLF
        "\n\n>a desc\n\nAC\n\nGT\n\n>b\nTT",  # blank lines, no final newline
        ">a\tdesc with words\nA C\tG T \n>b\nT T\n",  # tab before the description, spaces inside
        ">  a desc\nACGT\n>b\nTT\n",  # spaces after '>' (Biopython takes the first word)
    ],
    ids=["crlf", "blank-lines", "whitespace-inside", "space-after-marker"],
)
def test_tolerated_layouts(fasta_file, text):
    records = read_fasta(fasta_file(text))
    assert [(r.id, r.sequence) for r in records] == [("a", "ACGT"), ("b", "TT")]


def test_all_iupac_codes_and_u_are_accepted_in_either_case(fasta_file):
    codes = "ACGTUNRYKMSWBDHV"
    path = fasta_file(f">x\n{codes}\n{codes.lower()}\n")
    assert next(read_fasta(path)).sequence == codes + codes.lower()


@pytest.mark.parametrize("read_size", [1, 2, 3, 5, 64])
def test_records_cut_across_reads(fasta_file, monkeypatch, read_size):
    """The reader cuts large blocks at headers: any block size gives the same records."""
    text = "\n>a x>y\r\nAC\r\n\r\nGT\r\n>b\n>c\nTT\n>\u00e9t\u00e9 z\nAAA"
    path = fasta_file(text)
    expected = list(read_fasta(path))
    monkeypatch.setattr(fasta, "_READ_SIZE", read_size)
    assert (
        list(read_fasta(path))
        == expected
        == [
            FastaRecord("a", "ACGT", 1, 2),
            FastaRecord("b", "", 2, 6),
            FastaRecord("c", "TT", 3, 7),
            FastaRecord("\u00e9t\u00e9", "AAA", 4, 9),
        ]
    )


def test_gzip_is_recognised_by_content_not_name(fasta_file):
    compressed = fasta_file(">a\nACGT\n", name="input.fa", compress=True)
    plain_named_gz = fasta_file(">a\nACGT\n", name="plain.fa.gz")
    assert [r.sequence for r in read_fasta(compressed)] == ["ACGT"]
    assert [r.sequence for r in read_fasta(plain_named_gz)] == ["ACGT"]


def test_empty_record_is_yielded_with_an_empty_sequence(fasta_file):
    records = list(read_fasta(fasta_file(">a\n>b\nAC\n>c\n\n")))
    assert [(r.id, r.sequence) for r in records] == [("a", ""), ("b", "AC"), ("c", "")]


def test_reading_is_lazy(fasta_file):
    """Records come one at a time: a bad record later in the file is only met when reached."""
    records = read_fasta(fasta_file(">good\nACGT\n>bad\nAC1T\n"))
    assert next(records).id == "good"
    with pytest.raises(InputError, match="record 2"):
        next(records)


def test_empty_file_allowed_when_asked(fasta_file):
    assert list(read_fasta(fasta_file(""), allow_empty=True)) == []


def _message(path) -> str:
    with pytest.raises(InputError) as caught:
        list(read_fasta(path))
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (">a\nACGT\n>b\nAC\nGT7A\n", r"record 2 \('b'\), line 5, column 3: '7' is not a nucl"),
        (">a\nACGT*\n", r"record 1 \('a'\), line 2, column 5: '\*' is not a nucleotide"),
        (">a\nMEEF\n", r"record 1 \('a'\), line 2, column 2: 'E' is not a nucleotide code"),
        (">a\nACGTF\n", r"column 5: 'F' is not a nucleotide code"),
        (">a\nAC-GT\n", r"line 2, column 3: '-' is an alignment gap"),
        (">a\nACXGT\n", r"column 3: 'X' is not a nucleotide code"),
        (">a\nAC\x00GT\n", r"line 2, column 3: byte 0x00 is binary"),
        (">a\nAC\xc3\xa9GT\n", r"column 3: byte 0xc3 is binary or non-ASCII"),
    ],
    ids=["digit", "stop", "protein-E", "protein-F", "gap", "X", "nul", "non-ascii"],
)
def test_letters_that_are_not_nucleotide_codes(fasta_file, text, expected):
    path = fasta_file(text)
    message = _message(path)
    assert str(path) in message
    assert re.search(expected, message), message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", r"the file is empty"),
        (b"\n\n  \n", r"the file is empty"),
        (b"@read1\nACGT\n+\nIIII\n", r"line 1: starts with '@': this looks like FASTQ"),
        (b"\n\nACGT\n>a\nACGT\n", r"line 3: expected a FASTA header starting with '>' but found"),
        (bytes(range(256)) * 4, r"line 1: binary data, not a FASTA text file"),
        (b">\nACGT\n", r"line 1: a header with no id"),
        (b">a\nAC\n>   \nGT\n", r"line 3: a header with no id"),
        (b">a\xff\xfe b\nACGT\n", r"line 1: byte 0xff is not UTF-8"),
        (b">a desc\rACGT\r>b\rAC\r", r"line 1: carriage returns inside a line"),
        (bz2.compress(b">a\nACGT\n"), r"bzip2-compressed, which is not supported"),
        (b"PK\x03\x04rest", r"a zip archive, which is not supported"),
        (gzip.compress(b">a\nACGT\n" * 1000)[:-30], r"gzip data is damaged or truncated"),
        (b"\x1f\x8bnot really gzip", r"gzip data is damaged or truncated"),
    ],
    ids=[
        "empty",
        "blank-only",
        "fastq",
        "no-header",
        "binary",
        "no-id",
        "blank-id",
        "non-utf8-header",
        "cr-only",
        "bzip2",
        "zip",
        "truncated-gzip",
        "bad-gzip",
    ],
)
def test_files_that_are_not_fasta(fasta_file, content, expected):
    path = fasta_file(content)
    message = _message(path)
    assert str(path) in message
    assert re.search(expected, message), message


def test_missing_file_and_directory(tmp_path):
    assert "cannot read the input" in _message(tmp_path / "absent.fa")
    assert "cannot read the input" in _message(tmp_path)


def test_format_record_wraps_at_60_columns():
    text = format_record("x", "A" * 125)
    assert text.splitlines() == [">x", "A" * 60, "A" * 60, "A" * 5]
    assert format_record("y", "ACG") == ">y\nACG\n"


# --- split files: written by this program, protein ones included --------------------------------


def _records(path) -> list[tuple[str, str]]:
    return [(record.id, record.sequence) for record in read_fasta(path, check_letters=False)]


def test_split_files_are_read_without_checking_letters(fasta_file):
    path = fasta_file(">a_chunk_1F1 desc\nMKLV*\n>b_chunk_2R3\nAC\nGT\n\n>c\n")
    assert _records(path) == [("a_chunk_1F1", "MKLV*"), ("b_chunk_2R3", "ACGT"), ("c", "")]
    with pytest.raises(InputError, match="column 3: 'L' is not a nucleotide code"):
        list(read_fasta(path))


def test_reference_protein_split_file(reference_dir):
    records = _records(reference_dir / "original_tool" / "test_fixed_500bp_outputs"
                       / "output_1.fa")
    assert records and all(len(sequence) > 0 for _, sequence in records)


@pytest.mark.parametrize("text, message", [("ACGT\n>a\nAC\n", "expected a FASTA header"),
                                           (">\nACGT\n", "a header with no id")])
def test_split_files_are_still_checked_for_fasta_layout(fasta_file, text, message):
    with pytest.raises(InputError, match=message):
        list(read_fasta(fasta_file(text), check_letters=False))


def _checked_ids(path) -> list[str]:
    ids = []
    for block in fasta.read_blocks(path):
        records = fasta.parse_block_arrays(block)
        fasta.check_id_lengths(block, records)
        ids += records.ids
    return ids


@pytest.mark.parametrize("layout", ["plain", "crlf"])  # the vectorised parser, and parse_block
def test_record_ids_up_to_the_limit_pass_longer_ones_are_refused_with_the_fix(fasta_file, layout):
    limit = fasta.MAX_ID_LENGTH
    text = f">a\nACGT\n>{'x' * limit} long but allowed\nACGT\n>{'y' * (limit + 1)}\nACGT\n"
    if layout == "crlf":
        text = text.replace("\n", "\r\n")
    path = fasta_file(text)
    with pytest.raises(InputError) as refused:
        _checked_ids(path)
    assert str(refused.value) == (
        f"{path}: record 3, line 5: the record id (the header's first word) is 1,001 "
        "characters long; ids may be at most 1,000 characters: shorten the ids, or put a "
        "space after a short id so the rest becomes the description"
    )
    assert _checked_ids(fasta_file(text.split(">y")[0])) == ["a", "x" * limit]


def test_the_id_limit_is_far_below_the_csv_field_limit():
    import csv

    assert fasta.MAX_ID_LENGTH * 2 < csv.field_size_limit()
