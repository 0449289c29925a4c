"""Feature files: which are still to write, writing and reading them."""

from __future__ import annotations

import pytest
import torch

from virnucpro.embedding.feature_files import pending_splits, read_features, write_features
from virnucpro.errors import InputError
from virnucpro.file_digests import record_written
from virnucpro.paths import RunPaths


@pytest.mark.parametrize("resume, expected", [(False, ([1, 2, 3, 4], 0)),
                                              (True, ([1, 3, 4], 1))])
def test_pending_splits_keep_only_files_recorded_whole_and_only_on_resume(
    tmp_path, resume, expected, caplog
):
    layout = RunPaths(tmp_path / "reads.fa", tmp_path, 500)
    output = lambda index: tmp_path / f"output_{index}_ESM.pt"  # noqa: E731
    for index in (2, 3):
        output(index).write_bytes(b"written whole")
        record_written(layout, output(index))
    output(3).write_bytes(b"truncated")  # damaged after it was written
    output(4).write_bytes(b"never recorded")
    assert pending_splits([1, 2, 3, 4], output, resume, layout) == expected
    if resume:
        assert "output_3_ESM.pt: 9 bytes, 13 were written; computing it again" in caplog.text


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
