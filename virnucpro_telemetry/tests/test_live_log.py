"""The live log lines written as stages start and end."""

import logging

import pytest

from virnucpro_telemetry import add_metrics, skip_stage, stage, timed_stage

LOGGER = "virnucpro.telemetry"


@timed_stage("Sequence Chunking")
def chunking():
    add_metrics(sequences=1234, files=3)


@timed_stage("Six-Frame Translation")
def translation():
    with stage("Load Codon Table"):
        pass


def messages(caplog, level=None):
    return [r.getMessage() for r in caplog.records if level is None or r.levelno == level]


def test_top_level_stages_log_at_info(registry, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        chunking()
        translation()
        chunking()
    lines = messages(caplog)
    assert lines[0] == "=== Stage 1: Sequence Chunking ==="
    assert lines[1].startswith("  Sequence Chunking completed in 0.0")
    assert lines[1].endswith("s [sequences: 1,234, files: 3]")
    assert lines[2] == "=== Stage 2: Six-Frame Translation ==="
    assert lines[4] == "=== Stage 1: Sequence Chunking ==="  # numbered by first start
    assert len(lines) == 6  # the nested stage stays at DEBUG


def test_nested_stages_log_at_debug(registry, caplog):
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        translation()
    debug = messages(caplog, logging.DEBUG)
    assert debug[0] == "    --- Load Codon Table ---"
    assert debug[1].startswith("    Load Codon Table completed in ")


def test_skip_is_logged(registry, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        skip_stage("Feature Merging", "checkpoint")
    assert messages(caplog) == ["=== Stage 1: Feature Merging ===",
                                "  Feature Merging skipped (checkpoint)"]


def test_failure_is_logged(registry, caplog):
    @timed_stage("Fragile")
    def fragile():
        raise ValueError("bad")

    with caplog.at_level(logging.INFO, logger=LOGGER), pytest.raises(ValueError):
        fragile()
    assert messages(caplog)[1].startswith("  Fragile FAILED after 0.0")
    assert messages(caplog)[1].endswith("s (ValueError)")


def test_nothing_is_logged_below_the_level(registry, caplog):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        chunking()
    assert messages(caplog) == []
    assert registry["Sequence Chunking"].metrics == {"sequences": 1234, "files": 3}
