"""The classifier loader: published whole-module pickles, state dicts, and refusals."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import torch

from virnucpro.classification.classifier import MLPClassifier, classifier_input_dim, load_classifier
from virnucpro.errors import ModelFileError

# The published files were saved by a training script whose classifier class lived in __main__.
_SAVE_AS_MAIN = textwrap.dedent(
    """
    import sys
    import torch
    from torch import nn
    import torch.nn.functional as F

    class MLPClassifier(nn.Module):
        def __init__(self, input_dim, hidden_dim, num_class):
            super(MLPClassifier, self).__init__()
            self.hidden_layer = nn.Linear(input_dim, hidden_dim)
            self.bn1 = nn.BatchNorm1d(hidden_dim)
            self.output_layer = nn.Linear(hidden_dim, num_class)
            self.dropout = nn.Dropout(0.5)

        def forward(self, x):
            x = F.relu(self.bn1(self.hidden_layer(x)))
            return self.output_layer(self.dropout(x))

    torch.manual_seed(1)
    model = MLPClassifier(48, 512, 2)
    model.bn1.running_mean.uniform_(-1, 1)
    model.bn1.running_var.uniform_(0.5, 2)
    model.eval()
    torch.save(model, sys.argv[1])
    torch.save(model(torch.ones(3, 48)).detach(), sys.argv[2])
    """
)


def test_loads_a_whole_module_pickled_from_main_like_the_published_files(tmp_path):
    model_path, expected_path = tmp_path / "500_model.pth", tmp_path / "expected.pt"
    script = tmp_path / "train.py"
    script.write_text(_SAVE_AS_MAIN)
    subprocess.run([sys.executable, str(script), str(model_path), str(expected_path)], check=True)

    model = load_classifier(model_path)

    assert isinstance(model, MLPClassifier) and not model.training
    assert classifier_input_dim(model) == 48
    with torch.no_grad():
        torch.testing.assert_close(model(torch.ones(3, 48)), torch.load(expected_path))


def test_loads_a_state_dict_and_infers_the_sizes(tmp_path):
    source = MLPClassifier(40).eval()
    torch.save(source.state_dict(), tmp_path / "classifier.pth")
    model = load_classifier(tmp_path / "classifier.pth")
    assert classifier_input_dim(model) == 40
    with torch.no_grad():
        x = torch.randn(5, 40)
        torch.testing.assert_close(model(x), source(x))


def test_refuses_a_pickle_with_any_other_type(tmp_path, code_probe):
    payload, marker = code_probe
    path = tmp_path / "evil.pth"
    torch.save({"hidden_layer.weight": payload}, path)
    with pytest.raises(ModelFileError, match=r"evil\.pth: refused to load.*GLOBAL"):
        load_classifier(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a torch file at all", "not a readable PyTorch file"),
        (None, "not a VirNucPro classifier state dict"),
    ],
)
def test_bad_files_raise_model_file_error_naming_the_file(tmp_path, content, message):
    path = tmp_path / "model.pth"
    if content is None:
        torch.save({"weights": torch.zeros(2)}, path)
    else:
        path.write_bytes(content)
    with pytest.raises(ModelFileError, match=f"model.pth: {message}"):
        load_classifier(path)


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="classifier file not found"):
        load_classifier(tmp_path / "absent.pth")


def test_weights_of_the_wrong_shape(tmp_path):
    state = MLPClassifier(10).state_dict()
    state["output_layer.weight"] = torch.zeros(3, 512)
    torch.save(state, tmp_path / "bad.pth")
    with pytest.raises(ModelFileError, match="weights do not fit"):
        load_classifier(tmp_path / "bad.pth")
