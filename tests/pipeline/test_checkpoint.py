"""Checkpoint fingerprints and the output directory's refuse / resume / start-over rules."""

from __future__ import annotations

import dataclasses

import pytest

from virnucpro.config import DEFAULT_DNABERT, DEFAULT_ESM, PipelineConfig, ResolvedModels
from virnucpro.errors import UsageError
from virnucpro.paths import RunPaths
from virnucpro.pipeline import checkpoint
from virnucpro.pipeline.checkpoint import RunState, describe_changes
from virnucpro.pipeline.workspace import prepare_output_dir, remove_intermediates
from virnucpro.sequence.stages import chunk_sequences, translate_chunks


def run_fingerprint(fasta, config: PipelineConfig) -> dict:
    """The fingerprint of a run whose models resolve to what ``config`` names."""
    models = ResolvedModels(dnabert=config.dnabert or DEFAULT_DNABERT,
                            esm=config.esm or DEFAULT_ESM, classifier=str(config.classifier),
                            device=config.device)
    return checkpoint.run_fingerprint(fasta, config, models)


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


def test_the_fingerprint_holds_the_resolved_models_not_the_options(run):
    fasta, _ = run
    config = PipelineConfig(model="500", demo=True)
    models = ResolvedModels(dnabert="/cache/dnabert-s", esm="/cache/esm.pt",
                            classifier="/cache/classifiers/500_model.pth", device="cpu", demo=True)
    settings = checkpoint.run_fingerprint(fasta, config, models)["settings"]
    assert settings == {"chunk_length": 500, "model": "/cache/classifiers/500_model.pth",
                        "dnabert": "/cache/dnabert-s", "esm": "/cache/esm.pt",
                        "precision": "auto", "sequences_per_file": 10000, "min_score": 0.5}
    assert str(config.model) == "500", "the user's settings are never rewritten"


def test_settings_that_do_not_change_results_are_not_in_the_fingerprint(run):
    fasta, _ = run
    base = run_fingerprint(fasta, PipelineConfig())
    other = run_fingerprint(fasta, PipelineConfig(threads=2, device="cpu", keep_intermediate=True))
    assert base == other


def test_stage_marks_survive_a_new_state_object(run):
    _, paths = run
    state = prepare_output_dir(paths, {"format": 1, "input_sha256": "x", "settings": {}},
                               resume=False, force=False)
    assert not state.is_done(chunk_sequences)
    state.mark_done(chunk_sequences, {"sequences": 8, "chunks": 21})
    assert RunState(paths.state_dir).is_done(chunk_sequences)
    assert not RunState(paths.state_dir).is_done(translate_chunks)
    assert RunState(paths.state_dir).stage_metrics(chunk_sequences) == {"sequences": 8,
                                                                        "chunks": 21}
    assert RunState(paths.state_dir).stage_metrics(translate_chunks) == {}


def test_a_mark_of_an_earlier_version_is_done_without_metrics(run):
    _, paths = run
    state = RunState(paths.state_dir)
    state.done_dir.mkdir(parents=True)
    (state.done_dir / "sequence-chunking").write_text("Sequence Chunking\n")
    assert state.is_done(chunk_sequences) and state.stage_metrics(chunk_sequences) == {}


def test_a_non_empty_directory_needs_resume_or_force(run):
    fasta, paths = run
    paths.output_dir.mkdir()
    (paths.output_dir / "something").write_text("x")
    with pytest.raises(UsageError, match="already exists and is not empty; use --resume"):
        prepare_output_dir(paths, run_fingerprint(fasta, PipelineConfig()), False, False)


def test_resume_refuses_other_settings_and_says_what_changed(run):
    fasta, paths = run
    state = prepare_output_dir(paths, run_fingerprint(fasta, PipelineConfig()), False, False)
    state.mark_done(chunk_sequences)
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
    state.mark_done(chunk_sequences)
    paths.chunked_fasta.write_text(">x\nA\n")
    paths.prediction_results.write_text("old")
    (paths.output_dir / "user_notes.txt").write_text("keep me")

    state = prepare_output_dir(paths, fingerprint, resume=False, force=True)

    assert not paths.chunked_fasta.exists() and not paths.prediction_results.exists()
    assert not state.is_done(chunk_sequences)
    assert (paths.output_dir / "user_notes.txt").read_text() == "keep me"


def test_a_folder_where_no_stage_finished_is_reused_without_a_flag(run):
    fasta, paths = run
    prepare_output_dir(paths, run_fingerprint(fasta, PipelineConfig()), False, False)
    (paths.output_dir / ".reads_chunked500.fa.1234.tmp").write_text("half")
    corrected = run_fingerprint(fasta, PipelineConfig(chunk_length=300))
    for resume in (False, True):
        state = prepare_output_dir(paths, corrected, resume=resume, force=False)
        assert state.read_fingerprint()["settings"]["chunk_length"] == 300
        assert not list(paths.output_dir.glob("*.tmp"))


def test_the_lock_file_does_not_make_a_folder_non_empty(run):
    fasta, paths = run
    paths.output_dir.mkdir()
    paths.lock_file.write_text("{}")
    state = prepare_output_dir(paths, run_fingerprint(fasta, PipelineConfig()), False, False)
    assert state.read_fingerprint() is not None
    state.mark_done(chunk_sequences)
    prepare_output_dir(paths, run_fingerprint(fasta, PipelineConfig()), False, force=True)
    assert paths.lock_file.read_text() == "{}", "--force keeps the lock of the run it serves"


def test_remove_intermediates_keeps_results(run):
    _, paths = run
    paths.nucleotide_split_dir.mkdir(parents=True)
    paths.nucleotide_split(1).write_text(">a\nA\n")
    paths.prediction_results.write_text("results")
    remove_intermediates(paths)
    assert not paths.nucleotide_split_dir.exists()
    assert paths.prediction_results.read_text() == "results"
