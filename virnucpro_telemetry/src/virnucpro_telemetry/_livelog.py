"""The live log lines written when a stage starts and ends."""

from __future__ import annotations

import logging

from ._format import fmt_metrics, fmt_seconds
from ._frame import Frame
from ._records import FAILED, SKIPPED

logger = logging.getLogger("virnucpro.telemetry")


def _indent(frame: Frame) -> str:
    """Two spaces per level: top-level end lines get two, nested lines more."""
    depth = 0
    parent = frame.parent
    while parent is not None:
        depth += 1
        parent = parent.parent
    return "  " * (depth + 1)


def log_start(frame: Frame) -> None:
    """``=== Stage N: name ===`` for a top-level stage, ``--- name ---`` for a nested one."""
    name = frame.name
    if frame.parent is None:
        number = frame.registry._number(name)
        logger.log(frame.log_level, "=== Stage %d: %s ===", number, name)
    else:
        logger.log(frame.log_level, "%s--- %s ---", _indent(frame), name)


def log_end(frame: Frame, seconds: float) -> None:
    """``  name completed in 12.3s [sequences: 1,234]``, ``skipped (reason)`` or ``FAILED``."""
    indent = _indent(frame)
    name = frame.name
    level = frame.log_level
    if frame.status == FAILED:
        logger.log(
            level, "%s%s FAILED after %s (%s)", indent, name, fmt_seconds(seconds),
            frame.error_type,
        )
    elif frame.status == SKIPPED:
        logger.log(level, "%s%s skipped (%s)", indent, name, frame.reason)
    else:
        logger.log(
            level,
            "%s%s completed in %s%s",
            indent,
            name,
            fmt_seconds(seconds),
            fmt_metrics(frame.metrics),
        )
