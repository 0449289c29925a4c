"""Snapshots from worker processes merged into the parent's registry."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from virnucpro_telemetry import (
    StageRegistry,
    add_metrics,
    current_registry,
    stage,
    timed_stage,
    use_registry,
)


@timed_stage("Embed Batch")
def embed_batch(size):
    add_metrics(sequences=size)
    return size


def shard_worker(shard):
    """Runs in a worker process: time one shard into a fresh registry and return its snapshot."""
    registry = StageRegistry(origin=f"worker{shard}")
    with use_registry(registry):
        with stage("Shard"):
            for _ in range(3):
                embed_batch(10)
    return registry.snapshot()


def snapshot_of_current_registry():
    """Runs in a worker process: whatever the worker's active registry holds."""
    embed_batch(1)
    return current_registry().snapshot()


def test_process_pool_snapshots_merge(registry):
    with ProcessPoolExecutor(max_workers=2) as pool:
        snapshots = list(pool.map(shard_worker, range(4)))
    for snapshot in snapshots:
        registry.merge(snapshot)
    batches = registry["Embed Batch"]
    assert batches.calls == 12
    assert batches.metrics == {"sequences": 120}
    assert batches.parent == "Shard"
    assert set(registry["Shard"].per_origin) == {"worker0", "worker1", "worker2", "worker3"}
    assert len({r.pid for r in registry.records}) >= 1


def test_forked_worker_does_not_repeat_the_parents_calls(registry):
    embed_batch(5)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        snapshot = pool.submit(snapshot_of_current_registry).result()
    assert [r["name"] for r in snapshot["records"]] == ["Embed Batch"]
    registry.merge(snapshot, origin="child")
    assert registry["Embed Batch"].calls == 2
    assert registry["Embed Batch"].metrics == {"sequences": 6}


def test_decorated_function_runs_in_a_pool(registry):
    with ProcessPoolExecutor(max_workers=1) as pool:
        assert list(pool.map(embed_batch, [3, 4])) == [3, 4]
    assert "Embed Batch" not in registry  # recorded in the worker, not here
