"""Loading DNABERT-S from a local directory or a hub id, and rejecting bad model files."""

from __future__ import annotations

import argparse
import shutil

import pytest
import torch

from virnucpro.embedding import dnabert_loading
from virnucpro.embedding.dnabert_loading import load_dnabert_s
from virnucpro.errors import ModelFileError

DNA = "ACGTTGCAAGCTAGCTAGGATCGATCGGGATCTAGCTAGCATCGACN"


@pytest.fixture
def model_dir(demo_models, tmp_path):
    """A private copy of the demo DNABERT-S directory, free to damage."""
    return shutil.copytree(demo_models.dnabert_dir, tmp_path / "dnabert-s")


def _embed(model, tokenizer, sequence=DNA):
    ids = tokenizer(sequence, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        return model(ids).mean(dim=1)


def test_loads_demo_directory(demo_models):
    model, tokenizer = load_dnabert_s(demo_models.dnabert_dir)
    assert not model.training
    assert model.hidden_size == 64
    ids = tokenizer(DNA)["input_ids"]
    assert ids[0] == 1 and ids[-1] == 2  # [CLS] ... [SEP], as in DNABERT-S
    assert max(ids) < model.config["vocab_size"]
    assert _embed(model, tokenizer).shape == (1, 64)


def test_pytorch_bin_with_bert_prefix_gives_same_model(demo_models, model_dir):
    reference = _embed(*load_dnabert_s(demo_models.dnabert_dir))
    from safetensors.torch import load_file

    state = load_file(model_dir / "model.safetensors")
    (model_dir / "model.safetensors").unlink()
    torch.save({f"bert.{k}": v for k, v in state.items()}, model_dir / "pytorch_model.bin")
    model, tokenizer = load_dnabert_s(str(model_dir))
    torch.testing.assert_close(_embed(model, tokenizer), reference, atol=0, rtol=0)


def test_pytorch_bin_with_python_objects_is_refused(model_dir, code_probe):
    (model_dir / "model.safetensors").unlink()
    payload, marker = code_probe
    torch.save({"args": argparse.Namespace(x=1), "hook": payload},
               model_dir / "pytorch_model.bin")
    with pytest.raises(ModelFileError, match="pytorch_model.bin"):
        load_dnabert_s(model_dir)
    assert not marker.exists()


@pytest.mark.parametrize(
    "damage, named",
    [
        (lambda d: (d / "config.json").unlink(), "config.json"),
        (lambda d: (d / "config.json").write_text("{not json"), "config.json"),
        (lambda d: (d / "config.json").write_text('{"hidden_size": 64}'), "vocab_size"),
        (lambda d: (d / "model.safetensors").unlink(), "model.safetensors or pytorch_model.bin"),
        (lambda d: (d / "model.safetensors").write_bytes(b"garbage"), "model.safetensors"),
        (lambda d: (d / "tokenizer.json").unlink(), "tokenizer.json"),
        (lambda d: (d / "tokenizer.json").write_text("{}"), "tokenizer.json"),
        (lambda d: _replace(d / "tokenizer.json", '"type": "BPE"', '"type": "NoSuchModel"'),
         "tokenizer.json"),
    ],
)
def test_bad_files_raise_model_file_error_naming_them(model_dir, damage, named):
    damage(model_dir)
    with pytest.raises(ModelFileError, match=named):
        load_dnabert_s(model_dir)


def _replace(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_weights_of_another_shape_are_refused(model_dir):
    _replace(model_dir / "config.json", '"hidden_size": 64', '"hidden_size": 32')
    with pytest.raises(ModelFileError, match="does not fit"):
        load_dnabert_s(model_dir)


@pytest.mark.parametrize("source", ["no/such/dir", "./missing", "plainname"])
def test_neither_directory_nor_hub_id(source):
    with pytest.raises(ModelFileError, match="neither a model directory"):
        load_dnabert_s(source)


def test_unreachable_hub_names_the_way_out(tmp_path):
    # The test session runs with HF_HUB_OFFLINE=1 and an empty cache.
    with pytest.raises(ModelFileError, match="--dnabert"):
        load_dnabert_s("zhihan1996/DNABERT-S", cache_dir=tmp_path)


def test_hub_download_prefers_safetensors(monkeypatch, tmp_path, model_dir):
    calls = []

    def fake_snapshot(repo_id, allow_patterns, cache_dir):
        calls.append((repo_id, tuple(allow_patterns), cache_dir))
        return str(model_dir)

    monkeypatch.setattr("huggingface_hub.snapshot_download", fake_snapshot)
    model, _ = load_dnabert_s("zhihan1996/DNABERT-S", cache_dir=tmp_path)
    assert model.hidden_size == 64
    assert len(calls) == 1 and "model.safetensors" in calls[0][1]
    assert "pytorch_model.bin" not in calls[0][1]
    assert calls[0][2] == tmp_path / "huggingface"


def test_hub_download_falls_back_to_pytorch_bin(monkeypatch, model_dir):
    patterns = []

    def fake_snapshot(repo_id, allow_patterns, cache_dir):
        patterns.append(allow_patterns)
        return str(model_dir)

    (model_dir / "model.safetensors").unlink()
    monkeypatch.setattr("huggingface_hub.snapshot_download", fake_snapshot)
    path = dnabert_loading.download_from_hub("zhihan1996/DNABERT-S")
    assert path == model_dir
    assert "pytorch_model.bin" in patterns[1] and "tokenizer.json" in patterns[1]


def test_config_keeps_published_defaults_for_absent_keys(model_dir):
    (model_dir / "config.json").write_text(
        '{"vocab_size": 300, "hidden_size": 64, "num_hidden_layers": 2,'
        ' "num_attention_heads": 4, "intermediate_size": 128, "pad_token_id": null}'
    )
    config = dnabert_loading.read_config(model_dir / "config.json")
    assert config["alibi_starting_size"] == 512
    assert config["layer_norm_eps"] == 1e-12
    assert config["hidden_act"] == "gelu"
    assert config["pad_token_id"] == 0
