"""The feature files of stages 5-6: ``{'ids': [str, ...], 'data': Tensor[n, d]}``.

torch is imported by the functions that read or write tensors, so that the torchrun planner
(``virnucpro.pipeline.distribution.distributed``) can ask :func:`pending_splits` without loading it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from virnucpro.atomic import atomic_torch_save
from virnucpro.errors import InputError
from virnucpro.file_digests import verify_written

if TYPE_CHECKING:
    import torch

    from virnucpro.paths import RunLayout

logger = logging.getLogger(__name__)


def pending_splits(
    indices: Sequence[int], output: Callable[[int], Path], resume: bool, layout: RunLayout
) -> tuple[list[int], int]:
    """The split indices whose feature file is still to write, and how many were skipped.

    Args:
        indices: the split files to consider.
        output: the feature file of split file N.
        resume: keep the feature files that are whole: recorded when written
            (``virnucpro.file_digests``) and still of that size and SHA-256. A damaged one is
            logged (file and reason) and written again.
        layout: the run's folder (where the written files are recorded).
    """
    if not resume:
        return list(indices), 0
    todo = []
    for index in indices:
        problem = verify_written(layout, output(index))
        if problem is None:
            continue
        if problem != "missing":
            logger.warning("%s: %s; computing it again", output(index), problem)
        todo.append(index)
    return todo, len(indices) - len(todo)


def write_features(path: Path, ids: list[str], data: torch.Tensor) -> None:
    """Write one feature file atomically; row ``i`` of ``data`` belongs to ``ids[i]``."""
    import torch

    if data.shape[0] != len(ids):
        raise ValueError(f"{len(ids)} ids but {data.shape[0]} embedding rows")
    data = data.detach().to(device="cpu", dtype=torch.float32).contiguous()
    atomic_torch_save({"ids": list(ids), "data": data}, path)


def read_features(path: Path) -> tuple[list[str], torch.Tensor]:
    """``(ids, data)`` of a feature file, read with ``weights_only=True``.

    Raises:
        InputError: the file is unreadable or not in the feature-file format.
    """
    import torch

    try:
        content = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # any unpickling or zip failure means a bad file
        raise InputError(f"cannot read feature file {path}: {error}") from error
    if not (isinstance(content, dict) and {"ids", "data"} <= content.keys()):
        raise InputError(f"{path} is not a feature file (expected keys 'ids' and 'data')")
    ids, data = content["ids"], content["data"]
    if not isinstance(data, torch.Tensor) or data.ndim != 2 or data.shape[0] != len(ids):
        raise InputError(f"{path}: 'data' must be a [len(ids), d] tensor")
    return list(ids), data
