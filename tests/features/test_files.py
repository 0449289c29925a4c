"""Reading split FASTA files and writing / reading feature files."""

from __future__ import annotations

import pytest
import torch

from virnucpro.errors import InputError
from virnucpro.features.fasta import read_split_fasta
from virnucpro.features.io import read_features, write_features


def test_read_split_fasta(tmp_path):
    path = tmp_path / "output_1.fa"
    path.write_text(">a_chunk_1F1 desc\nACGT\n>b_chunk_2R3\nAC\nGT\n\n>c\n")
    assert read_split_fasta(path) == [("a_chunk_1F1", "ACGT"), ("b_chunk_2R3", "ACGT"), ("c", "")]


def test_read_reference_split_file(reference_dir):
    records = read_split_fasta(reference_dir / "original_tool" / "test_fixed_500bp_outputs"
                               / "output_1.fa")
    assert records and all(len(seq) > 0 for _, seq in records)


@pytest.mark.parametrize("text, message", [("ACGT\n>a\nAC\n", "before the first header"),
                                           (">\nACGT\n", "without an id")])
def test_malformed_fasta(tmp_path, text, message):
    path = tmp_path / "bad.fa"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_split_fasta(path)


def test_features_round_trip(tmp_path):
    path = tmp_path / "output_1_ESM.pt"
    data = torch.arange(6, dtype=torch.float64).reshape(3, 2)
    write_features(path, ["x", "y", "z"], data)
    ids, loaded = read_features(path)
    assert ids == ["x", "y", "z"]
    assert loaded.dtype == torch.float32 and torch.equal(loaded, data.float())
    raw = torch.load(path, weights_only=True)
    assert set(raw) == {"ids", "data"}
    assert [p.name for p in tmp_path.iterdir()] == ["output_1_ESM.pt"]  # no temporary left


def test_write_refuses_mismatched_rows(tmp_path):
    with pytest.raises(ValueError, match="2 ids but 3"):
        write_features(tmp_path / "f.pt", ["a", "b"], torch.zeros(3, 4))


@pytest.mark.parametrize(
    "content", [{"ids": ["a"]}, {"ids": ["a", "b"], "data": torch.zeros(1, 2)}]
)
def test_read_refuses_other_content(tmp_path, content):
    path = tmp_path / "f.pt"
    torch.save(content, path)
    with pytest.raises(InputError, match=str(path.name)):
        read_features(path)
