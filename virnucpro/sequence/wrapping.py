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


def wrapped_length(length: int, width: int = FASTA_LINE_WIDTH) -> int:
    """The length of :func:`wrap` of ``length`` characters (one newline per line)."""
    return length + -(-length // width)


def wrap_into(target: np.ndarray, source: np.ndarray, width: int = FASTA_LINE_WIDTH) -> None:
    """Write each row of ``source`` (``(rows, n)`` bytes) wrapped into the rows of ``target``.

    ``target`` is ``(rows, wrapped_length(n))``. A row shorter than ``n`` can be padded with
    newlines in ``source``: the first ``wrapped_length(m)`` bytes of its target row are then the
    wrapping of its first ``m`` bytes. Done with a few strided numpy copies for all rows at once.
    """
    rows, length = source.shape
    full_lines, rest = divmod(length, width)
    lines = target[:, : full_lines * (width + 1)].reshape(rows, full_lines, width + 1)
    lines[:, :, :width] = source[:, : full_lines * width].reshape(rows, full_lines, width)
    lines[:, :, width] = _NEWLINE
    if rest:
        target[:, full_lines * (width + 1) : -1] = source[:, full_lines * width :]
        target[:, -1] = _NEWLINE
