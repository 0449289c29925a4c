"""write_trace: a Chrome trace-event file with one track per origin and thread, nested slices."""

import json
import threading

import pytest

from virnucpro_telemetry import StageRegistry, stage, trace_events, use_registry, write_trace


def _run_with_everything(clock):
    """A run with a nested stage, a worker thread, a failed stage and a merged worker."""
    worker = StageRegistry(origin="worker1", clock=clock)
    with use_registry(worker):
        with stage("Shard"):
            clock.advance(0.1)
    main = StageRegistry(clock=clock)
    with use_registry(main):
        with stage("Outer"):
            clock.advance(0.1)
            with stage("Inner"):
                clock.advance(0.2)
                thread = threading.Thread(target=_threaded, args=(clock,))
                thread.start()
                thread.join()
        with pytest.raises(ValueError), stage("Broken"):
            clock.advance(0.05)
            raise ValueError("bad record 7")
    main.merge(worker.snapshot())
    return main


def _threaded(clock):
    with stage("In Thread"):
        clock.advance(0.1)


def _slices(document):
    return [e for e in document["traceEvents"] if e["ph"] == "X"]


def test_the_trace_is_json_with_tracks_and_nesting(tmp_path, clock):
    registry = _run_with_everything(clock)
    path = write_trace(tmp_path / "run.trace.json", registry)
    document = json.loads(path.read_text())
    slices = {e["name"]: e for e in _slices(document)}
    assert set(slices) == {"Outer", "Inner", "In Thread", "Broken", "Shard"}
    for event in document["traceEvents"]:
        assert isinstance(event["pid"], int) and isinstance(event["tid"], int)
    names = {(e["name"], e["args"]["name"]) for e in document["traceEvents"] if e["ph"] == "M"
             and e["name"] == "process_name"}
    assert {origin for _, origin in names} == {"main", "worker1"}
    assert slices["Shard"]["pid"] != slices["Outer"]["pid"]
    assert slices["In Thread"]["pid"] == slices["Outer"]["pid"]
    assert slices["In Thread"]["tid"] != slices["Outer"]["tid"]
    threads = [e for e in document["traceEvents"] if e["name"] == "thread_name"]
    assert len(threads) == 3  # main's two threads and the worker's
    outer, inner = slices["Outer"], slices["Inner"]
    assert inner["tid"] == outer["tid"]
    # Times are rounded to the nanosecond (0.001 us); the sums below to float precision.
    assert outer["ts"] <= inner["ts"]
    assert inner["ts"] + inner["dur"] <= outer["ts"] + outer["dur"] + 1e-6
    assert inner["dur"] == pytest.approx(0.3e6) and outer["dur"] == pytest.approx(0.4e6)
    assert slices["Broken"]["args"]["status"] == "failed"
    assert slices["Broken"]["args"]["error"] == "ValueError: bad record 7"


def test_metrics_are_arguments_and_skips_are_instants(registry, clock):
    from virnucpro_telemetry import add_metrics, skip_stage

    with stage("Parse"):
        clock.advance(0.5)
        add_metrics(lines=42)
    skip_stage("Merge", "checkpoint")
    events = trace_events(registry)["traceEvents"]
    parse = next(e for e in events if e["name"] == "Parse")
    merge = next(e for e in events if e["name"] == "Merge")
    assert parse["args"] == {"status": "ok", "lines": 42}
    assert merge["ph"] == "i" and merge["args"]["reason"] == "checkpoint"


def test_an_empty_registry_gives_an_empty_trace(tmp_path):
    path = write_trace(tmp_path / "empty.json", StageRegistry())
    assert json.loads(path.read_text())["traceEvents"] == []
    assert [p.name for p in tmp_path.iterdir()] == ["empty.json"]
