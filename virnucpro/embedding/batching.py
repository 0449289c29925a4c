"""Length-sorted batches under a token budget."""

from __future__ import annotations

from collections.abc import Sequence


def token_budget_batches(lengths: Sequence[int], tokens_per_batch: int) -> list[list[int]]:
    """Group indices of ``lengths`` into batches, shortest first, whose padded size
    (longest length x count) stays within ``tokens_per_batch``.

    Sorting by length keeps padding small; a sequence longer than the budget gets a batch of
    its own. Every index appears in exactly one batch. Ties keep their input order.

    Raises:
        ValueError: ``tokens_per_batch`` is not positive.
    """
    if tokens_per_batch < 1:
        raise ValueError(f"tokens_per_batch must be positive, not {tokens_per_batch}")
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        # Sorted ascending, so this sequence is the longest of the batch it joins.
        if current and lengths[index] * (len(current) + 1) > tokens_per_batch:
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def split_batch(batch: list[int], max_size: int) -> list[list[int]]:
    """``batch`` cut into consecutive pieces of at most ``max_size`` indices."""
    return [batch[start : start + max_size] for start in range(0, len(batch), max_size)]
