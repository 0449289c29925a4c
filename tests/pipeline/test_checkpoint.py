"""Checkpoint fingerprints and the output directory's refuse / resume / start-over rules."""

from __future__ import annotations

import dataclasses

import pytest

from virnucpro.config import PipelineConfig
from virnucpro.errors import UsageError
from virnucpro.paths import RunPaths
from virnucpro.pipeline.checkpoint import RunState, describe_changes, run_fingerprint
from virnucpro.pipeline.workspace import prepare_output_dir, remove_intermediates


@pytest.fixture
def run(tmp_path):
    fasta = tmp_path / "reads.fa"
    fasta.write_text(">a\nACGT\n")
    return fasta, RunPaths(fasta, tmp_path / "out", 500)


def test_fingerprint_changes_are_described(run):
    fasta, _ = run
    config = PipelineConfig(model="m.pth")
    before = run_fingerprint(fasta, config)
    fasta.write_text(">a\nACGG\n")
    after = run_fingerprint(fasta, dataclasses.replace(config, chunk_length=300))
    changes = describe_changes(before, after)
    assert changes == ["the input file's contents changed", "chunk_length was 500, now 300"]
    assert describe_changes(after, after) == []


def test_settings_that_do_not_change_results_are_not_in_the_fingerprint(run):
    fasta, _ = run
    base = run_fingerprint(fasta, PipelineConfig())
    other = run_fingerprint(fasta, PipelineConfig(threads=2, device="cpu", keep_intermediate=True))
    assert base == other


def test_stage_marks_survive_a_new_state_object(run):
    _, paths = run
    state = prepare_output_dir(paths, {"format": 1, "input_sha256": "x", "settings": {}},
                               resume=False, force=False)
    assert not state.is_done("Sequence Chunking")
    state.mark_done("Sequence Chunking")
    assert RunState(paths.state_dir).is_done("Sequence Chunking")
    assert not RunState(paths.state_dir).is_done("Six-Frame Translation")


def test_a_non_empty_directory_needs_resume_or_force(run):
    fasta, paths = run
    paths.output_dir.mkdir()
    (paths.output_dir / "something").write_text("x")
    with pytest.raises(UsageError, match="already exists and is not empty; use --resume"):
        prepare_output_dir(paths, run_fingerprint(fasta, PipelineConfig()), False, False)


def test_resume_refuses_other_settings_and_says_what_changed(run):
    fasta, paths = run
    prepare_output_dir(paths, run_fingerprint(fasta, PipelineConfig()), False, False)
    changed = run_fingerprint(fasta, PipelineConfig(esm="other.pt"))
    with pytest.raises(UsageError, match="esm was 'esm2_t36_3B_UR50D', now 'other.pt'.*--force"):
        prepare_output_dir(paths, changed, resume=True, force=False)


def test_resume_without_a_checkpoint_is_refused(run):
    fasta, paths = run
    paths.output_dir.mkdir()
    (paths.output_dir / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="holds no VirNucPro checkpoint"):
        prepare_output_dir(paths, run_fingerprint(fasta, PipelineConfig()), True, False)


def test_resume_removes_half_written_files(run):
    fasta, paths = run
    fingerprint = run_fingerprint(fasta, PipelineConfig())
    prepare_output_dir(paths, fingerprint, False, False)
    paths.nucleotide_split_dir.mkdir()
    stale = paths.nucleotide_split_dir / ".output_1_DNABERT_S.pt.1234.tmp"
    stale.write_bytes(b"half")
    prepare_output_dir(paths, fingerprint, resume=True, force=False)
    assert not stale.exists()


def test_force_removes_only_the_runs_own_outputs(run):
    fasta, paths = run
    fingerprint = run_fingerprint(fasta, PipelineConfig())
    state = prepare_output_dir(paths, fingerprint, False, False)
    state.mark_done("Sequence Chunking")
    paths.chunked_fasta.write_text(">x\nA\n")
    paths.prediction_results.write_text("old")
    (paths.output_dir / "user_notes.txt").write_text("keep me")

    state = prepare_output_dir(paths, fingerprint, resume=False, force=True)

    assert not paths.chunked_fasta.exists() and not paths.prediction_results.exists()
    assert not state.is_done("Sequence Chunking")
    assert (paths.output_dir / "user_notes.txt").read_text() == "keep me"


def test_remove_intermediates_keeps_results(run):
    _, paths = run
    paths.nucleotide_split_dir.mkdir(parents=True)
    paths.nucleotide_split(1).write_text(">a\nA\n")
    paths.prediction_results.write_text("results")
    remove_intermediates(paths)
    assert not paths.nucleotide_split_dir.exists()
    assert paths.prediction_results.read_text() == "results"
