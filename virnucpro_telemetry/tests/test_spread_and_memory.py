"""Median and p95 of single calls, and bounded memory: exact counts beyond the record cap."""

import pytest

from virnucpro_telemetry import StageRegistry, TelemetryError, format_summary, stage, use_registry
from virnucpro_telemetry._tally import RESERVOIR_SIZE


def test_median_and_p95_of_a_hundred_calls(registry, clock):
    for milliseconds in range(1, 101):
        with stage("Request"):
            clock.advance(milliseconds / 1000)
    stats = registry["Request"]
    assert stats.median_s == pytest.approx(0.0505)
    assert stats.p95_s == pytest.approx(0.095, abs=0.0006)
    assert "x100 calls: median 0.051s, p95 0.095s" in format_summary(registry)


def test_two_calls_show_no_spread(registry, clock):
    for _ in range(2):
        with stage("Pair"):
            clock.advance(0.01)
    text = format_summary(registry)
    assert "x2 calls" in text and "median" not in text


def test_calls_beyond_the_record_cap_are_counted_exactly(clock):
    registry = StageRegistry(clock=clock, record_limit=10)
    with use_registry(registry):
        for number in range(5000):
            with stage("Tick"):
                clock.advance((number % 7 + 1) / 1000)
    stats = registry["Tick"]
    assert stats.calls == 5000 and len(registry.records) == 10
    assert registry.records_dropped == 4990
    assert stats.min_s == pytest.approx(0.001) and stats.max_s == pytest.approx(0.007)
    assert stats.total_s == pytest.approx(sum((n % 7 + 1) / 1000 for n in range(5000)))
    assert stats.wall_s == pytest.approx(stats.total_s)
    assert len(registry._tallies["Tick"].samples) == RESERVOIR_SIZE
    assert 0.003 <= stats.median_s <= 0.005  # the sampled median of 1..7 ms, evenly spread


def test_a_merged_snapshot_keeps_exact_counts_beyond_its_cap(clock):
    worker = StageRegistry(origin="worker1", clock=clock, record_limit=3)
    with use_registry(worker):
        for _ in range(50):
            with stage("Tick"):
                clock.advance(0.001)
    main = StageRegistry(clock=clock)
    main.merge(worker.snapshot())
    assert main["Tick"].calls == 50 and len(main.records) == 3
    assert main["Tick"].total_s == pytest.approx(0.05)


@pytest.mark.parametrize("limit", [-1, 1.5, True, "10"])
def test_record_limit_must_be_a_count(limit):
    with pytest.raises(TelemetryError, match="record_limit"):
        StageRegistry(record_limit=limit)
