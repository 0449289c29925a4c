"""Fixtures shared by the library's tests: a fake clock and a fresh registry that reads it.

No test here depends on how busy the machine is: durations come from ``clock.advance()``.
"""

import pytest

from virnucpro_telemetry import StageRegistry, use_registry


class FakeClock:
    """A clock for ``StageRegistry(clock=...)`` that moves only when a test advances it."""

    def __init__(self) -> None:
        self.now_ns = 0

    def __call__(self) -> int:
        return self.now_ns

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        self.now_ns += round(seconds * 1e9)


@pytest.fixture
def clock():
    """A fake clock, read by the ``registry`` fixture's stages."""
    return FakeClock()


@pytest.fixture
def registry(clock):
    """A fresh registry on the fake clock, active for the test."""
    with use_registry(StageRegistry(clock=clock)) as active:
        yield active
