"""Checking that record ids are unique, in eight bytes per id however many records there are.

Metagenome assemblies hold millions of contigs: a set of the ids themselves would take about a
hundred bytes each. Instead each id's hash goes into a flat array; at the end the array is sorted,
and only if two hashes are equal is the file read again, keeping just those ids, to name the first
repeated id and both of its record numbers (or to find that two different ids merely share a
hash).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from virnucpro.errors import InputError
from virnucpro.sequence.fasta import read_fasta


class UniqueIds:
    """Collects record ids (:meth:`add`) and raises for the first repeat (:meth:`check`)."""

    def __init__(self) -> None:
        self._hashes = array("q")

    def add(self, record_id: str) -> None:
        """Note one more record id."""
        self._hashes.append(hash(record_id))

    def add_all(self, record_ids: Iterable[str]) -> None:
        """Note several more record ids."""
        self._hashes.extend(map(hash, record_ids))

    def __len__(self) -> int:
        return len(self._hashes)

    def check(self, path: Path) -> None:
        """Raise :class:`InputError` if two records of ``path`` (the file the ids came from)
        share an id, naming the id, both record numbers and the line of the second."""
        suspects = self._repeated_hashes()
        if not suspects:
            return
        first_seen: dict[str, int] = {}
        for record in read_fasta(path):
            if hash(record.id) not in suspects:
                continue
            earlier = first_seen.setdefault(record.id, record.number)
            if earlier != record.number:
                raise InputError(
                    f"{path}: line {record.line}: record {record.number} has the id "
                    f"{record.id!r}, already used by record {earlier}; sequence ids (the first "
                    "word of each header) must be unique: rename one of them"
                )

    def _repeated_hashes(self) -> set[int]:
        """The hashes that occur more than once."""
        hashes = np.sort(np.frombuffer(self._hashes, dtype=np.int64))
        return set(hashes[1:][hashes[1:] == hashes[:-1]].tolist())
