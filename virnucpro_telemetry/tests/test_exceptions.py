"""An exception inside a stage is recorded and re-raised unchanged."""

import asyncio

import pytest

from virnucpro_telemetry import stage, timed_stage


class BoomError(Exception):
    """A stage failure of a type no library raises."""


@timed_stage("Fragile")
def fragile(clock, seconds):
    clock.advance(seconds)
    raise BoomError("frame 3 has no stop codon")


def test_exception_is_reraised_unchanged(registry):
    error = BoomError("original")

    @timed_stage("Raiser")
    def raiser():
        raise error

    with pytest.raises(BoomError) as caught:
        raiser()
    assert caught.value is error
    assert caught.value.__traceback__ is not None


def test_failure_is_recorded_with_type_message_and_duration(registry, clock):
    with pytest.raises(BoomError):
        fragile(clock, 0.02)
    stats = registry["Fragile"]
    assert stats.status == "failed"
    assert stats.error_type == "BoomError"
    assert stats.error == "frame 3 has no stop codon"
    assert stats.calls == 1
    assert stats.total_s == pytest.approx(0.02)
    [record] = registry.records
    assert (record.status, record.error_type) == ("failed", "BoomError")


def test_one_failed_call_marks_the_stage_failed(registry):
    @timed_stage("Sometimes")
    def sometimes(fail):
        if fail:
            raise ValueError("bad input")

    sometimes(False)
    with pytest.raises(ValueError):
        sometimes(True)
    sometimes(False)
    assert registry["Sometimes"].calls == 3
    assert registry["Sometimes"].status == "failed"


def test_failure_in_nested_stage_marks_both(registry, clock):
    @timed_stage("Outer")
    def outer():
        fragile(clock, 0)

    with pytest.raises(BoomError):
        outer()
    assert registry["Fragile"].status == "failed"
    assert registry["Outer"].status == "failed"
    assert registry["Fragile"].parent == "Outer"


def test_context_manager_records_failure_and_propagates(registry):
    with pytest.raises(KeyError):
        with stage("Block"):
            raise KeyError("missing")
    assert registry["Block"].status == "failed"
    assert registry["Block"].error_type == "KeyError"


def test_async_failure_is_recorded(registry, clock):
    @timed_stage("Async Fragile")
    async def broken():
        await asyncio.sleep(0)
        clock.advance(0.01)
        raise BoomError("late")

    with pytest.raises(BoomError, match="late"):
        asyncio.run(broken())
    assert registry["Async Fragile"].status == "failed"
    assert registry["Async Fragile"].total_s == pytest.approx(0.01)


def test_stack_is_clean_after_a_failure(registry, clock):
    with pytest.raises(BoomError):
        fragile(clock, 0)

    @timed_stage("After")
    def after():
        return 1

    after()
    assert registry["After"].parent is None


def test_an_interrupted_stage_says_interrupted(registry):
    @timed_stage("Long Wait")
    def long_wait():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        long_wait()
    assert registry["Long Wait"].error_type == "KeyboardInterrupt"
    assert registry["Long Wait"].error == "interrupted"


def test_an_error_without_message_says_so(registry):
    with pytest.raises(BoomError), stage("Silent"):
        raise BoomError
    assert registry["Silent"].error == "(no message)"
