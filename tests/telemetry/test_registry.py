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


@timed_stage("Sleeper")
def sleeper(delay):
    time.sleep(delay)


def test_stats_fields(registry):
    sleeper(0.01)
    sleeper(0.03)
    stats = registry["Sleeper"]
    assert stats.calls == 2
    assert stats.min_s < stats.max_s
    assert stats.min_s >= 0.009 and stats.max_s >= 0.029
    assert stats.mean_s == pytest.approx(stats.total_s / 2)
    assert stats.status == "ok"
    assert stats.metrics == {}
    assert stats.peak_gpu_bytes is None
    assert stats.per_origin == {"main": stats.total_s}


def test_records_describe_every_call(registry):
    before = time.time()
    sleeper(0.01)
    after = time.time()
    [record] = registry.records
    assert record.name == "Sleeper"
    assert before <= record.start < record.end <= after + 0.001
    assert record.duration_s == pytest.approx(record.end - record.start, abs=1e-4)
    assert (record.status, record.error, record.parent) == ("ok", None, None)
    assert record.pid == os.getpid()
    assert record.origin == "main"
    assert isinstance(record.thread, int)


def test_registry_is_read_only(registry):
    with pytest.raises(TelemetryError, match="read-only.*merge"):
        registry["Sleeper"] = None


def test_unknown_stage_lists_the_recorded_ones(registry):
    sleeper(0)
    with pytest.raises(KeyError, match="no stage named 'Nope'.*'Sleeper'"):
        registry["Nope"]


def test_use_registry_isolates_and_restores():
    outer = current_registry()
    inner = StageRegistry()
    with use_registry(inner) as active:
        assert active is inner
        assert current_registry() is inner
        sleeper(0)
    assert current_registry() is outer
    assert inner["Sleeper"].calls == 1


def test_use_registry_rejects_other_objects():
    with pytest.raises(TelemetryError, match="takes a StageRegistry"):
        with use_registry({}):
            pass


def test_use_registry_inside_a_stage_starts_top_level(registry):
    other = StageRegistry()
    with stage("Outer"):
        with use_registry(other):
            sleeper(0)
    assert other["Sleeper"].parent is None
    assert "Sleeper" not in registry


def test_snapshot_is_plain_data(registry):
    with stage("Outer"):
        sleeper(0)
    snapshot = registry.snapshot()
    assert pickle.loads(pickle.dumps(snapshot)) == snapshot
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert [r["name"] for r in snapshot["records"]] == ["Outer", "Sleeper"]


def test_merge_keeps_origins_and_adds_up(registry):
    sleeper(0.01)
    worker = StageRegistry(origin="rank1")
    with use_registry(worker):
        sleeper(0.02)
    registry.merge(worker.snapshot())
    stats = registry["Sleeper"]
    assert stats.calls == 2
    assert set(stats.per_origin) == {"main", "rank1"}
    assert stats.per_origin["rank1"] >= 0.019
    assert stats.total_s == pytest.approx(sum(stats.per_origin.values()))


def test_merge_can_relabel_the_origin(registry):
    other = StageRegistry()
    with use_registry(other):
        sleeper(0)
    registry.merge(other.snapshot(), origin="worker1")
    assert {r.origin for r in registry.records} == {"worker1"}


def test_merge_refuses_its_own_origin(registry):
    other = StageRegistry()
    with use_registry(other):
        sleeper(0)
    with pytest.raises(TelemetryError, match="pass merge\\(snapshot, origin='rank1'\\)"):
        registry.merge(other.snapshot())
    assert len(registry) == 0


def test_merge_rejects_other_data(registry):
    with pytest.raises(TelemetryError, match="StageRegistry.snapshot"):
        registry.merge({"records": []})


def test_clear_forgets_everything(registry):
    sleeper(0)
    registry.mark_run_start()
    registry.clear()
    assert len(registry) == 0
    assert registry.records == []
    assert registry.run_start is None


def test_run_start(registry):
    assert registry.run_start is None
    registry.mark_run_start()
    assert registry.run_start == pytest.approx(time.time(), abs=0.5)


def test_stats_are_recomputed_after_new_calls(registry):
    sleeper(0)
    assert registry["Sleeper"].calls == 1
    sleeper(0)
    assert registry["Sleeper"].calls == 2
