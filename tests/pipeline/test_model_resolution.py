"""Model resolution: every model is found and checked before stage 1; the settings stay as given."""

from __future__ import annotations

import logging
import shutil

import pytest
import torch

from virnucpro.classification.classifier import MLPClassifier
from virnucpro.config import PipelineConfig
from virnucpro.errors import ModelFileError, UsageError
from virnucpro.pipeline.models.model_resolution import resolve_models
from virnucpro.training.model_file import ModelMetadata, save_trained_model

DEMO_WIDTH = 64 + 64  # demo DNABERT-S width + demo ESM-2 width


@pytest.fixture
def local_models(demo_models, tmp_path, monkeypatch):
    """The demo models copied under the working folder, as relative paths a user would type."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(demo_models.dnabert_dir, tmp_path / "dnabert")
    shutil.copy(demo_models.esm_checkpoint, tmp_path / "esm2_demo.pt")
    shutil.copy(demo_models.classifier, tmp_path / "m.pth")
    return {"model": "./m.pth", "dnabert": "./dnabert", "esm": "esm2_demo.pt", "device": "cpu"}


def trained_model(path, chunk_length=300, width=DEMO_WIDTH, embedders=("demo", "demo")):
    """A tiny ``model.pt`` as ``virnucpro train`` writes it."""
    metadata = ModelMetadata(chunk_length=chunk_length, input_dim=width, dnabert=embedders[0],
                             esm=embedders[1])
    save_trained_model(path, MLPClassifier(width).state_dict(), metadata)
    return path


def test_local_files_are_checked_and_used_as_typed(local_models):
    models = resolve_models(PipelineConfig(**local_models))
    assert (models.classifier, models.dnabert, models.esm) == (
        "./m.pth", "./dnabert", "esm2_demo.pt")
    assert (models.device, models.demo) == ("cpu", False)


def test_a_missing_classifier_file_is_found_before_any_stage(local_models, tmp_path):
    with pytest.raises(ModelFileError, match="absent.pth: classifier file not found"):
        resolve_models(PipelineConfig(**{**local_models, "model": str(tmp_path / "absent.pth")}))


@pytest.mark.parametrize(("option", "message"), [
    ("dnabert", "neither a model directory nor a model-hub id"),
    ("esm", "ESM-2 checkpoint not found"),
])
def test_a_missing_embedding_model_is_found_before_any_stage(local_models, option, message):
    with pytest.raises(ModelFileError, match=message):
        resolve_models(PipelineConfig(**{**local_models, option: "./absent.pt"}))


def test_a_text_file_as_classifier_is_refused(local_models, tmp_path):
    (tmp_path / "notes.txt").write_text("not a model\n")
    with pytest.raises(ModelFileError, match="notes.txt: not a readable PyTorch file"):
        resolve_models(PipelineConfig(**{**local_models, "model": "notes.txt"}))


def test_a_classifier_pickle_carrying_code_is_refused_without_running_it(local_models, tmp_path,
                                                                          code_probe):
    payload, marker = code_probe
    torch.save({"hidden_layer.weight": payload}, tmp_path / "evil.pth")
    with pytest.raises(ModelFileError, match="evil.pth: refused to load"):
        resolve_models(PipelineConfig(**{**local_models, "model": "evil.pth"}))
    assert not marker.exists()


def test_a_classifier_for_other_embedders_is_refused_before_any_stage(local_models, tmp_path):
    torch.save(MLPClassifier(3328).state_dict(), tmp_path / "wide.pth")
    with pytest.raises(ModelFileError, match="expects 3328 features per frame, but the embedding "
                                             "models give 128"):
        resolve_models(PipelineConfig(**{**local_models, "model": "wide.pth"}))


def test_an_esm_checkpoint_without_a_weight_is_refused_from_its_header(local_models, tmp_path):
    data = torch.load("esm2_demo.pt", weights_only=False)
    del data["model"]["encoder.sentence_encoder.layers.1.fc2.weight"]
    torch.save(data, tmp_path / "esm2_cut.pt")
    with pytest.raises(ModelFileError, match="esm2_cut.pt does not fit the ESM-2 architecture: "
                                             "missing layers.1.fc2.weight"):
        resolve_models(PipelineConfig(**{**local_models, "esm": "esm2_cut.pt"}))


def test_the_esm_checkpoint_is_memory_mapped_through_the_weights_only_loader(local_models,
                                                                             monkeypatch):
    calls = []
    real_load = torch.load

    def spy(path, *args, **kwargs):
        calls.append((str(path), kwargs.get("weights_only"), kwargs.get("mmap")))
        return real_load(path, *args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    resolve_models(PipelineConfig(**local_models))
    assert ("esm2_demo.pt", True, True) in calls
    assert all(weights_only for _, weights_only, _ in calls)


def test_a_damaged_dnabert_tokenizer_is_refused(local_models, tmp_path):
    (tmp_path / "dnabert" / "tokenizer.json").write_text("{ not json")
    with pytest.raises(ModelFileError, match="cannot load the DNABERT-S tokenizer"):
        resolve_models(PipelineConfig(**local_models))


def test_demo_models_resolve_to_files_and_leave_the_config_alone(model_cache_dir, demo_models):
    config = PipelineConfig(demo=True, cache_dir=model_cache_dir)
    models = resolve_models(config, device="cuda:1")
    assert models.demo and models.device == "cuda:1"
    assert models.classifier == str(demo_models.classifier)
    assert models.dnabert == str(demo_models.dnabert_dir)
    assert config.model is None and config.dnabert is None and config.esm is None


def test_an_explicit_model_wins_over_demo_and_is_logged(model_cache_dir, demo_models, tmp_path,
                                                        caplog):
    esm = shutil.copy(demo_models.esm_checkpoint, tmp_path / "esm2_mine.pt")
    with caplog.at_level(logging.INFO, logger="virnucpro"):
        models = resolve_models(PipelineConfig(demo=True, esm=str(esm), cache_dir=model_cache_dir))
    assert models.esm == str(esm) and models.dnabert == str(demo_models.dnabert_dir)
    assert f"--demo: --esm {esm} given, used instead of the demo model" in caplog.text
    with pytest.raises(ModelFileError, match="ESM-2 checkpoint not found"):
        resolve_models(PipelineConfig(demo=True, esm=str(tmp_path / "esm2_typo.pt"),
                                      cache_dir=model_cache_dir))


def test_train_resolves_no_classifier(model_cache_dir, tmp_path):
    models = resolve_models(PipelineConfig(demo=True, model=str(tmp_path / "absent.pt"),
                                           cache_dir=model_cache_dir), classifier=False)
    assert models.classifier == ""


def test_offline_a_published_classifier_not_cached_is_one_line_with_the_way_out(
    local_models, tmp_path, monkeypatch
):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    config = PipelineConfig(**{**local_models, "model": "500", "cache_dir": tmp_path / "empty"})
    with pytest.raises(ModelFileError) as raised:
        resolve_models(config)
    message = str(raised.value)
    assert "HF_HUB_OFFLINE is set" in message and "-m PATH" in message and "\n" not in message


def test_offline_a_hub_model_not_cached_is_one_line_with_the_way_out(local_models, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    config = PipelineConfig(**{**local_models, "dnabert": "someone/not-cached",
                               "cache_dir": tmp_path / "empty"})
    with pytest.raises(ModelFileError) as raised:
        resolve_models(config)
    message = str(raised.value)
    assert "HF_HUB_OFFLINE is set" in message and "--dnabert" in message and "\n" not in message


def test_a_trained_model_of_another_chunk_length_is_refused(local_models, tmp_path, caplog):
    trained_model(tmp_path / "model.pt", chunk_length=300, embedders=(
        str((tmp_path / "dnabert").resolve()), str((tmp_path / "esm2_demo.pt").resolve())))
    config = PipelineConfig(**{**local_models, "model": "model.pt", "chunk_length": 500})
    with pytest.raises(UsageError, match="chunk length 300 \\(the run uses 500\\)"):
        resolve_models(config)
    assert resolve_models(PipelineConfig(**{**local_models, "model": "model.pt",
                                            "chunk_length": 300})).classifier == "model.pt"
    with caplog.at_level(logging.WARNING):
        resolve_models(PipelineConfig(**{**local_models, "model": "model.pt",
                                         "allow_model_mismatch": True}))
    assert "--allow-model-mismatch" in caplog.text


def test_a_rank_runs_the_same_files_on_its_own_device(model_cache_dir):
    models = resolve_models(PipelineConfig(demo=True, cache_dir=model_cache_dir), device="cpu")
    moved = models.on_device("cuda:3")
    assert moved.device == "cuda:3" and models.device == "cpu"
    assert (moved.dnabert, moved.esm, moved.classifier) == (
        models.dnabert, models.esm, models.classifier)


def test_the_config_is_frozen():
    with pytest.raises(AttributeError):
        PipelineConfig().model = "/somewhere/else.pth"  # type: ignore[misc]


def test_demo_with_every_model_given_is_no_demo_run(local_models, tmp_path):
    cache = tmp_path / "cache"
    models = resolve_models(PipelineConfig(**local_models, demo=True, cache_dir=cache))
    assert not models.demo and models.esm == "esm2_demo.pt"
    assert not cache.exists(), "no demo model was written"


def test_a_model_given_with_demo_is_named_for_what_it_is(model_cache_dir, demo_models, tmp_path):
    esm = shutil.copy(demo_models.esm_checkpoint, tmp_path / "esm2_mine.pt")
    model = trained_model(tmp_path / "model.pt", embedders=("demo", str(esm)))
    mixed = PipelineConfig(demo=True, esm=str(esm), model=str(model), chunk_length=300,
                           cache_dir=model_cache_dir)
    assert resolve_models(mixed).classifier == str(model)
    with pytest.raises(UsageError, match="ESM-2 model .*esm2_mine.pt.* \\(the run uses 'demo'\\)"):
        resolve_models(PipelineConfig(demo=True, model=str(model), chunk_length=300,
                                      cache_dir=model_cache_dir))
