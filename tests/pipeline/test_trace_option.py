"""``--trace FILE``: a run's stage calls as a Chrome trace-event file that Perfetto UI and
chrome://tracing open, agreeing with the report's timeline; a path that cannot be written is
refused before the first stage."""

from __future__ import annotations

import json

import pytest
from demo_runs import EXAMPLE

from virnucpro.cli import main
from virnucpro.pipeline.definitions import PREDICT, PREPROCESS
from virnucpro.report.timeline import timeline_bars
from virnucpro.stage_records import load_records
from virnucpro_telemetry import stage_name


def _complete_events(trace_file) -> list[dict]:
    """The trace's slices (``ph: X``), checked to be what trace viewers read."""
    trace = json.loads(trace_file.read_text(encoding="utf-8"))
    events = trace["traceEvents"]
    slices = [event for event in events if event["ph"] == "X"]
    for event in slices:
        assert isinstance(event["pid"], int) and isinstance(event["tid"], int)
        assert event["ts"] >= 0 and event["dur"] >= 0
    assert any(event["ph"] == "M" and event["name"] == "process_name" for event in events)
    return slices


@pytest.mark.slow
def test_predict_writes_a_trace_whose_stages_are_the_reports(tmp_path, model_cache_dir):
    out, trace_file = tmp_path / "out", tmp_path / "run.trace.json"
    assert main(["predict", str(EXAMPLE), "-o", str(out), "--demo", "--cache-dir",
                 str(model_cache_dir), "--no-progress", "--trace", str(trace_file)]) == 0

    slices = _complete_events(trace_file)
    assert [event["name"] for event in slices] == [stage_name(stage) for stage in PREDICT]
    records, _ = load_records(out)
    bars = timeline_bars(records).bars
    assert [bar.stage for bar in bars] == [event["name"] for event in slices]
    for bar, event in zip(bars, slices, strict=True):  # the same calls, on the same clock
        assert event["dur"] / 1e6 == pytest.approx(bar.end_s - bar.start_s, abs=1e-5)


def test_preprocess_traces_its_four_stages(tmp_path):
    trace_file = tmp_path / "trace.json"
    assert main(["preprocess", str(EXAMPLE), "-o", str(tmp_path / "out"), "--no-progress",
                 "--trace", str(trace_file)]) == 0
    names = [event["name"] for event in _complete_events(trace_file)]
    assert names == [stage_name(stage) for stage in PREPROCESS]


@pytest.mark.parametrize("where", ["missing/trace.json", "."])
def test_a_trace_path_that_cannot_be_written_is_refused_before_stage_1(tmp_path, where,
                                                                      capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    assert main(["preprocess", str(EXAMPLE), "-o", str(out), "--trace", where]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines()
              if line.startswith("error:")]
    assert len(errors) == 1 and f"--trace {where}" in errors[0]
    assert not out.exists(), "refused before the folder was made"
