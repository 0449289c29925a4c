"""Stage 7 pairs feature rows by id, never by position."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from virnucpro.classification.feature_merge import merge_by_id
from virnucpro.errors import InputError

D, E = Path("d.pt"), Path("e.pt")


def test_rows_are_paired_by_id_in_dnabert_order():
    dnabert = (["a", "b", "c"], torch.tensor([[1.0], [2.0], [3.0]]))
    esm = (["c", "a", "b"], torch.tensor([[30.0, 31], [10, 11], [20, 21]]))
    ids, data = merge_by_id(dnabert, esm, D, E)
    assert ids == ["a", "b", "c"]
    torch.testing.assert_close(data, torch.tensor([[1.0, 10, 11], [2, 20, 21], [3, 30, 31]]))


@pytest.mark.parametrize(("d_ids", "e_ids", "where"), [(["a", "b"], ["a"], "e.pt"),
                                                      (["a"], ["a", "z"], "d.pt")])
def test_an_id_on_one_side_only_is_an_error_naming_it(d_ids, e_ids, where):
    dnabert = (d_ids, torch.zeros(len(d_ids), 2))
    esm = (e_ids, torch.zeros(len(e_ids), 3))
    with pytest.raises(InputError, match=rf"{where}: no features for 1 id\(s\), first '[bz]'"):
        merge_by_id(dnabert, esm, D, E)
