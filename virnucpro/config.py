"""The one configuration object that every stage receives."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_DNABERT = "zhihan1996/DNABERT-S"
DEFAULT_ESM = "esm2_t36_3B_UR50D"
CHUNK_LENGTHS = (300, 500)

# Settings that change what a run writes; a resumed run must match them (see checkpoint.py).
RESULT_SETTINGS = ("chunk_length", "model", "dnabert", "esm", "precision", "sequences_per_file")


def default_cache_dir() -> Path:
    """Where models are cached when no ``cache_dir`` is given: ``$XDG_CACHE_HOME/virnucpro``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "virnucpro"


@dataclass(frozen=True)
class PipelineConfig:
    """Everything a run needs besides its input and output paths.

    Attributes:
        output_dir: where outputs go; None means ``<input stem>_virnucpro`` in the current folder.
        chunk_length: 300 or 500; the chunk size and the published classifier it pairs with.
        model: classifier: ``"300"``, ``"500"`` (published files, downloaded and cached) or a path.
        dnabert: DNABERT-S hub id or local directory.
        esm: ESM-2 model name (fair-esm) or local checkpoint path.
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
        precision: ``auto``, ``fp32``, ``fp16`` or ``bf16`` (GPU only; CPU always runs fp32).
        dnabert_tokens_per_batch: token budget of one DNABERT-S batch (padded tokens).
        esm_tokens_per_batch: token budget of one ESM-2 batch.
        classifier_batch_size: rows per classifier batch.
        sequences_per_file: records per split file (stages 3-4).
        threads: CPU worker processes for translation.
        keep_intermediate: keep chunk, frame, split and feature files after a successful run.
        resume: skip stages (and split files) that a previous run finished.
        force: remove a previous run's outputs and start over.
        demo: use the offline demo models (meaningless calls).
        baseline_seconds: wall time of a reference run, for the speedup line of the summary.
        cache_dir: where downloaded or generated models are cached (None: ``default_cache_dir()``).
        progress: show progress bars (still off when stderr is not a terminal).
    """

    output_dir: Path | None = None
    chunk_length: int = 500
    model: str = "500"
    dnabert: str = DEFAULT_DNABERT
    esm: str = DEFAULT_ESM
    device: str = "auto"
    precision: str = "auto"
    dnabert_tokens_per_batch: int = 16384
    esm_tokens_per_batch: int = 4096
    classifier_batch_size: int = 256
    sequences_per_file: int = 10000
    threads: int = 1
    keep_intermediate: bool = False
    resume: bool = False
    force: bool = False
    demo: bool = False
    baseline_seconds: float | None = None
    cache_dir: Path | None = None
    progress: bool = True

    def __post_init__(self) -> None:
        if self.chunk_length not in CHUNK_LENGTHS:
            raise ValueError(f"chunk_length must be 300 or 500, not {self.chunk_length}")
        if self.sequences_per_file < 1:
            raise ValueError("sequences_per_file must be at least 1")
        if self.threads < 1:
            raise ValueError("threads must be at least 1")

    @property
    def model_cache_dir(self) -> Path:
        """The model cache in use."""
        return self.cache_dir if self.cache_dir is not None else default_cache_dir()

    def result_settings(self) -> dict:
        """The settings that change results, as plain data (for checkpoint hashes)."""
        values = asdict(self)
        return {name: values[name] for name in RESULT_SETTINGS}
