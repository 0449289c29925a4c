"""``virnucpro predict``: all nine stages, FASTA in, viral calls out (also under torchrun)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from virnucpro.config import config_from_args
from virnucpro.logs import configure_logging

logger = logging.getLogger(__name__)


def _quiet_worker_rank(args: argparse.Namespace, rank: int) -> None:
    """Ranks other than 0 log warnings only (and to a log file of their own)."""
    log_file = args.log_file
    if log_file is not None:
        log_file = Path(f"{log_file}.rank{rank}")
    configure_logging(logging.DEBUG if args.verbose else logging.WARNING, log_file)


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
        _quiet_worker_rank(args, world.rank)
        config = config_from_args(args, progress=False)
    paths = run_prediction(args.input, config, world)
    if world.is_main:
        logger.info("Results in %s:", paths.output_dir)
        for path in paths.results():
            logger.info("  %s", path.name)
