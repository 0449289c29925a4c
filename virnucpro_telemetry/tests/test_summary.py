"""format_summary: the summary block, from no stages to forty, on hand-made records."""

import logging

import pytest

from virnucpro_telemetry import StageRegistry, format_summary, log_summary, stage
from virnucpro_telemetry._registry import SNAPSHOT_FORMAT

T0 = 1_700_000_000.0
GIB = 1024**3


def rec(name, start, duration, *, parent=None, status="ok", origin="rank0", metrics=None,
        error_type=None, reason=None, peak=None, outermost=True):
    """One record as a snapshot carries it, ``start`` in seconds after T0."""
    return {
        "name": name,
        "start": T0 + start,
        "end": T0 + start + duration,
        "duration_s": duration,
        "self_s": duration,
        "status": status,
        "error_type": error_type,
        "error": "bad frame" if error_type else None,
        "reason": reason,
        "parent": parent,
        "pid": 1,
        "thread": 1,
        "origin": origin,
        "outermost": outermost,
        "metrics": metrics or {},
        "peak_gpu_bytes": peak,
    }


def registry_of(*records, run_start=None, rates=None):
    """A registry holding exactly ``records`` (merged as another process's snapshot)."""
    registry = StageRegistry(origin="here")
    registry.merge({
        "format": SNAPSHOT_FORMAT,
        "origin": "rank0",
        "pid": 1,
        "run_start": None if run_start is None else T0 + run_start,
        "records": list(records),
        "rates": rates or {},
    })
    return registry


def issue_example():
    """The stages of the summary example in the issue (stages 2-4 and 8-9 left out)."""
    return registry_of(
        rec("Sequence Chunking", 0.0, 7.1),
        rec("DNABERT-S Feature Extraction", 10.0, 501.9,
            metrics={"sequences": 603_786}, peak=int(11.2 * GIB)),
        rec("ESM-2 Feature Extraction", 520.0, 1383.2),
        rec("ESM-2 Feature Extraction", 520.0, 1290.1, origin="rank1"),
        rec("Feature Merging", 1903.3, 0.0, status="skipped", reason="checkpoint"),
        rec("Consensus Scoring", 2040.0, 5.3),
        rates={"DNABERT-S Feature Extraction": ["sequences", "seq"]},
    )


EXPECTED_ISSUE_EXAMPLE = """\
================================================================================
PIPELINE SUMMARY
================================================================================
Total wall time: 00:34:05 (2045.3s)
Compute time: 00:53:07 (3187.6s) summed over 2 ranks
Stages:
  1. Sequence Chunking ...............      7.1s (  0.3%)
  2. DNABERT-S Feature Extraction ....    501.9s ( 24.5%)   1,203 seq/s  peak GPU 11.2 GiB
  3. ESM-2 Feature Extraction ........   1383.2s ( 67.6%)  x2 ranks: 1290.1 / 1383.2s
  4. Feature Merging .................  skipped (checkpoint)
  5. Consensus Scoring ...............      5.3s (  0.3%)
     (unattributed) ..................    147.8s (  7.2%)
Bottlenecks: ESM-2 Feature Extraction (68%), DNABERT-S Feature Extraction (25%)
Key metrics:
  Sequences processed: 603,786
  Baseline 03:30:00 (12600.0s) -> speedup 6.2x
================================================================================"""


def test_issue_example_shape():
    text = format_summary(issue_example(), baseline_seconds=12600,
                          key_metrics={"Sequences processed": 603_786})
    assert text == EXPECTED_ISSUE_EXAMPLE


def test_rules_are_80_columns():
    lines = format_summary(issue_example()).splitlines()
    assert lines[0] == lines[2] == lines[-1] == "=" * 80


def test_no_stages():
    text = format_summary(StageRegistry(), baseline_seconds=100)
    assert "Total wall time: 00:00:00 (0.000s)" in text
    assert "Stages: none recorded" in text
    assert "speedup n/a" in text


def test_one_stage_has_millisecond_precision():
    text = format_summary(registry_of(rec("Quick", 0.0, 0.0423)))
    assert "  1. Quick ...........................    0.042s (100.0%)" in text
    assert "(unattributed)" not in text
    assert "Key metrics" not in text


def test_nine_stages_numbered_in_first_start_order():
    names = [f"Stage {letter}" for letter in "IHGFEDCBA"]
    registry = registry_of(*(rec(name, 10.0 * i, 9.0) for i, name in enumerate(names)))
    rows = [line for line in format_summary(registry).splitlines() if ". Stage" in line]
    assert [row.split(". ")[1].split(" ")[1] for row in rows] == list("IHGFEDCBA")
    assert rows[0].startswith("  1. ") and rows[-1].startswith("  9. ")


def test_forty_stages_with_long_names_stay_readable():
    records = [rec(f"Stage {i} {'with a very long descriptive name ' * (i % 3)}".strip(),
                   10.0 * i, 9.5) for i in range(40)]
    registry = registry_of(*records)
    text = format_summary(registry)
    lines = text.splitlines()
    rows = [line for line in lines if line[:5].strip().rstrip(".").isdigit()]
    assert len(rows) == 40
    assert rows[9].startswith(" 10. ") and rows[39].startswith(" 40. ")
    assert all(len(line) <= 80 for line in lines)
    assert len({row.index("s (") for row in rows}) == 1  # the time column lines up
    assert "name ..." in rows[1] and "nam... ." in rows[2]  # long names are cut
    assert lines[-2] == "             Stage 2 with a very long descriptive ... (2%)"


