"""Stages in asyncio: awaited time, and tasks that nest independently."""

import asyncio

from virnucpro_telemetry import stage, timed_stage


@timed_stage("Download")
async def download(delay):
    await asyncio.sleep(delay)
    return delay


def test_awaited_time_is_recorded(registry):
    asyncio.run(download(0.05))
    assert registry["Download"].total_s >= 0.045


def test_timing_starts_when_awaited_not_when_called(registry):
    async def main():
        coroutine = download(0.01)
        await asyncio.sleep(0.05)
        await coroutine

    asyncio.run(main())
    assert registry["Download"].total_s < 0.045


def test_concurrent_tasks_nest_under_their_own_stage(registry):
    async def job(name):
        async with stage(name):
            await download(0.02)

    async def main():
        await asyncio.gather(job("Left"), job("Right"), job("Middle"))

    asyncio.run(main())
    parents = sorted(r.parent for r in registry.records if r.name == "Download")
    assert parents == ["Left", "Middle", "Right"]
    for name in ("Left", "Right", "Middle"):
        assert registry[name].parent is None
        assert 0.015 <= registry[name].total_s < 0.5


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


def test_event_loop_inside_a_decorated_function(registry):
    @timed_stage("Runs a loop")
    def runner():
        return asyncio.run(download(0.01))

    assert runner() == 0.01
    assert registry["Download"].parent == "Runs a loop"
