"""Model resolution: the model options of a :class:`PipelineConfig` as checked local files.

Runs once per run, before stage 1 and before anything is written in the output folder (on
rank 0 under torchrun, which hands the result to the other ranks). Every model the run will use
is found and checked here, so that a typo costs seconds, not the embeddings: the demo models are
written on first use of ``--demo``; a published classifier, a DNABERT-S hub id or an ESM-2 name
not yet cached is downloaded now (with ``HF_HUB_OFFLINE`` set, it must be in the cache); each
file is read through the same allow-list (weights-only) loader the stages use, the embedding
models cheaply (headers and memory-mapped weights against their architecture); the classifier's
feature width must be the embedders' together, and a trained ``model.pt`` must have been made
for the run's chunk length and embedding models. A model given explicitly wins over ``--demo``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from virnucpro.config import (
    DEFAULT_DNABERT,
    DEFAULT_ESM,
    DEMO_MODELS_FOLDER,
    PipelineConfig,
    ResolvedModels,
)
from virnucpro.errors import ModelFileError

logger = logging.getLogger(__name__)

DEMO_BANNER = (
    "DEMO MODE: small randomly initialised models; the calls below are MEANINGLESS. "
    "Use the real models (see the README) for actual predictions."
)


def demo_models_dir(cache_dir: Path) -> Path:
    """Where ``--demo`` keeps the demo models in the model cache."""
    return Path(cache_dir) / DEMO_MODELS_FOLDER


def ensure_demo_models(cache_dir: Path):
    """The demo models under ``cache_dir``, written on first use."""
    from virnucpro.pipeline.models.demo import demo_model_paths, write_demo_models  # imports torch

    directory = demo_models_dir(cache_dir)
    paths = demo_model_paths(directory)
    if all(p.exists() for p in (paths.dnabert_dir, paths.esm_checkpoint, paths.classifier)):
        return paths
    logger.info("Writing the demo models to %s", directory)
    return write_demo_models(directory)


@dataclass(frozen=True)
class _Choices:
    """The three models a run uses, before they are checked, and whether any is a demo one."""

    dnabert: str
    esm: str
    classifier: str | None
    demo: bool


def resolve_models(
    config: PipelineConfig, device: str | None = None, *, classifier: bool = True,
    embedders: bool = True,
) -> ResolvedModels:
    """The models ``config`` asks for, found and checked before any stage runs.

    Args:
        config: the user's settings.
        device: the device spec to run on (default: ``config.device``).
        classifier: False for runs that use no classifier (``train``): none is fetched or
            checked, and ``classifier`` is empty.
        embedders: False for runs that load no embedding model (``classify``, which reads
            kept features): DNABERT-S and ESM-2 are named as given, neither loaded nor checked,
            and the classifier's width is checked by stage 8 against the features.

    Raises:
        ModelFileError: a model is missing, unreadable, not of its expected form, holds types
            the loader refuses, is not cached while offline, or the classifier's feature width
            is not the embedders'.
        UsageError: a trained model made for another chunk length or other embedding models
            (unless ``config.allow_model_mismatch``).
    """
    choices = _choose(config, classifier)
    width = _embedding_width(choices, config.model_cache_dir) if embedders else None
    models = ResolvedModels(dnabert=choices.dnabert, esm=choices.esm, classifier="",
                            device=config.device if device is None else device,
                            demo=choices.demo)
    if choices.classifier is None:
        return models
    _check_classifier(choices.classifier, width)
    _check_trained_classifier(config, models, choices.classifier)
    return ResolvedModels(dnabert=models.dnabert, esm=models.esm, classifier=choices.classifier,
                          device=models.device, demo=models.demo)


def _embedding_width(choices: _Choices, cache_dir: Path) -> int:
    """Check both embedding models; the width of the features they give together."""
    from virnucpro.embedding.dnabert_loading import check_dnabert_s  # imports torch
    from virnucpro.embedding.esm_loading import check_esm2

    return check_dnabert_s(choices.dnabert, cache_dir) + check_esm2(choices.esm, cache_dir)


def _choose(config: PipelineConfig, classifier: bool) -> _Choices:
    """Each model as a path or a name: the one given, else the demo one (``--demo``), else the
    published one (the classifier fetched once into the cache)."""
    if not config.demo:
        return _Choices(config.dnabert or DEFAULT_DNABERT, config.esm or DEFAULT_ESM,
                        _classifier_file(config) if classifier else None, demo=False)
    explicit = {"--dnabert": config.dnabert, "--esm": config.esm}
    if classifier:
        explicit["-m"] = None if config.model is None else str(config.model)
    for option, value in explicit.items():
        if value is not None:
            logger.info("--demo: %s %s given, used instead of the demo model", option, value)
    if None not in explicit.values():  # --demo replaces nothing: the run is not a demo
        return _Choices(config.dnabert, config.esm,
                        _classifier_file(config) if classifier else None, demo=False)
    demo = ensure_demo_models(config.model_cache_dir)
    chosen_classifier = None
    if classifier:
        chosen_classifier = (_classifier_file(config) if config.model is not None
                             else str(demo.classifier))
    return _Choices(config.dnabert or str(demo.dnabert_dir),
                    config.esm or str(demo.esm_checkpoint), chosen_classifier, demo=True)


def _classifier_file(config: PipelineConfig) -> str:
    """The published classifier the run's choice names (fetched once), else the file given."""
    from virnucpro.classification.published import fetch_published_classifier

    choice = config.classifier
    if choice.published is None:
        if not Path(choice.path).is_file():  # found now, not after hours of stages 1-7
            raise ModelFileError(f"{choice.path}: classifier file not found; give -m 300, "
                                 "-m 500 or the path of a classifier file")
        return choice.path
    if choice.published != config.chunk_length:
        logger.warning(
            "the %d bp classifier is used on %d bp chunks (-l %d); the published models "
            "were trained on chunks of their own length", choice.published, config.chunk_length,
            config.chunk_length,
        )
    return str(fetch_published_classifier(choice.published, config.model_cache_dir))


def _check_classifier(path: str, width: int | None) -> None:
    """Load the classifier as stage 8 will; its feature width must be the embedders' (if
    known)."""
    from virnucpro.classification.classifier import classifier_input_dim, load_classifier

    expected = classifier_input_dim(load_classifier(Path(path)))
    if width is not None and expected != width:
        raise ModelFileError(
            f"{path}: the classifier expects {expected} features per frame, but the embedding "
            f"models give {width} (DNABERT-S + ESM-2): give the classifier made for these "
            "embedding models, or the embedding models it was made for (--dnabert, --esm)"
        )


def _check_trained_classifier(config: PipelineConfig, models: ResolvedModels,
                              path: str) -> None:
    """Refuse (or, when allowed, warn about) a trained model that does not fit the run."""
    from virnucpro.training.model_file import (  # imports torch
        check_model_fits,
        embedding_model_names,
        trained_model_metadata,
    )

    metadata = trained_model_metadata(Path(path))
    if metadata is None:  # a published or demo classifier: nothing recorded to compare
        return
    dnabert, esm = embedding_model_names(models.dnabert, models.esm, models.demo)
    mismatches = check_model_fits(path, metadata, config.chunk_length, dnabert, esm,
                                  allow_mismatch=config.allow_model_mismatch)
    for mismatch in mismatches:
        logger.warning("--allow-model-mismatch: %s: the model was trained with %s", path,
                       mismatch)