def test_nested_stages_are_indented_and_not_counted_twice():
    registry = registry_of(
        rec("Features", 0.0, 10.0),
        rec("Load Model", 0.0, 2.0, parent="Features"),
        rec("Tokenize", 2.0, 1.0, parent="Load Model"),
        rec("Embed", 3.0, 6.0, parent="Features"),
    )
    lines = format_summary(registry).splitlines()
    assert "  1. Features ........................     10.0s (100.0%)" in lines
    assert "     - Load Model ....................      2.0s ( 20.0% of parent)" in lines
    assert "       - Tokenize ....................      1.0s ( 50.0% of parent)" in lines
    assert "     - Embed .........................      6.0s ( 60.0% of parent)" in lines
    assert "Bottlenecks: Features (100%)" in lines


def test_repeated_calls_show_their_count():
    registry = registry_of(*(rec("Batch", float(i), 0.5) for i in range(3)))
    assert "x3 calls" in format_summary(registry)


def test_failed_stage_shows_its_error_type():
    registry = registry_of(rec("Translate", 0.0, 2.1, status="failed", error_type="ValueError"))
    text = format_summary(registry)
    assert "      2.1s (100.0%)  FAILED (ValueError)" in text
    assert "Failed stages:\n  Translate: ValueError: bad frame" in text


def test_unattributed_time_from_the_run_start():
    registry = registry_of(rec("Work", 10.0, 90.0), run_start=0.0)
    assert "(unattributed) ..................     10.0s ( 10.0%)" in format_summary(registry)


def test_unattributed_below_one_percent_is_left_out():
    registry = registry_of(rec("Work", 0.5, 99.0), run_start=0.0)
    assert "(unattributed)" not in format_summary(registry)


def test_runs_over_99_hours_format():
    registry = registry_of(rec("Marathon", 0.0, 123 * 3600 + 62.5))
    assert "Total wall time: 123:01:02 (442862.5s)" in format_summary(registry)


def test_metrics_nobody_asked_for_show_no_rate_and_no_key_metric():
    registry = registry_of(
        rec("Chunking", 0.0, 1.0, metrics={"sequences": 100}),
        rec("Translation", 1.0, 1.0, metrics={"sequences": 600, "lines": 5}),
    )
    text = format_summary(registry)
    assert "/s" not in text
    assert "Sequences processed" not in text
    assert "Key metrics" not in text


def test_rate_uses_the_stages_own_metric_and_unit():
    registry = registry_of(rec("Embed", 0.0, 4.0, metrics={"sequences": 10}),
                           rates={"Embed": ["sequences", "seq"]})
    assert "   2.5 seq/s" in format_summary(registry)


def test_straggler_is_named():
    registry = registry_of(
        rec("ESM-2", 0.0, 100.0, origin="rank0"),
        rec("ESM-2", 0.0, 102.0, origin="rank1"),
        rec("ESM-2", 0.0, 150.0, origin="rank2"),
    )
    text = format_summary(registry)
    assert "    150.0s (100.0%)  x3 ranks: 100.0 / 102.0 / 150.0s\n" in text
    assert "\n" + " " * 59 + "straggler: rank2 (1.47x median)\n" in text  # wrapped at 100
    assert "calls" not in text  # one call per rank is not a repeat
    assert "Compute time: 00:05:52 (352.0s) summed over 3 ranks" in text
    assert "Total wall time: 00:02:30 (150.0s)" in text


def test_no_straggler_within_twenty_percent():
    registry = registry_of(
        rec("ESM-2", 0.0, 100.0, origin="rank0"),
        rec("ESM-2", 0.0, 110.0, origin="rank1"),
    )
    assert "straggler" not in format_summary(registry)


def test_key_metrics_and_title():
    registry = registry_of(rec("Work", 0.0, 1.0))
    text = format_summary(registry, title="PREPROCESS SUMMARY",
                          key_metrics={"Input sequences": 12, "Device": "cpu"})
    assert text.splitlines()[1] == "PREPROCESS SUMMARY"
    assert "Key metrics:\n  Input sequences: 12\n  Device: cpu\n" in text


def test_skipped_and_run_stage_shows_both():
    registry = registry_of(
        rec("Resumable", 0.0, 0.0, status="skipped", reason="checkpoint"),
        rec("Resumable", 1.0, 2.0),
    )
    assert "1 skipped (checkpoint)" in format_summary(registry)


def test_log_summary_writes_each_line_at_info(caplog):
    registry = registry_of(rec("Work", 0.0, 1.0))
    with caplog.at_level(logging.INFO, logger="virnucpro.telemetry"):
        text = log_summary(registry, baseline_seconds=10)
    assert [r.getMessage() for r in caplog.records] == text.splitlines()
    assert {r.levelname for r in caplog.records} == {"INFO"}
    assert {r.name for r in caplog.records} == {"virnucpro.telemetry"}


def test_log_summary_defaults_to_the_active_registry(registry, caplog):
    with caplog.at_level(logging.INFO, logger="virnucpro.telemetry"):
        text = log_summary(title="EMPTY")
    assert "Stages: none recorded" in text


@pytest.mark.parametrize(
    "seconds, shown", [(0.0004, "0.000s"), (0.5, "0.500s"), (1.0, "1.0s"), (59.96, "60.0s")]
)
def test_duration_format(seconds, shown):
    assert f"{shown} (100.0%)" in format_summary(registry_of(rec("S", 0.0, seconds)))


def test_microsecond_stage_never_shows_more_than_100_percent(registry, clock):
    for _ in range(50):
        registry.clear()
        clock.advance(0.123457)
        with stage("Blink"):
            clock.advance(3e-6)
        row = next(line for line in format_summary(registry).splitlines() if "Blink" in line)
        share = float(row.split("(")[1].split("%")[0])
        assert 50.0 <= share <= 100.0  # epoch floats resolve ~0.2 us of a few-us stage
