"""Fixtures shared by the telemetry tests."""

import pytest


@pytest.fixture
def registry(stage_timings):
    """The fresh registry that the plugin's ``stage_timings`` fixture makes active."""
    return stage_timings.registry
