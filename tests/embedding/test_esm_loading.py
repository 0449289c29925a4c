"""ESM-2 loading on current torch: weights_only everywhere, only argparse.Namespace allowed."""

from __future__ import annotations

import argparse
import logging
import pickle
import shutil
import urllib.error
from pathlib import Path

import pytest
import torch

from virnucpro.embedding import esm_loading
from virnucpro.embedding.esm_loading import load_esm2, regression_path
from virnucpro.errors import ModelFileError


@pytest.fixture
def checkpoint(demo_models, tmp_path) -> Path:
    """A private copy of the demo ESM-2 checkpoint and its contact-regression sibling."""
    source = demo_models.esm_checkpoint
    shutil.copy(regression_path(source), tmp_path / regression_path(source).name)
    return Path(shutil.copy(source, tmp_path / source.name))


def test_loads_demo_checkpoint(demo_models):
    model, alphabet = load_esm2(str(demo_models.esm_checkpoint))
    assert (model.num_layers, model.embed_dim) == (2, 64)
    assert not model.training
    assert alphabet.cls_idx == 0 and alphabet.eos_idx == 2


def test_every_torch_load_is_weights_only(monkeypatch, demo_models):
    seen = []
    real_load = torch.load

    def spy(*args, **kwargs):
        seen.append(kwargs.get("weights_only"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    load_esm2(demo_models.esm_checkpoint)
    assert seen == [True, True]  # checkpoint and contact regression


def test_allowed_globals_do_not_leak(demo_models):
    load_esm2(demo_models.esm_checkpoint)
    assert argparse.Namespace not in torch.serialization.get_safe_globals()
    # Outside the loader, a checkpoint pickling a Namespace is still refused.
    with pytest.raises(pickle.UnpicklingError, match="argparse.Namespace"):
        torch.load(demo_models.esm_checkpoint, weights_only=True)


@pytest.mark.parametrize("read", [load_esm2, esm_loading.check_esm2],
                         ids=["the loader", "the cheap check before stage 1"])
def test_checkpoint_with_forbidden_global_is_refused(checkpoint, code_probe, read):
    payload, marker = code_probe
    data = torch.load(checkpoint, weights_only=False)
    data["extra"] = payload
    torch.save(data, checkpoint)
    with pytest.raises(ModelFileError, match="only tensors and argparse.Namespace"):
        read(checkpoint)
    assert not marker.exists()


def test_missing_contact_regression_is_fine(checkpoint, caplog):
    reference, _ = load_esm2(checkpoint)
    regression_path(checkpoint).unlink()
    with caplog.at_level(logging.INFO, logger="virnucpro.embedding.esm_loading"):
        model, _ = load_esm2(checkpoint)
    assert "contact-regression" in caplog.text
    tokens = torch.tensor([[0, 5, 6, 7, 2]])
    with torch.no_grad():
        expected = reference(tokens, repr_layers=[2])["representations"][2]
        torch.testing.assert_close(model(tokens, repr_layers=[2])["representations"][2], expected)


def test_missing_weight_is_refused(checkpoint):
    data = torch.load(checkpoint, weights_only=False)
    del data["model"]["encoder.sentence_encoder.layers.1.fc2.weight"]
    torch.save(data, checkpoint)
    with pytest.raises(ModelFileError, match="does not fit the ESM-2 architecture"):
        load_esm2(checkpoint)


@pytest.mark.parametrize(
    "content, message",
    [({"model": {}}, "expected the keys"), ([1, 2], "expected the keys")],
)
def test_not_an_esm_checkpoint(checkpoint, content, message):
    torch.save(content, checkpoint)
    with pytest.raises(ModelFileError, match=message):
        load_esm2(checkpoint)


def test_corrupt_checkpoint(checkpoint):
    checkpoint.write_bytes(b"not a zip file")
    with pytest.raises(ModelFileError, match=checkpoint.name):
        load_esm2(checkpoint)


def test_missing_checkpoint(tmp_path):
    with pytest.raises(ModelFileError, match="not found"):
        load_esm2(tmp_path / "esm2_t6_8M_UR50D.pt")


def test_only_esm2_file_names(checkpoint):
    renamed = checkpoint.rename(checkpoint.with_name("my_model.pt"))
    with pytest.raises(ModelFileError, match="only ESM-2"):
        load_esm2(renamed)


@pytest.mark.parametrize("name", ["esm1b_t33_650M_UR50S", "facebook/esm2_t6_8M_UR50D", ""])
def test_unknown_model_names(name):
    with pytest.raises(ModelFileError, match="neither an ESM-2 checkpoint"):
        load_esm2(name)


def test_named_model_downloads_to_torch_hub_checkpoints(monkeypatch):
    requested = []

    def offline(url, destination, progress=True):
        requested.append((url, destination))
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # the tests' cache is offline
    with pytest.raises(ModelFileError, match="--esm"):
        load_esm2("esm2_t36_3B_UR50D")
    url, destination = requested[0]
    assert url == "https://dl.fbaipublicfiles.com/fair-esm/models/esm2_t36_3B_UR50D.pt"
    assert Path(destination) == Path(torch.hub.get_dir()) / "checkpoints" / "esm2_t36_3B_UR50D.pt"


def test_offline_a_named_model_not_cached_is_refused_without_a_download(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.hub, "download_url_to_file", _no_download)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelFileError, match="not in the model cache and HF_HUB_OFFLINE is set"):
        esm_loading.check_esm2("esm2_t36_3B_UR50D", cache_dir=tmp_path)



def test_named_model_already_cached_is_not_downloaded(monkeypatch, demo_models, tmp_path):
    folder = tmp_path / "esm"
    folder.mkdir()
    for source in (demo_models.esm_checkpoint, regression_path(demo_models.esm_checkpoint)):
        shutil.copy(source, folder / source.name)
    monkeypatch.setattr(torch.hub, "download_url_to_file", _no_download)
    model, _ = load_esm2(demo_models.esm_checkpoint.stem, cache_dir=tmp_path)
    assert model.num_layers == 2
    assert esm_loading.checkpoint_dir(tmp_path) == folder


def _no_download(*args, **kwargs):
    raise AssertionError("downloaded a file already in the cache")
