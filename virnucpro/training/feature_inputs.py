"""The dataset's frames as predict's numbered split files, the input of its feature stages.

``work/nucleotide/output_N.fa`` and ``work/protein/output_N.fa`` (``sequences_per_file`` frames
each, one line per sequence) hold the frames of the chosen splits of ``dataset.tsv``, read from
``frames/<stem>_identified_*.fa*``; ``DNABERT-S Feature Extraction`` and ``ESM-2 Feature
Extraction`` then embed them exactly as in a predict run (batched, resumable, shareable under
torchrun), and ``Feature Merging`` pairs the two by frame id.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from virnucpro.atomic import atomic_open
from virnucpro.errors import InputError
from virnucpro.sequence.fasta import FastaRecord, read_fasta
from virnucpro.training.dataset import FrameRow
from virnucpro.training.dataset_paths import DatasetPaths
from virnucpro.training.genbank import genbank_stem


class SplitFileCounts(NamedTuple):
    """What :func:`write_split_files` wrote."""

    frames: int
    files: int


def write_split_files(
    paths: DatasetPaths,
    pairs: Sequence[tuple[FrameRow, str]],
    splits: Iterable[str],
    per_file: int,
) -> SplitFileCounts:
    """Write the frames of ``splits`` as split files (earlier split files are removed first).

    Args:
        paths: the run's layout (the frames are read from ``paths.frames_dir``).
        pairs: ``(row, split)`` of ``dataset.tsv``.
        splits: the splits whose frames are written.
        per_file: frames per split file.

    Raises:
        InputError: a chosen split has no frame, a frame file is missing or unreadable, or a
            frame of the table is not in its frame file.
    """
    splits = tuple(splits)
    wanted = {row.frame_id for row, split in pairs if split in splits}
    if not wanted:
        raise InputError(f"{paths.dataset_table}: the {' and '.join(splits)} split(s) hold no "
                         "frame; make the dataset again with more records")
    sources = dict.fromkeys(row.source for row, split in pairs if split in splits)
    for directory in (paths.nucleotide_split_dir, paths.protein_split_dir):
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
    frames = files = 0
    batch: list[tuple[FastaRecord, FastaRecord]] = []
    for source in sources:
        for pair in _chosen_frames(paths, genbank_stem(Path(source)), wanted):
            batch.append(pair)
            if len(batch) == per_file:
                files += 1
                _write_split(paths, files, batch)
                frames, batch = frames + len(batch), []
    if batch:
        files += 1
        _write_split(paths, files, batch)
        frames += len(batch)
    if frames != len(wanted):
        raise InputError(f"{len(wanted) - frames} frame(s) of {paths.dataset_table} are not in "
                         f"{paths.frames_dir}: the table and the frame files are from different "
                         "runs; make the dataset again")
    return SplitFileCounts(frames, files)


def _chosen_frames(
    paths: DatasetPaths, stem: str, wanted: set[str]
) -> Iterator[tuple[FastaRecord, FastaRecord]]:
    """``(nucleotide, protein)`` records of one input's frame files that are in ``wanted``."""
    nucleotide_path, protein_path = paths.nucleotide_frames(stem), paths.protein_frames(stem)
    nucleotides = read_fasta(nucleotide_path, allow_empty=True)
    proteins = read_fasta(protein_path, allow_empty=True, check_letters=False)
    for nucleotide, protein in zip(nucleotides, proteins, strict=False):
        if nucleotide.id != protein.id:
            raise InputError(f"{protein_path}: record {protein.id} where {nucleotide_path} has "
                             f"{nucleotide.id}; the frame files do not belong together")
        if nucleotide.id in wanted:
            yield nucleotide, protein


def _write_split(paths: DatasetPaths, index: int, batch: list[tuple[FastaRecord, ...]]) -> None:
    """Split file ``index``: the nucleotide and the protein file, one line per sequence."""
    with atomic_open(paths.nucleotide_split(index)) as handle:
        handle.writelines(f">{nucleotide.id}\n{nucleotide.sequence}\n" for nucleotide, _ in batch)
    with atomic_open(paths.protein_split(index)) as handle:
        handle.writelines(f">{protein.id}\n{protein.sequence}\n" for _, protein in batch)
