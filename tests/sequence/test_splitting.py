"""Splitting into ``output_<N>.fa`` files, as the original's ``split_fasta_file`` does."""

from __future__ import annotations

import pytest

from virnucpro.sequence import fasta
from virnucpro.sequence.splitting import remove_split_files, split_fasta


def _records(count: int) -> str:
    return "".join(f">s{i}\nACGT{i}\n" for i in range(1, count + 1))


@pytest.mark.parametrize(
    ("count", "per_file", "expected_files"),
    [(7, 3, [3, 3, 1]), (6, 3, [3, 3]), (1, 10000, [1]), (5, 1, [1, 1, 1, 1, 1])],
)
def test_record_counts_per_file(tmp_path, count, per_file, expected_files):
    source = tmp_path / "in.fa"
    source.write_text(_records(count))
    files, records = split_fasta(source, lambda n: tmp_path / f"output_{n}.fa", per_file)
    assert (files, records) == (len(expected_files), count)
    texts = [(tmp_path / f"output_{n}.fa").read_text() for n in range(1, files + 1)]
    assert [text.count(">") for text in texts] == expected_files
    assert "".join(texts) == source.read_text()
    assert not (tmp_path / f"output_{files + 1}.fa").exists()


def test_no_records_writes_no_file(tmp_path):
    source = tmp_path / "in.fa"
    source.write_text("")
    assert split_fasta(source, lambda n: tmp_path / f"output_{n}.fa", 10) == (0, 0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.fa"]


@pytest.mark.parametrize("read_size", [7, 50, 1 << 20])
def test_wrapped_records_are_copied_whole_across_reads(tmp_path, monkeypatch, read_size):
    monkeypatch.setattr(fasta, "_READ_SIZE", read_size)
    records = [f">r{i} x>y\nACGTACGT\nAC\n\n" for i in range(1, 12)] + [">last\nTT"]
    source = tmp_path / "in.fa"
    source.write_text("".join(records))
    files, count = split_fasta(source, lambda n: tmp_path / f"output_{n}.fa", 5)
    assert (files, count) == (3, 12)
    texts = [(tmp_path / f"output_{n}.fa").read_text() for n in (1, 2, 3)]
    assert texts == ["".join(records[0:5]), "".join(records[5:10]), "".join(records[10:])]


def test_remove_split_files_touches_only_split_files(tmp_path):
    names = ["output_1.fa", "output_12.fa", "output_1_DNABERT_S.pt", "output_x.fa", "notes.fa"]
    for name in names:
        (tmp_path / name).write_text("x")
    assert remove_split_files(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:])
    assert remove_split_files(tmp_path / "absent") == 0


def test_reference_split_file(original_dir, tmp_path):
    """The original's stage 3 output for the 500 bp example: one file with every record."""
    source = original_dir / "test_fixed_500bp_identified_nucleotide.fa"
    split_fasta(source, lambda n: tmp_path / f"output_{n}.fa", 10000)
    expected = original_dir / "test_fixed_500bp_outputs" / "output_1.fa"
    assert (tmp_path / "output_1.fa").read_bytes() == expected.read_bytes()
