"""Splitting a FASTA file into numbered files of a fixed number of records, as the original does.

Like the original, records are told apart by their ``>`` lines only, so the text of each record
is copied unchanged; files are ``output_1.fa``, ``output_2.fa``, ... and a file is only written
when it gets at least one record (no records: no files). The file is copied in large pieces cut
at record boundaries, not line by line.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from pathlib import Path

from virnucpro.atomic import atomic_open
from virnucpro.sequence.fasta import header_offsets, read_record_texts

SPLIT_FILE = re.compile(r"^output_\d+\.fa$")


def split_fasta(
    source: Path, destination: Callable[[int], Path], records_per_file: int
) -> tuple[int, int]:
    """Copy ``source`` into files of ``records_per_file`` records; return ``(files, records)``.

    Args:
        source: a FASTA file (here: the identified nucleotide or protein file).
        destination: the path of split file ``N`` (from 1); each is written atomically.
        records_per_file: records per file; the last file holds the rest.
    """
    texts = read_record_texts(source)
    files = records = 0
    for files, pieces in itertools.groupby(_pieces(texts, records_per_file), key=itemgetter(0)):
        with atomic_open(destination(files), "wb") as out:
            for _, text, count in pieces:
                out.write(text)
                records += count
    return files, records


def _pieces(texts: Iterable[bytes], records_per_file: int) -> Iterator[tuple[int, bytes, int]]:
    """``(file number, text, records in it)``: the texts cut where a new file must begin."""
    file_number, room = 0, 0
    for text in texts:
        offsets = header_offsets(text).tolist() + [len(text)]
        first, last = 0, len(offsets) - 1  # records first..last-1 of this text are left
        while first < last:
            if not room:
                file_number, room = file_number + 1, records_per_file
            take = min(room, last - first)
            yield file_number, text[offsets[first] : offsets[first + take]], take
            first, room = first + take, room - take


def remove_split_files(folder: Path) -> int:
    """Delete the ``output_<N>.fa`` files a previous run left in ``folder``; return how many."""
    if not folder.is_dir():
        return 0
    stale = [path for path in folder.iterdir() if SPLIT_FILE.match(path.name) and path.is_file()]
    for path in stale:
        path.unlink()
    return len(stale)
