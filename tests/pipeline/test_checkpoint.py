"""Checkpoint records, the output folder's refuse / resume / start-over rules, and the stage plan
of a resumed run (which stages are reused, redone, or refuse the resume)."""

from __future__ import annotations

import pytest

from virnucpro.config import PipelineConfig, ResolvedModels
from virnucpro.errors import UsageError
from virnucpro.file_digests import FileDigest, record_written, verify_written
from virnucpro.paths import RunPaths
from virnucpro.pipeline.definitions import PREDICT
from virnucpro.pipeline.engine.checkpoint import Checkpoints, StageCheckpoint, fingerprint
from virnucpro.pipeline.engine.stage_runner import plan_stages
from virnucpro.pipeline.engine.stage_settings import SettingValues
from virnucpro.pipeline.folder.run_folder import prepare_output_dir, remove_intermediates
from virnucpro.results.stages import score_consensus
from virnucpro.sequence.stages import chunk_sequences, translate_chunks

MODELS = ResolvedModels(dnabert="d", esm="e", classifier="c.pth", device="cpu")


@pytest.fixture
def run(tmp_path):
    fasta = tmp_path / "reads.fa"
    fasta.write_text(">a\nACGT\n")
    return fasta, RunPaths(fasta, tmp_path / "out", 500)


def _record(stage, settings: dict, upstream: str = "", outputs: dict | None = None):
    return StageCheckpoint(stage.__name__, settings, upstream, outputs or {}, {"sequences": 8})


def _finished_run(fasta, paths: RunPaths, config: PipelineConfig) -> Checkpoints:
    """Checkpoint records of every predict stage, as a run with ``config`` writes them."""
    checkpoints = Checkpoints(paths.checkpoints_dir)
    plan = plan_stages(PREDICT, paths, SettingValues(config, MODELS, fasta), checkpoints, False)
    for stage in PREDICT:
        checkpoints.write(stage, _record(stage, plan.settings[stage]))
    paths.run_record.write_text("{}")
    return checkpoints


