"""The offline demo models: real formats, deterministic bytes, loadable by the real code."""

from __future__ import annotations

import torch

from virnucpro.classification.classifier import MLPClassifier
from virnucpro.pipeline.models.demo import demo_model_paths, write_demo_models


def _files(directory):
    return {p.relative_to(directory): p.read_bytes() for p in sorted(directory.rglob("*"))
            if p.is_file()}


def test_same_seed_same_bytes(demo_models, tmp_path):
    again = write_demo_models(tmp_path / "again")
    first, second = _files(demo_models.directory), _files(again.directory)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_other_seed_other_weights(demo_models, tmp_path):
    other = write_demo_models(tmp_path / "other", seed=7)
    assert other.classifier.read_bytes() != demo_models.classifier.read_bytes()
    assert other.esm_checkpoint.read_bytes() != demo_models.esm_checkpoint.read_bytes()


def test_layout(demo_models):
    expected = {
        "README.txt", "classifier.pth", "esm2_t2_64_demo.pt",
        "esm2_t2_64_demo-contact-regression.pt", "dnabert-s/config.json",
        "dnabert-s/tokenizer.json", "dnabert-s/tokenizer_config.json",
        "dnabert-s/model.safetensors",
    }
    assert {str(p) for p in _files(demo_models.directory)} == expected
    assert demo_model_paths(demo_models.directory) == demo_models


def test_readme_says_meaningless(demo_models):
    text = demo_models.readme.read_text()
    assert "RANDOMLY INITIALISED" in text and "meaningless" in text


def test_classifier_fits_demo_features(demo_models):
    state = torch.load(demo_models.classifier, weights_only=True)
    model = MLPClassifier(64 + 64)
    model.load_state_dict(state)
    assert model(torch.zeros(2, 128)).shape == (2, 2)


def test_global_random_state_untouched(tmp_path):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    write_demo_models(tmp_path)
    assert torch.equal(torch.rand(3), expected)
