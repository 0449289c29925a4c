"""The output folder's life cycle: refuse, resume or start over; clean up at the end."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from virnucpro.errors import UsageError
from virnucpro.input_files import SPOOL_DIR
from virnucpro.paths import RunLayout
from virnucpro.pipeline.engine.checkpoint import Checkpoints

logger = logging.getLogger(__name__)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def run_outputs(layout: RunLayout) -> list[Path]:
    """Everything a run writes into its output directory."""
    return [*layout.intermediates(), *layout.results(), layout.state_dir]


def remove_temporary_files(layout: RunLayout) -> None:
    """Delete half-written ``.<name>.<pid>.tmp`` files that a stopped run left behind."""
    for tmp in layout.output_dir.rglob(".*.tmp"):
        tmp.unlink()


def remove_intermediates(layout: RunLayout) -> None:
    """Delete the intermediates (chunk, frame, split, feature files); keep results and records."""
    for path in layout.intermediates():
        _remove(path)


def _folder_entries(layout: RunLayout) -> list[Path]:
    """What the output folder holds, the lock file (and its leftovers) and the copy of a stream
    input (``input_files.SPOOL_DIR``, read before the folder is prepared) aside."""
    if not layout.output_dir.is_dir():
        return []
    return [entry for entry in layout.output_dir.iterdir()
            if not entry.name.startswith(layout.lock_file.name) and entry.name != SPOOL_DIR]


def _holds_only_an_unfinished_start(entries: list[Path], layout: RunLayout,
                                    checkpoints: Checkpoints) -> bool:
    """Whether the folder holds nothing but what a run that finished no stage leaves: its
    records, its own (unfinished) output files and folders, temporary files.

    The corrected run then reuses the folder without ``--resume`` or ``--force``. Files the run
    does not own keep the folder "not empty".
    """
    own = set(run_outputs(layout))
    leftovers = [entry for entry in entries
                 if entry not in own and not entry.name.endswith(".tmp")]
    return not leftovers and not checkpoints.any_done()


def _start_over(layout: RunLayout) -> None:
    for path in run_outputs(layout):
        _remove(path)
    remove_temporary_files(layout)


def prepare_output_dir(layout: RunLayout, resume: bool, force: bool) -> bool:
    """Make the output folder ready; return whether the run resumes the one in it.

    A folder that holds only what a run that finished no stage leaves is reused as if it were
    empty, whatever the flags. ``--resume`` needs the folder's run record (``run.json``).

    Args:
        layout: the run's folder.
        resume: continue the run in the folder (``--resume``).
        force: remove the previous run's outputs first (``--force``).

    Raises:
        UsageError: the folder holds files and neither ``resume`` nor ``force`` is set, or
            ``resume`` and it holds no run record.
    """
    checkpoints = Checkpoints(layout.checkpoints_dir)
    entries = _folder_entries(layout)
    if entries and _holds_only_an_unfinished_start(entries, layout, checkpoints):
        logger.info("Reusing %s: the run there stopped before any stage finished",
                    layout.output_dir)
        _start_over(layout)
        entries = []
    if entries and resume:
        if not layout.run_record.is_file():
            raise UsageError(f"{layout.output_dir} holds no VirNucPro checkpoint to resume; "
                             "use --force to start over in it, or choose another --output-dir")
        remove_temporary_files(layout)
        logger.info("Resuming the run in %s", layout.output_dir)
        return True
    if entries and not force:
        raise UsageError(f"output directory {layout.output_dir} already exists and is not "
                         "empty; use --resume to continue the run in it, --force to start over, "
                         "or choose another --output-dir")
    if entries:
        logger.info("--force: removing the previous run's outputs from %s", layout.output_dir)
        _start_over(layout)
    layout.output_dir.mkdir(parents=True, exist_ok=True)
    return False
