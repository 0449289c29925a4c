"""From merged feature files and ``dataset.tsv`` to the splits' tensors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import torch

from virnucpro.errors import InputError
from virnucpro.training.dataset import FrameRow
from virnucpro.training.dataset_paths import DatasetPaths
from virnucpro.training.settings import SPLITS
from virnucpro.training.trainer import SplitTensors, TrainingData


def read_merged_features(paths: DatasetPaths) -> tuple[list[str], torch.Tensor]:
    """The frame ids and the rows of every merged feature file, in split-file order.

    Raises:
        InputError: no merged feature file, or one that cannot be read.
    """
    from virnucpro.embedding.feature_files import read_features

    ids: list[str] = []
    blocks = []
    for index in paths.split_indices():
        file_ids, data = read_features(paths.merged_features(index))
        ids += file_ids
        blocks.append(data.float())
    if not blocks:
        raise InputError(f"{paths.merged_dir}: no merged feature files; run again with --force")
    return ids, torch.cat(blocks)


def split_tensors(
    rows: Iterable[FrameRow], row_of: Mapping[str, int], features: torch.Tensor
) -> SplitTensors:
    """The feature rows (one ``index_select``) and labels of ``rows``.

    Raises:
        InputError: a frame has no feature row.
    """
    rows = list(rows)
    missing = [row.frame_id for row in rows if row.frame_id not in row_of]
    if missing:
        raise InputError(
            f"{len(missing)} frame(s) of the dataset have no features (first: {missing[0]}); "
            "run the feature stages again (--force)"
        )
    index = torch.tensor([row_of[row.frame_id] for row in rows], dtype=torch.long)
    labels = torch.tensor([row.label for row in rows], dtype=torch.long)
    return SplitTensors(features.index_select(0, index), labels)


def training_data(
    pairs: Sequence[tuple[FrameRow, str]], feature_ids: Sequence[str], features: torch.Tensor
) -> TrainingData:
    """Gather each split's feature rows and labels.

    Args:
        pairs: ``(row, split)`` of ``dataset.tsv`` (see ``read_dataset_table``).
        feature_ids: the frame id of each row of ``features`` (the merged files' ``ids``).
        features: ``(rows, width)`` merged DNABERT-S + ESM-2 features.

    Raises:
        InputError: a frame of the dataset has no feature row.
    """
    row_of = {frame_id: index for index, frame_id in enumerate(feature_ids)}
    splits = {
        split: split_tensors((row for row, side in pairs if side == split), row_of, features)
        for split in SPLITS
    }
    return TrainingData(splits["train"], splits["val"], splits["test"])
