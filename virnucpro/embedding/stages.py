"""Stages 5-6: DNABERT-S and ESM-2 embeddings of every split file.

Each split file ``output_<N>.fa`` gets a feature file beside it (``output_<N>_DNABERT_S.pt``,
``output_<N>_ESM.pt``): ``{'ids': [...], 'data': Tensor[n, d]}`` in the split file's order.
The model is loaded once per stage; each feature file is recorded (size, SHA-256) as it is
written, and with ``resume`` the files recorded and still whole are skipped.
torch, transformers and esm are imported only once a stage runs, so importing this module
(as the pipeline definitions do) stays cheap.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from virnucpro import test_hook
from virnucpro.config import PipelineConfig, ResolvedModels
from virnucpro.embedding.feature_files import pending_splits
from virnucpro.errors import InputError
from virnucpro.file_digests import record_written
from virnucpro.paths import RunLayout
from virnucpro.progress import progress_bar
from virnucpro_telemetry import add_metrics, timed_stage

logger = logging.getLogger(__name__)


class SplitFiles(NamedTuple):
    """The files one feature stage reads and writes, by split number N."""

    source: Callable[[int], Path]
    """The split FASTA file N."""
    output: Callable[[int], Path]
    """Its feature file."""


@timed_stage("DNABERT-S Feature Extraction", rate="sequences", rate_unit="seq")
def extract_dnabert_features(paths: RunLayout, config: PipelineConfig, models: ResolvedModels,
                             split_indices: Sequence[int] | None = None) -> None:
    """Embed the nucleotide split files with DNABERT-S (see :func:`_run_feature_stage`)."""
    _run_feature_stage(paths, config, models, split_indices, dnabert_files(paths), _dnabert)


@timed_stage("ESM-2 Feature Extraction", rate="sequences", rate_unit="seq")
def extract_esm_features(paths: RunLayout, config: PipelineConfig, models: ResolvedModels,
                         split_indices: Sequence[int] | None = None) -> None:
    """Embed the protein split files with ESM-2, last layer (see :func:`_run_feature_stage`)."""
    _run_feature_stage(paths, config, models, split_indices, esm_files(paths), _esm)


def dnabert_files(paths: RunLayout) -> SplitFiles:
    """Stage 5 reads the nucleotide split files and writes ``output_N_DNABERT_S.pt``."""
    return SplitFiles(paths.nucleotide_split, paths.dnabert_features)


def esm_files(paths: RunLayout) -> SplitFiles:
    """Stage 6 reads the protein split files and writes ``output_N_ESM.pt``."""
    return SplitFiles(paths.protein_split, paths.esm_features)


# feature stage -> its files, for the torchrun planner (virnucpro.pipeline.distribution.torchrun)
SPLIT_FILES: dict[Callable, Callable[[RunLayout], SplitFiles]] = {
    extract_dnabert_features: dnabert_files,
    extract_esm_features: esm_files,
}


def _dnabert(config: PipelineConfig, models: ResolvedModels, device, dtype):
    """DNABERT-S (``models.dnabert``) in batches of ``config.dnabert_tokens_per_batch``."""
    from virnucpro.embedding.dnabert_embedder import DNABertEmbedder
    from virnucpro.embedding.dnabert_loading import load_dnabert_s

    model, tokenizer = load_dnabert_s(models.dnabert, config.cache_dir)
    return DNABertEmbedder(model, tokenizer, device, dtype, config.dnabert_tokens_per_batch)


def _esm(config: PipelineConfig, models: ResolvedModels, device, dtype):
    """ESM-2 (``models.esm``) in batches of ``config.esm_tokens_per_batch``."""
    from virnucpro.embedding.esm_embedder import ESMEmbedder
    from virnucpro.embedding.esm_loading import load_esm2

    model, alphabet = load_esm2(models.esm, config.cache_dir)
    return ESMEmbedder(model, alphabet, device, dtype, config.esm_tokens_per_batch)


def _run_feature_stage(paths: RunLayout, config: PipelineConfig, models: ResolvedModels,
                       split_indices: Sequence[int] | None, files: SplitFiles,
                       load: Callable) -> None:
    """Load the model once, then embed each pending split file and write its features.

    Args:
        paths: the run's output layout.
        config: the run settings (``precision``, the model's tokens per batch, ``resume``,
            ``cache_dir``, ``progress``).
        models: the resolved models (the stage's model, ``device``).
        split_indices: the split files to process (None: all of them).
        files: the split files the stage reads and the feature files it writes.
        load: ``load(config, models, device, dtype)`` gives the stage's embedder.
    """
    from virnucpro.embedding.device import resolve_device, resolve_dtype
    from virnucpro.embedding.feature_files import write_features
    from virnucpro.sequence.fasta import fasta_size, read_fasta

    indices = paths.split_indices() if split_indices is None else list(split_indices)
    todo, skipped = pending_splits(indices, files.output, config.resume, paths)
    if skipped:
        logger.info("%d of %d feature files already written; skipping them", skipped,
                    len(indices))
    missing = [files.source(index) for index in todo if not files.source(index).is_file()]
    if missing:
        raise InputError(f"split file {missing[0]} is missing ({len(missing)} in all); run "
                         "the pipeline again with --force to rebuild the split files")
    sequences = tokens = 0
    if todo:
        device = resolve_device(models.device)
        dtype = resolve_dtype(config.precision, device)
        embedder = load(config, models, device, dtype)
        logger.info("%s on %s (%s), %d split file(s)", embedder.name, device,
                    str(dtype).removeprefix("torch."), len(todo))
        total = sum(fasta_size(files.source(index)).records for index in todo)
        with progress_bar(total=total, desc=embedder.name,
                          enabled=config.progress) as bar:
            for index in todo:
                records = list(read_fasta(files.source(index), check_letters=False))
                result = embedder.embed([record.sequence for record in records], progress=bar)
                write_features(files.output(index), [record.id for record in records],
                               result.data)
                record_written(paths, files.output(index))
                test_hook.reached(files.output(index).name)
                sequences += len(records)
                tokens += result.tokens
    add_metrics(sequences=sequences, tokens=tokens, files=len(todo), skipped_files=skipped)

