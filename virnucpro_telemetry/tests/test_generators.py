"""Generator stages: the time inside the body, summed over resumptions, as one call."""

import pytest

from virnucpro_telemetry import timed_stage


@timed_stage("Producer")
def produce(clock, n, work=0.01):
    for i in range(n):
        clock.advance(work)
        yield i
    return "done"


def test_consumer_time_is_not_counted(registry, clock):
    for _ in produce(clock, 3):
        clock.advance(0.03)
    stats = registry["Producer"]
    assert stats.calls == 1
    assert stats.total_s == pytest.approx(0.03)  # 3 x 10 ms inside, 3 x 30 ms outside
    [record] = registry.records
    # First next() to exhaustion (epoch floats resolve about 0.2 us).
    assert record.end - record.start == pytest.approx(0.12, abs=1e-6)


def test_return_value_and_send_pass_through(registry):
    @timed_stage("Echo")
    def echo():
        received = yield "ready"
        while received is not None:
            received = yield received * 2
        return "closed"

    gen = echo()
    assert next(gen) == "ready"
    assert gen.send(21) == 42
    with pytest.raises(StopIteration) as stop:
        gen.send(None)
    assert stop.value.value == "closed"
    assert registry["Echo"].status == "ok"


def test_closing_early_is_not_a_failure(registry, clock):
    gen = produce(clock, 10)
    assert next(gen) == 0
    clock.advance(1.0)
    gen.close()
    assert registry["Producer"].status == "ok"
    assert registry["Producer"].calls == 1
    assert registry["Producer"].total_s == pytest.approx(0.01)


def test_exception_in_the_body_is_a_failure(registry):
    @timed_stage("Broken Producer")
    def broken():
        yield 1
        raise ValueError("truncated file")

    with pytest.raises(ValueError, match="truncated file"):
        list(broken())
    assert registry["Broken Producer"].status == "failed"


def test_thrown_exception_reaches_the_body(registry):
    @timed_stage("Catcher")
    def catcher():
        try:
            yield 1
        except KeyError:
            yield "caught"

    gen = catcher()
    next(gen)
    assert gen.throw(KeyError("x")) == "caught"
    gen.close()
    assert registry["Catcher"].status == "ok"


def test_stages_inside_the_body_nest_under_the_generator(registry, clock):
    @timed_stage("Parse Record")
    def parse(i):
        clock.advance(0.001)
        return i

    @timed_stage("Reader")
    def reader():
        for i in range(3):
            yield parse(i)

    @timed_stage("Consumer")
    def consume(items):
        return sum(items)

    assert consume(reader()) == 3
    assert registry["Parse Record"].parent == "Reader"
    assert registry["Reader"].parent == "Consumer"
    assert registry["Parse Record"].calls == 3
    assert registry["Reader"].total_s == pytest.approx(0.003)
    assert registry["Reader"].self_s == pytest.approx(0.0)


def test_unstarted_generator_records_nothing(registry, clock):
    gen = produce(clock, 3)
    gen.close()
    assert "Producer" not in registry
