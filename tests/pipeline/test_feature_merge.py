"""Stage 7 pairs feature rows by id, never by position."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from virnucpro.errors import InputError
from virnucpro.feature_merge import merge_feature_tables

D, E = Path("d.pt"), Path("e.pt")


def test_rows_are_paired_by_id_in_dnabert_order():
    dnabert = {"ids": ["a", "b", "c"], "data": torch.tensor([[1.0], [2.0], [3.0]])}
    esm = {"ids": ["c", "a", "b"], "data": torch.tensor([[30.0, 31], [10, 11], [20, 21]])}
    merged = merge_feature_tables(dnabert, esm, D, E)
    assert merged["ids"] == ["a", "b", "c"]
    torch.testing.assert_close(
        merged["data"], torch.tensor([[1.0, 10, 11], [2, 20, 21], [3, 30, 31]])
    )


@pytest.mark.parametrize(("d_ids", "e_ids", "where"), [(["a", "b"], ["a"], "e.pt"),
                                                      (["a"], ["a", "z"], "d.pt")])
def test_an_id_on_one_side_only_is_an_error_naming_it(d_ids, e_ids, where):
    dnabert = {"ids": d_ids, "data": torch.zeros(len(d_ids), 2)}
    esm = {"ids": e_ids, "data": torch.zeros(len(e_ids), 3)}
    with pytest.raises(InputError, match=rf"{where}: no features for 1 id\(s\), first '[bz]'"):
        merge_feature_tables(dnabert, esm, D, E)


def test_a_table_of_another_shape_is_rejected():
    with pytest.raises(InputError, match="not a feature file"):
        merge_feature_tables({"ids": ["a"], "data": torch.zeros(2, 1)}, {}, D, E)
