"""Chunking by the original tool's overlap rule, against a literal transcription and its files."""

from __future__ import annotations

import io
import logging
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from virnucpro.errors import InputError
from virnucpro.sequence.chunking import (
    MANIFEST_HEADER,
    chunk_sequence,
    chunk_spans,
    write_chunks,
)
from virnucpro.sequence.fasta import format_record, read_blocks


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


def _write(path, size=500):
    chunks, manifest = io.BytesIO(), io.StringIO()
    summary = write_chunks(read_blocks(path), size, chunks, manifest)
    return summary, chunks.getvalue().decode(), manifest.getvalue()


def test_write_chunks_manifest_and_warnings(fasta_file, caplog):
    path = fasta_file(">a desc\n" + "ACGT" * 200 + "\n>empty\n>rna\nACGU\n")
    with caplog.at_level(logging.WARNING, logger="virnucpro.sequence"):
        summary, chunks, manifest = _write(path)
    assert manifest == MANIFEST_HEADER + "a\t800\t2\nempty\t0\t0\nrna\t4\t1\n"
    assert (summary.sequences, summary.empty, summary.chunks, summary.bases) == (3, 1, 3, 804)
    assert [line for line in chunks.splitlines() if line.startswith(">")] == [
        ">a_chunk_1",
        ">a_chunk_2",
        ">rna_chunk_1",
    ]
    warnings = [r.getMessage() for r in caplog.records]
    assert "record 2 ('empty', line 3) has no sequence; skipped" in warnings
    assert any("1 sequence(s) contain U" in message for message in warnings)


def test_write_chunks_refuses_a_repeated_id(fasta_file):
    path = fasta_file(">a\nAC\n>b\nGT\n>a x\nTT\n")
    with pytest.raises(
        InputError, match="line 5: record 3 has the id 'a', already used by record 1"
    ):
        _write(path)


def test_reference_chunk_files(original_dir, parsed, tmp_path, reference_stem):
    out = tmp_path / "chunked.fa"
    with open(out, "wb") as chunks, open(tmp_path / "manifest.tsv", "w") as manifest:
        write_chunks(read_blocks(original_dir / f"{reference_stem}.fa"), 500, chunks, manifest)
    expected = original_dir / f"{reference_stem}_chunked500.fa"
    assert parsed(out) == parsed(expected)
    # Same 60-column layout as Biopython's writer: the very same bytes.
    assert out.read_bytes() == expected.read_bytes()


ids = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=40,
).filter(lambda text: text.split() == [text])


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(min_value=0, max_value=3100), min_size=1, max_size=12),
    names=st.lists(ids, min_size=12, max_size=12, unique=True),
    size=st.sampled_from([300, 500]),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_block_text_equals_record_by_record_text(tmp_path_factory, lengths, names, size, seed):
    """The chunk file, built for whole blocks at once, is the chunks formatted one by one."""
    generator = random.Random(seed)
    sequences = ["".join(generator.choices("ACGTNacgt", k=length)) for length in lengths]
    path = tmp_path_factory.mktemp("chunks") / "in.fa"
    path.write_text("".join(f">{n} d\n{s}\n" for n, s in zip(names, sequences, strict=False)))
    expected = "".join(
        format_record(chunk_id, chunk)
        for name, sequence in zip(names, sequences, strict=False)
        for chunk_id, chunk in chunk_sequence(name, sequence, size)
    )
    chunks = io.BytesIO()
    write_chunks(read_blocks(path), size, chunks, io.StringIO())
    assert chunks.getvalue().decode() == expected
