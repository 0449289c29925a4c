"""What a run was asked to do (:class:`PipelineConfig`) and the models that resolves to.

Two immutable values: :class:`PipelineConfig` holds the settings exactly as the user gave them
(``model`` stays ``"500"`` or the path typed); :class:`ResolvedModels` holds the local model
files and device that ``virnucpro.pipeline.model_resolution`` derives from them once per run.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, replace
from pathlib import Path

from virnucpro.errors import UsageError

DEFAULT_DNABERT = "zhihan1996/DNABERT-S"
DEFAULT_ESM = "esm2_t36_3B_UR50D"
CHUNK_LENGTHS = (300, 500)
DEFAULT_MIN_SCORE = 0.5  # the original's per-chunk rule (virnucpro.results.consensus)
# Result-changing settings added after checkpoints were first written, with the value that
# earlier runs used: a checkpoint without them is resumed as if it held that value.
EARLIER_SETTING_VALUES = {"min_score": DEFAULT_MIN_SCORE}


def default_cache_dir() -> Path:
    """Where models are cached when no ``cache_dir`` is given: ``$XDG_CACHE_HOME/virnucpro``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "virnucpro"


@dataclass(frozen=True)
class PipelineConfig:
    """The settings of a run as the user gave them (never rewritten with resolved values).

    Attributes:
        output_dir: where outputs go; None means ``<input stem>_virnucpro`` in the current folder.
        chunk_length: 300 or 500; the chunk size and the published classifier it pairs with.
        model: classifier as asked for: ``"300"``, ``"500"`` (published files, downloaded and
            cached) or a path.
        dnabert: DNABERT-S hub id or local directory, as asked for.
        esm: ESM-2 model name (fair-esm) or local checkpoint path, as asked for.
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
        precision: ``auto``, ``fp32``, ``fp16`` or ``bf16`` (GPU only; CPU always runs fp32).
        dnabert_tokens_per_batch: token budget of one DNABERT-S batch (padded tokens).
        esm_tokens_per_batch: token budget of one ESM-2 batch.
        classifier_batch_size: rows per classifier batch.
        min_score: the P(virus) a chunk needs to count as viral in ``sequence_summary.tsv``
            (0.5: the original's rule; the two original tables never change with it).
        sequences_per_file: records per split file (stages 3-4).
        threads: CPU worker processes for translation.
        keep_intermediate: keep chunk, frame, split and feature files after a successful run.
        resume: skip stages (and split files) that a previous run finished.
        force: remove a previous run's outputs and start over.
        break_lock: take over the output folder's lock even when it names a run that may still
            be running (another host's, or one whose pid this host cannot check).
        stale_lock_minutes: take over another host's lock not refreshed for this long (the
            holder refreshes it every 30 s; ``pipeline.run_lock``).
        demo: use the offline demo models (meaningless calls).
        baseline_seconds: wall time of a reference run, for the speedup line of the summary.
        cache_dir: where downloaded or generated models are cached (None: ``default_cache_dir()``).
        progress: show progress bars (still off when stderr is not a terminal).
        allow_model_mismatch: run a trained classifier (``virnucpro train``) although its chunk
            length or embedding models differ from the run's (experts only).
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
    min_score: float = DEFAULT_MIN_SCORE
    sequences_per_file: int = 10000
    threads: int = 1
    keep_intermediate: bool = False
    resume: bool = False
    force: bool = False
    break_lock: bool = False
    stale_lock_minutes: float = 10.0
    demo: bool = False
    baseline_seconds: float | None = None
    cache_dir: Path | None = None
    progress: bool = True
    allow_model_mismatch: bool = False

    def __post_init__(self) -> None:
        if self.chunk_length not in CHUNK_LENGTHS:
            raise ValueError(f"chunk_length must be 300 or 500, not {self.chunk_length}")
        if self.sequences_per_file < 1:
            raise ValueError("sequences_per_file must be at least 1")
        if self.threads < 1:
            raise ValueError("threads must be at least 1")
        if self.stale_lock_minutes <= 0:
            raise ValueError("--stale-lock-minutes must be above 0 (the holder refreshes its "
                             f"lock every 30 s), not {self.stale_lock_minutes:g}")
        if not 0.0 <= self.min_score <= 1.0:
            raise ValueError(f"--min-score must be between 0 and 1, not {self.min_score:g}")

    @property
    def model_cache_dir(self) -> Path:
        """The model cache in use."""
        return self.cache_dir if self.cache_dir is not None else default_cache_dir()


@dataclass(frozen=True)
class ResolvedModels:
    """The models a run uses, resolved once from its :class:`PipelineConfig`.

    Attributes:
        dnabert: DNABERT-S to load: a local directory, or a hub id downloaded on first load.
        esm: ESM-2 to load: a local checkpoint, or a fair-esm name downloaded on first load.
        classifier: the classifier file's path (the cached published file, the demo file, or the
            user's path as typed).
        device: the device spec the models run on in this process: the user's ``--device``, or
            under ``torchrun`` this rank's own GPU.
        demo: True for the offline demo models (meaningless calls).
    """

    dnabert: str
    esm: str
    classifier: str
    device: str
    demo: bool = False

    def on_device(self, device: str) -> ResolvedModels:
        """The same model files, run on ``device`` (a torchrun rank runs rank 0's on its own)."""
        return replace(self, device=device)


def result_settings(config: PipelineConfig, models: ResolvedModels) -> dict:
    """The settings that change results, as plain data (for the checkpoint fingerprint).

    The models are the resolved ones, so a published classifier counts by its cached file and
    ``--demo`` by the demo files, as in the checkpoints of earlier versions.
    """
    return {
        "chunk_length": config.chunk_length,
        "model": models.classifier,
        "dnabert": models.dnabert,
        "esm": models.esm,
        "precision": config.precision,
        "sequences_per_file": config.sequences_per_file,
        "min_score": config.min_score,
    }


def config_from_args(args: argparse.Namespace, **overrides) -> PipelineConfig:
    """The :class:`PipelineConfig` that the parsed command-line options describe.

    Without ``-m`` the classifier is the published one of the chunk length (``-l``).
    ``overrides`` set fields the command decides (``progress=False`` on torchrun's other ranks).

    Raises:
        UsageError: an option value that the configuration refuses.
    """
    options = {
        name: getattr(args, name)
        for name in PipelineConfig.__dataclass_fields__
        if getattr(args, name, None) is not None
    }
    if getattr(args, "model", None) is None:
        options["model"] = str(args.chunk_length)
    try:
        return PipelineConfig(**{**options, **overrides})
    except ValueError as error:
        raise UsageError(str(error)) from None
