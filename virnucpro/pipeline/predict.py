"""``run_prediction``: the nine stages in order, with checkpoints and the timing summary."""

from __future__ import annotations

import logging
from pathlib import Path

from virnucpro.config import PipelineConfig
from virnucpro.paths import RunPaths, input_stem
from virnucpro.pipeline.checkpoint import run_fingerprint
from virnucpro.pipeline.models import DEMO_BANNER, resolve_model_sources
from virnucpro.pipeline.stage_runner import (
    PREPROCESS_STAGES,
    Stage,
    check_input,
    run_stages,
    stage_metric,
)
from virnucpro.pipeline.workspace import prepare_output_dir, remove_intermediates
from virnucpro.stages.classify import merge_features, predict_frames, score_consensus
from virnucpro.stages.features import extract_dnabert_features, extract_esm_features
from virnucpro_telemetry import StageRegistry, log_summary, use_registry

logger = logging.getLogger(__name__)

FEATURE_STAGES: tuple[Stage, ...] = (
    ("DNABERT-S Feature Extraction", extract_dnabert_features),
    ("ESM-2 Feature Extraction", extract_esm_features),
)
CLASSIFY_STAGES: tuple[Stage, ...] = (
    ("Feature Merging", merge_features),
    ("Model Prediction", predict_frames),
    ("Consensus Scoring", score_consensus),
)
PREDICT_STAGES = PREPROCESS_STAGES + FEATURE_STAGES + CLASSIFY_STAGES


def default_output_dir(input_path: Path) -> Path:
    return Path(f"{input_stem(input_path)}_virnucpro")


def _key_metrics(registry: StageRegistry, config: PipelineConfig) -> dict[str, object]:
    return {
        "Input sequences": stage_metric(registry, "Sequence Chunking", "sequences"),
        "Frames scored": stage_metric(registry, "Model Prediction", "frames"),
        "Models": f"DNABERT-S {config.dnabert}; ESM-2 {config.esm}; classifier {config.model}",
        "Device": f"{config.device}, precision {config.precision}",
    }


def run_prediction(input_path: Path, config: PipelineConfig) -> RunPaths:
    """Run all nine stages on ``input_path``; return the run's paths.

    Logs the timing summary at the end, also when a stage fails (the error is then re-raised).
    """
    input_path = Path(input_path)
    check_input(input_path)
    output_dir = config.output_dir or default_output_dir(input_path)
    paths = RunPaths(input_path, Path(output_dir), config.chunk_length)
    config = resolve_model_sources(config)
    if config.demo:
        logger.warning(DEMO_BANNER)
    state = prepare_output_dir(
        paths, run_fingerprint(input_path, config), config.resume, config.force
    )
    registry = StageRegistry()
    with use_registry(registry):
        try:
            run_stages(PREDICT_STAGES, paths, config, state)
        finally:
            log_summary(
                registry, baseline_seconds=config.baseline_seconds,
                key_metrics=_key_metrics(registry, config),
            )
    if not config.keep_intermediate:
        remove_intermediates(paths)
    if config.demo:
        logger.warning(DEMO_BANNER)
    return paths
