"""Logging set-up for the command line: one stderr handler, an optional log file."""

from __future__ import annotations

import logging
from pathlib import Path

_CONSOLE_FORMAT = "%(message)s"
_FILE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class _ConsoleFormatter(logging.Formatter):
    """Plain messages at INFO and below; ``warning:`` / ``error:`` prefixes above."""

    def format(self, record: logging.LogRecord) -> str:
        message = super().format(record)
        if record.levelno >= logging.ERROR:
            return f"error: {message}"
        if record.levelno >= logging.WARNING:
            return f"warning: {message}"
        return message


def verbosity_level(verbose: int, quiet: bool) -> int:
    """The console level for ``-v`` (count) and ``-q``."""
    if quiet:
        return logging.WARNING
    return logging.DEBUG if verbose > 0 else logging.INFO


def configure_logging(level: int, log_file: Path | None = None) -> None:
    """Route the ``virnucpro`` loggers (telemetry included) to stderr and, if given, a file."""
    root = logging.getLogger("virnucpro")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.DEBUG if log_file else level)
    root.propagate = False

    console = logging.StreamHandler()
    console.setLevel(level)
    console.setFormatter(_ConsoleFormatter(_CONSOLE_FORMAT))
    root.addHandler(console)

    if log_file is not None:
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setLevel(logging.DEBUG)
        file_handler.setFormatter(logging.Formatter(_FILE_FORMAT))
        root.addHandler(file_handler)


def quiet_worker_rank(verbose: int, log_file: Path | None, rank: int) -> None:
    """A torchrun rank other than 0 logs warnings only (and to a log file of its own,
    ``LOG_FILE.rankN``), so the launch shows one run's messages."""
    if log_file is not None:
        log_file = Path(f"{log_file}.rank{rank}")
    configure_logging(logging.DEBUG if verbose else logging.WARNING, log_file)
