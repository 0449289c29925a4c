"""Is a peptide a substring of at least one of a record's proteins? Without scanning them all.

The original tool answers ``any(peptide in protein for protein in proteins)`` for every kept frame
of every chunk: frames x proteins substring searches, which is what makes its dataset step slow on
coding-dense genomes (``benchmarks/bench_make_dataset.py`` measures it). This index answers the
same question with a few dictionary look-ups and one comparison per candidate.

How: the proteins are joined into one text with a separator that no peptide holds (a peptide that
matches the joined text therefore lies inside one protein). The index holds the k-mer starting at
every ``STEP``-th position of the text (sampled, so it has a ``STEP``-th of the entries). Any
occurrence of a peptide of length ``m >= K + STEP - 1`` covers one sampled position ``p`` with its
whole k-mer, at some offset ``j = p - start < STEP`` of the peptide; so looking up the peptide's
k-mers at offsets ``0 .. STEP-1`` finds every occurrence as a candidate ``start = p - j``, and
comparing the text there with the peptide confirms it. Shorter peptides (only chunks of short
records give them) fall back to one substring search of the joined text, which is also exact.
"""

from __future__ import annotations

from collections.abc import Iterable

K = 6
"""Length of the indexed k-mers (20^6 = 64 million possible: few chance candidates)."""
STEP = 6
"""Every STEP-th position of the joined proteins is indexed."""
MIN_INDEXED_LENGTH = K + STEP - 1
SEPARATOR = "\n"
"""Between proteins in the joined text; never part of a peptide."""


class ProteinIndex:
    """Substring queries against one record's proteins (see the module docstring)."""

    def __init__(self, proteins: Iterable[str]) -> None:
        # Empty proteins (CDS without /translation) contain no non-empty peptide: leave them out.
        self._text = SEPARATOR.join(protein for protein in proteins if protein)
        self._kmers: dict[str, list[int]] = {}
        text = self._text
        for position in range(0, len(text) - K + 1, STEP):
            self._kmers.setdefault(text[position : position + K], []).append(position)

    def contains(self, peptide: str) -> bool:
        """True when ``peptide`` is a substring of at least one protein.

        ``peptide`` must not be empty and must not hold the separator (translated frames never
        do); the empty peptide is in every protein, and the original tool drops it anyway.
        """
        if len(peptide) < MIN_INDEXED_LENGTH:
            return peptide in self._text
        text = self._text
        for offset in range(STEP):
            for position in self._kmers.get(peptide[offset : offset + K], ()):
                start = position - offset
                if start >= 0 and text.startswith(peptide, start):
                    return True
        return False
