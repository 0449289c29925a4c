"""The run functions of the commands: ``run_prediction`` (all nine stages) and
``run_preprocess`` (stages 1-4), each with its checkpoints and timing summary.

A single process runs every stage itself. Under ``torchrun`` ``run_prediction`` hands over to
``virnucpro.pipeline.torchrun``, where rank 0 runs stages 1-4 and 7-9 and every rank shares
stages 5-6. Importing this module loads no torch (``virnucpro preprocess`` never does).
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

from virnucpro.config import PipelineConfig
from virnucpro.errors import os_errors_explained
from virnucpro.input_files import STREAM_STEM, is_stream, read_stream_input
from virnucpro.paths import RunPaths, input_stem
from virnucpro.pipeline.definitions import PREDICT, PREPROCESS, segments_around
from virnucpro.pipeline.distributed import World
from virnucpro.pipeline.run_lock import check_output_folder, output_folder_lock
from virnucpro.pipeline.run_summary import (
    keep_stage_records,
    log_prediction_summary,
    stage_key_metrics,
    summary_due,
)
from virnucpro.pipeline.stage_runner import check_input, run_stages
from virnucpro.pipeline.torchrun import RunHooks, run_launched
from virnucpro.pipeline.workspace import close_run, open_run
from virnucpro_telemetry import StageRegistry, log_summary, use_registry

logger = logging.getLogger(__name__)


def default_output_dir(input_path: Path) -> Path:
    """``<input stem>_virnucpro`` in the current folder (``stdin_virnucpro`` for a stream)."""
    stem = STREAM_STEM if is_stream(input_path) else input_stem(input_path)
    return Path(f"{stem}_virnucpro")


def run_prediction(
    input_path: Path,
    config: PipelineConfig,
    world: World | None = None,
    registry: StageRegistry | None = None,
) -> RunPaths:
    """Run all nine stages on ``input_path``; return the run's paths.

    Holds the output folder's lock for the whole run (``virnucpro.pipeline.run_lock``; under
    torchrun only rank 0 takes it). Logs the timing summary at the end and saves the stage
    records into ``.virnucpro/``, also when a stage fails (the error is then re-raised), unless
    the run stopped before any stage finished.

    Args:
        input_path: the FASTA file (plain or gzip), or a stream (``-``, a pipe): copied into
            the output folder first (``virnucpro.input_files``), the paths returned name it.
        config: the run's settings.
        world: a ``torchrun`` launch (see :meth:`World.from_environment`); None or a single
            process runs every stage here, with no torch.distributed set-up at all.
        registry: where the stage timings go (default: a fresh registry for this run).

    Raises:
        UsageError: another run holds the output folder, or it cannot be used as given.
        FileSystemError: the system refused a file operation (disk full, permissions, ...).
    """
    input_path = Path(input_path)
    world = world or World()
    output_dir = config.output_dir or default_output_dir(input_path)
    paths = RunPaths(input_path, Path(output_dir), config.chunk_length)
    with os_errors_explained(paths.output_dir):
        if world.launched:
            hooks = _predict_hooks(input_path, paths, config, world)
            return run_launched(segments_around(PREDICT), hooks, paths, config, world)
        check_input(input_path, streams=True)
        with output_folder_lock(paths.lock_file, config.break_lock,
                                config.stale_lock_minutes):
            paths = read_stream_input(paths, config.resume)
            _predict_in_this_process(paths.input_fasta, paths, config, world, registry)
    return paths


def _predict_hooks(input_path: Path, paths: RunPaths, config: PipelineConfig,
                   world: World) -> RunHooks:
    """What a ``predict`` run does around its stages under torchrun (on rank 0)."""

    def summarize(registry, models, state, device) -> None:
        log_prediction_summary(registry, PREDICT, config, models, world, device, state=state)
        if state is not None:  # the output folder is this run's
            keep_stage_records(paths, registry)

    return RunHooks(check=partial(check_input, input_path),
                    open=partial(open_run, input_path, paths, config),
                    summarize=summarize, close=partial(close_run, paths, config))


def _predict_in_this_process(input_path: Path, paths: RunPaths, config: PipelineConfig,
                             world: World, registry: StageRegistry | None) -> None:
    """Every stage in this process, the output folder's lock held."""
    models, state = open_run(input_path, paths, config)
    registry = registry if registry is not None else StageRegistry()
    with use_registry(registry):
        try:
            run_stages(PREDICT, paths, config, models, state)
        finally:
            log_prediction_summary(registry, PREDICT, config, models, world, state=state)
            keep_stage_records(paths, registry)
    close_run(paths, config, models)


def run_preprocess(input_path: Path, config: PipelineConfig, output_dir: Path) -> RunPaths:
    """Run stages 1-4 on ``input_path`` into ``output_dir`` and log their timing summary."""
    input_path = Path(input_path)
    paths = RunPaths(input_path, Path(output_dir), config.chunk_length)
    with os_errors_explained(paths.output_dir):
        check_input(input_path)
        check_output_folder(paths.output_dir)
        paths.output_dir.mkdir(parents=True, exist_ok=True)
        registry = StageRegistry()
        with use_registry(registry):
            try:
                run_stages(PREPROCESS, paths, config, models=None, state=None)
            finally:
                if summary_due(registry):
                    log_summary(registry, title="PREPROCESSING SUMMARY",
                                key_metrics=stage_key_metrics(registry, PREPROCESS))
    return paths
