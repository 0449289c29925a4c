"""Running a tuple of stages: call each, or skip it when the checkpoints say it finished.

Torch-free, so ``virnucpro preprocess`` starts fast.
"""

from __future__ import annotations

from pathlib import Path

from virnucpro.config import PipelineConfig, ResolvedModels
from virnucpro.errors import InputError
from virnucpro.paths import RunPaths
from virnucpro.pipeline.checkpoint import RunState
from virnucpro.pipeline.definitions import Pipeline, Stage
from virnucpro_telemetry import skip_stage, stage_name


def check_input(input_path: Path) -> None:
    """Fail early, naming the file, when the input cannot be read at all."""
    if not input_path.is_file():
        raise InputError(f"{input_path}: input file not found")


def run_stages(
    stages: Pipeline,
    paths: RunPaths,
    config: PipelineConfig,
    models: ResolvedModels | None,
    state: RunState | None,
) -> None:
    """Run each stage, or record it as skipped when ``state`` says it finished before.

    Args:
        stages: the stages, in order (a tuple of ``virnucpro.pipeline.definitions``).
        paths: the run's files.
        config: the user's settings.
        models: the resolved models (None where no stage needs one: ``preprocess``).
        state: the checkpoints (None: run every stage, record nothing).
    """
    for stage in stages:
        if state is not None and config.resume and state.is_done(stage):
            skip_stage(stage_name(stage), "checkpoint")
            continue
        stage(paths, config, models)
        if state is not None:
            state.mark_done(stage)


def stage_metric(registry, stage: Stage, metric: str) -> object:
    """A metric that ``stage`` recorded in ``registry``, or ``-`` when it or the stage is absent."""
    try:
        return registry[stage_name(stage)].metrics.get(metric, "-")
    except KeyError:
        return "-"
