"""Stages 1-4: sequence chunking, six-frame translation and splitting into numbered files.

Each stage is a thin ``@timed_stage`` function of ``(paths, config, models)`` (the signature all
stages share; these four read no model). Pure Python and numpy: nothing here imports torch, so
``virnucpro preprocess`` starts fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from virnucpro.atomic import atomic_open
from virnucpro.config import PipelineConfig, ResolvedModels
from virnucpro.errors import InputError
from virnucpro.paths import RunPaths
from virnucpro.progress import progress_bar
from virnucpro.sequence.chunking import write_chunks
from virnucpro.sequence.fasta import RecordBlock, read_blocks
from virnucpro.sequence.parallel import ordered_map
from virnucpro.sequence.splitting import remove_split_files, split_fasta
from virnucpro.sequence.translation import translate_block
from virnucpro_telemetry import add_metrics, timed_stage


@timed_stage("Sequence Chunking", rate="sequences", rate_unit="seq")
def chunk_sequences(
    paths: RunPaths, config: PipelineConfig, models: ResolvedModels | None = None
) -> None:
    """Stage 1: cut every input sequence into chunks; write the chunk FASTA and the manifest.

    Both files are written under temporary names and renamed only once the whole input has been
    read and checked, so a bad record or a duplicate id leaves neither file behind.

    Raises:
        InputError: the input is not valid FASTA, repeats an id, or has no sequence at all.
    """
    paths.chunked_fasta.parent.mkdir(parents=True, exist_ok=True)
    blocks = read_blocks(paths.input_fasta)
    with (
        _block_progress(paths.input_fasta, "Chunking", config) as bar,
        atomic_open(paths.chunked_fasta, "wb") as chunks_out,
        atomic_open(paths.sequence_manifest) as manifest_out,
    ):
        summary = write_chunks(_advance(bar, blocks), config.chunk_length, chunks_out, manifest_out)
        if not summary.chunks:
            raise InputError(
                f"{paths.input_fasta}: none of its {summary.sequences} record(s) has a sequence; "
                "nothing to classify"
            )
    add_metrics(
        sequences=summary.sequences,
        empty_sequences=summary.empty,
        chunks=summary.chunks,
        bases=summary.bases,
    )


@timed_stage("Six-Frame Translation", rate="sequences", rate_unit="seq")
def translate_chunks(
    paths: RunPaths, config: PipelineConfig, models: ResolvedModels | None = None
) -> None:
    """Stage 2: translate every chunk in six frames; write the kept frames' nucleotides and
    proteins (one line per sequence, the same ids in the same order).

    With ``config.threads > 1`` blocks of the chunk file are parsed and translated by that many
    worker processes; the files are the same, byte for byte.
    """
    blocks = read_blocks(paths.chunked_fasta, allow_empty=True)
    chunk_count = frame_count = 0
    with (
        _block_progress(paths.chunked_fasta, "Translating", config) as bar,
        atomic_open(paths.identified_nucleotide, "wb") as nucleotide_out,
        atomic_open(paths.identified_protein, "wb") as protein_out,
    ):
        for block in ordered_map(translate_block, _advance(bar, blocks), workers=config.threads):
            nucleotide_out.write(block.nucleotide)
            protein_out.write(block.protein)
            chunk_count += block.chunks
            frame_count += block.frames
    add_metrics(chunks=chunk_count, frames=frame_count, threads=config.threads)


@timed_stage("Nucleotide File Splitting", rate="sequences", rate_unit="seq")
def split_nucleotide_file(
    paths: RunPaths, config: PipelineConfig, models: ResolvedModels | None = None
) -> None:
    """Stage 3: split the identified nucleotide file into ``output_<N>.fa`` files."""
    _split(paths.identified_nucleotide, paths.nucleotide_split_dir, paths.nucleotide_split, config)


@timed_stage("Protein File Splitting", rate="sequences", rate_unit="seq")
def split_protein_file(
    paths: RunPaths, config: PipelineConfig, models: ResolvedModels | None = None
) -> None:
    """Stage 4: split the identified protein file into ``output_<N>.fa`` files."""
    _split(paths.identified_protein, paths.protein_split_dir, paths.protein_split, config)


def _block_progress(path: Path, desc: str, config: PipelineConfig):
    """A progress bar in bytes of ``path`` (no total for gzip: its size is not the text's)."""
    try:
        with open(path, "rb") as handle:
            total = None if handle.read(2) == b"\x1f\x8b" else path.stat().st_size
    except OSError:  # the reader reports it, naming the file
        total = None
    return progress_bar(total=total, desc=desc, unit="B", enabled=config.progress)


def _advance(bar, blocks: Iterable[RecordBlock]) -> Iterator[RecordBlock]:
    """Pass blocks through, moving ``bar`` on by the size of each."""
    for block in blocks:
        yield block
        bar.update(len(block.text))


def _split(
    source: Path, folder: Path, destination: Callable[[int], Path], config: PipelineConfig
) -> None:
    """Replace the split files in ``folder`` with a fresh split of ``source``."""
    folder.mkdir(parents=True, exist_ok=True)
    stale = remove_split_files(folder)
    files, records = split_fasta(source, destination, config.sequences_per_file)
    add_metrics(sequences=records, files=files, stale_files_removed=stale)