def test_the_fingerprint_is_canonical_and_sensitive():
    assert fingerprint({"a": 1, "b": [2]}) == fingerprint({"b": [2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})


def test_a_checkpoint_record_survives_a_new_object_and_keeps_its_metrics(run):
    _, paths = run
    Checkpoints(paths.checkpoints_dir).write(
        chunk_sequences, _record(chunk_sequences, {"chunk_length": 500}, "up",
                                 {"x.fa": FileDigest(3, "ab")}))
    again = Checkpoints(paths.checkpoints_dir)
    assert again.is_done(chunk_sequences) and not again.is_done(translate_chunks)
    assert again.read(chunk_sequences).outputs == {"x.fa": FileDigest(3, "ab")}
    assert again.stage_metrics(chunk_sequences) == {"sequences": 8}


@pytest.mark.parametrize("content", [b"\xff\xfe garbage", b"[1, 2]", b'{"stage": "x"}'])
def test_a_damaged_checkpoint_record_is_a_usage_error_naming_it(run, content):
    _, paths = run
    checkpoints = Checkpoints(paths.checkpoints_dir)
    paths.checkpoints_dir.mkdir(parents=True)
    checkpoints.path(chunk_sequences).write_bytes(content)
    with pytest.raises(UsageError, match="sequence-chunking: the checkpoint record is damaged"):
        checkpoints.read(chunk_sequences)


def test_a_written_file_is_verified_by_size_and_checksum(run):
    _, paths = run
    paths.output_dir.mkdir()
    feature = paths.output_dir / "f.pt"
    feature.write_bytes(b"0123456789")
    assert verify_written(paths, feature) == "not recorded as written whole"
    record_written(paths, feature)
    assert verify_written(paths, feature) is None
    feature.write_bytes(b"01234")
    assert verify_written(paths, feature) == "5 bytes, 10 were written"
    feature.write_bytes(b"0123456780")
    assert "SHA-256 differs" in verify_written(paths, feature)
    feature.unlink()
    assert verify_written(paths, feature) == "missing"


def test_a_non_empty_directory_needs_resume_or_force(run):
    _, paths = run
    paths.output_dir.mkdir()
    (paths.output_dir / "something").write_text("x")
    with pytest.raises(UsageError, match="already exists and is not empty; use --resume"):
        prepare_output_dir(paths, False, False)


def test_resume_without_a_run_record_is_refused(run):
    _, paths = run
    paths.output_dir.mkdir()
    (paths.output_dir / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="holds no VirNucPro checkpoint"):
        prepare_output_dir(paths, True, False)


def test_resume_removes_half_written_files(run):
    fasta, paths = run
    paths.output_dir.mkdir()
    _finished_run(fasta, paths, PipelineConfig())
    paths.nucleotide_split_dir.mkdir()
    stale = paths.nucleotide_split_dir / ".output_1_DNABERT_S.pt.1234.tmp"
    stale.write_bytes(b"half")
    assert prepare_output_dir(paths, resume=True, force=False)
    assert not stale.exists()


def test_force_removes_only_the_runs_own_outputs(run):
    fasta, paths = run
    paths.output_dir.mkdir()
    checkpoints = _finished_run(fasta, paths, PipelineConfig())
    paths.chunked_fasta.write_text(">x\nA\n")
    paths.prediction_results.write_text("old")
    (paths.output_dir / "user_notes.txt").write_text("keep me")

    assert not prepare_output_dir(paths, resume=False, force=True)

    assert not paths.chunked_fasta.exists() and not paths.prediction_results.exists()
    assert not checkpoints.is_done(chunk_sequences)
    assert (paths.output_dir / "user_notes.txt").read_text() == "keep me"


def test_a_folder_where_no_stage_finished_is_reused_without_a_flag(run):
    _, paths = run
    paths.state_dir.mkdir(parents=True)
    paths.run_record.write_text("{}")
    (paths.output_dir / ".reads_chunked500.fa.1234.tmp").write_text("half")
    for resume in (False, True):
        assert not prepare_output_dir(paths, resume=resume, force=False)
        assert not list(paths.output_dir.glob("*.tmp")) and not paths.run_record.exists()


def test_the_lock_file_does_not_make_a_folder_non_empty(run):
    fasta, paths = run
    paths.output_dir.mkdir()
    paths.lock_file.write_text("{}")
    prepare_output_dir(paths, False, False)
    _finished_run(fasta, paths, PipelineConfig())
    prepare_output_dir(paths, False, force=True)
    assert paths.lock_file.read_text() == "{}", "--force keeps the lock of the run it serves"


def test_remove_intermediates_keeps_results(run):
    _, paths = run
    paths.nucleotide_split_dir.mkdir(parents=True)
    paths.nucleotide_split(1).write_text(">a\nA\n")
    paths.prediction_results.write_text("results")
    remove_intermediates(paths)
    assert not paths.nucleotide_split_dir.exists()
    assert paths.prediction_results.read_text() == "results"


def test_a_changed_setting_of_an_expensive_stage_refuses_the_resume_saying_what(run):
    fasta, paths = run
    checkpoints = _finished_run(fasta, paths, PipelineConfig())
    fasta.write_text(">a\nACGG\n")
    values = SettingValues(PipelineConfig(chunk_length=300), MODELS, fasta)
    with pytest.raises(UsageError) as refusal:
        plan_stages(PREDICT, paths, values, checkpoints, resume=True)
    message = str(refusal.value)
    assert "the input file's contents changed" in message
    assert "chunk_length was 500, now 300" in message and "--force" in message


def test_another_min_score_redoes_the_consensus_stage_only(run):
    fasta, paths = run
    checkpoints = _finished_run(fasta, paths, PipelineConfig())
    plan = plan_stages(PREDICT, paths, SettingValues(PipelineConfig(min_score=0.8), MODELS, fasta),
                       checkpoints, resume=True)
    assert set(plan.records) == set(PREDICT) - {score_consensus}


def test_another_classifier_keeps_every_embedding(run):
    """Stage 8 is redone; stage 9 keeps its record but runs again once stage 8's output (its
    upstream) changed (see test_engine)."""
    fasta, paths = run
    checkpoints = _finished_run(fasta, paths, PipelineConfig())
    other = ResolvedModels(dnabert="d", esm="e", classifier="fixed.pth", device="cpu")
    plan = plan_stages(PREDICT, paths, SettingValues(PipelineConfig(), other, fasta),
                       checkpoints, resume=True)
    assert set(plan.records) == set(PREDICT) - {PREDICT[7]}


def test_a_file_recorded_when_written_is_not_read_again_for_its_stage_record(run, monkeypatch):
    from virnucpro import file_digests

    _, paths = run
    paths.output_dir.mkdir()
    feature = paths.output_dir / "f.pt"
    feature.write_bytes(b"features")
    written = record_written(paths, feature)
    monkeypatch.setattr(file_digests, "file_sha256", lambda path: "read again")
    assert file_digests.current_digest(paths, feature) == written
    feature.write_bytes(b"changed afterwards, another size")
    assert file_digests.current_digest(paths, feature).sha256 == "read again"
