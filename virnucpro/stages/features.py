"""Stages 5-6: DNABERT-S and ESM-2 embeddings of every split file.

Each split file ``output_<N>.fa`` gets a feature file beside it (``output_<N>_DNABERT_S.pt``,
``output_<N>_ESM.pt``): ``{'ids': [...], 'data': Tensor[n, d]}`` in the split file's order.
The model is loaded once per stage; with ``resume`` the files already written are skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from virnucpro.config import PipelineConfig
from virnucpro.errors import InputError
from virnucpro.paths import RunPaths
from virnucpro.progress import progress_bar
from virnucpro_telemetry import add_metrics, timed_stage

logger = logging.getLogger(__name__)


@timed_stage("DNABERT-S Feature Extraction")
def extract_dnabert_features(
    paths: RunPaths, config: PipelineConfig, split_indices: Sequence[int] | None = None
) -> None:
    """Embed the nucleotide split files with DNABERT-S.

    Args:
        paths: the run's output layout.
        config: the run settings (``dnabert``, ``device``, ``precision``,
            ``dnabert_tokens_per_batch``, ``resume``, ``cache_dir``, ``progress``).
        split_indices: the split files to process (None: all of them).
    """
    # torch and transformers are imported only once a stage actually runs.
    from virnucpro.features.dnabert import DNABertEmbedder
    from virnucpro.models.dnabert_loading import load_dnabert_s

    def make_embedder(device, dtype):
        model, tokenizer = load_dnabert_s(config.dnabert, config.cache_dir)
        return DNABertEmbedder(model, tokenizer, device, dtype, config.dnabert_tokens_per_batch)

    _run_feature_stage(paths, config, split_indices, paths.nucleotide_split,
                       paths.dnabert_features, make_embedder)


@timed_stage("ESM-2 Feature Extraction")
def extract_esm_features(
    paths: RunPaths, config: PipelineConfig, split_indices: Sequence[int] | None = None
) -> None:
    """Embed the protein split files with ESM-2 (last layer).

    Args:
        paths: the run's output layout.
        config: the run settings (``esm``, ``device``, ``precision``, ``esm_tokens_per_batch``,
            ``resume``, ``cache_dir``, ``progress``).
        split_indices: the split files to process (None: all of them).
    """
    from virnucpro.features.esm import ESMEmbedder
    from virnucpro.models.esm_loading import load_esm2

    def make_embedder(device, dtype):
        model, alphabet = load_esm2(config.esm, config.cache_dir)
        return ESMEmbedder(model, alphabet, device, dtype, config.esm_tokens_per_batch)

    _run_feature_stage(paths, config, split_indices, paths.protein_split,
                       paths.esm_features, make_embedder)


def pending_splits(
    indices: Sequence[int], output: Callable[[int], Path], resume: bool
) -> tuple[list[int], int]:
    """The split indices still to embed, and how many were skipped as already written."""
    todo = [index for index in indices if not (resume and output(index).exists())]
    return todo, len(indices) - len(todo)


def _run_feature_stage(paths, config, split_indices, source, output, make_embedder) -> None:
    """Load the model once, then embed each pending split file and write its features."""
    from virnucpro.features.device import resolve_device, resolve_dtype
    from virnucpro.features.fasta import read_split_fasta
    from virnucpro.features.io import write_features

    indices = paths.split_indices() if split_indices is None else list(split_indices)
    todo, skipped = pending_splits(indices, output, config.resume)
    if skipped:
        logger.info("%d of %d feature files already written; skipping them", skipped,
                    len(indices))
    missing = [source(index) for index in todo if not source(index).is_file()]
    if missing:
        raise InputError(f"split file {missing[0]} is missing ({len(missing)} in all); run "
                         "the pipeline again with --force to rebuild the split files")
    sequences = tokens = 0
    if todo:
        device = resolve_device(config.device)
        dtype = resolve_dtype(config.precision, device)
        embedder = make_embedder(device, dtype)
        logger.info("%s on %s (%s), %d split file(s)", embedder.name, device,
                    str(dtype).removeprefix("torch."), len(todo))
        with progress_bar(total=_count_records(source, todo), desc=embedder.name,
                          enabled=config.progress) as bar:
            for index in todo:
                records = read_split_fasta(source(index))
                result = embedder.embed([seq for _, seq in records], progress=bar)
                write_features(output(index), [name for name, _ in records], result.data)
                sequences += len(records)
                tokens += result.tokens
    add_metrics(sequences=sequences, tokens=tokens, files=len(todo), skipped_files=skipped)


def _count_records(source: Callable[[int], Path], indices: Sequence[int]) -> int:
    """Number of FASTA records in the given split files (for the progress bar)."""
    total = 0
    for index in indices:
        with open(source(index), encoding="utf-8") as handle:
            total += sum(1 for line in handle if line.startswith(">"))
    return total
