"""Running a tuple of stages: call each, or skip it when the checkpoints say it finished.

Torch-free, so ``virnucpro preprocess`` starts fast.
"""

from __future__ import annotations

from virnucpro.config import PipelineConfig, ResolvedModels
from virnucpro.input_files import check_input  # noqa: F401 - where callers import it
from virnucpro.paths import RunPaths
from virnucpro.pipeline.checkpoint import RunState
from virnucpro.pipeline.definitions import Pipeline, Stage
from virnucpro_telemetry import current_registry, skip_stage, stage_name


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
            state.mark_done(stage, recorded_metrics(stage))


def recorded_metrics(stage: Stage) -> dict:
    """The metrics ``stage`` recorded in the active registry (empty with telemetry off)."""
    try:
        return dict(current_registry()[stage_name(stage)].metrics)
    except KeyError:
        return {}


def stage_metric(registry, stage: Stage, metric: str, state: RunState | None = None) -> object:
    """A metric that ``stage`` recorded in ``registry``, else the one stored with its checkpoint
    in ``state`` (a resumed run skipped it), else ``-``."""
    try:
        value = registry[stage_name(stage)].metrics.get(metric, "-")
    except KeyError:
        value = "-"
    if value == "-" and state is not None:
        value = state.stage_metrics(stage).get(metric, "-")
    return value
