"""Stages in threads: counts, the active registry, and nesting under the spawning stage."""

import threading
from concurrent.futures import ThreadPoolExecutor

from virnucpro_telemetry import StageRegistry, current_registry, stage, timed_stage, use_registry


@timed_stage("Tiny")
def tiny():
    return None


def _call_tiny(times):
    for _ in range(times):
        tiny()


def test_eight_threads_ten_thousand_calls_each():
    registry = StageRegistry(record_limit=80_000)
    start_together = threading.Barrier(8)

    def worker():
        start_together.wait()
        _call_tiny(10_000)

    with use_registry(registry):
        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert registry["Tiny"].calls == 80_000
    assert len(registry.records) == 80_000
    assert len({r.thread for r in registry.records}) == 8


def test_worker_threads_land_in_the_active_registry():
    mine = StageRegistry()
    with use_registry(mine):
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda _: tiny(), range(40)))
    assert mine["Tiny"].calls == 40
    assert current_registry() is not mine


def test_worker_threads_nest_under_the_running_stage(registry):
    with stage("Feature Extraction"):
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(pool.map(lambda _: tiny(), range(9)))
    assert registry["Tiny"].calls == 9
    assert registry["Tiny"].parent == "Feature Extraction"


def test_worker_threads_nest_under_a_decorated_function(registry):
    @timed_stage("Parallel Stage")
    def parallel():
        threads = [threading.Thread(target=_call_tiny, args=(5,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    parallel()
    assert registry["Tiny"].calls == 10
    assert registry["Tiny"].parent == "Parallel Stage"
    assert registry["Parallel Stage"].self_s <= registry["Parallel Stage"].total_s


def test_threads_keep_their_own_nesting(registry):
    barrier = threading.Barrier(2)

    def worker(name):
        with stage(name):
            barrier.wait()
            tiny()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("Left", "Right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    parents = {r.parent for r in registry.records if r.name == "Tiny"}
    assert parents == {"Left", "Right"}


def test_threads_started_under_use_registry_in_another_thread():
    mine = StageRegistry()
    done = threading.Event()

    def coordinator():
        with use_registry(mine):
            worker = threading.Thread(target=_call_tiny, args=(3,))
            worker.start()
            worker.join()
        done.set()

    thread = threading.Thread(target=coordinator)
    thread.start()
    thread.join()
    assert done.is_set()
    assert mine["Tiny"].calls == 3
