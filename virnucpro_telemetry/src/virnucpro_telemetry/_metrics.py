"""Stage metrics: the numbers attached to a stage call, checked once and added up key by key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from numbers import Real

from ._errors import TelemetryError


def check_metrics(values: Mapping[str, object], caller: str, example: str) -> None:
    """Reject any value that is not a number (a bool is not a count either).

    Args:
        values: the metrics as passed in, name to value.
        caller: the call the user wrote, for the message (e.g. ``"add_metrics()"``).
        example: a correct call to show in the message.

    Raises:
        TelemetryError: a value is not a number.
    """
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, Real):
            raise TelemetryError(
                f"{caller} takes numbers as metrics: {key}={value!r} is a "
                f"{type(value).__name__}; pass a count or a size, e.g. {example}"
            )


def add_into(total: dict, values: Mapping[str, float]) -> dict:
    """Add ``values`` into ``total`` key by key, keeping the order in which keys first appear."""
    for key, value in values.items():
        total[key] = total.get(key, 0) + value
    return total


def sum_metrics(dicts: Iterable[Mapping[str, float]]) -> dict:
    """Add up metric dicts key by key, keeping the order in which keys first appear."""
    total: dict = {}
    for metrics in dicts:
        add_into(total, metrics)
    return total
