"""The pipeline definitions: tuples of stage functions that name themselves."""

from __future__ import annotations

import inspect

from virnucpro.pipeline.definitions import CLASSIFY, EMBED, KEY_METRICS, PREDICT, PREPROCESS
from virnucpro.pipeline.run_summary import stage_key_metrics
from virnucpro_telemetry import StageRegistry, add_metrics, stage, stage_name, use_registry


def test_predict_is_preprocess_then_embed_then_classify():
    assert PREDICT == PREPROCESS + EMBED + CLASSIFY
    names = [stage_name(function) for function in PREDICT]
    assert len(set(names)) == len(names) == 9


def test_every_stage_takes_paths_config_and_models_first():
    for function in PREDICT:
        parameters = list(inspect.signature(function).parameters)
        assert parameters[:3] == ["paths", "config", "models"], stage_name(function)


def test_key_metrics_come_from_stages_of_the_pipeline():
    assert all(function in PREDICT for function, _ in KEY_METRICS.values())
    registry = StageRegistry()
    with use_registry(registry), stage(stage_name(PREPROCESS[0])):
        add_metrics(sequences=8)
    assert stage_key_metrics(registry, PREPROCESS) == {"Sequences processed": 8}
    assert stage_key_metrics(registry, PREDICT) == {
        "Sequences processed": 8, "Frames scored": "-", "Viral sequences": "-",
    }
