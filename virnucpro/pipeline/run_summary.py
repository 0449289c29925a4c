"""The timing summary that ends a run, with its key metrics read from the stages."""

from __future__ import annotations

from virnucpro.config import PipelineConfig, ResolvedModels
from virnucpro.errors import VirNucProError
from virnucpro.pipeline.definitions import KEY_METRICS, Pipeline
from virnucpro.pipeline.distributed import World
from virnucpro.pipeline.stage_runner import stage_metric
from virnucpro_telemetry import StageRegistry, log_summary


def stage_key_metrics(registry: StageRegistry, pipeline: Pipeline) -> dict:
    """The key metrics (``definitions.KEY_METRICS``) of the stages of ``pipeline``."""
    return {
        label: stage_metric(registry, stage, metric)
        for label, (stage, metric) in KEY_METRICS.items()
        if stage in pipeline
    }


def _device_description(device: str, precision: str, world: World) -> str:
    """The device and dtype the models ran on, as resolved from ``auto``."""
    from virnucpro.embedding.device import resolve_device, resolve_dtype  # imports torch

    try:
        resolved = resolve_device(device)
        description = f"{resolved}, {str(resolve_dtype(precision, resolved)).split('.')[-1]}"
    except VirNucProError as error:
        description = f"{device} ({error})"
    if world.launched:
        description += f" on rank 0 of {world.size} ranks"
    return description


def log_prediction_summary(
    registry: StageRegistry,
    pipeline: Pipeline,
    config: PipelineConfig,
    models: ResolvedModels | None,
    world: World,
    device: str | None = None,
) -> None:
    """Log the summary of a ``predict`` run.

    Args:
        registry: the run's stage timings.
        pipeline: the stages the run was made of (their key metrics are shown).
        config: the user's settings.
        models: the resolved models; None when the run stopped before resolving them (the
            model options are then shown as given).
        world: the torchrun launch, for the device line.
        device: the device to show when ``models`` is None (default: ``config.device``).
    """
    if models is not None:
        shown = {"DNABERT-S": models.dnabert, "ESM-2": models.esm,
                 "Classifier": models.classifier}
        device = models.device
    else:  # the run stopped before resolving them: the options as given
        shown = {"DNABERT-S": config.dnabert, "ESM-2": config.esm, "Classifier": config.model}
        device = device or config.device
    key_metrics = {
        **stage_key_metrics(registry, pipeline),
        **shown,
        "Device": _device_description(device, config.precision, world),
    }
    log_summary(registry, baseline_seconds=config.baseline_seconds, key_metrics=key_metrics)
