"""Training frame selection: the frames of a record's chunks that match its annotated proteins.

The original tool's rule (``identify_seq(..., istraindata=True)``): a chunk holding any of the
ambiguity codes ``N R Y M K S W H B V D`` is dropped whole; otherwise each of its six frames (the
translation, F1..R3 ids and nucleotide slices of predict's stage 2,
:func:`virnucpro.sequence.translation.translate_batch`) is kept when the translation has no stop
and is a substring of at least one CDS translation of the same record. A record without any
translation keeps nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from virnucpro.sequence.translation import Frame, translate_batch
from virnucpro.training.protein_index import ProteinIndex

_AMBIGUOUS = re.compile("[NRYMKSWHBVDnrymkswhbvd]")
TRANSLATION_BATCH = 2048
"""Chunks translated together (bounds memory on chromosome-sized records)."""


def has_ambiguous_base(chunk: str) -> bool:
    """True when ``chunk`` holds one of the IUPAC ambiguity codes the original drops."""
    return _AMBIGUOUS.search(chunk) is not None


def select_frames(chunks: Sequence[tuple[str, str]], index: ProteinIndex) -> list[Frame]:
    """The training frames of ``(chunk id, chunk)`` pairs of one record, in chunk and frame order.

    Raises:
        ValueError: a chunk holds a character that is not a nucleotide code.
    """
    clean = [(chunk_id, chunk) for chunk_id, chunk in chunks if not has_ambiguous_base(chunk)]
    return [frame for frame in translate_batch(clean) if index.contains(frame.protein)]


def record_frames(
    chunks: Iterable[tuple[str, str]], proteins: Iterable[str]
) -> Iterator[Frame]:
    """The training frames of one record's chunks, translated in batches."""
    proteins = [protein for protein in proteins if protein]
    if not proteins:  # the original's any() over an empty list: nothing is kept
        return
    index = ProteinIndex(proteins)
    batch: list[tuple[str, str]] = []
    for chunk in chunks:
        batch.append(chunk)
        if len(batch) == TRANSLATION_BATCH:
            yield from select_frames(batch, index)
            batch = []
    if batch:
        yield from select_frames(batch, index)


def format_frames(frames: Iterable[Frame]) -> tuple[str, str]:
    """Nucleotide and protein FASTA text, one line per sequence, as the original writes them."""
    frames = list(frames)
    nucleotide = "".join(f">{frame.id}\n{frame.nucleotide}\n" for frame in frames)
    protein = "".join(f">{frame.id}\n{frame.protein}\n" for frame in frames)
    return nucleotide, protein


def frame_record_id(frame_id: str) -> str:
    """The record id of a frame id ``<record id>_chunk_<k>F1``."""
    return frame_id.rsplit("_chunk_", 1)[0]
