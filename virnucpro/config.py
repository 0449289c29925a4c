"""What a run was asked to do (:class:`PipelineConfig`) and the models that resolves to.

This module owns every run setting shared by the commands: each is checked once, here, by the
value that holds it (:func:`chunk_length`, :func:`min_score`, :class:`ClassifierChoice`); the
command line and the settings types call these checks and never repeat them.

Two immutable values: :class:`PipelineConfig` holds the settings as the user gave them (a model
option left out stays None); :class:`ResolvedModels` holds the local model files and device
that ``virnucpro.pipeline.models.model_resolution`` derives from them once per run, before stage 1.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from virnucpro.errors import UsageError

logger = logging.getLogger(__name__)

DEFAULT_DNABERT = "zhihan1996/DNABERT-S"
DEFAULT_ESM = "esm2_t36_3B_UR50D"
CHUNK_LENGTHS = (300, 500)
DEFAULT_CHUNK_LENGTH = 500
DEFAULT_MIN_SCORE = 0.5  # the original's per-chunk rule (virnucpro.results.consensus)
DEMO_MODELS_FOLDER = "demo-models"  # the demo models' folder in the model cache
_OFFLINE_VALUES = {"1", "on", "yes", "true"}


def chunk_length(value: int | str) -> int:
    """The chunk length ``value`` names: 300 or 500 (the one check of ``-l``).

    Raises:
        UsageError: not one of :data:`CHUNK_LENGTHS`.
    """
    try:
        length = int(value)
    except (TypeError, ValueError):
        raise UsageError(f"the chunk length (-l) must be 300 or 500, not {value!r}") from None
    if length not in CHUNK_LENGTHS or str(length) != str(value).strip():
        raise UsageError(f"the chunk length (-l) must be 300 or 500, not {value}")
    return length


def min_score(value: float | str) -> float:
    """The threshold ``value`` names: a number from 0 to 1 (the one check of ``--min-score``).

    Raises:
        UsageError: not a number, or outside [0, 1].
    """
    try:
        score = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"--min-score must be a number between 0 and 1, not {value!r}") from None
    if not 0.0 <= score <= 1.0:
        raise UsageError(f"--min-score must be between 0 and 1, not {value}")
    return score


def hub_offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` asks for no downloads (of any model, not only the hub's)."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _OFFLINE_VALUES


def default_cache_dir() -> Path:
    """Where models are cached when no ``cache_dir`` is given: ``$XDG_CACHE_HOME/virnucpro``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "virnucpro"


@dataclass(frozen=True)
class ClassifierChoice:
    """The classifier a run asked for: a published one (by its chunk length) or a file.

    Attributes:
        published: 300 or 500 for the published classifier of that chunk length, else None.
        path: the classifier file as typed, else None.
    """

    published: int | None = None
    path: str | None = None

    def __post_init__(self) -> None:
        if (self.published is None) == (self.path is None):
            raise ValueError("a classifier choice is either published or a file")
        if self.published is not None:
            chunk_length(self.published)

    @classmethod
    def parse(cls, text: str | ClassifierChoice) -> ClassifierChoice:
        """``-m TEXT``: ``300`` / ``500`` name a published classifier, anything else a file
        (also ``given.model`` of an earlier run's ``run.json``)."""
        if isinstance(text, ClassifierChoice):
            return text
        text = str(text)
        if text.strip() in {str(length) for length in CHUNK_LENGTHS}:
            return cls(published=int(text))
        return cls(path=text)

    def __str__(self) -> str:
        """As typed: ``500`` or the path (the form ``run.json`` keeps)."""
        return str(self.published) if self.published is not None else str(self.path)


