"""Nested stages, recursion, the context manager, metrics and skips."""

import time

import pytest

from virnucpro_telemetry import TelemetryError, add_metrics, skip_stage, stage, timed_stage


@timed_stage("Leaf")
def leaf(delay):
    time.sleep(delay)


@timed_stage("Branch")
def branch():
    leaf(0.02)
    leaf(0.02)
    time.sleep(0.01)


def test_nested_stage_knows_its_parent(registry):
    branch()
    assert registry["Leaf"].parent == "Branch"
    assert registry["Branch"].parent is None
    assert [r.parent for r in registry.records if r.name == "Leaf"] == ["Branch", "Branch"]


def test_self_time_excludes_nested_stages(registry):
    branch()
    outer = registry["Branch"]
    inner = registry["Leaf"]
    assert inner.calls == 2
    assert outer.total_s == pytest.approx(inner.total_s + outer.self_s, abs=1e-6)
    assert 0.005 <= outer.self_s < 0.03


def test_registry_orders_stages_by_first_start(registry):
    branch()
    leaf(0)
    assert list(registry) == ["Branch", "Leaf"]


def test_recursion_does_not_double_count(registry):
    @timed_stage("Recursive")
    def countdown(n):
        time.sleep(0.01)
        if n:
            countdown(n - 1)

    countdown(3)
    stats = registry["Recursive"]
    assert stats.calls == 4
    outermost = [r for r in registry.records if r.outermost]
    assert len(outermost) == 1
    assert stats.total_s == pytest.approx(outermost[0].duration_s)
    assert stats.self_s == pytest.approx(stats.total_s, rel=1e-6)
    assert stats.parent is None


def test_context_manager(registry):
    with stage("Block") as block:
        time.sleep(0.01)
        leaf(0)
    assert block.name == "Block"
    assert registry["Block"].total_s >= 0.008
    assert registry["Leaf"].parent == "Block"


def test_context_manager_object_is_not_reentrant(registry):
    block = stage("Once")
    with block:
        with pytest.raises(TelemetryError, match="create a new stage"):
            block.__enter__()


def test_metrics_add_up_across_calls(registry):
    @timed_stage("Counting")
    def count(n):
        add_metrics(sequences=n, files=1)
        add_metrics(sequences=1)

    count(10)
    count(20)
    assert registry["Counting"].metrics == {"sequences": 32, "files": 2}
    assert [r.metrics for r in registry.records] == [
        {"sequences": 11, "files": 1},
        {"sequences": 21, "files": 1},
    ]


def test_metrics_go_to_the_innermost_stage(registry):
    with stage("Outer"):
        add_metrics(files=3)
        with stage("Inner"):
            add_metrics(tokens=512)
    assert registry["Outer"].metrics == {"files": 3}
    assert registry["Inner"].metrics == {"tokens": 512}


def test_metrics_outside_a_stage_name_the_fix(registry):
    with pytest.raises(TelemetryError, match="called outside a stage"):
        add_metrics(files=1)


@pytest.mark.parametrize("value", ["12", None, True])
def test_metrics_must_be_numbers(registry, value):
    with stage("S"), pytest.raises(TelemetryError, match="takes numbers"):
        add_metrics(files=value)


def test_skip_stage_records_a_skip(registry):
    skip_stage("Feature Merging", "checkpoint")
    stats = registry["Feature Merging"]
    assert (stats.status, stats.reason, stats.calls, stats.skips) == ("skipped", "checkpoint", 0, 1)
    assert stats.total_s == 0


def test_skip_stage_needs_a_reason(registry):
    with pytest.raises(TelemetryError, match="needs a reason"):
        skip_stage("Feature Merging", "")


def test_skip_inside_a_stage_nests(registry):
    with stage("Pipeline"):
        skip_stage("Resumable", "checkpoint")
    assert registry["Resumable"].parent == "Pipeline"
