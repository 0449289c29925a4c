"""Score-track geometry: chunk spans from the chunk rule, heights, calls and selection."""

from __future__ import annotations

import pytest

from virnucpro.errors import UsageError
from virnucpro.report.run_results import load_run_results
from virnucpro.report.tracks import ranked_sequences, select_tracks
from virnucpro.sequence.chunking import chunk_spans


def _track(run_dir, sequence_id, chunk_length=500):
    results = load_run_results(run_dir)
    return select_tracks(results, chunk_length, [sequence_id])[0]


def test_spans_follow_the_chunk_rule_with_overlapping_last_chunks(fake_run):
    track = _track(fake_run, "host_1")
    # n = 1001, L = 500: the chunk rule's overlaps, not chunk number x 500
    assert [(bar.start, bar.end) for bar in track.chunks] == [(0, 500), (333, 833), (666, 1001)]
    assert [bar.number for bar in track.chunks] == [1, 2, 3]
    assert [bar.chunk_id for bar in track.chunks] == [f"host_1_chunk_{k}" for k in (1, 2, 3)]


@pytest.mark.parametrize("chunk_length", [300, 500])
def test_every_track_spans_its_sequence_as_chunked(tmp_path, make_fake_run, chunk_length):
    run_dir = tmp_path / f"run{chunk_length}"
    sequences = make_fake_run(run_dir, chunk_length)
    results = load_run_results(run_dir)
    for sequence in sequences:
        track = select_tracks(results, chunk_length, [sequence.sequence_id])[0]
        spans = [(bar.start, bar.end) for bar in track.chunks]
        assert spans == chunk_spans(sequence.length, chunk_length)
        if spans:
            assert spans[0][0] == 0 and spans[-1][1] == sequence.length
            assert all(end - start <= chunk_length for start, end in spans)


def test_300bp_chunks_are_not_placed_at_multiples_of_500(tmp_path, make_fake_run):
    make_fake_run(tmp_path / "run", 300)
    results = load_run_results(tmp_path / "run")
    track = select_tracks(results, 300, ["phage_1"])[0]
    # 1950 bp in 300 bp chunks: 7 chunks stepping 278 bp, the last one ending at the end
    assert [bar.start for bar in track.chunks] == [0, 278, 556, 834, 1112, 1390, 1668]
    assert track.chunks[-1].end == 1950


def test_heights_are_chunk_p_virus_and_colours_the_calls(fake_run):
    track = _track(fake_run, "mixed_1")
    assert [bar.virus_score for bar in track.chunks] == pytest.approx([0.6, None, 0.2, 0.325])
    assert [bar.is_virus for bar in track.chunks] == [True, None, False, False]
    assert track.viral_chunks == 1 and track.scored_chunks == 3
    assert track.best_score == pytest.approx(0.6)
    assert track.call == "others"


def test_colours_follow_the_threshold_drawn(fake_run):
    results = load_run_results(fake_run)
    strict = select_tracks(results, 500, ["phage_1"], min_score=0.75)[0]
    # chunk P(virus): 0.65, 0.8, 0.95, 0.7
    assert [bar.is_virus for bar in strict.chunks] == [False, True, True, False]
    loose = select_tracks(results, 500, ["mixed_1"], min_score=0.3)[0]
    assert [bar.is_virus for bar in loose.chunks] == [True, None, False, True]


def test_a_sequence_without_frames_has_unscored_chunks(fake_run):
    track = _track(fake_run, "no_orf")
    assert len(track.chunks) == 2
    assert all(bar.virus_score is None and bar.is_virus is None for bar in track.chunks)
    assert track.best_score is None and track.call == "no_frames"


def test_default_selection_is_most_viral_chunks_first(fake_run, odd_id):
    results = load_run_results(fake_run)
    ranked = [row.sequence_id for row in ranked_sequences(results)]
    # 4 viral chunks, then 1 viral chunk at 0.85 above 1 at 0.6, then by best score, input order
    assert ranked == ["phage_1", odd_id, "mixed_1", "host_1", "no_orf", "empty"]
    tracks = select_tracks(results, 500)
    assert [t.sequence_id for t in tracks] == ranked[:-1]  # an empty sequence has nothing to draw
    assert [t.sequence_id for t in select_tracks(results, 500, top=2)] == ranked[:2]


def test_explicit_ids_keep_their_order(fake_run):
    results = load_run_results(fake_run)
    tracks = select_tracks(results, 500, ["host_1", "phage_1"], top=1)
    assert [t.sequence_id for t in tracks] == ["host_1", "phage_1"]


def test_unknown_id_and_bad_top_are_usage_errors(fake_run):
    results = load_run_results(fake_run)
    with pytest.raises(UsageError, match="no sequence 'nope'.*'host_1'"):
        select_tracks(results, 500, ["host_1", "nope"])
    with pytest.raises(UsageError, match="--top must be at least 1"):
        select_tracks(results, 500, top=0)
