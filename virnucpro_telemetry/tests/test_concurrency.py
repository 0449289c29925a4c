"""Honest numbers under concurrency: wall time, summed time and self time with a fake clock.

The cases of issue 17: children in a thread pool, gathered coroutines, merged workers that
ran one after another or side by side, and a thread that outlives its parent stage.
"""

import asyncio
import re
import threading

import pytest

from virnucpro_telemetry import StageRegistry, _registry, format_summary, stage, use_registry

T0_NS = 1_700_000_000 * 10**9


def shares(text):
    """The top-level shares and the unattributed share of a summary, in percent."""
    rows = [line for line in text.splitlines()
            if re.match(r"\s+\d+\. ", line) or "(unattributed)" in line]
    return [float(m.group(1)) for m in (re.search(r"\(\s*([\d.]+)%\)", r) for r in rows) if m]


def all_percentages(text):
    return [float(value) for value in re.findall(r"([\d.]+)%", text)]


def test_children_in_a_thread_pool(registry, clock):
    inside = threading.Barrier(5)
    release = threading.Event()

    def child():
        with stage("Child"):
            inside.wait()
            release.wait()

    with stage("Parent"):
        clock.advance(0.1)
        threads = [threading.Thread(target=child) for _ in range(4)]
        for thread in threads:
            thread.start()
        inside.wait()  # all four children are running
        clock.advance(0.2)
        release.set()
        for thread in threads:
            thread.join()
    parent, child_stats = registry["Parent"], registry["Child"]
    assert parent.wall_s == pytest.approx(0.3) and parent.self_s == pytest.approx(0.1)
    assert child_stats.wall_s == pytest.approx(0.2)
    assert child_stats.total_s == pytest.approx(0.8)
    assert child_stats.calls == 4 and child_stats.concurrent
    text = format_summary(registry)
    assert "0.200s wall, 0.800s summed over 4 concurrent calls" in text
    assert "( 66.7% of parent)" in text
    assert max(all_percentages(text)) <= 100.0
    assert sum(shares(text)) == pytest.approx(100.0, abs=0.15)


def test_gathered_coroutines(registry, clock):
    started = []

    async def fetch(go):
        async with stage("Fetch"):
            started.append(1)
            await go.wait()

    async def release(go):
        while len(started) < 5:
            await asyncio.sleep(0)
        clock.advance(0.2)
        go.set()

    async def crawl():
        go = asyncio.Event()
        async with stage("Crawl"):
            clock.advance(0.1)
            await asyncio.gather(*(fetch(go) for _ in range(5)), release(go))

    asyncio.run(crawl())
    crawl_stats, fetch_stats = registry["Crawl"], registry["Fetch"]
    assert crawl_stats.wall_s == pytest.approx(0.3) and crawl_stats.self_s == pytest.approx(0.1)
    assert fetch_stats.wall_s == pytest.approx(0.2)
    assert fetch_stats.total_s == pytest.approx(1.0)
    text = format_summary(registry)
    assert "0.200s wall, 1.0s summed over 5 concurrent calls" in text
    assert max(all_percentages(text)) <= 100.0


@pytest.fixture
def fixed_epoch(monkeypatch, clock):
    """The epoch clock moves with the fake clock: every registry agrees on the run's time."""
    monkeypatch.setattr(_registry.time, "time_ns", lambda: T0_NS + clock())


def _shard(clock, number, seconds):
    """What a worker sends back: its registry's snapshot after one shard."""
    worker = StageRegistry(origin=f"worker{number}", clock=clock)
    with use_registry(worker):
        with stage("Shard"):
            clock.advance(seconds)
    return worker.snapshot()


def test_workers_that_ran_one_after_another_add_up(clock, fixed_epoch):
    main = StageRegistry(clock=clock)
    main.mark_run_start()
    for number in range(4):
        main.merge(_shard(clock, number, 0.1))
    shard = main["Shard"]
    assert shard.wall_s == pytest.approx(0.4) and shard.total_s == pytest.approx(0.4)
    assert not shard.side_by_side
    text = format_summary(main)
    assert "Total wall time: 00:00:00 (0.400s)" in text
    assert "0.400s (100.0%)" in text
    assert "workers" not in text.split("Stages:")[1] and "straggler" not in text
    assert sum(shares(text)) == pytest.approx(100.0, abs=0.15)


def test_workers_side_by_side_show_their_spread(clock, fixed_epoch):
    main = StageRegistry(clock=clock)
    main.mark_run_start()
    snapshots = []
    for number, seconds in enumerate((0.1, 0.1, 0.1, 0.2)):
        snapshots.append(_shard(clock, number, seconds))
        clock.now_ns -= round(seconds * 1e9)  # the next worker starts at the same time
    for snapshot in snapshots:
        main.merge(snapshot)
    shard = main["Shard"]
    assert shard.side_by_side and shard.wall_s == pytest.approx(0.2)
    assert shard.total_s == pytest.approx(0.5)
    text = format_summary(main)
    assert "x4 workers: 0.100 / 0.100 / 0.200s" in text
    assert "straggler: worker3 (2.00x median)" in text
    assert sum(shares(text)) == pytest.approx(100.0, abs=0.15)


def test_work_that_outlives_its_parent_is_reported_as_such(registry, clock):
    started = threading.Event()
    release = threading.Event()

    def background():
        with stage("Upload"):
            started.set()
            release.wait()

    with stage("Request"):
        clock.advance(0.05)
        thread = threading.Thread(target=background)
        thread.start()
        started.wait()
        clock.advance(0.05)
    clock.advance(0.2)
    release.set()
    thread.join()
    upload, request = registry["Upload"], registry["Request"]
    assert upload.outlived == 1 and upload.parent == "Request"
    assert request.self_s == pytest.approx(0.05)  # the upload's first 0.05s ran inside it
    text = format_summary(registry)
    assert "- Upload ......" in text and "(ran past its parent)" in text
    assert "1 call outlived Request" in text
    assert max(all_percentages(text)) <= 100.0


def test_side_by_side_top_level_stages_are_noted(registry, clock):
    release = threading.Event()
    inside = threading.Barrier(2)

    def side():
        with stage("Side"):
            inside.wait()
            release.wait()

    thread = threading.Thread(target=side)
    thread.start()
    with stage("Main"):
        inside.wait()
        clock.advance(1.0)
        release.set()
        thread.join()
    text = format_summary(registry)
    assert "Top-level stages ran side by side for 1.0s" in text
    assert max(all_percentages(text)) <= 100.0
