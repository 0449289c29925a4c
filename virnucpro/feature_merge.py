"""Stage 7's pairing of DNABERT-S and ESM-2 feature rows by frame id."""

from __future__ import annotations

from pathlib import Path

import torch

from virnucpro.errors import InputError


def _rows_by_id(table: dict, source: Path) -> dict[str, int]:
    ids = table.get("ids")
    data = table.get("data")
    if not isinstance(ids, list) or not isinstance(data, torch.Tensor) or len(ids) != len(data):
        raise InputError(f"{source}: not a feature file ({{'ids': [...], 'data': Tensor[n, d]}})")
    return {frame_id: row for row, frame_id in enumerate(ids)}


def merge_feature_tables(dnabert: dict, esm: dict, dnabert_path: Path, esm_path: Path) -> dict:
    """``{'ids', 'data'}`` with DNABERT-S columns then ESM-2 columns, in DNABERT-S row order.

    Raises:
        InputError: an id is present on one side only, or a file is not a feature table.
    """
    dnabert_rows = _rows_by_id(dnabert, dnabert_path)
    esm_rows = _rows_by_id(esm, esm_path)
    missing_esm = [i for i in dnabert_rows if i not in esm_rows]
    missing_dnabert = [i for i in esm_rows if i not in dnabert_rows]
    if missing_esm or missing_dnabert:
        where, ids = (esm_path, missing_esm) if missing_esm else (dnabert_path, missing_dnabert)
        raise InputError(f"{where}: no features for {len(ids)} id(s), first {ids[0]!r}")
    ids = list(dnabert_rows)
    order = torch.tensor([esm_rows[i] for i in ids], dtype=torch.long)
    merged = torch.cat((dnabert["data"].float(), esm["data"].float().index_select(0, order)), dim=1)
    return {"ids": ids, "data": merged}


def load_feature_table(path: Path) -> dict:
    """A feature file written by stages 5-7 (plain tensors and lists only)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise InputError(f"{path}: feature file missing; run again with --force") from None
    except (RuntimeError, EOFError, ValueError) as error:
        raise InputError(f"{path}: unreadable feature file ({error}); run with --force") from None
