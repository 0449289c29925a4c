"""The timing summary that ends a run, with its key metrics read from the stages, the stage
records kept in the run folder for ``virnucpro report`` and the ``--trace`` file."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from virnucpro.config import DEFAULT_DNABERT, DEFAULT_ESM, PipelineConfig, ResolvedModels
from virnucpro.errors import UsageError, VirNucProError
from virnucpro.paths import RunLayout
from virnucpro.pipeline.definitions import KEY_METRICS, Pipeline
from virnucpro.pipeline.distribution.distributed import World
from virnucpro.pipeline.engine.checkpoint import Checkpoints
from virnucpro.pipeline.engine.stage_runner import stage_metric
from virnucpro.stage_records import save_records
from virnucpro_telemetry import StageRegistry, log_summary, write_trace

_STAGE_REACHED_ITS_END = ("ok", "skipped")  # StageRecord.status of a finished or skipped stage

logger = logging.getLogger(__name__)


def stage_key_metrics(registry: StageRegistry, pipeline: Pipeline,
                      state: Checkpoints | None = None) -> dict:
    """The key metrics (``definitions.KEY_METRICS``) of the stages of ``pipeline``.

    A stage that a resumed run skipped reports the metrics stored with its checkpoint in
    ``state``.
    """
    return {
        label: stage_metric(registry, stage, metric, state)
        for label, (stage, metric) in KEY_METRICS.items()
        if stage in pipeline
    }


def with_sequences_processed(registry: StageRegistry, metrics: dict) -> dict:
    """``metrics`` led by "Sequences processed" (the largest ``sequences`` count of any stage,
    never a sum over stages, which each see the same sequences) when it has no such line and a
    stage counted sequences."""
    counts = [stats.metrics["sequences"] for stats in registry.values()
              if "sequences" in stats.metrics]
    if not counts or "Sequences processed" in metrics:
        return metrics
    return {"Sequences processed": max(counts), **metrics}


def summary_due(registry: StageRegistry) -> bool:
    """Whether a run's summary says anything: some stage finished or was skipped.

    A run that stopped in or before its first stage (a bad input file, a missing model, a
    locked folder) ends with its one-line error only, not a block of empty stages.
    """
    return any(record.status in _STAGE_REACHED_ITS_END for record in registry.records)


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


def device_line(config: PipelineConfig, models: ResolvedModels | None, world: World,
                device: str | None = None) -> dict[str, str]:
    """The summary's ``Device`` line: the models' device (or ``device``, or the option)."""
    shown = models.device if models is not None else device or config.device
    return {"Device": _device_description(shown, config.precision, world)}


def model_lines(config: PipelineConfig, models: ResolvedModels | None,
                classifier: bool = True) -> dict[str, str]:
    """The summary's model lines: as resolved, or as given when the run stopped before."""
    if models is not None:
        shown = {"DNABERT-S": models.dnabert, "ESM-2": models.esm}
        return {**shown, "Classifier": models.classifier} if classifier else shown
    shown = {"DNABERT-S": config.dnabert or DEFAULT_DNABERT, "ESM-2": config.esm or DEFAULT_ESM}
    return {**shown, "Classifier": str(config.classifier)} if classifier else shown


def log_run_summary(
    registry: StageRegistry,
    pipeline: Pipeline,
    config: PipelineConfig,
    title: str | None,
    lines: dict[str, object],
    checkpoints: Checkpoints | None = None,
) -> None:
    """Log a run's summary block, if :func:`summary_due`.

    Args:
        registry: the run's stage timings.
        pipeline: the stages the run was made of (their key metrics are shown).
        config: the run's settings (``baseline_seconds``).
        title: the block's title (None: the library's default).
        lines: the command's own lines after the key metrics (models, device, ...).
        checkpoints: for the key metrics of the stages a resumed run reused.
    """
    if not summary_due(registry):
        return
    metrics = stage_key_metrics(registry, pipeline, checkpoints)
    # Left alone, the library's "Sequences processed" line shows the largest `sequences` count of
    # any stage, which in a training run mixes GenBank records and frames: a training run's
    # input sequences are its GenBank records.
    if "GenBank records read" in metrics:
        metrics = {"Sequences processed": metrics.pop("GenBank records read"), **metrics}
    options = {"title": title} if title is not None else {}
    log_summary(registry, baseline_seconds=config.baseline_seconds,
                key_metrics=with_sequences_processed(registry, {**metrics, **lines}),
                **options)


def keep_stage_records(paths: RunLayout, registry: StageRegistry) -> None:
    """Save the run's stage records into ``.virnucpro/`` (under torchrun: rank 0's merged ones).

    A failure to save them is logged, never raised: the run's results do not depend on them.
    """
    try:
        save_records(paths.output_dir, registry)
    except OSError as error:
        logger.warning("could not save the stage records into %s (%s); "
                       "`virnucpro report` will show no timings", paths.state_dir, error)


def check_trace_file(path: Path | None) -> None:
    """Refuse, before the run starts, a ``--trace`` file that could not be written at its end.

    Raises:
        UsageError: the path is a folder, or its folder does not exist or is not writable.
    """
    if path is None:
        return
    folder = path.parent  # '.' for a bare file name
    if path.is_dir():
        raise UsageError(f"--trace {path}: is a folder; give a file name (e.g. {path}/trace.json)")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise UsageError(f"--trace {path}: the folder {folder} does not exist or is not writable; "
                         "create it or give another path")


def write_run_trace(path: Path, registry: StageRegistry) -> None:
    """Write the run's stage calls as a Chrome trace (``--trace``); a failure is logged, never
    raised: the run's results do not depend on it."""
    try:
        write_trace(path, registry)
    except OSError as error:
        logger.warning("could not write the trace %s (%s)", path, error)
        return
    logger.info("Stage trace written to %s (open it in Perfetto UI or chrome://tracing)", path)
