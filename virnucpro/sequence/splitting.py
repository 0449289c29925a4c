"""Splitting a FASTA file into numbered files of a fixed number of records, as the original does.

Like the original, records are told apart by their ``>`` lines only, so the text of each record
is copied unchanged; files are ``output_1.fa``, ``output_2.fa``, ... and a file is only written
when it gets at least one record (no records: no files).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from virnucpro.atomic import atomic_open

SPLIT_FILE = re.compile(r"^output_\d+\.fa$")


def fasta_blocks(lines: Iterable[bytes]) -> Iterator[bytes]:
    """The raw text of each record (its header line and the lines up to the next header)."""
    block: list[bytes] = []
    for line in lines:
        if line[:1] == b">" and block:
            yield b"".join(block)
            block = []
        block.append(line)
    if block:
        yield b"".join(block)


def split_fasta(
    source: Path, destination: Callable[[int], Path], records_per_file: int
) -> tuple[int, int]:
    """Copy ``source`` into files of ``records_per_file`` records; return ``(files, records)``.

    Args:
        source: a FASTA file (here: the identified nucleotide or protein file).
        destination: the path of split file ``N`` (from 1); each is written atomically.
        records_per_file: records per file; the last file holds the rest.
    """
    files = records = 0
    with open(source, "rb") as handle:
        blocks = fasta_blocks(handle)
        for first in blocks:
            files += 1
            with atomic_open(destination(files), "wb") as out:
                out.write(first)
                written = 1
                for block in itertools.islice(blocks, records_per_file - 1):
                    out.write(block)
                    written += 1
            records += written
    return files, records


def remove_split_files(folder: Path) -> int:
    """Delete the ``output_<N>.fa`` files a previous run left in ``folder``; return how many."""
    if not folder.is_dir():
        return 0
    stale = [path for path in folder.iterdir() if SPLIT_FILE.match(path.name) and path.is_file()]
    for path in stale:
        path.unlink()
    return len(stale)
