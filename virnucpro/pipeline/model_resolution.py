"""Model resolution: the model options of a :class:`PipelineConfig` as local files.

Runs once per run, before stage 1 (on rank 0 under torchrun, which hands the result to the
other ranks): writes the demo models on first use of ``--demo`` and downloads the published
classifier on first use of ``-m 300`` / ``-m 500``. DNABERT-S and ESM-2 are downloaded by
their loaders when stages 5-6 first load them.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from virnucpro.classification.published import PUBLISHED_CLASSIFIERS, fetch_published_classifier
from virnucpro.config import PipelineConfig, ResolvedModels
from virnucpro.errors import ModelFileError

logger = logging.getLogger(__name__)

DEMO_BANNER = (
    "DEMO MODE: small randomly initialised models; the calls below are MEANINGLESS. "
    "Use the real models (see the README) for actual predictions."
)


def demo_models_dir(cache_dir: Path) -> Path:
    """Where ``--demo`` keeps the demo models in the model cache."""
    return Path(cache_dir) / "demo-models"


def ensure_demo_models(cache_dir: Path):
    """The demo models under ``cache_dir``, written on first use."""
    from virnucpro.pipeline.demo import demo_model_paths, write_demo_models  # imports torch

    directory = demo_models_dir(cache_dir)
    paths = demo_model_paths(directory)
    if all(p.exists() for p in (paths.dnabert_dir, paths.esm_checkpoint, paths.classifier)):
        return paths
    logger.info("Writing the demo models to %s", directory)
    return write_demo_models(directory)


def resolve_models(
    config: PipelineConfig, device: str | None = None, *, classifier: bool = True
) -> ResolvedModels:
    """The models ``config`` asks for, the classifier (and with ``demo`` all three) as files.

    A classifier written by ``virnucpro train`` is checked against the run: its chunk length
    and embedding models must be the run's (unless ``config.allow_model_mismatch``).

    Args:
        config: the user's settings.
        device: the device spec to run on (default: ``config.device``).
        classifier: False for runs that use no classifier (``train``): none is fetched or
            checked, and ``classifier`` is empty.

    Raises:
        ModelFileError: the classifier file given does not exist, the published classifier
            could not be downloaded or verified, or a trained model file is unreadable.
        UsageError: a trained model made for another chunk length or other embedding models.
    """
    device = config.device if device is None else device
    if config.demo:
        demo = ensure_demo_models(config.model_cache_dir)
        models = ResolvedModels(dnabert=str(demo.dnabert_dir), esm=str(demo.esm_checkpoint),
                                classifier=str(demo.classifier), device=device, demo=True)
        if not classifier:
            return replace(models, classifier="")
        models = replace(models, classifier=_demo_classifier(config, demo.classifier))
    else:
        models = ResolvedModels(dnabert=config.dnabert, esm=config.esm, classifier="",
                                device=device)
        if not classifier:
            return models
        models = replace(models, classifier=_classifier_file(config))
    _check_trained_classifier(config, models)
    return models


def _demo_classifier(config: PipelineConfig, demo_classifier: Path) -> str:
    """With ``--demo``, a classifier file given with ``-m`` (a model trained on demo features)
    replaces the demo classifier; ``-m 300`` / ``-m 500`` keep it."""
    if _published_length(config) is not None:
        return str(demo_classifier)
    return config.model


def _check_trained_classifier(config: PipelineConfig, models: ResolvedModels) -> None:
    """Refuse (or, when allowed, warn about) a trained model that does not fit the run."""
    if not Path(models.classifier).is_file():
        return  # a missing file is reported where the classifier is loaded
    from virnucpro.training.model_file import (  # imports torch
        check_model_fits,
        embedding_model_names,
        trained_model_metadata,
    )

    metadata = trained_model_metadata(Path(models.classifier))
    if metadata is None:  # a published or demo classifier: nothing recorded to compare
        return
    dnabert, esm = embedding_model_names(models.dnabert, models.esm, models.demo)
    mismatches = check_model_fits(models.classifier, metadata, config.chunk_length, dnabert, esm,
                                  allow_mismatch=config.allow_model_mismatch)
    for mismatch in mismatches:
        logger.warning("--allow-model-mismatch: %s: the model was trained with %s",
                       models.classifier, mismatch)


def _published_length(config: PipelineConfig) -> int | None:
    """The chunk length of the published classifier ``-m`` names (300 or 500), else None."""
    if config.model.isdigit() and int(config.model) in PUBLISHED_CLASSIFIERS:
        return int(config.model)
    return None


def _classifier_file(config: PipelineConfig) -> str:
    """The published classifier ``-m 300`` / ``-m 500`` names (fetched once), else the path."""
    length = _published_length(config)
    if length is None:
        if not Path(config.model).is_file():  # found now, not after hours of stages 1-7
            raise ModelFileError(f"{config.model}: classifier file not found; give -m 300, "
                                 "-m 500 or the path of a classifier file")
        return config.model
    if length != config.chunk_length:
        logger.warning(
            "the %d bp classifier is used on %d bp chunks (-l %d); the published models "
            "were trained on chunks of their own length", length, config.chunk_length,
            config.chunk_length,
        )
    return str(fetch_published_classifier(length, config.model_cache_dir))
