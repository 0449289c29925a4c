"""The pipeline definitions: tuples of stage functions that name themselves."""

from __future__ import annotations

import inspect

import pytest

from virnucpro.pipeline.definitions import (
    CLASSIFY,
    EMBED,
    EVALUATE_DATASET,
    EVALUATE_FILES,
    KEY_METRICS,
    MAKE_DATASET,
    PIPELINES,
    PREDICT,
    PREPROCESS,
    RECLASSIFY,
    REDONE_WHEN_CHANGED,
    STAGE_SETTINGS,
    TRAIN,
    Segments,
    segments_around,
)
from virnucpro.pipeline.engine.run_summary import stage_key_metrics
from virnucpro.pipeline.engine.stage_settings import SettingValues
from virnucpro_telemetry import StageRegistry, add_metrics, stage, stage_name, use_registry

ALL_PIPELINES = (PREDICT, PREPROCESS, RECLASSIFY, MAKE_DATASET, TRAIN, EVALUATE_DATASET,
                 EVALUATE_FILES)


def test_the_pipelines_by_command_are_all_the_pipelines():
    assert set(PIPELINES.values()) == set(ALL_PIPELINES)


def test_every_stage_name_belongs_to_exactly_one_stage_function_across_all_pipelines():
    functions_by_name: dict[str, set] = {}
    for pipeline in PIPELINES.values():
        for function in pipeline:
            functions_by_name.setdefault(stage_name(function), set()).add(function)
    shared = {name: functions for name, functions in functions_by_name.items()
              if len(functions) > 1}
    assert shared == {}, "one name, several stages (their checkpoints would collide)"


def test_every_stage_declares_the_settings_it_reads_and_each_has_a_value():
    stages = {function for pipeline in PIPELINES.values() for function in pipeline}
    assert set(STAGE_SETTINGS) == stages
    names = {name for settings in STAGE_SETTINGS.values() for name in settings}
    from virnucpro.pipeline.engine.stage_settings import _SETTINGS

    assert names <= set(_SETTINGS)
    assert set(REDONE_WHEN_CHANGED) <= stages
    from virnucpro.config import PipelineConfig

    values = SettingValues(PipelineConfig(), None).of(STAGE_SETTINGS[PREDICT[-1]])
    assert values == {"min_score": 0.5}


def test_predict_is_preprocess_then_embed_then_classify():
    assert PREDICT == PREPROCESS + EMBED + CLASSIFY
    names = [stage_name(function) for function in PREDICT]
    assert len(set(names)) == len(names) == 9


def test_torchrun_segments_of_predict_are_its_three_parts():
    assert segments_around(PREDICT) == Segments(PREPROCESS, EMBED, CLASSIFY)


def test_torchrun_segments_of_train_put_dataset_and_training_on_either_side_of_embed():
    segments = segments_around(TRAIN)
    assert segments.before + segments.shared + segments.after == TRAIN
    assert segments.shared == EMBED
    assert segments.before[:len(MAKE_DATASET)] == MAKE_DATASET
    assert [stage_name(s) for s in segments.before[len(MAKE_DATASET):]] == ["Frame Splitting"]
    assert [stage_name(s) for s in segments.after] == ["Feature Merging", "Model Training",
                                                       "Model Evaluation"]


def test_a_pipeline_without_the_shared_stages_in_one_piece_has_no_segments():
    with pytest.raises(ValueError, match="in one piece"):
        segments_around(MAKE_DATASET)
    with pytest.raises(ValueError, match="in one piece"):
        segments_around(EMBED[:1] + CLASSIFY + EMBED[1:])


def test_reclassify_is_the_same_stage_functions_as_stages_8_and_9():
    assert RECLASSIFY == PREDICT[7:9] == CLASSIFY[1:]


def test_every_stage_takes_paths_config_and_models_first():
    for function in PREDICT:
        parameters = list(inspect.signature(function).parameters)
        assert parameters[:3] == ["paths", "config", "models"], stage_name(function)


def test_key_metrics_come_from_stages_of_the_pipeline():
    assert all(any(function in pipeline for pipeline in ALL_PIPELINES)
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
    for pipeline in ALL_PIPELINES:
        names = [stage_name(function) for function in pipeline]
        assert len(set(names)) == len(names)
        for function in pipeline:
            parameters = list(inspect.signature(function).parameters)
            assert parameters[:3] == ["paths", "config", "models"], stage_name(function)
