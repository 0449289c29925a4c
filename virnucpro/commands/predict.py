"""``virnucpro predict``: all nine stages, FASTA in, viral calls out (also under torchrun)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from virnucpro.config import config_from_args
from virnucpro.logs import quiet_worker_rank

logger = logging.getLogger(__name__)


def main(args: argparse.Namespace) -> None:
    """Run the prediction pipeline on ``args.input`` and list the result files."""
    # The pipeline (numpy, then torch in the stages) loads only when a command runs, so that
    # ``virnucpro --help`` stays fast.
    from virnucpro.pipeline.distributed import World
    from virnucpro.pipeline.runner import run_prediction

    world = World.from_environment()
    if world.is_main:
        config = config_from_args(args)
    else:  # other ranks show no progress bars and log warnings only
        quiet_worker_rank(args.verbose, args.log_file, world.rank)
        config = config_from_args(args, progress=False)
    paths = run_prediction(args.input, config, world)
    if world.is_main:
        logger.info("Results in %s:", paths.output_dir)
        for path in paths.results():
            logger.info("  %s", path.name)
        if getattr(args, "report", False):
            _write_report(paths.output_dir)


def _write_report(run_dir: Path) -> None:
    """``--report``: the run's HTML report, its timings from the records the run just saved."""
    from virnucpro.report import write_report  # imports matplotlib

    logger.info("  %s", write_report(run_dir).name)
