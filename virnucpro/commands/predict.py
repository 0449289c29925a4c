"""``virnucpro predict``: all nine stages, FASTA in, viral calls out (also under torchrun)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from virnucpro.config import PipelineConfig, config_from_args
from virnucpro.input_files import STREAM_STEM, is_stream
from virnucpro.logs import quiet_worker_rank
from virnucpro.paths import input_stem

logger = logging.getLogger(__name__)


def default_output_dir(input_path: Path) -> Path:
    """``<input stem>_virnucpro`` in the current folder (``stdin_virnucpro`` for a stream)."""
    stem = STREAM_STEM if is_stream(input_path) else input_stem(input_path)
    return Path(f"{stem}_virnucpro")


def run_request(input_path: Path, config: PipelineConfig, world=None):
    """The engine's :class:`RunRequest` of a predict run: all nine stages on ``input_path``."""
    # The pipeline (numpy, then torch in the stages) loads only when a command runs, so that
    # ``virnucpro --help`` stays fast.
    from virnucpro.paths import RunPaths
    from virnucpro.pipeline.definitions import PREDICT
    from virnucpro.pipeline.distribution.distributed import World
    from virnucpro.pipeline.engine.run_summary import device_line, model_lines
    from virnucpro.pipeline.engine.runs import ALL_MODELS, RunRequest

    world = world or World()
    input_path = Path(input_path)
    layout = RunPaths(input_path, Path(config.output_dir or default_output_dir(input_path)),
                      config.chunk_length)

    def lines(models, device: str) -> dict[str, object]:
        return {**model_lines(config, models), **device_line(config, models, world, device)}

    return RunRequest("predict", PREDICT, layout, config, inputs=(input_path,),
                      fasta=input_path, streams=not world.launched, models=ALL_MODELS,
                      summary_lines=lines)


def main(args: argparse.Namespace) -> None:
    """Run the prediction pipeline on ``args.input`` and list the result files."""
    from virnucpro.pipeline.distribution.distributed import World
    from virnucpro.pipeline.engine.runs import run_pipeline

    world = World.from_environment()
    if world.is_main:
        config = config_from_args(args)
    else:  # other ranks show no progress bars and log warnings only
        quiet_worker_rank(args.verbose, args.log_file, world.rank)
        config = config_from_args(args, progress=False)
    layout = run_pipeline(run_request(args.input, config, world), world)
    if world.is_main:
        logger.info("Results in %s:", layout.output_dir)
        for path in layout.results():
            logger.info("  %s", path.name)
        if getattr(args, "report", False):
            _write_report(layout.output_dir)


def _write_report(run_dir: Path) -> None:
    """``--report``: the run's HTML report, its timings from the records the run just saved."""
    from virnucpro.report import write_report  # imports matplotlib

    logger.info("  %s", write_report(run_dir).name)
