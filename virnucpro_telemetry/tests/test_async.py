"""Stages in asyncio: awaited time, and tasks that nest independently (on a fake clock)."""

import asyncio

import pytest

from virnucpro_telemetry import stage, timed_stage


@timed_stage("Download")
async def download(clock, seconds):
    await asyncio.sleep(0)  # let other tasks run, as a real download would
    clock.advance(seconds)
    return seconds


def test_awaited_time_is_recorded(registry, clock):
    assert asyncio.run(download(clock, 0.05)) == 0.05
    assert registry["Download"].total_s == pytest.approx(0.05)


def test_timing_starts_when_awaited_not_when_called(registry, clock):
    async def main():
        coroutine = download(clock, 0.01)
        clock.advance(0.05)
        await coroutine

    asyncio.run(main())
    assert registry["Download"].total_s == pytest.approx(0.01)


def test_concurrent_tasks_nest_under_their_own_stage(registry, clock):
    async def job(name):
        async with stage(name):
            await download(clock, 0.02)

    async def main():
        await asyncio.gather(job("Left"), job("Right"), job("Middle"))

    asyncio.run(main())
    parents = sorted(r.parent for r in registry.records if r.name == "Download")
    assert parents == ["Left", "Middle", "Right"]
    # All three start before any finishes: each task's stage spans the work of those before it.
    assert [registry[name].total_s for name in ("Left", "Right", "Middle")] == pytest.approx(
        [0.02, 0.04, 0.06]
    )
    for name in ("Left", "Right", "Middle"):
        assert registry[name].parent is None


def test_sync_stage_called_from_a_task_nests_under_the_task_stage(registry):
    @timed_stage("Parse")
    def parse():
        return 1

    async def main():
        async with stage("Fetch and parse"):
            await asyncio.sleep(0)
            parse()

    asyncio.run(main())
    assert registry["Parse"].parent == "Fetch and parse"


def test_event_loop_inside_a_decorated_function(registry, clock):
    @timed_stage("Runs a loop")
    def runner():
        return asyncio.run(download(clock, 0.01))

    assert runner() == 0.01
    assert registry["Download"].parent == "Runs a loop"
    assert registry["Runs a loop"].total_s == pytest.approx(0.01)
