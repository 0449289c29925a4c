"""Nested stages, recursion, the context manager, metrics and skips (on a fake clock)."""

import pytest

from virnucpro_telemetry import TelemetryError, add_metrics, skip_stage, stage, timed_stage


@timed_stage("Leaf")
def leaf(clock, seconds):
    clock.advance(seconds)


@timed_stage("Branch")
def branch(clock):
    leaf(clock, 0.02)
    leaf(clock, 0.02)
    clock.advance(0.01)


def test_nested_stage_knows_its_parent(registry, clock):
    branch(clock)
    assert registry["Leaf"].parent == "Branch"
    assert registry["Branch"].parent is None
    assert [r.parent for r in registry.records if r.name == "Leaf"] == ["Branch", "Branch"]


def test_self_time_excludes_nested_stages(registry, clock):
    branch(clock)
    outer = registry["Branch"]
    inner = registry["Leaf"]
    assert inner.calls == 2
    assert inner.total_s == pytest.approx(0.04)
    assert outer.total_s == pytest.approx(0.05)
    assert outer.self_s == pytest.approx(0.01)


def test_registry_orders_stages_by_first_start(registry, clock):
    branch(clock)
    leaf(clock, 0)
    assert list(registry) == ["Branch", "Leaf"]


def test_recursion_does_not_double_count(registry, clock):
    @timed_stage("Recursive")
    def countdown(n):
        clock.advance(0.01)
        if n:
            countdown(n - 1)

    countdown(3)
    stats = registry["Recursive"]
    assert stats.calls == 4
    outermost = [r for r in registry.records if r.outermost]
    assert len(outermost) == 1
    assert stats.total_s == pytest.approx(0.04)  # the outermost call, not 0.04 + 0.03 + ...
    assert stats.self_s == pytest.approx(0.04)  # each call's own 0.01, summed
    assert stats.parent is None


def test_context_manager(registry, clock):
    with stage("Block") as block:
        clock.advance(0.01)
        leaf(clock, 0.002)
    assert block.name == "Block"
    assert registry["Block"].total_s == pytest.approx(0.012)
    assert registry["Block"].self_s == pytest.approx(0.01)
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
    with stage("S"), pytest.raises(TelemetryError, match=r"add_metrics\(\) takes numbers"):
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
