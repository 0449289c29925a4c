"""Stage 7's pairing of DNABERT-S and ESM-2 feature rows by frame id."""

from __future__ import annotations

from pathlib import Path

import torch

from virnucpro.errors import InputError

Features = tuple[list[str], torch.Tensor]  # (ids, data), as read_features returns them


def _missing(ids: list[str], present: dict[str, int]) -> list[str]:
    return [frame_id for frame_id in ids if frame_id not in present]


def merge_by_id(dnabert: Features, esm: Features, dnabert_path: Path, esm_path: Path) -> Features:
    """DNABERT-S columns then ESM-2 columns for every id, in DNABERT-S row order.

    Raises:
        InputError: an id is present on one side only (the message names the file lacking it).
    """
    dnabert_ids, dnabert_data = dnabert
    esm_ids, esm_data = esm
    esm_rows = {frame_id: row for row, frame_id in enumerate(esm_ids)}
    dnabert_rows = {frame_id: row for row, frame_id in enumerate(dnabert_ids)}
    for lacking, ids, present in ((esm_path, dnabert_ids, esm_rows),
                                  (dnabert_path, esm_ids, dnabert_rows)):
        missing = _missing(ids, present)
        if missing:
            count, first = len(missing), missing[0]
            raise InputError(f"{lacking}: no features for {count} id(s), first {first!r}")
    order = torch.tensor([esm_rows[i] for i in dnabert_ids], dtype=torch.long)
    merged = torch.cat((dnabert_data.float(), esm_data.float().index_select(0, order)), dim=1)
    return list(dnabert_ids), merged
