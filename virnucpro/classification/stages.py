"""Stages 7-8: merge the two feature files of every split file, score every frame.

torch is imported only once a stage runs, so importing this module (as the pipeline
definitions do) stays cheap.
"""

from __future__ import annotations

import logging
from pathlib import Path

from virnucpro.atomic import atomic_open
from virnucpro.config import PipelineConfig, ResolvedModels
from virnucpro.errors import ModelFileError
from virnucpro.paths import RunLayout, RunPaths
from virnucpro.progress import progress_bar
from virnucpro.results.predictions import write_prediction_header, write_prediction_rows
from virnucpro_telemetry import add_metrics, timed_stage

logger = logging.getLogger(__name__)


@timed_stage("Feature Merging", rate="sequences", rate_unit="seq")
def merge_features(
    paths: RunLayout, config: PipelineConfig, models: ResolvedModels | None = None
) -> None:
    """Write ``<stem>_merged/output_N_merged.pt`` for every split file, rows paired by id.

    Args:
        paths: the run's files.
        config: the run's settings (``progress``).
        models: the resolved models (not read: the stages share one signature).
    """
    from virnucpro.classification.feature_merge import merge_by_id
    from virnucpro.embedding.feature_files import read_features, write_features

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


@timed_stage("Model Prediction", rate="sequences", rate_unit="seq")
def predict_frames(paths: RunPaths, config: PipelineConfig, models: ResolvedModels) -> None:
    """Score every merged feature row with the classifier; write ``prediction_results.txt``.

    Args:
        paths: the run's files.
        config: the run's settings (``classifier_batch_size``, ``progress``).
        models: the resolved models (``classifier``).
    """
    from virnucpro.classification.classifier import classifier_input_dim, load_classifier
    from virnucpro.classification.scoring import frame_probabilities
    from virnucpro.embedding.feature_files import read_features

    model = load_classifier(models.classifier)
    expected_width = classifier_input_dim(model)
    frames = 0
    indices = paths.split_indices()
    bar = progress_bar(indices, desc="Classifying", unit="file", enabled=config.progress)
    with atomic_open(paths.prediction_results) as handle:
        write_prediction_header(handle)
        for index in bar:
            ids, data = read_features(paths.merged_features(index))
            if data.shape[1] != expected_width:
                raise _width_error(models.classifier, paths.merged_features(index),
                                   data.shape[1], expected_width)
            probabilities = frame_probabilities(model, data, config.classifier_batch_size)
            write_prediction_rows(handle, ids, probabilities)
            frames += len(ids)
    add_metrics(sequences=frames, frames=frames)


def _width_error(classifier: Path, features: Path, found: int, expected: int) -> ModelFileError:
    return ModelFileError(
        f"{classifier}: the classifier expects {expected} features per frame but "
        f"{features} has {found}; the classifier does not match the "
        "DNABERT-S / ESM-2 models in use"
    )
