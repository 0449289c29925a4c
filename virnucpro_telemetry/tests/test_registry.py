"""StageRegistry: stats, records, read-only access, snapshot and merge, the active registry."""

import json
import os
import pickle
import time

import pytest

from virnucpro_telemetry import (
    StageRegistry,
    TelemetryError,
    current_registry,
    stage,
    timed_stage,
    use_registry,
)


@timed_stage("Worker")
def worker(clock, seconds):
    clock.advance(seconds)


def test_stats_fields(registry, clock):
    worker(clock, 0.01)
    worker(clock, 0.03)
    stats = registry["Worker"]
    assert stats.calls == 2
    assert (stats.min_s, stats.max_s) == pytest.approx((0.01, 0.03))
    assert stats.total_s == pytest.approx(0.04)
    assert stats.mean_s == pytest.approx(0.02)
    assert stats.status == "ok"
    assert stats.metrics == {}
    assert stats.peak_gpu_bytes is None
    assert stats.per_origin == {"main": stats.total_s}


def test_records_describe_every_call(clock):
    before = time.time()
    registry = StageRegistry(clock=clock)
    after = time.time()
    clock.advance(5.0)
    with use_registry(registry):
        worker(clock, 0.01)
    [record] = registry.records
    assert record.name == "Worker"
    # Epoch seconds: the registry's creation time plus how far its clock moved since.
    assert before + 5.0 - 1e-6 <= record.start <= after + 5.0 + 1e-6
    assert record.end - record.start == pytest.approx(0.01, abs=1e-6)
    assert record.duration_s == pytest.approx(0.01)
    assert record.self_s == pytest.approx(0.01)
    assert (record.status, record.error, record.parent) == ("ok", None, None)
    assert record.pid == os.getpid()
    assert record.origin == "main"
    assert isinstance(record.thread, int)


def test_registry_is_read_only(registry):
    with pytest.raises(TelemetryError, match="read-only.*merge"):
        registry["Worker"] = None


def test_unknown_stage_lists_the_recorded_ones(registry, clock):
    worker(clock, 0)
    with pytest.raises(KeyError, match="no stage named 'Nope'.*'Worker'"):
        registry["Nope"]


def test_registry_is_a_collection_of_stages(registry, clock):
    assert (len(registry), list(registry), registry.get("Worker")) == (0, [], None)
    with stage("Outer"):
        worker(clock, 0.01)
    worker(clock, 0.02)
    assert len(registry) == 2
    assert "Worker" in registry and "Nope" not in registry
    assert list(registry) == ["Outer", "Worker"]  # names, in order of first start
    assert [stats.name for stats in registry.values()] == ["Outer", "Worker"]
    assert registry.get("Worker") is registry["Worker"]
    assert registry.get("Nope", "absent") == "absent"
    assert dict(registry.items())["Worker"].calls == 2


def test_clock_must_be_callable():
    with pytest.raises(TelemetryError, match="clock=.*nanoseconds"):
        StageRegistry(clock=0.5)


def test_default_clock_is_perf_counter_ns():
    assert StageRegistry().clock is time.perf_counter_ns


def test_equal_clock_readings_keep_the_start_order(registry, clock):
    with stage("First"):
        with stage("Nested"):
            pass
    with stage("Second"):
        pass
    assert list(registry) == ["First", "Nested", "Second"]
    assert [r.name for r in registry.records] == ["First", "Nested", "Second"]


def test_use_registry_isolates_and_restores(clock):
    outer = current_registry()
    inner = StageRegistry()
    with use_registry(inner) as active:
        assert active is inner
        assert current_registry() is inner
        worker(clock, 0)
    assert current_registry() is outer
    assert inner["Worker"].calls == 1


def test_use_registry_rejects_other_objects():
    with pytest.raises(TelemetryError, match="takes a StageRegistry"):
        with use_registry({}):
            pass


def test_use_registry_inside_a_stage_starts_top_level(registry, clock):
    other = StageRegistry()
    with stage("Outer"):
        with use_registry(other):
            worker(clock, 0)
    assert other["Worker"].parent is None
    assert "Worker" not in registry


def test_snapshot_is_plain_data(registry, clock):
    with stage("Outer"):
        worker(clock, 0)
    snapshot = registry.snapshot()
    assert pickle.loads(pickle.dumps(snapshot)) == snapshot
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert [r["name"] for r in snapshot["records"]] == ["Outer", "Worker"]


def test_merge_keeps_origins_and_adds_up(registry, clock):
    worker(clock, 0.01)
    rank1 = StageRegistry(origin="rank1", clock=clock)
    with use_registry(rank1):
        worker(clock, 0.02)
    registry.merge(rank1.snapshot())
    stats = registry["Worker"]
    assert stats.calls == 2
    assert stats.per_origin == pytest.approx({"main": 0.01, "rank1": 0.02})
    assert stats.total_s == pytest.approx(0.03)


def test_merge_can_relabel_the_origin(registry, clock):
    other = StageRegistry()
    with use_registry(other):
        worker(clock, 0)
    registry.merge(other.snapshot(), origin="worker1")
    assert {r.origin for r in registry.records} == {"worker1"}


def test_merge_refuses_its_own_origin(registry, clock):
    other = StageRegistry()
    with use_registry(other):
        worker(clock, 0)
    with pytest.raises(TelemetryError, match="pass merge\\(snapshot, origin='rank1'\\)"):
        registry.merge(other.snapshot())
    assert len(registry) == 0


def test_merge_rejects_other_data(registry):
    with pytest.raises(TelemetryError, match="StageRegistry.snapshot"):
        registry.merge({"records": []})


def test_clear_forgets_everything(registry, clock):
    worker(clock, 0)
    registry.mark_run_start()
    registry.clear()
    assert len(registry) == 0
    assert registry.records == []
    assert registry.run_start is None


def test_run_start(registry, clock):
    assert registry.run_start is None
    clock.advance(2.0)
    registry.mark_run_start()
    clock.advance(3.0)
    worker(clock, 1.0)
    [record] = registry.records
    assert record.start - registry.run_start == pytest.approx(3.0, abs=1e-6)


def test_stats_are_recomputed_after_new_calls(registry, clock):
    worker(clock, 0)
    assert registry["Worker"].calls == 1
    worker(clock, 0)
    assert registry["Worker"].calls == 2
