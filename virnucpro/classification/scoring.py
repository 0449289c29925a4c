"""Frame scoring: the classifier's class probabilities for rows of merged features."""

from __future__ import annotations

import numpy as np
import torch


def frame_probabilities(model: torch.nn.Module, data: torch.Tensor, batch_size: int) -> np.ndarray:
    """Softmax class probabilities, float32, one row per feature row (P(others), P(virus))."""
    with torch.inference_mode():
        batches = [
            torch.softmax(model(data[start : start + batch_size]), dim=1)
            for start in range(0, len(data), batch_size)
        ]
    if not batches:
        return np.zeros((0, 2), dtype=np.float32)
    return torch.cat(batches).numpy().astype(np.float32, copy=False)
