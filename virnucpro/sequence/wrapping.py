"""Writing sequences as FASTA lines of 60 columns (Biopython's layout), many at a time."""

from __future__ import annotations

import functools

import numpy as np

FASTA_LINE_WIDTH = 60
_NEWLINE = ord("\n")


@functools.lru_cache(maxsize=4096)
def line_slices(length: int, width: int = FASTA_LINE_WIDTH) -> tuple[slice, ...]:
    """The slices that cut ``length`` characters into lines of ``width``."""
    return tuple(slice(start, start + width) for start in range(0, length, width))


def wrap(sequence: bytes, width: int = FASTA_LINE_WIDTH) -> bytes:
    """``sequence`` cut into lines of ``width``, each ending with a newline."""
    if not sequence:
        return b""
    return b"\n".join(map(sequence.__getitem__, line_slices(len(sequence), width))) + b"\n"


def wrap_rows(rows: bytes, length: int, width: int = FASTA_LINE_WIDTH) -> tuple[bytes, int]:
    """:func:`wrap` each of the equal-length sequences laid end to end in ``rows``.

    Returns the wrapped rows, end to end, and the length of one wrapped row. One numpy copy
    does the work of thousands of small slices.
    """
    count = len(rows) // length
    full_lines, rest = divmod(length, width)
    wrapped_length = length + full_lines + (1 if rest else 0)
    source = np.frombuffer(rows, dtype=np.uint8).reshape(count, length)
    wrapped = np.empty((count, wrapped_length), dtype=np.uint8)
    lines = wrapped[:, : full_lines * (width + 1)].reshape(count, full_lines, width + 1)
    lines[:, :, :width] = source[:, : full_lines * width].reshape(count, full_lines, width)
    lines[:, :, width] = _NEWLINE
    if rest:
        wrapped[:, full_lines * (width + 1) : -1] = source[:, full_lines * width :]
        wrapped[:, -1] = _NEWLINE
    return wrapped.tobytes(), wrapped_length
