"""The four stages of make-dataset, and :func:`build_dataset` running them in order.

``GenBank Reading`` -> ``work/<stem>_genomic.fna`` + ``work/<stem>_proteins.tsv`` per input (the
sequences and protein lists the original read from the ``.fna`` twin and the ``.gbff``);
``Sequence Chunking`` -> ``work/<stem>_chunked<L>.fa`` (predict's chunker, unchanged);
``Training Frame Selection`` -> ``frames/<stem>_identified_nucleotide.fa`` and ``..._protein.faa``;
``Dataset Split`` -> ``dataset.tsv``. Torch-free. With ``settings.threads > 1`` each of the first
three stages handles input files in that many worker processes; every file's outputs depend on that
file alone, so they are the same, byte for byte.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from virnucpro.progress import progress_bar
from virnucpro.sequence.parallel import ordered_map
from virnucpro.training import dataset_files
from virnucpro.training.dataset import balance, dataset_hash, split_by_record, write_dataset_table
from virnucpro.training.dataset_paths import DatasetPaths
from virnucpro.training.settings import DatasetSettings, LabelledInput
from virnucpro_telemetry import add_metrics, timed_stage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatasetResult:
    """What :func:`build_dataset` made: the table, its hash and its rows per split."""

    table: Path
    sha256: str
    rows: int
    rows_by_split: dict[str, int]


def build_dataset(settings: DatasetSettings, paths: DatasetPaths) -> DatasetResult:
    """Run the four make-dataset stages; remove ``work/`` unless ``keep_intermediate``."""
    for stage_function in (read_genbank_files, chunk_genbank_sequences, select_training_frames):
        stage_function(paths, settings)
    result = split_dataset(paths, settings)
    if not settings.keep_intermediate:
        shutil.rmtree(paths.work_dir, ignore_errors=True)
    return result


@timed_stage("GenBank Reading")
def read_genbank_files(paths: DatasetPaths, settings: DatasetSettings) -> None:
    """Read every GenBank input; write its sequences (FASTA) and proteins (one line per record).

    Raises:
        InputError: a file is not GenBank, or a record has no sequence or odd letters.
    """
    paths.work_dir.mkdir(parents=True, exist_ok=True)
    _run_per_file(dataset_files.read_one_file, paths, settings, "Reading GenBank")


@timed_stage("Sequence Chunking")
def chunk_genbank_sequences(paths: DatasetPaths, settings: DatasetSettings) -> None:
    """Cut every record's sequence into chunks by predict's rule (``<id>_chunk_<k>``)."""
    _run_per_file(dataset_files.chunk_one_file, paths, settings, "Chunking")


@timed_stage("Training Frame Selection")
def select_training_frames(paths: DatasetPaths, settings: DatasetSettings) -> None:
    """Keep the frames of each chunk that match its record's proteins; write them per input."""
    paths.frames_dir.mkdir(parents=True, exist_ok=True)
    _run_per_file(dataset_files.select_one_file, paths, settings, "Selecting frames")


@timed_stage("Dataset Split")
def split_dataset(paths: DatasetPaths, settings: DatasetSettings) -> DatasetResult:
    """Balance the classes, split by record, write ``dataset.tsv``.

    Raises:
        InputError: no viral or no other frame is left, or a split would be empty.
    """
    rows = []
    for item in settings.inputs:
        rows += dataset_files.frame_rows(item, paths.nucleotide_frames(item.stem))
    selected = balance(rows, settings.seed)
    splits = split_by_record(selected, settings.val_fraction, settings.test_fraction, settings.seed)
    count = write_dataset_table(selected, splits, paths.dataset_table)
    by_split = {name: 0 for name in ("train", "val", "test")}
    for row in selected:
        by_split[splits[row.record_id]] += 1
    add_metrics(
        frames=len(rows), selected=count, records=len(splits),
        **{f"{name}_frames": value for name, value in by_split.items()},
    )
    return DatasetResult(paths.dataset_table, dataset_hash(paths.dataset_table), count, by_split)


def _run_per_file(
    work: Callable[[tuple[LabelledInput, DatasetPaths, DatasetSettings]], dataset_files.FileReport],
    paths: DatasetPaths,
    settings: DatasetSettings,
    desc: str,
) -> None:
    """Run ``work`` on every input (in worker processes with ``threads > 1``); log what the
    workers logged, in input order; add up their counts as the stage's metrics."""
    jobs = [(item, paths, settings) for item in settings.inputs]
    totals: dict[str, int] = {}
    with progress_bar(total=len(jobs), desc=desc, unit="file", enabled=settings.progress) as bar:
        for report in ordered_map(work, jobs, workers=min(settings.threads, len(jobs))):
            _relay(report.warnings)
            for name, value in report.counts.items():
                totals[name] = totals.get(name, 0) + value
            bar.update(1)
    add_metrics(files=len(jobs), **totals)


def _relay(messages: Iterable[str]) -> None:
    for message in messages:
        logger.warning("%s", message)
