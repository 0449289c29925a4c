"""PipelineTelemetry: the start/end API of earlier pipelines, on the same registry."""

import logging

import pytest

from virnucpro_telemetry import PipelineTelemetry, StageRegistry, TelemetryError, timed_stage


def test_start_and_end_record_a_stage(registry, clock):
    telemetry = PipelineTelemetry()
    assert telemetry.registry is registry
    telemetry.start_stage("Sequence Chunking")
    clock.advance(0.01)
    telemetry.end_stage("Sequence Chunking", {"sequences": 12, "files": 1})
    stats = registry["Sequence Chunking"]
    assert stats.calls == 1 and stats.total_s == pytest.approx(0.01)
    assert stats.metrics == {"sequences": 12, "files": 1}


def test_extra_marks_a_skip(registry):
    telemetry = PipelineTelemetry()
    telemetry.start_stage("Feature Merging")
    telemetry.end_stage("Feature Merging", {"skipped": True, "reason": "checkpoint"})
    stats = registry["Feature Merging"]
    assert (stats.status, stats.reason, stats.calls) == ("skipped", "checkpoint", 0)


def test_decorated_stages_nest_inside(registry):
    @timed_stage("Tokenize")
    def tokenize():
        return 1

    telemetry = PipelineTelemetry()
    telemetry.start_stage("DNABERT-S Feature Extraction")
    tokenize()
    telemetry.end_stage("DNABERT-S Feature Extraction")
    assert registry["Tokenize"].parent == "DNABERT-S Feature Extraction"


def test_records_into_its_own_registry(registry):
    own = StageRegistry()
    telemetry = PipelineTelemetry(own)
    telemetry.start_stage("Elsewhere")
    telemetry.end_stage("Elsewhere")
    assert "Elsewhere" in own
    assert "Elsewhere" not in registry


def test_log_summary_with_the_v1_baseline(registry, caplog):
    telemetry = PipelineTelemetry()
    telemetry.start_stage("Work")
    telemetry.end_stage("Work")
    with caplog.at_level(logging.INFO, logger="virnucpro.telemetry"):
        text = telemetry.log_summary(v1_baseline_seconds=3600)
    assert "Baseline 01:00:00 (3600.0s) -> speedup" in text
    assert caplog.records[-1].getMessage() == "=" * 80


def test_end_without_start_names_the_fix(registry):
    with pytest.raises(TelemetryError, match="call start_stage first"):
        PipelineTelemetry().end_stage("Never Started")


def test_start_twice_names_the_fix(registry):
    telemetry = PipelineTelemetry()
    telemetry.start_stage("Twice")
    with pytest.raises(TelemetryError, match=r"call end_stage\('Twice'\)"):
        telemetry.start_stage("Twice")


def test_end_out_of_order_names_the_fix(registry):
    telemetry = PipelineTelemetry()
    telemetry.start_stage("Outer")
    telemetry.start_stage("Inner")
    with pytest.raises(TelemetryError, match="end 'Inner' first"):
        telemetry.end_stage("Outer")
    telemetry.end_stage("Inner")
    telemetry.end_stage("Outer")
    assert registry["Inner"].parent == "Outer"


def test_extra_values_must_be_numbers(registry):
    telemetry = PipelineTelemetry()
    telemetry.start_stage("Work")
    with pytest.raises(TelemetryError, match=r"end_stage\(\) takes numbers as metrics: output="):
        telemetry.end_stage("Work", {"output": "file.fa"})
