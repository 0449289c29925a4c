"""Length-sorted batching under a token budget."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from virnucpro.embedding.batching import split_batch, token_budget_batches


@given(st.lists(st.integers(1, 300), max_size=60), st.integers(1, 1000))
def test_every_index_once_within_budget(lengths, budget):
    batches = token_budget_batches(lengths, budget)
    flat = [i for batch in batches for i in batch]
    assert sorted(flat) == list(range(len(lengths)))
    for batch in batches:
        padded = max(lengths[i] for i in batch) * len(batch)
        assert padded <= budget or len(batch) == 1
    assert [lengths[i] for i in flat] == sorted(lengths)  # shortest first


def test_batches_fill_the_budget():
    assert token_budget_batches([10, 10, 10, 10, 30], 40) == [[0, 1, 2, 3], [4]]
    assert token_budget_batches([5, 3, 4], 9) == [[1, 2], [0]]


def test_long_sequence_gets_its_own_batch():
    assert token_budget_batches([500, 2], 100) == [[1], [0]]


def test_empty():
    assert token_budget_batches([], 10) == []


def test_budget_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        token_budget_batches([1], 0)


def test_split_batch():
    assert split_batch([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    assert split_batch([1, 2], 5) == [[1, 2]]
