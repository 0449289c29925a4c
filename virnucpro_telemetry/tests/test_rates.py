"""rate=: the summary shows the rate of the metric a stage names, in the user's own unit."""

import pytest

from virnucpro_telemetry import TelemetryError, add_metrics, format_summary, stage, timed_stage


@timed_stage("Parse Logs", rate="lines")
def parse(clock):
    clock.advance(2.0)
    add_metrics(lines=500, bytes=10_000)


def test_rate_lines_shows_lines_per_second(registry, clock):
    parse(clock)
    assert registry["Parse Logs"].rate == "lines"
    assert "   250 lines/s" in format_summary(registry)


def test_stage_takes_a_rate_and_a_unit(registry, clock):
    with stage("Download", rate="bytes", rate_unit="B"):
        clock.advance(4.0)
        add_metrics(bytes=1000)
    assert "   250 B/s" in format_summary(registry)


def test_no_rate_without_asking_whatever_the_metric(registry, clock):
    with stage("Chunk"):
        clock.advance(1.0)
        add_metrics(sequences=100)
    text = format_summary(registry)
    assert "seq/s" not in text and "/s" not in text
    assert "Sequences processed" not in text


@pytest.mark.parametrize("options", [{"rate": ""}, {"rate": 3}, {"rate_unit": "B"},
                                     {"rate": "bytes", "rate_unit": ""}])
def test_bad_rate_options_say_what_to_write(options):
    with pytest.raises(TelemetryError, match='rate="lines"'):
        timed_stage("Bad", **options)
