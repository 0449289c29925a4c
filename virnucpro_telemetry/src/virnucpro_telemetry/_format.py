"""Number and duration formatting shared by the live log lines and the summary."""

from __future__ import annotations

from collections.abc import Mapping

_GIB = 1024**3
_MIB = 1024**2


def fmt_seconds(seconds: float) -> str:
    """``12.3s`` from one second up, ``0.042s`` (millisecond precision) below."""
    return f"{seconds:.3f}s" if seconds < 1 else f"{seconds:.1f}s"


def fmt_clock(seconds: float) -> str:
    """``HH:MM:SS``; the hours field simply grows past 99."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def fmt_number(value: object) -> str:
    """Integers with thousands separators; floats with a precision that suits their size."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) or (value.is_integer() and abs(value) < 1e15):
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def fmt_metrics(metrics: Mapping | None) -> str:
    """`` [sequences: 1,234, files: 3]``, or an empty string without metrics."""
    if not metrics:
        return ""
    return " [" + ", ".join(f"{k}: {fmt_number(v)}" for k, v in metrics.items()) + "]"


def fmt_bytes(size: float) -> str:
    """``11.2 GiB`` from one GiB up, ``512.0 MiB`` below."""
    if size >= _GIB:
        return f"{size / _GIB:.1f} GiB"
    return f"{size / _MIB:.1f} MiB"
