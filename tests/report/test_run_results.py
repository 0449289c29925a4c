"""Reading a finished run back from its three result tables and run.json."""

from __future__ import annotations

import json

import pytest

from virnucpro.errors import InputError, UsageError
from virnucpro.report.run_results import load_run_results, run_chunk_length


def test_reads_every_sequence_chunk_score_and_call(fake_run, odd_id):
    results = load_run_results(fake_run)
    assert [row.sequence_id for row in results.sequences] == [
        "host_1", "phage_1", "mixed_1", odd_id, "no_orf", "empty"]
    assert results.sequence("phage_1").length == 1950
    assert results.frames == 14
    # a chunk's score is (1 + max P(virus) - max P(others)) / 2 of its frames
    assert results.chunk_scores["phage_1_chunk_1"] == pytest.approx(0.65)  # frames 0.9, 0.4
    assert results.chunk_scores["host_1_chunk_1"] == pytest.approx(0.15)  # frames 0.1, 0.2
    assert results.chunk_scores["phage_1_chunk_2"] == pytest.approx(0.8)  # one frame: its score
    assert "mixed_1_chunk_2" not in results.chunk_scores
    # the original's call (.csv) is score >= 0.5: frames 0.55 and 0.1 lose to P(others) 0.9
    assert results.chunk_scores["mixed_1_chunk_4"] == pytest.approx(0.325)
    assert results.chunk_calls["mixed_1_chunk_4"] is False
    assert results.chunk_calls["phage_1_chunk_2"] is True
    assert results.settings["chunk_length"] == 500
    assert results.run_info["virnucpro"] == "0.1.0"


def test_sequence_scores_are_the_best_chunk_scores(fake_run):
    scores = load_run_results(fake_run).sequence_scores()
    assert scores["phage_1"] == pytest.approx(0.95)  # chunk 3, one frame at 0.95
    assert scores["mixed_1"] == pytest.approx(0.6)
    assert "no_orf" not in scores and "empty" not in scores


def test_extra_summary_columns_are_kept(fake_run):
    path = fake_run / "sequence_summary.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + "\tvirus_score"] + [line + "\t0.5" for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = load_run_results(fake_run)
    assert results.summary_columns[-1] == "virus_score"
    assert results.sequences[0].fields["virus_score"] == "0.5"


@pytest.mark.parametrize("name", [
    "prediction_results.txt", "prediction_results_highestscore.csv", "sequence_summary.tsv"])
def test_a_missing_result_file_is_named(fake_run, name):
    (fake_run / name).unlink()
    with pytest.raises(InputError, match=f"{name}: not found.*virnucpro predict"):
        load_run_results(fake_run)


def test_a_wrong_header_is_named(fake_run):
    (fake_run / "prediction_results.txt").write_text("a\tb\n", encoding="utf-8")
    with pytest.raises(InputError, match="prediction_results.txt: missing column"):
        load_run_results(fake_run)


def test_a_bad_call_is_named(fake_run):
    path = fake_run / "prediction_results_highestscore.csv"
    path.write_text("Modified_ID\tIs_Virus\nx_chunk_1\tmaybe\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: Is_Virus is 'maybe'"):
        load_run_results(fake_run)


def test_unknown_sequence_id_is_a_usage_error(fake_run):
    results = load_run_results(fake_run)
    with pytest.raises(UsageError, match="no sequence 'nope' in .*sequence_summary.tsv"):
        results.sequence("nope")


def test_chunk_length_comes_from_run_json_or_the_override(fake_run):
    results = load_run_results(fake_run)
    assert run_chunk_length(results) == 500
    assert run_chunk_length(results, 300) == 300


def test_missing_chunk_length_says_how_to_give_it(fake_run):
    (fake_run / ".virnucpro" / "run.json").unlink()
    results = load_run_results(fake_run)
    assert results.settings == {}
    with pytest.raises(InputError, match="no chunk length found") as refusal:
        run_chunk_length(results)
    assert "-l/--expected-length" in str(refusal.value) and "--chunk-length" not in str(
        refusal.value)


def test_broken_run_json_is_named(fake_run):
    (fake_run / ".virnucpro" / "run.json").write_text(json.dumps([1]), encoding="utf-8")
    with pytest.raises(InputError, match="run.json: expected a JSON object"):
        load_run_results(fake_run)
