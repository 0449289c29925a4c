"""Model resolution: the model options of a :class:`PipelineConfig` as local files.

Runs once per run, before stage 1 (on rank 0 under torchrun, which hands the result to the
other ranks): writes the demo models on first use of ``--demo`` and downloads the published
classifier on first use of ``-m 300`` / ``-m 500``. DNABERT-S and ESM-2 are downloaded by
their loaders when stages 5-6 first load them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from virnucpro.classification.published import PUBLISHED_CLASSIFIERS, fetch_published_classifier
from virnucpro.config import PipelineConfig, ResolvedModels

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


def resolve_models(config: PipelineConfig, device: str | None = None) -> ResolvedModels:
    """The models ``config`` asks for, the classifier (and with ``demo`` all three) as files.

    Args:
        config: the user's settings.
        device: the device spec to run on (default: ``config.device``).

    Raises:
        ModelFileError: the published classifier could not be downloaded or verified.
    """
    device = config.device if device is None else device
    if config.demo:
        demo = ensure_demo_models(config.model_cache_dir)
        return ResolvedModels(dnabert=str(demo.dnabert_dir), esm=str(demo.esm_checkpoint),
                              classifier=str(demo.classifier), device=device, demo=True)
    return ResolvedModels(dnabert=config.dnabert, esm=config.esm,
                          classifier=_classifier_file(config), device=device)


def _classifier_file(config: PipelineConfig) -> str:
    """The published classifier ``-m 300`` / ``-m 500`` names (fetched once), else the path."""
    if not (config.model.isdigit() and int(config.model) in PUBLISHED_CLASSIFIERS):
        return config.model
    length = int(config.model)
    if length != config.chunk_length:
        logger.warning(
            "the %d bp classifier is used on %d bp chunks (-l %d); the published models "
            "were trained on chunks of their own length", length, config.chunk_length,
            config.chunk_length,
        )
    return str(fetch_published_classifier(length, config.model_cache_dir))
