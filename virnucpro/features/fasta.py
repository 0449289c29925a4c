"""A minimal reader for the split FASTA files that stages 3-4 write."""

from __future__ import annotations

from pathlib import Path

from virnucpro.errors import InputError


def read_split_fasta(path: Path) -> list[tuple[str, str]]:
    """``(id, sequence)`` pairs of a FASTA file, in file order.

    The id is the header up to the first whitespace; sequence lines are joined, so wrapped
    files read as well as the one-line-per-record split files.

    Raises:
        InputError: the file does not start with a ``>`` header or a record has no id.
    """
    records: list[tuple[str, list[str]]] = []
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.strip()
            if line.startswith(">"):
                fields = line[1:].split(maxsplit=1)
                if not fields:
                    raise InputError(f"{path}, line {number}: a FASTA header without an id")
                records.append((fields[0], []))
            elif line:
                if not records:
                    raise InputError(f"{path}, line {number}: sequence before the first header")
                records[-1][1].append(line)
    return [(name, "".join(parts)) for name, parts in records]