def command_line_type(check: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse ``type`` that applies ``check`` (a usage error becomes argparse's exit 2)."""

    def convert(text: str) -> object:
        try:
            return check(text)
        except UsageError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = check.__name__  # argparse names the type in its messages
    return convert


@dataclass(frozen=True)
class PipelineConfig:
    """The settings of a run as the user gave them (never rewritten with resolved values).

    The one exception is ``chunk_length``: without ``-l`` it is the chosen classifier's own
    (a trained ``model.pt`` records it; ``-m 300`` is 300), else 500; :func:`config_from_args`
    settles it once, logs it, and every stage and file name then uses this value.

    Attributes:
        output_dir: where outputs go; None means ``<input stem>_virnucpro`` in the current folder.
        chunk_length: 300 or 500; the chunk size and the published classifier it pairs with.
        model: the classifier asked for with ``-m`` (a ``str`` is parsed by
            :meth:`ClassifierChoice.parse`); None: the published one of ``chunk_length``, or
            with ``demo`` the demo classifier.
        dnabert: DNABERT-S hub id or local directory asked for; None: the published
            DNABERT-S, or with ``demo`` the demo model.
        esm: ESM-2 model name (fair-esm) or local checkpoint path asked for; None: the
            published ESM-2, or with ``demo`` the demo model.
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
            holder refreshes it every 30 s; ``pipeline.folder.run_lock``).
        demo: use the offline demo models for every model not asked for explicitly
            (meaningless calls).
        baseline_seconds: wall time of a reference run, for the speedup line of the summary.
        trace: also write the run's stage calls to this file as a Chrome trace-event JSON file
            (opens in Perfetto UI and chrome://tracing); None: no trace.
        cache_dir: where downloaded or generated models are cached (None: ``default_cache_dir()``).
        progress: show progress bars (still off when stderr is not a terminal).
        allow_model_mismatch: run a trained classifier (``virnucpro train``) although its chunk
            length or embedding models differ from the run's (experts only).
    """

    output_dir: Path | None = None
    chunk_length: int = DEFAULT_CHUNK_LENGTH
    model: ClassifierChoice | None = None
    dnabert: str | None = None
    esm: str | None = None
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
    trace: Path | None = None
    cache_dir: Path | None = None
    progress: bool = True
    allow_model_mismatch: bool = False

    def __post_init__(self) -> None:
        chunk_length(self.chunk_length)
        min_score(self.min_score)
        if self.model is not None and not isinstance(self.model, ClassifierChoice):
            object.__setattr__(self, "model", ClassifierChoice.parse(self.model))
        for name in ("sequences_per_file", "threads"):
            if getattr(self, name) < 1:
                raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
        if self.stale_lock_minutes <= 0:
            raise UsageError("--stale-lock-minutes must be above 0 (the holder refreshes its "
                             f"lock every 30 s), not {self.stale_lock_minutes:g}")

    @property
    def classifier(self) -> ClassifierChoice:
        """The classifier in use when not ``demo``: ``model``, else the published one of the
        chunk length (``str()`` of it is ``given.model`` in ``run.json``)."""
        return self.model or ClassifierChoice(published=self.chunk_length)

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


def config_from_args(args: argparse.Namespace, **overrides) -> PipelineConfig:
    """The :class:`PipelineConfig` that the parsed command-line options describe.

    Options left out (None) take the configuration's defaults, except ``-l``: without it the
    chunk length is the chosen classifier's (:func:`classifier_chunk_length`), logged.
    ``overrides`` set fields the command decides (``progress=False`` on torchrun's other ranks).

    Raises:
        UsageError: an option value that the configuration refuses.
        ModelFileError: ``-m`` names a trained model of an unsupported format.
    """
    options = {
        name: getattr(args, name)
        for name in PipelineConfig.__dataclass_fields__
        if getattr(args, name, None) is not None
    }
    options.update(overrides)
    if "chunk_length" not in options:
        options["chunk_length"] = classifier_chunk_length(options.get("model"))
    return PipelineConfig(**options)


def classifier_chunk_length(model: ClassifierChoice | None) -> int:
    """The chunk length a run without ``-l`` uses: the published classifier's, a trained model's
    (recorded in its ``model.pt``), else :data:`DEFAULT_CHUNK_LENGTH`."""
    if model is None:
        return DEFAULT_CHUNK_LENGTH
    if model.published is not None:
        logger.info("-l not given: chunks of %d bp, as the published classifier -m %d",
                    model.published, model.published)
        return model.published
    if not Path(model.path).is_file():  # reported by model resolution before stage 1
        return DEFAULT_CHUNK_LENGTH
    from virnucpro.training.model_file import trained_model_metadata  # imports torch

    metadata = trained_model_metadata(Path(model.path))
    if metadata is None:  # a published or bare classifier file records no chunk length
        return DEFAULT_CHUNK_LENGTH
    logger.info("-l not given: chunks of %d bp, the chunk length %s was trained with",
                metadata.chunk_length, model.path)
    return chunk_length(metadata.chunk_length)
