"""Model resolution: the user's settings stay as given; the resolved models are a value apart."""

from __future__ import annotations

import pytest

from virnucpro.config import PipelineConfig
from virnucpro.pipeline.model_resolution import resolve_models


def test_local_files_are_used_as_typed():
    config = PipelineConfig(model="./m.pth", dnabert="./dnabert", esm="esm2.pt", device="cpu")
    models = resolve_models(config)
    assert (models.classifier, models.dnabert, models.esm) == ("./m.pth", "./dnabert", "esm2.pt")
    assert (models.device, models.demo) == ("cpu", False)


def test_demo_models_resolve_to_files_and_leave_the_config_alone(model_cache_dir, demo_models):
    config = PipelineConfig(demo=True, cache_dir=model_cache_dir)
    models = resolve_models(config, device="cuda:1")
    assert models.demo and models.device == "cuda:1"
    assert models.classifier == str(demo_models.classifier)
    assert models.dnabert == str(demo_models.dnabert_dir)
    assert config.model == "500" and config.dnabert == "zhihan1996/DNABERT-S"


def test_a_rank_runs_the_same_files_on_its_own_device(model_cache_dir):
    models = resolve_models(PipelineConfig(demo=True, cache_dir=model_cache_dir), device="cpu")
    moved = models.on_device("cuda:3")
    assert moved.device == "cuda:3" and models.device == "cpu"
    assert (moved.dnabert, moved.esm, moved.classifier) == (
        models.dnabert, models.esm, models.classifier)


def test_the_config_is_frozen():
    with pytest.raises(AttributeError):
        PipelineConfig().model = "/somewhere/else.pth"  # type: ignore[misc]
