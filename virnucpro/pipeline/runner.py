"""The run functions of the commands: ``run_prediction`` (all nine stages) and
``run_preprocess`` (stages 1-4), each with its checkpoints and timing summary.

A single process runs every stage itself. Under ``torchrun`` ``run_prediction`` hands over to
``virnucpro.pipeline.torchrun``, where rank 0 runs stages 1-4 and 7-9 and every rank shares
stages 5-6. Importing this module loads no torch (``virnucpro preprocess`` never does).
"""

from __future__ import annotations

import logging
from pathlib import Path

from virnucpro.config import PipelineConfig
from virnucpro.paths import RunPaths, input_stem
from virnucpro.pipeline.definitions import PREDICT, PREPROCESS
from virnucpro.pipeline.distributed import World
from virnucpro.pipeline.run_summary import log_prediction_summary, stage_key_metrics
from virnucpro.pipeline.stage_runner import check_input, run_stages
from virnucpro.pipeline.torchrun import run_launched
from virnucpro.pipeline.workspace import close_run, open_run
from virnucpro_telemetry import StageRegistry, log_summary, use_registry

logger = logging.getLogger(__name__)


def default_output_dir(input_path: Path) -> Path:
    """``<input stem>_virnucpro`` in the current folder."""
    return Path(f"{input_stem(input_path)}_virnucpro")


def run_prediction(
    input_path: Path,
    config: PipelineConfig,
    world: World | None = None,
    registry: StageRegistry | None = None,
) -> RunPaths:
    """Run all nine stages on ``input_path``; return the run's paths.

    Logs the timing summary at the end, also when a stage fails (the error is then re-raised).

    Args:
        input_path: the FASTA file (plain or gzip).
        config: the run's settings.
        world: a ``torchrun`` launch (see :meth:`World.from_environment`); None or a single
            process runs every stage here, with no torch.distributed set-up at all.
        registry: where the stage timings go (default: a fresh registry for this run).
    """
    input_path = Path(input_path)
    world = world or World()
    output_dir = config.output_dir or default_output_dir(input_path)
    paths = RunPaths(input_path, Path(output_dir), config.chunk_length)
    if world.launched:
        return run_launched(input_path, paths, config, world)
    check_input(input_path)
    models, state = open_run(input_path, paths, config)
    registry = registry if registry is not None else StageRegistry()
    with use_registry(registry):
        try:
            run_stages(PREDICT, paths, config, models, state)
        finally:
            log_prediction_summary(registry, PREDICT, config, models, world)
    close_run(paths, config, models)
    return paths


def run_preprocess(input_path: Path, config: PipelineConfig, output_dir: Path) -> RunPaths:
    """Run stages 1-4 on ``input_path`` into ``output_dir`` and log their timing summary."""
    input_path = Path(input_path)
    check_input(input_path)
    paths = RunPaths(input_path, Path(output_dir), config.chunk_length)
    paths.output_dir.mkdir(parents=True, exist_ok=True)
    registry = StageRegistry()
    with use_registry(registry):
        try:
            run_stages(PREPROCESS, paths, config, models=None, state=None)
        finally:
            log_summary(registry, title="PREPROCESSING SUMMARY",
                        key_metrics=stage_key_metrics(registry, PREPROCESS))
    return paths
