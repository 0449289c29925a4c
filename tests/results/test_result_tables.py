"""Stage 8-9 tables: the original's score format and consensus rule, and the sequence summary."""

from __future__ import annotations

import io

import numpy as np
import pytest

from virnucpro.results import (
    FramePrediction,
    SequenceCall,
    consensus_calls,
    format_score,
    read_predictions,
    sequence_of_chunk,
    summarise_sequences,
    write_consensus,
    write_prediction_header,
    write_prediction_rows,
)

REFERENCE_RUNS = ["test_with_orfs_outputs", "test_fixed_500bp_outputs"]


@pytest.mark.parametrize("run", REFERENCE_RUNS)
def test_consensus_reproduces_reference_file_byte_for_byte(reference_dir, run):
    outputs = reference_dir / "original_tool" / run
    calls = consensus_calls(read_predictions(outputs / "prediction_results.txt"))
    written = io.StringIO()
    write_consensus(written, calls)
    expected = (outputs / "prediction_results_highestscore.csv").read_text()
    assert written.getvalue() == expected


@pytest.mark.parametrize("run", REFERENCE_RUNS)
def test_prediction_rows_are_written_in_the_original_format(reference_dir, run):
    path = reference_dir / "original_tool" / run / "prediction_results.txt"
    rows = list(read_predictions(path))
    probabilities = np.array([[r.score1, r.score2] for r in rows], dtype=np.float32)
    written = io.StringIO()
    write_prediction_header(written)
    write_prediction_rows(written, [r.frame_id for r in rows], probabilities)
    assert written.getvalue() == path.read_text()


def test_format_score_is_the_shortest_float32_repr():
    assert format_score(np.float32(0.12100612)) == "0.12100612"
    assert format_score(np.float32(1.0)) == "1.0"
    assert float(np.float32(format_score(np.float32(1 / 3)))) == float(np.float32(1 / 3))


def _row(frame_id: str, virus: float) -> FramePrediction:
    label = "virus" if virus > 0.5 else "others"
    return FramePrediction(frame_id, label, 1.0 - virus, virus)


def test_consensus_groups_frames_by_chunk_and_compares_the_maxima():
    rows = [
        _row("s1_chunk_1F1", 0.2),  # max score1 0.8 ...
        _row("s1_chunk_1R2", 0.7),  # ... max score2 0.7: not viral
        _row("s1_chunk_2F3", 0.9),
        _row("a_chunk_1F1", 0.5),  # tie counts as viral (>=)
    ]
    calls = consensus_calls(rows)
    assert calls == {"a_chunk_1": True, "s1_chunk_1": False, "s1_chunk_2": True}
    assert list(calls) == sorted(calls), "rows are sorted by chunk id, as pandas' groupby"


def test_sequence_of_chunk_keeps_ids_that_contain_chunk():
    assert sequence_of_chunk("my_chunk_7_chunk_12") == "my_chunk_7"


def test_summary_lists_every_input_sequence_in_input_order():
    manifest = [("zeta", 1001, 3), ("alpha", 120, 1), ("empty", 0, 0)]
    rows = [_row("zeta_chunk_1F1", 0.9), _row("zeta_chunk_2R1", 0.3), _row("zeta_chunk_2F2", 0.1)]
    calls = consensus_calls(rows)
    summary = summarise_sequences(manifest, rows, calls)
    assert [s.sequence_id for s in summary] == ["zeta", "alpha", "empty"]
    zeta, alpha, empty = summary
    assert (zeta.frames_scored, zeta.chunks_scored, zeta.chunks_called_viral) == (3, 2, 1)
    assert zeta.best_virus_score == pytest.approx(0.9)
    assert zeta.call == "virus"
    assert alpha.call == empty.call == "no_frames"
    assert alpha.row() == ["alpha", "120", "1", "0", "", "0", "no_frames"]


def test_call_is_others_when_most_chunks_are_not_viral():
    entry = SequenceCall("x", 1500, 3, frames_scored=4, best_virus_score=0.6,
                         chunks_scored=3, chunks_called_viral=1)
    assert entry.call == "others"
