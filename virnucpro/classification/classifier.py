"""The VirNucPro MLP classifier and its safe loading from published or local files."""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from virnucpro.errors import ModelFileError

HIDDEN_DIM = 512
NUM_CLASSES = 2


class MLPClassifier(nn.Module):
    """Linear(in, 512) -> BatchNorm1d -> ReLU -> Dropout(0.5) -> Linear(512, 2), as published.

    Attribute names match the published checkpoints (``hidden_layer``, ``bn1``, ``dropout``,
    ``output_layer``) so their state dicts load unchanged.
    """

    def __init__(self, input_dim: int, hidden_dim: int = HIDDEN_DIM, num_class: int = NUM_CLASSES):
        super().__init__()
        self.hidden_layer = nn.Linear(input_dim, hidden_dim)
        self.bn1 = nn.BatchNorm1d(hidden_dim)
        self.output_layer = nn.Linear(hidden_dim, num_class)
        self.dropout = nn.Dropout(0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn1(self.hidden_layer(x)))
        return self.output_layer(self.dropout(x))


# The published 300_model.pth / 500_model.pth are whole pickled modules whose class was saved
# from the training script, so the pickle names it ``__main__.MLPClassifier``.
PUBLISHED_CLASS_NAME = "__main__.MLPClassifier"


def _allowed_globals() -> list:
    """The only types a classifier file may contain besides tensors and plain containers."""
    return [
        (MLPClassifier, PUBLISHED_CLASS_NAME),
        MLPClassifier,
        nn.Linear,
        nn.BatchNorm1d,
        nn.Dropout,
        nn.ReLU,
        set,
    ]


def _read_classifier_file(path: Path) -> object:
    """Unpickle ``path`` with torch's weights-only unpickler and the classifier types allowed."""
    try:
        with torch.serialization.safe_globals(_allowed_globals()):
            return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ModelFileError(f"{path}: classifier file not found") from None
    except pickle.UnpicklingError as error:
        if "global" not in str(error).lower():
            message = f"{path}: not a readable PyTorch file ({_unsupported_global(error)})"
            raise ModelFileError(message) from None
        raise ModelFileError(
            f"{path}: refused to load: the file holds types other than the VirNucPro classifier "
            f"and torch tensors ({_unsupported_global(error)})"
        ) from None
    except Exception as error:  # torch.load on arbitrary bytes raises many kinds of errors
        message = f"{path}: not a readable PyTorch file ({_first_line(error)})"
        raise ModelFileError(message) from None


def _unsupported_global(error: BaseException) -> str:
    """The line of torch's weights-only message that names the refused type."""
    for line in str(error).splitlines():
        if "unsupported" in line.lower():
            return line.strip().removeprefix("WeightsUnpickler error: ").split(" was not")[0]
    return _first_line(error)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _from_state_dict(state: Mapping, path: Path) -> MLPClassifier:
    """Build the classifier whose sizes the state dict's weights imply, and load it."""
    if "state_dict" in state and isinstance(state["state_dict"], Mapping):
        state = state["state_dict"]
    weight = state.get("hidden_layer.weight")
    if not isinstance(weight, torch.Tensor) or weight.dim() != 2:
        raise ModelFileError(
            f"{path}: not a VirNucPro classifier state dict (no hidden_layer.weight)"
        )
    hidden_dim, input_dim = weight.shape
    model = MLPClassifier(int(input_dim), hidden_dim=int(hidden_dim))
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        message = f"{path}: classifier weights do not fit: {_first_line(error)}"
        raise ModelFileError(message) from None
    return model


def load_classifier(path: Path) -> MLPClassifier:
    """Load a classifier saved as a whole module (the published files) or as a state dict.

    Only the classifier class, its torch layers and tensors are unpickled; anything else is a
    :class:`ModelFileError`. The model is returned in eval mode on the CPU.
    """
    path = Path(path)
    loaded = _read_classifier_file(path)
    if isinstance(loaded, MLPClassifier):
        model = loaded
    elif isinstance(loaded, Mapping):
        model = _from_state_dict(loaded, path)
    else:
        found = type(loaded).__name__
        raise ModelFileError(f"{path}: expected a VirNucPro classifier, found {found}")
    return model.eval()


def classifier_input_dim(model: MLPClassifier) -> int:
    """The feature width the classifier expects (DNABERT-S width + ESM-2 width)."""
    return model.hidden_layer.in_features
