"""The VirNucPro MLP classifier and its safe loading from published or local files."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

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
