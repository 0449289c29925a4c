"""The output directory's life cycle: refuse, resume or start over; clean up at the end."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from virnucpro.errors import UsageError
from virnucpro.paths import RunPaths
from virnucpro.pipeline.checkpoint import RunState, describe_changes

logger = logging.getLogger(__name__)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def run_outputs(paths: RunPaths) -> list[Path]:
    """Everything a run writes into its output directory."""
    return [*paths.intermediates(), *paths.results(), paths.state_dir]


def remove_temporary_files(paths: RunPaths) -> None:
    """Delete half-written ``.<name>.<pid>.tmp`` files that a killed run left behind."""
    for tmp in paths.output_dir.rglob(".*.tmp"):
        tmp.unlink()


def remove_intermediates(paths: RunPaths) -> None:
    """Delete chunk, frame, split and feature files; keep results and checkpoints."""
    for path in paths.intermediates():
        _remove(path)


def _check_resumable(state: RunState, fingerprint: dict, paths: RunPaths) -> None:
    previous = state.read_fingerprint()
    if previous is None:
        raise UsageError(
            f"{paths.output_dir} holds no VirNucPro checkpoint to resume; "
            "use --force to start over in it, or choose another --output-dir"
        )
    changes = describe_changes(previous, fingerprint)
    if changes:
        raise UsageError(
            f"cannot resume the run in {paths.output_dir}: " + "; ".join(changes)
            + ". Use --force to start over with the new input and settings"
        )


def prepare_output_dir(paths: RunPaths, fingerprint: dict, resume: bool, force: bool) -> RunState:
    """Make the output directory ready and return its checkpoint records.

    Raises:
        UsageError: the directory holds files and neither ``resume`` nor ``force`` is set, or the
            run to resume used another input or other settings.
    """
    state = RunState(paths.state_dir)
    has_files = paths.output_dir.is_dir() and any(paths.output_dir.iterdir())
    if has_files and resume:
        _check_resumable(state, fingerprint, paths)
        remove_temporary_files(paths)
        logger.info("Resuming the run in %s", paths.output_dir)
        return state
    if has_files and not force:
        raise UsageError(
            f"output directory {paths.output_dir} already exists and is not empty; "
            "use --resume to continue the run in it, --force to start over, "
            "or choose another --output-dir"
        )
    if has_files:
        logger.info("--force: removing the previous run's outputs from %s", paths.output_dir)
        for path in run_outputs(paths):
            _remove(path)
        remove_temporary_files(paths)
    paths.output_dir.mkdir(parents=True, exist_ok=True)
    state.write_fingerprint(fingerprint)
    return state
