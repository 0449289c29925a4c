"""The per-input-file work of make-dataset's stages (run in worker processes with ``--threads``).

Each function takes ``(input, paths, settings)`` and returns a :class:`FileReport`: counts for the
stage's metrics, and, in a worker process, the warnings it logged (the parent logs them, so they
reach the user's log handlers in input order).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from virnucpro.atomic import atomic_open
from virnucpro.progress import progress_bar
from virnucpro.sequence.chunking import write_chunks
from virnucpro.sequence.fasta import format_record, read_blocks, read_fasta
from virnucpro.training.dataset import FrameRow
from virnucpro.training.dataset_paths import DatasetPaths
from virnucpro.training.frames import format_frames, frame_record_id, record_frames
from virnucpro.training.genbank import read_genbank
from virnucpro.training.settings import LabelledInput, TrainingConfig

Job = tuple[LabelledInput, DatasetPaths, TrainingConfig]


class FileReport(NamedTuple):
    """What one file's work counted, and the warnings a worker process logged."""

    counts: dict[str, int]
    warnings: list[str]


def read_one_file(job: Job) -> FileReport:
    """GenBank Reading for one input: its sequences as FASTA, its proteins one line per record."""
    item, paths, config = job
    counts = dict.fromkeys(("records", "bases", "cds", "cds_translations"), 0)
    with (
        _captured_warnings() as warnings,
        _record_progress(item.path, config) as bar,
        atomic_open(paths.genomic_fasta(item.stem)) as fasta_out,
        atomic_open(paths.protein_table(item.stem)) as proteins_out,
    ):
        for record in read_genbank(item.path):
            fasta_out.write(format_record(record.id, record.sequence))
            proteins_out.write("\t".join([record.id, *record.proteins]) + "\n")
            counts["records"] += 1
            counts["bases"] += len(record.sequence)
            counts["cds"] += len(record.proteins)
            counts["cds_translations"] += sum(map(bool, record.proteins))
            bar.update(1)
    return FileReport(counts, warnings)


def chunk_one_file(job: Job) -> FileReport:
    """GenBank Chunking for one input, with predict's chunking rule."""
    item, paths, config = job
    stem = item.stem
    with (
        _captured_warnings() as warnings,
        atomic_open(paths.chunked_fasta(stem), "wb") as chunks_out,
        atomic_open(paths.chunk_manifest(stem)) as manifest_out,
    ):
        blocks = read_blocks(paths.genomic_fasta(stem), allow_empty=True)
        summary = write_chunks(blocks, paths.chunk_length, chunks_out, manifest_out)
    return FileReport({"sequences": summary.sequences, "chunks": summary.chunks}, warnings)


def select_one_file(job: Job) -> FileReport:
    """Training Frame Selection for one input: the frames matching each record's proteins, in
    the original's output format (one line per sequence)."""
    item, paths, config = job
    stem = item.stem
    frames = 0
    with (
        _captured_warnings() as warnings,
        _record_progress(item.path, config) as bar,
        atomic_open(paths.nucleotide_frames(stem)) as nucleotide_out,
        atomic_open(paths.protein_frames(stem)) as protein_out,
    ):
        for chunks, proteins in _record_chunks(paths, stem):
            found = list(record_frames(chunks, proteins))
            nucleotide, protein = format_frames(found)
            nucleotide_out.write(nucleotide)
            protein_out.write(protein)
            frames += len(found)
            bar.update(1)
    return FileReport({"frames": frames}, warnings)


def _record_chunks(paths: DatasetPaths, stem: str) -> Iterator[tuple[Iterator, list[str]]]:
    """``(chunks, proteins)`` of each record that has chunks, streamed: the chunk file and the
    protein table list records in the same order (records without sequence have no chunks)."""
    chunk_records = read_fasta(paths.chunked_fasta(stem), allow_empty=True)
    grouped = itertools.groupby(chunk_records, key=lambda chunk: frame_record_id(chunk.id))
    with open(paths.protein_table(stem), encoding="utf-8") as table:
        for record_id, chunk_group in grouped:
            for line in table:
                line_id, *proteins = line.rstrip("\n").split("\t")
                if line_id == record_id:
                    break
            else:  # pragma: no cover - both files are written from the same records
                raise AssertionError(f"{record_id} is not in {paths.protein_table(stem)}")
            yield ((chunk.id, chunk.sequence) for chunk in chunk_group), proteins


def frame_rows(item: LabelledInput, nucleotide_frames: Path) -> list[FrameRow]:
    """One :class:`FrameRow` per frame of an input's nucleotide frame file."""
    return [
        FrameRow(frame.id, frame_record_id(frame.id), item.source, item.group, item.label)
        for frame in read_fasta(nucleotide_frames, allow_empty=True)
    ]


def _record_progress(path: Path, config: TrainingConfig):
    """A bar counting one file's records; only in the main process (workers would clash)."""
    enabled = config.progress and multiprocessing.parent_process() is None
    return progress_bar(desc=Path(path).name, unit="record", enabled=enabled)


class _ListHandler(logging.Handler):
    def __init__(self, messages: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _captured_warnings() -> Iterator[list[str]]:
    """In a worker process, collect the ``virnucpro`` warnings (to hand to the parent); in the
    main process, let them through to the user's handlers and collect nothing."""
    messages: list[str] = []
    if multiprocessing.parent_process() is None:
        yield messages
        return
    logger = logging.getLogger("virnucpro")
    handler = _ListHandler(messages)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
