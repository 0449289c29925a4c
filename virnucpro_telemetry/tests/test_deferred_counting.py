"""Plain calls past the record cap are counted in batches: the figures stay those of each call."""

import logging
import random
import threading

import pytest

from virnucpro_telemetry import StageRegistry, _tally, add_metrics, timed_stage, use_registry
from virnucpro_telemetry._tally import PENDING_LIMIT, Tally, fold_pending, fold_times

CALLS = PENDING_LIMIT  # two readings per call: the recording thread folds a batch on the way


@pytest.fixture(autouse=True)
def _quiet_live_log(caplog):
    """No live log lines, whatever an earlier test set up: a logged call is never deferred."""
    caplog.set_level(logging.WARNING, logger="virnucpro.telemetry")


def _tick(clock, gap_s: float):
    """A decorated function that lasts 1..7 ms (by call number) and leaves ``gap_s`` after."""
    count = iter(range(10**9))

    @timed_stage("Tick")
    def tick():
        clock.advance((next(count) % 7 + 1) / 1000)

    def call():
        tick()
        clock.advance(gap_s)

    return call


@pytest.mark.parametrize("gap_s", [0.0005, 0.0], ids=["apart", "touching"])
def test_deferred_calls_are_counted_exactly(clock, gap_s):
    registry = StageRegistry(clock=clock, record_limit=0)
    call = _tick(clock, gap_s)
    with use_registry(registry):
        for _ in range(CALLS):
            call()
    assert 0 < len(registry._tallies["Tick"].pending) < PENDING_LIMIT  # a batch folded already
    stats = registry["Tick"]
    expected = sum((n % 7 + 1) / 1000 for n in range(CALLS))
    assert stats.calls == CALLS and registry.records == []
    assert stats.total_s == pytest.approx(expected) and stats.wall_s == pytest.approx(expected)
    assert stats.min_s == pytest.approx(0.001) and stats.max_s == pytest.approx(0.007)
    assert len(registry._tallies["Tick"].samples) == _tally.RESERVOIR_SIZE
    assert 0.003 <= stats.median_s <= 0.005


def test_a_full_call_after_deferred_ones_counts_them_first(clock):
    registry = StageRegistry(clock=clock, record_limit=0)

    @timed_stage("Tick")
    def tick(lines: int = 0):
        clock.advance(0.002)
        if lines:
            add_metrics(lines=lines)

    with use_registry(registry):
        for _ in range(10):
            tick()
        assert registry._tallies["Tick"].pending  # deferred so far
        tick(lines=5)
    stats = registry["Tick"]
    assert stats.calls == 11 and stats.metrics == {"lines": 5}
    assert stats.total_s == pytest.approx(0.022) and stats.wall_s == pytest.approx(0.022)


def test_deferred_calls_stay_exact_when_a_second_thread_records(clock):
    registry = StageRegistry(clock=clock, record_limit=0)
    call = _tick(clock, 0.001)
    with use_registry(registry):
        for _ in range(100):
            call()
        worker = threading.Thread(target=lambda: [call() for _ in range(50)])
        worker.start()
        worker.join()
        for _ in range(100):
            call()
    assert registry["Tick"].calls == 250
    assert registry["Tick"].total_s == pytest.approx(sum((n % 7 + 1) / 1000 for n in range(250)))


def test_deferred_calls_on_the_real_clock_add_up():
    registry = StageRegistry(record_limit=0)

    @timed_stage("Tick")
    def tick():
        return 1

    with use_registry(registry):
        for _ in range(CALLS + 10):
            tick()
    stats = registry["Tick"]
    assert stats.calls == CALLS + 10
    assert stats.wall_s == pytest.approx(stats.total_s)  # calls one after another
    assert 0 < stats.min_s <= stats.median_s <= stats.max_s


def _folded_each(calls: list[tuple[int, int]], monotonic: bool) -> Tally:
    _tally._random.seed(7)
    tally = Tally("Tick", calls[0][0])
    tally.monotonic = monotonic
    for start, end in calls:
        fold_times(tally, start, end, end - start, 0, True)
    return tally


def _folded_in_batches(calls: list[tuple[int, int]], monotonic: bool) -> Tally:
    _tally._random.seed(7)
    tally = Tally("Tick", calls[0][0])
    tally.monotonic = monotonic
    for number, (start, end) in enumerate(calls, 1):
        tally.pending += [end - start, end]
        if number % 300 == 0:
            fold_pending(tally)
    fold_pending(tally)
    return tally


def _calls(kind: str, count: int) -> list[tuple[int, int]]:
    """``count`` calls one after another ("apart", "touching") or overlapping ("overlapping")."""
    rng = random.Random(kind)
    calls, now = [], 1000
    for _ in range(count):
        start = now + {"apart": rng.randint(1, 9), "touching": 0}.get(kind, -rng.randint(0, 20))
        calls.append((start, start + rng.randint(0, 30)))
        now = calls[-1][1]
    return calls


@pytest.mark.parametrize(("kind", "monotonic"), [
    ("apart", True), ("apart", False), ("touching", True), ("touching", False),
    ("overlapping", False),
])
def test_a_batch_gives_the_figures_of_folding_each_call(kind, monotonic):
    calls = _calls(kind, 2500)
    each, batched = _folded_each(calls, monotonic), _folded_in_batches(calls, monotonic)
    for field in ("calls", "sum_ns", "min_ns", "max_ns", "samples", "next_pick", "block_end"):
        assert getattr(batched, field) == getattr(each, field), field
    assert batched.wall() == each.wall() and batched.pending == []


def _nested_run(clock_type: type, record_limit: int):
    """Stats of 20 parent calls (each with a child and a recursive call) on a fake clock."""
    clock = clock_type()
    registry = StageRegistry(clock=clock, record_limit=record_limit)

    @timed_stage("Child")
    def child():
        clock.advance(0.001)

    @timed_stage("Parent")
    def parent(depth: int = 1):
        clock.advance(0.002)
        child()
        if depth:
            parent(depth - 1)

    with use_registry(registry):
        for _ in range(20):
            parent()
            clock.advance(0.001)
    return {name: (s.calls, s.total_s, s.self_s, s.wall_s) for name, s in registry.items()}


def test_calls_with_children_or_recursion_past_the_cap_count_as_kept_ones(clock):
    deferred = _nested_run(type(clock), record_limit=0)
    assert deferred == _nested_run(type(clock), record_limit=1000)
    assert deferred["Parent"][0] == 40 and deferred["Child"][0] == 40
