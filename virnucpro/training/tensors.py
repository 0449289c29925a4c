"""From merged feature rows and ``dataset.tsv`` to the three splits' tensors."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from virnucpro.errors import InputError
from virnucpro.training.dataset import SPLITS, FrameRow
from virnucpro.training.trainer import SplitTensors, TrainingData


def training_data(
    pairs: Sequence[tuple[FrameRow, str]], feature_ids: Sequence[str], features: torch.Tensor
) -> TrainingData:
    """Gather each split's feature rows (one ``index_select`` per split) and labels.

    Args:
        pairs: ``(row, split)`` of ``dataset.tsv`` (see ``read_dataset_table``).
        feature_ids: the frame id of each row of ``features`` (the merged files' ``ids``).
        features: ``(rows, width)`` merged DNABERT-S + ESM-2 features.

    Raises:
        InputError: a frame of the dataset has no feature row.
    """
    row_of = {frame_id: index for index, frame_id in enumerate(feature_ids)}
    splits = {}
    for split in SPLITS:
        chosen = [row for row, side in pairs if side == split]
        missing = [row.frame_id for row in chosen if row.frame_id not in row_of]
        if missing:
            raise InputError(
                f"{len(missing)} frame(s) of the dataset have no features (first: {missing[0]}); "
                "run the feature stages again (--force)"
            )
        index = torch.tensor([row_of[row.frame_id] for row in chosen], dtype=torch.long)
        labels = torch.tensor([row.label for row in chosen], dtype=torch.long)
        splits[split] = SplitTensors(features.index_select(0, index), labels)
    return TrainingData(splits["train"], splits["val"], splits["test"])
