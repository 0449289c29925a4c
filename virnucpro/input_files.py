"""The FASTA input of a run: a file, or a stream (``-``, ``/dev/stdin``, ``<(gzip -c x.fa)``).

A file is checked before the run starts (:func:`check_input`). A stream can be read only once,
but a run reads its input at stage 1 and hashes it for its checkpoints, so a stream is first
copied ("spooled") into the output folder, hashed as it is read (:func:`spool_stream`), and the
run then reads the copy: ``OUTPUT/.virnucpro-input/stdin.fa``, whose stem ``stdin`` names the
output files (``stdin_chunked500.fa``). The copy holds the bytes as read (gzip stays gzip; the
FASTA reader recognises it by its first bytes). It lies outside ``.virnucpro/`` and is no run
output, so ``--force`` and the reuse of an unfinished folder keep it; the output folder's "not
empty" check ignores it, like the lock. A ``--resume`` of such a run reads the stream again
and is checked by the SHA-256 of the bytes read then.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import stat
import sys
from pathlib import Path
from typing import IO, NamedTuple

from virnucpro.atomic import atomic_open
from virnucpro.errors import InputError, UsageError
from virnucpro.paths import RunPaths

logger = logging.getLogger(__name__)

STANDARD_INPUT = "-"
STREAM_STEM = "stdin"
"""The stem of a run's output files when its input is a stream."""
SPOOL_DIR = ".virnucpro-input"
"""The folder, in the output folder, of a stream input's copy."""
_READ_SIZE = 1 << 20


class SpooledInput(NamedTuple):
    """A stream input copied into a file."""

    path: Path
    sha256: str
    """Of the bytes read (as given: compressed if the stream was)."""
    size: int


def is_stream(path: Path | str) -> bool:
    """Whether an input path is a stream that can be read only once.

    ``-`` (standard input), and any path that is a pipe, a socket or a character device:
    ``/dev/stdin`` fed by a pipe, a process substitution (``/dev/fd/63``), a named pipe. A
    ``/dev/stdin`` redirected from a file (``< x.fa``) is that file, not a stream.
    """
    if str(path) == STANDARD_INPUT:
        return True
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)


def spool_path(output_dir: Path) -> Path:
    """Where a stream input is copied in ``output_dir``."""
    return Path(output_dir) / SPOOL_DIR / f"{STREAM_STEM}.fa"


def is_spooled(path: Path | str) -> bool:
    """Whether ``path`` is the copy of a stream input (``spool_path`` of some folder)."""
    path = Path(path)
    return path.parent.name == SPOOL_DIR and path.name == f"{STREAM_STEM}.fa"


def remove_spooled(path: Path | str) -> None:
    """Delete the copy of a stream input (once the run no longer needs it to resume)."""
    if is_spooled(path):
        Path(path).unlink(missing_ok=True)
        Path(path).parent.rmdir()


def check_input(input_path: Path, streams: bool = False) -> None:
    """Fail early, naming the file, when the input cannot be read at all.

    Args:
        input_path: the input as given.
        streams: accept a stream (see :func:`is_stream`); False for commands that read their
            inputs more than once.

    Raises:
        InputError: no such file, a directory, or not readable.
        UsageError: a stream where the command takes only files, or standard input that is
            a terminal.
    """
    if is_stream(input_path):
        _check_stream(input_path, streams)
        return
    if input_path.is_dir():
        raise InputError(f"{input_path}: is a directory, not a FASTA file; give the FASTA "
                         "file inside it (or '-' to read standard input)")
    if not input_path.is_file():
        raise InputError(f"{input_path}: input file not found")
    if not os.access(input_path, os.R_OK):
        raise InputError(f"{input_path}: the input file is not readable (permission denied); "
                         "fix its permissions")


def _check_stream(input_path: Path, streams: bool) -> None:
    if not streams:
        raise UsageError(f"{input_path}: a pipe or standard input cannot be read here (predict "
                         "and preprocess read one, except under torchrun); save the stream to "
                         "a file and give that file")
    if str(input_path) == STANDARD_INPUT and sys.stdin is not None and sys.stdin.isatty():
        raise UsageError("'-' reads the FASTA from standard input, which is a terminal here; "
                         "pipe the FASTA in (zcat x.fa.gz | virnucpro predict - ...)")


def _open_stream(source: Path) -> IO[bytes]:
    if str(source) == STANDARD_INPUT:
        return os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    try:
        return open(source, "rb")
    except OSError as error:
        raise InputError(f"{source}: cannot read the input: {error.strerror or error}") from error


def spool_stream(source: Path, destination: Path) -> SpooledInput:
    """Copy a stream into ``destination``, hashing the bytes as they are read.

    Written under a temporary name and renamed when complete (``virnucpro.atomic``), so an
    interrupted copy never passes for the input.

    Args:
        source: ``-`` for standard input, or a path to read (a pipe, ``/dev/stdin``...).
        destination: the copy; its folder is created.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with _open_stream(source) as stream, atomic_open(destination, "wb") as copy:
        while data := stream.read(_READ_SIZE):
            digest.update(data)
            copy.write(data)
            size += len(data)
    return SpooledInput(destination, digest.hexdigest(), size)


def read_stream_input(paths: RunPaths, resume: bool) -> RunPaths:
    """The run's paths, reading its input from the copy of a stream where it is one.

    Call it with the output folder's lock held, before the input is hashed: a stream input
    (:func:`is_stream`) is spooled into the output folder (:func:`spool_path`) and the paths
    returned read that copy; a file input returns ``paths`` unchanged.

    Raises:
        InputError: the stream cannot be read, or is empty.
    """
    source = paths.input_fasta
    if not is_stream(source):
        return paths
    spooled = spool_stream(source, spool_path(paths.output_dir))
    shown = "standard input" if str(source) == STANDARD_INPUT else str(source)
    if not spooled.size:
        spooled.path.unlink()
        spooled.path.parent.rmdir()
        raise InputError(f"{shown}: no data was read (the stream is empty); pipe a FASTA file "
                         "into it")
    logger.info("Read %s bytes from %s into %s", f"{spooled.size:,}", shown, spooled.path)
    if resume:
        logger.info("--resume: the input is a stream, so it is checked by the SHA-256 of the "
                    "bytes read now (%s), which must match the run's", spooled.sha256)
    return dataclasses.replace(paths, input_fasta=spooled.path)
