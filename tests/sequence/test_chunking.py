"""Chunking by the original tool's overlap rule, against a literal transcription and its files."""

from __future__ import annotations

import io
import logging

import pytest

from virnucpro.sequence.chunking import (
    MANIFEST_HEADER,
    chunk_sequence,
    chunk_spans,
    write_chunks,
)
from virnucpro.sequence.fasta import FastaRecord, read_fasta


def original_spans(length: int, size: int) -> list[tuple[int, int]]:
    """The original ``split_fasta_chunk`` arithmetic, transcribed step by step."""
    num_chunks = -(-length // size)
    repeat_length = num_chunks * size - length
    lower_int = int(repeat_length / num_chunks)
    upper_int = lower_int + 1
    need_up = repeat_length - sum([lower_int] * (num_chunks - 1))
    steps = [upper_int] * need_up + [lower_int] * (num_chunks - 1 - need_up) + [0]
    spans, move_step = [], 0
    # steps can be longer than the chunks (a quirk of the original): zip stops at the shorter.
    for a, b in zip(range(0, length, size), steps, strict=False):
        start = a - move_step if a > 1 else a
        spans.append((start, min(start + size, length)))
        move_step += b
    return spans


@pytest.mark.parametrize(
    ("length", "size", "spans"),
    [
        (1001, 500, [(0, 500), (333, 833), (666, 1001)]),
        (1, 500, [(0, 1)]),
        (500, 500, [(0, 500)]),
        (501, 500, [(0, 500), (250, 501)]),
        (1000, 500, [(0, 500), (500, 1000)]),
        (601, 300, [(0, 300), (200, 500), (400, 601)]),
        (0, 300, []),
    ],
)
def test_examples(length, size, spans):
    assert chunk_spans(length, size) == spans


@pytest.mark.parametrize("size", [300, 500])
def test_same_spans_as_the_original_arithmetic(size):
    for length in range(1, 6 * size + 2):
        assert chunk_spans(length, size) == original_spans(length, size), length


def test_chunk_ids_and_letter_case():
    sequence = "acgtN" * 130  # 650 bases
    assert chunk_sequence("seq 1", sequence, 500) == [
        ("seq 1_chunk_1", sequence[0:500]),
        ("seq 1_chunk_2", sequence[324:650]),
    ]


def test_write_chunks_manifest_and_warnings(caplog):
    records = [
        FastaRecord("a", "ACGT" * 200, 1, 1),
        FastaRecord("empty", "", 2, 5),
        FastaRecord("rna", "ACGU", 3, 6),
    ]
    chunks, manifest = io.StringIO(), io.StringIO()
    with caplog.at_level(logging.WARNING, logger="virnucpro.sequence"):
        summary = write_chunks(records, 500, chunks, manifest)
    assert manifest.getvalue() == MANIFEST_HEADER + "a\t800\t2\nempty\t0\t0\nrna\t4\t1\n"
    assert (summary.sequences, summary.empty, summary.chunks, summary.bases) == (3, 1, 3, 804)
    assert chunks.getvalue().count(">") == 3
    warnings = [r.getMessage() for r in caplog.records]
    assert "record 2 ('empty', line 5) has no sequence; skipped" in warnings
    assert any("1 sequence(s) contain U" in message for message in warnings)


def test_reference_chunk_files(original_dir, parsed, tmp_path, reference_stem):
    stem = reference_stem
    out = tmp_path / "chunked.fa"
    with open(out, "w") as chunks, open(tmp_path / "manifest.tsv", "w") as manifest:
        write_chunks(read_fasta(original_dir / f"{stem}.fa"), 500, chunks, manifest)
    assert parsed(out) == parsed(original_dir / f"{stem}_chunked500.fa")
    # Same 60-column layout as Biopython's writer: the very same bytes.
    assert out.read_bytes() == (original_dir / f"{stem}_chunked500.fa").read_bytes()
