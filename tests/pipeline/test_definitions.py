"""The pipeline definitions: tuples of stage functions that name themselves."""

from __future__ import annotations

import inspect

from virnucpro.pipeline.definitions import (
    CLASSIFY,
    EMBED,
    EVALUATE_DATASET,
    EVALUATE_FILES,
    KEY_METRICS,
    MAKE_DATASET,
    PREDICT,
    PREPROCESS,
    RECLASSIFY,
    TRAIN,
)
from virnucpro.pipeline.run_summary import stage_key_metrics
from virnucpro_telemetry import StageRegistry, add_metrics, stage, stage_name, use_registry

PIPELINES = (PREDICT, MAKE_DATASET, TRAIN, EVALUATE_DATASET, EVALUATE_FILES)


def test_predict_is_preprocess_then_embed_then_classify():
    assert PREDICT == PREPROCESS + EMBED + CLASSIFY
    names = [stage_name(function) for function in PREDICT]
    assert len(set(names)) == len(names) == 9


def test_reclassify_is_the_same_stage_functions_as_stages_8_and_9():
    assert RECLASSIFY == PREDICT[7:9] == CLASSIFY[1:]


def test_every_stage_takes_paths_config_and_models_first():
    for function in PREDICT:
        parameters = list(inspect.signature(function).parameters)
        assert parameters[:3] == ["paths", "config", "models"], stage_name(function)


def test_key_metrics_come_from_stages_of_the_pipeline():
    assert all(any(function in pipeline for pipeline in PIPELINES)
               for function, _ in KEY_METRICS.values())
    registry = StageRegistry()
    with use_registry(registry), stage(stage_name(PREPROCESS[0])):
        add_metrics(sequences=8)
    assert stage_key_metrics(registry, PREPROCESS) == {"Sequences processed": 8}
    assert stage_key_metrics(registry, PREDICT) == {
        "Sequences processed": 8, "Frames scored": "-", "Viral sequences": "-",
    }


def test_train_runs_predicts_own_feature_stages_on_the_dataset():
    assert TRAIN[: len(MAKE_DATASET)] == MAKE_DATASET
    assert all(function in TRAIN and function in EVALUATE_DATASET for function in EMBED)
    assert CLASSIFY[0] in TRAIN  # Feature Merging
    for pipeline in PIPELINES:
        names = [stage_name(function) for function in pipeline]
        assert len(set(names)) == len(names)
        for function in pipeline:
            parameters = list(inspect.signature(function).parameters)
            assert parameters[:3] == ["paths", "config", "models"], stage_name(function)
