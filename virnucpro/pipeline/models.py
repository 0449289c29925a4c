"""Turn the model options into local files: the demo models, the published classifiers."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from virnucpro.config import PipelineConfig
from virnucpro.models.published import PUBLISHED_CLASSIFIERS, fetch_published_classifier

logger = logging.getLogger(__name__)

DEMO_BANNER = (
    "DEMO MODE: small randomly initialised models; the calls below are MEANINGLESS. "
    "Use the real models (see the README) for actual predictions."
)


def demo_models_dir(cache_dir: Path) -> Path:
    return Path(cache_dir) / "demo-models"


def ensure_demo_models(cache_dir: Path):
    """The demo models under ``cache_dir``, written on first use."""
    from virnucpro.models.demo import demo_model_paths, write_demo_models

    directory = demo_models_dir(cache_dir)
    paths = demo_model_paths(directory)
    if all(p.exists() for p in (paths.dnabert_dir, paths.esm_checkpoint, paths.classifier)):
        return paths
    logger.info("Writing the demo models to %s", directory)
    return write_demo_models(directory)


def resolve_model_sources(config: PipelineConfig) -> PipelineConfig:
    """A config whose ``model`` (and, in demo mode, ``dnabert`` and ``esm``) are local paths."""
    if config.demo:
        demo = ensure_demo_models(config.model_cache_dir)
        return dataclasses.replace(
            config, dnabert=str(demo.dnabert_dir), esm=str(demo.esm_checkpoint),
            model=str(demo.classifier),
        )
    if config.model.isdigit() and int(config.model) in PUBLISHED_CLASSIFIERS:
        length = int(config.model)
        if length != config.chunk_length:
            logger.warning(
                "the %d bp classifier is used on %d bp chunks (-l %d); the published models "
                "were trained on chunks of their own length", length, config.chunk_length,
                config.chunk_length,
            )
        path = fetch_published_classifier(length, config.model_cache_dir)
        return dataclasses.replace(config, model=str(path))
    return config
