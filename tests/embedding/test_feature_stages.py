"""Stages 5-6 end to end on the demo models, over a small split layout, on the CPU."""

from __future__ import annotations

import dataclasses
import random

import pytest
import torch

from virnucpro.config import PipelineConfig, ResolvedModels
from virnucpro.embedding.stages import extract_dnabert_features, extract_esm_features
from virnucpro.errors import InputError
from virnucpro.file_digests import record_written
from virnucpro.paths import RunPaths
from virnucpro.sequence.fasta import read_fasta
from virnucpro_telemetry import StageRegistry, use_registry

DNABERT_STAGE = "DNABERT-S Feature Extraction"
ESM_STAGE = "ESM-2 Feature Extraction"
SPLIT_SIZES = {1: 7, 2: 5, 3: 1}
RESIDUES = "ACDEFGHIKLMNPQRSTVWY"


@pytest.fixture
def run_paths(tmp_path) -> RunPaths:
    """A run directory with three nucleotide / protein split files, as stages 3-4 write."""
    paths = RunPaths(tmp_path / "reads.fa", tmp_path / "out", 500)
    paths.nucleotide_split_dir.mkdir(parents=True)
    paths.protein_split_dir.mkdir(parents=True)
    rng = random.Random(11)
    for index, count in SPLIT_SIZES.items():
        ids = [f"seq{index}_{k}_chunk_1F{1 + k % 3}" for k in range(count)]
        proteins = ["".join(rng.choice(RESIDUES) for _ in range(rng.randint(20, 166)))
                    for _ in ids]
        dna = ["".join(rng.choice("ACGT") for _ in range(3 * len(p))) for p in proteins]
        _write_fasta(paths.nucleotide_split(index), ids, dna)
        _write_fasta(paths.protein_split(index), ids, proteins)
    return paths


@pytest.fixture
def config() -> PipelineConfig:
    return PipelineConfig(device="cpu", dnabert_tokens_per_batch=300, esm_tokens_per_batch=300,
                          progress=False)


@pytest.fixture
def models(demo_models) -> ResolvedModels:
    return ResolvedModels(dnabert=str(demo_models.dnabert_dir),
                          esm=str(demo_models.esm_checkpoint),
                          classifier=str(demo_models.classifier), device="cpu", demo=True)


def read_split_fasta(path) -> list[tuple[str, str]]:
    return [(record.id, record.sequence) for record in read_fasta(path, check_letters=False)]


def _write_fasta(path, ids, sequences):
    path.write_text("".join(f">{i}\n{s}\n" for i, s in zip(ids, sequences, strict=True)))


def _run(stage, paths, config, models, **kwargs):
    registry = StageRegistry()
    with use_registry(registry):
        stage(paths, config, models, **kwargs)
    return registry


def test_both_stages_write_features_in_split_order(run_paths, config, models, dnabert, esm2):
    from virnucpro.embedding.dnabert_embedder import DNABertEmbedder
    from virnucpro.embedding.esm_embedder import ESMEmbedder

    dna_registry = _run(extract_dnabert_features, run_paths, config, models)
    esm_registry = _run(extract_esm_features, run_paths, config, models)
    dna_embedder = DNABertEmbedder(*dnabert, "cpu", tokens_per_batch=1)  # one at a time
    esm_embedder = ESMEmbedder(*esm2, "cpu", tokens_per_batch=1)
    for index in SPLIT_SIZES:
        for split, output, embedder in (
            (run_paths.nucleotide_split(index), run_paths.dnabert_features(index), dna_embedder),
            (run_paths.protein_split(index), run_paths.esm_features(index), esm_embedder),
        ):
            records = read_split_fasta(split)
            content = torch.load(output, weights_only=True)
            assert set(content) == {"ids", "data"}
            assert content["ids"] == [name for name, _ in records]
            assert content["data"].dtype == torch.float32
            assert content["data"].shape == (len(records), 64)
            expected = embedder.embed([seq for _, seq in records]).data
            torch.testing.assert_close(content["data"], expected, atol=1e-5, rtol=0)
    total = sum(SPLIT_SIZES.values())
    for registry, name in ((dna_registry, DNABERT_STAGE), (esm_registry, ESM_STAGE)):
        metrics = registry[name].metrics
        assert metrics["sequences"] == total and metrics["files"] == 3
        assert metrics["skipped_files"] == 0 and metrics["tokens"] > 2 * total
    assert esm_registry[ESM_STAGE].metrics["tokens"] == total + sum(
        len(seq) + 1 for i in SPLIT_SIZES for _, seq in read_split_fasta(run_paths.protein_split(i))
    )


def test_resume_skips_files_recorded_whole(run_paths, config, models):
    sentinel = {"ids": ["kept"], "data": torch.zeros(1, 64)}
    torch.save(sentinel, run_paths.dnabert_features(2))
    record_written(run_paths, run_paths.dnabert_features(2))
    resumed = dataclasses.replace(config, resume=True)
    registry = _run(extract_dnabert_features, run_paths, resumed, models)
    assert torch.load(run_paths.dnabert_features(2), weights_only=True)["ids"] == ["kept"]
    assert run_paths.dnabert_features(1).exists() and run_paths.dnabert_features(3).exists()
    metrics = registry[DNABERT_STAGE].metrics
    assert metrics["files"] == 2 and metrics["skipped_files"] == 1
    assert metrics["sequences"] == SPLIT_SIZES[1] + SPLIT_SIZES[3]


def test_without_resume_existing_files_are_rewritten(run_paths, config, models):
    torch.save({"ids": ["stale"], "data": torch.zeros(1, 64)}, run_paths.esm_features(3))
    _run(extract_esm_features, run_paths, config, models)
    assert torch.load(run_paths.esm_features(3), weights_only=True)["ids"] != ["stale"]


def test_resume_rewrites_a_file_damaged_after_it_was_written(run_paths, config, models):
    resumed = dataclasses.replace(config, resume=True)
    _run(extract_esm_features, run_paths, config, models)
    whole = run_paths.esm_features(2).read_bytes()
    run_paths.esm_features(2).write_bytes(whole[:100])
    registry = _run(extract_esm_features, run_paths, resumed, models)
    assert registry[ESM_STAGE].metrics["files"] == 1
    assert run_paths.esm_features(2).read_bytes() == whole


def test_everything_done_loads_no_model(run_paths, config, models, monkeypatch):
    for index in SPLIT_SIZES:
        torch.save({"ids": [], "data": torch.zeros(0, 64)}, run_paths.esm_features(index))
        record_written(run_paths, run_paths.esm_features(index))
    monkeypatch.setattr("virnucpro.embedding.esm_loading.load_esm2", _must_not_load)
    resumed = dataclasses.replace(config, resume=True)
    registry = _run(extract_esm_features, run_paths, resumed, models)
    assert registry[ESM_STAGE].metrics == {"sequences": 0, "tokens": 0, "files": 0,
                                           "skipped_files": 3}


def _must_not_load(*args, **kwargs):
    raise AssertionError("the model was loaded with nothing to do")


def test_split_indices_limit_the_work(run_paths, config, models):
    registry = _run(extract_esm_features, run_paths, config, models, split_indices=[3])
    assert run_paths.esm_features(3).exists()
    assert not run_paths.esm_features(1).exists()
    assert registry[ESM_STAGE].metrics["sequences"] == SPLIT_SIZES[3]


def test_missing_protein_split_is_an_input_error(run_paths, config, models):
    run_paths.protein_split(2).unlink()
    with pytest.raises(InputError, match="output_2.fa"):
        _run(extract_esm_features, run_paths, config, models)
