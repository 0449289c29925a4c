"""The one exception hierarchy of virnucpro, each class carrying its process exit status.

Exit statuses (documented in the README):

====  ===========================================================
0     success
1     any other failure (a bug: please report it with ``-v`` output)
2     command-line usage: bad option, existing output directory, settings
      that do not match the run being resumed
3     bad input: the FASTA file is unreadable, malformed or not nucleotide
4     bad model file: unreadable, wrong format, or not an allowed type
5     out of memory on the GPU even at batch size 1
6     a distributed rank failed
7     the system refused a file operation: disk full, quota exceeded, permission
      denied, read-only file system, output folder missing or vanished
129   stopped by SIGHUP (the terminal closed); the run can be resumed with ``--resume``
130   interrupted (Ctrl-C)
143   stopped by SIGTERM (``scancel``, a time limit, ``kill``); resume with ``--resume``
====  ===========================================================
"""

from __future__ import annotations

import contextlib
import errno
import re
from collections.abc import Iterator
from pathlib import Path


class VirNucProError(Exception):
    """Base class: an error the user can act on; the CLI prints its message without a traceback."""

    exit_code = 1


class UsageError(VirNucProError):
    """The command line asks for something that cannot be done as given."""

    exit_code = 2


class InputError(VirNucProError):
    """The input file cannot be used; the message names the file, record and line."""

    exit_code = 3


class ModelFileError(VirNucProError):
    """A model file is missing, malformed, or holds types that are not allowed."""

    exit_code = 4


class GpuOutOfMemoryError(VirNucProError):
    """The GPU ran out of memory even for a batch of one sequence."""

    exit_code = 5


class RankFailedError(VirNucProError):
    """Another rank of a distributed run failed."""

    exit_code = 6


class FileSystemError(VirNucProError):
    """The operating system refused a file operation (full disk, permissions, ...)."""

    exit_code = 7


class StopSignal(KeyboardInterrupt):
    """The run was stopped by a signal (SIGTERM, SIGHUP), handled like Ctrl-C.

    A ``KeyboardInterrupt``, so every cleanup that runs on Ctrl-C runs, and the stage timings
    record the stage as interrupted; ``cli.main`` exits with :attr:`exit_code` (128 + signal).
    """

    def __init__(self, signal_number: int):
        import signal

        self.signal_number = signal_number
        self.exit_code = 128 + signal_number
        super().__init__(f"interrupted by {signal.Signals(signal_number).name}")


# errno -> (what happened, what to do); ``{where}`` names where else the files could go.
_PERMISSION_FIX = "fix the permissions of that folder or choose another {where}"
_OS_PROBLEMS = {
    errno.ENOSPC: ("no space left on the device",
                   "free some space there or choose another {where}"),
    errno.EDQUOT: ("disk quota exceeded", "free space within your quota or choose another {where}"),
    errno.EFBIG: ("file too large for the file system",
                  "choose another {where} on a file system without that limit"),
    errno.EACCES: ("permission denied", _PERMISSION_FIX),
    errno.EPERM: ("operation not permitted", _PERMISSION_FIX),
    errno.EROFS: ("read-only file system", "choose another {where} on a writable file system"),
    errno.EIO: ("input/output error", "check the disk (dmesg, fsck)"),
}
_RESUME = ", then run the same command with --resume"  # the advice within a predict run
_TEMPORARY_NAME = re.compile(r"^\.(?P<name>.+)\.\d+\.tmp$")  # atomic.temporary_path


def _shown_path(path: Path) -> Path:
    """The file a user knows: the final name of an ``atomic_open`` temporary file."""
    match = _TEMPORARY_NAME.match(path.name)
    return path.with_name(match["name"]) if match else path


def _is_under(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def file_system_error(error: OSError, output_dir: Path | None = None) -> FileSystemError | None:
    """The one-line :class:`FileSystemError` for an ``OSError`` a user can fix, else None.

    Args:
        error: what the operating system raised.
        output_dir: the output folder of the ``predict`` run that failed, if any: a file
            missing because this folder vanished is reported as such, the advice names
            ``--output-dir`` for files in it (``--cache-dir`` for others) and ends with
            ``--resume``.

    Returns:
        The error naming the path and the fix, or None for an ``OSError`` that is not one of
        the known system refusals (it is then a bug, exit status 1).
    """
    path = Path(error.filename) if error.filename is not None else output_dir
    if error.errno == errno.ENOENT and output_dir is not None and not output_dir.is_dir():
        return FileSystemError(
            f"{output_dir}: the output folder vanished during the run (deleted, moved or "
            "unmounted); run the command again"
        )
    if error.errno not in _OS_PROBLEMS or path is None:
        return None
    what, fix = _OS_PROBLEMS[error.errno]
    if output_dir is None:  # outside a run: a command of its own (demo-models) or the log file
        return FileSystemError(f"{_shown_path(path)}: {what}; {fix.format(where='folder')}")
    where = "--output-dir" if _is_under(path, output_dir) else "--cache-dir"
    return FileSystemError(f"{_shown_path(path)}: {what}; {fix.format(where=where)}{_RESUME}")


@contextlib.contextmanager
def os_errors_explained(output_dir: Path | None = None) -> Iterator[None]:
    """Turn the ``OSError`` s a user can fix into :class:`FileSystemError` (see
    :func:`file_system_error`); any other ``OSError`` passes unchanged."""
    try:
        yield
    except OSError as error:
        explained = file_system_error(error, output_dir)
        if explained is None:
            raise
        raise explained from error
