"""The stage timeline: placing records on rows and a time axis, then drawing them."""

from __future__ import annotations

import pytest

from virnucpro.report.timeline import draw_timeline, timeline_bars


def test_one_row_per_stage_with_times_from_the_first_start(stage_records):
    timeline = timeline_bars(stage_records)
    assert not timeline.per_origin
    assert timeline.row_labels == ("Sequence Chunking", "DNABERT-S Feature Extraction",
                                   "    Model loading", "Feature Merging")
    by_stage = {bar.stage: bar for bar in timeline.bars}
    assert (by_stage["Sequence Chunking"].start_s, by_stage["Sequence Chunking"].end_s) == (0, 2)
    assert by_stage["Model loading"].start_s == pytest.approx(2.5)
    assert by_stage["Model loading"].depth == 1
    assert by_stage["DNABERT-S Feature Extraction"].depth == 0
    assert [bar.row for bar in timeline.bars] == [0, 1, 2, 3]
    assert timeline.span_s == pytest.approx(10.0)


def test_a_skipped_stage_is_kept_with_no_duration(stage_records):
    skipped = [bar for bar in timeline_bars(stage_records).bars if bar.status == "skipped"]
    assert [(bar.stage, bar.start_s, bar.end_s) for bar in skipped] == [
        ("Feature Merging", 10.0, 10.0)]


def test_several_origins_get_one_row_each(make_record):
    records = [make_record("Sequence Chunking", 100.0, 101.0, origin="rank0")]
    for rank, length in enumerate([5.0, 9.0]):
        parent = "DNABERT-S Feature Extraction"
        records += [
            make_record(parent, 101.0, 101.0 + length, origin=f"rank{rank}"),
            make_record("batch", 101.5, 102.0, origin=f"rank{rank}", parent=parent),
        ]
    timeline = timeline_bars(records)
    assert timeline.per_origin
    assert timeline.row_labels == ("rank0", "rank1")
    rows = {(bar.stage, bar.origin): bar.row for bar in timeline.bars}
    assert rows[("Sequence Chunking", "rank0")] == rows[("batch", "rank0")] == 0
    assert rows[("DNABERT-S Feature Extraction", "rank1")] == 1
    assert {bar.depth for bar in timeline.bars if bar.stage == "batch"} == {1}
    assert timeline.stages() == ["Sequence Chunking", "DNABERT-S Feature Extraction", "batch"]
    assert timeline.span_s == pytest.approx(10.0)  # the straggler rank1 ends last


def test_no_records_give_an_empty_timeline_and_a_figure_saying_so():
    timeline = timeline_bars([])
    assert timeline.bars == () and timeline.span_s == 0.0
    figure = draw_timeline(timeline)
    assert "no stage was recorded" in [text.get_text() for text in figure.axes[0].texts]


def test_the_drawing_has_a_bar_per_record_and_labels_per_row(stage_records):
    figure = draw_timeline(timeline_bars(stage_records))
    axes = figure.axes[0]
    assert len(axes.patches) == len(stage_records) - 1  # a bar per stage that ran
    skipped = [line for line in axes.get_lines() if line.get_marker() == "D"]
    assert [(list(m.get_xdata()), list(m.get_ydata())) for m in skipped] == [([10.0], [3])]
    assert [label.get_text() for label in axes.get_yticklabels()][0] == "Sequence Chunking"
    legend = figure.legends[0]
    assert "skipped (already done)" in [text.get_text() for text in legend.get_texts()]
