"""Stages 7-9: merge the feature files, score every frame, call every chunk and sequence."""

from __future__ import annotations

import logging

import numpy as np
import torch

from virnucpro.atomic import atomic_open
from virnucpro.config import PipelineConfig
from virnucpro.errors import ModelFileError
from virnucpro.feature_merge import merge_by_id
from virnucpro.features.io import read_features, write_features
from virnucpro.models.classifier import classifier_input_dim, load_classifier
from virnucpro.paths import RunPaths
from virnucpro.progress import progress_bar
from virnucpro.results import (
    consensus_calls,
    read_manifest,
    read_predictions,
    summarise_sequences,
    write_consensus,
    write_prediction_header,
    write_prediction_rows,
    write_sequence_summary,
)
from virnucpro_telemetry import add_metrics, timed_stage

logger = logging.getLogger(__name__)


@timed_stage("Feature Merging")
def merge_features(paths: RunPaths, config: PipelineConfig) -> None:
    """Write ``<stem>_merged/output_N_merged.pt`` for every split file, rows paired by id."""
    paths.merged_dir.mkdir(parents=True, exist_ok=True)
    rows = 0
    indices = paths.split_indices()
    bar = progress_bar(indices, desc="Merging features", unit="file", enabled=config.progress)
    for index in bar:
        dnabert_path, esm_path = paths.dnabert_features(index), paths.esm_features(index)
        ids, data = merge_by_id(
            read_features(dnabert_path), read_features(esm_path), dnabert_path, esm_path
        )
        write_features(paths.merged_features(index), ids, data)
        rows += len(ids)
    add_metrics(sequences=rows, files=len(indices))


def _classifier_probabilities(
    model: torch.nn.Module, data: torch.Tensor, batch_size: int
) -> np.ndarray:
    """Softmax class probabilities, float32, one row per feature row."""
    with torch.inference_mode():
        batches = [
            torch.softmax(model(data[start : start + batch_size]), dim=1)
            for start in range(0, len(data), batch_size)
        ]
    if not batches:
        return np.zeros((0, 2), dtype=np.float32)
    return torch.cat(batches).numpy().astype(np.float32, copy=False)


@timed_stage("Model Prediction")
def predict_frames(paths: RunPaths, config: PipelineConfig) -> None:
    """Score every merged feature row with the classifier; write ``prediction_results.txt``."""
    model = load_classifier(config.model)
    expected_width = classifier_input_dim(model)
    frames = 0
    indices = paths.split_indices()
    bar = progress_bar(indices, desc="Classifying", unit="file", enabled=config.progress)
    with atomic_open(paths.prediction_results) as handle:
        write_prediction_header(handle)
        for index in bar:
            ids, data = read_features(paths.merged_features(index))
            if data.shape[1] != expected_width:
                raise _width_error(paths, index, data.shape[1], expected_width, config)
            probabilities = _classifier_probabilities(model, data, config.classifier_batch_size)
            write_prediction_rows(handle, ids, probabilities)
            frames += len(ids)
    add_metrics(sequences=frames, frames=frames)


def _width_error(
    paths: RunPaths, index: int, found: int, expected: int, config: PipelineConfig
) -> ModelFileError:
    return ModelFileError(
        f"{config.model}: the classifier expects {expected} features per frame but "
        f"{paths.merged_features(index)} has {found}; the classifier does not match the "
        "DNABERT-S / ESM-2 models in use"
    )


@timed_stage("Consensus Scoring")
def score_consensus(paths: RunPaths, config: PipelineConfig) -> None:
    """Write the per-chunk consensus and the per-sequence summary from the frame predictions."""
    calls = consensus_calls(read_predictions(paths.prediction_results))
    with atomic_open(paths.consensus_results) as handle:
        write_consensus(handle, calls)
    summary = summarise_sequences(
        read_manifest(paths.sequence_manifest), read_predictions(paths.prediction_results), calls
    )
    with atomic_open(paths.sequence_summary) as handle:
        write_sequence_summary(handle, summary)
    viral = sum(entry.call == "virus" for entry in summary)
    add_metrics(sequences=len(summary), chunks=len(calls), viral_sequences=viral)
    logger.info("%d of %d sequences called viral", viral, len(summary))
