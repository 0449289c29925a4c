"""The output directory's life cycle: refuse, resume or start over; clean up at the end."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from virnucpro.config import PipelineConfig, ResolvedModels
from virnucpro.errors import UsageError
from virnucpro.input_files import SPOOL_DIR
from virnucpro.paths import RunPaths
from virnucpro.pipeline.checkpoint import RunState, describe_changes, run_fingerprint
from virnucpro.pipeline.model_resolution import DEMO_BANNER, resolve_models

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


def _is_lock_file(path: Path, paths: RunPaths) -> bool:
    """The lock (and its leftovers) of ``run_lock``, and the copy of a stream input
    (``input_files.SPOOL_DIR``), which never make a folder "not empty"."""
    return path.name.startswith(paths.lock_file.name) or path.name == SPOOL_DIR


def _folder_entries(paths: RunPaths) -> list[Path]:
    """What the output folder holds, the lock file aside (empty when it does not exist)."""
    if not paths.output_dir.is_dir():
        return []
    return [entry for entry in paths.output_dir.iterdir() if not _is_lock_file(entry, paths)]


def _holds_only_an_unfinished_start(entries: list[Path], paths: RunPaths, state: RunState) -> bool:
    """Whether the folder holds nothing but what a run that finished no stage leaves: its
    checkpoint records, its own (unfinished) output files and folders, temporary files.

    That is what a run leaves that failed on its input, its models or the file system before
    its first stage finished: the corrected run reuses the folder without ``--resume`` or
    ``--force``. Files the run does not own keep the folder "not empty".
    """
    own = set(run_outputs(paths))
    leftovers = [entry for entry in entries
                 if entry not in own and not entry.name.endswith(".tmp")]
    return not leftovers and not state.any_done()


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

    A folder that holds only the checkpoint records of a run that finished no stage is
    reused as if it were empty, whatever the flags.

    Raises:
        UsageError: the directory holds files and neither ``resume`` nor ``force`` is set, or the
            run to resume used another input or other settings.
    """
    state = RunState(paths.state_dir)
    entries = _folder_entries(paths)
    if entries and _holds_only_an_unfinished_start(entries, paths, state):
        logger.info("Reusing %s: the run there stopped before any stage finished",
                    paths.output_dir)
        for path in run_outputs(paths):
            _remove(path)
        remove_temporary_files(paths)
        entries = []
    has_files = bool(entries)
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


def open_run(
    input_path: Path, paths: RunPaths, config: PipelineConfig, device: str | None = None
) -> tuple[ResolvedModels, RunState]:
    """Resolve the models and make the output directory ready for a ``predict`` run.

    Args:
        input_path: the FASTA input (its hash goes into the checkpoint fingerprint).
        paths: the run's files.
        config: the user's settings.
        device: the device the models run on (default: ``config.device``).

    Returns:
        The resolved models and the checkpoint records of the output directory.
    """
    models = resolve_models(config, device)
    if models.demo:
        logger.warning(DEMO_BANNER)
    fingerprint = run_fingerprint(input_path, config, models)
    return models, prepare_output_dir(paths, fingerprint, config.resume, config.force)


def close_run(paths: RunPaths, config: PipelineConfig, models: ResolvedModels) -> None:
    """After a successful run: remove the intermediates unless kept; repeat the demo warning."""
    if not config.keep_intermediate:
        remove_intermediates(paths)
    if models.demo:
        logger.warning(DEMO_BANNER)
