"""Shared test fixtures: isolated model caches, the reference data and the demo models."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

# Model caches under a temporary folder, set before any test imports transformers or torch.hub,
# so no test ever writes to (or reads from) the home folder.
_CACHE_ROOT = Path(tempfile.mkdtemp(prefix="virnucpro-test-cache-"))
atexit.register(shutil.rmtree, _CACHE_ROOT, ignore_errors=True)
os.environ["HF_HOME"] = str(_CACHE_ROOT / "hf")
os.environ["TORCH_HOME"] = str(_CACHE_ROOT / "torch")
os.environ["XDG_CACHE_HOME"] = str(_CACHE_ROOT / "xdg")
os.environ["HF_HUB_OFFLINE"] = "1"


DATA_DIR = REPO_ROOT / "tests" / "data"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The reference data kept in the repository (``tests/data``; its README gives provenance)."""
    return DATA_DIR


class _TouchOnUnpickle:
    """Unpickling this calls ``Path.touch``: the proof that a loader ran pickled code."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (type(self.path).touch, (self.path,))


@pytest.fixture
def code_probe(tmp_path) -> tuple[object, Path]:
    """An object whose unpickling creates a marker file, and that file's path."""
    marker = tmp_path / "code-ran"
    return _TouchOnUnpickle(marker), marker


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory) -> Path:
    """A model cache (``PipelineConfig.cache_dir``) that already holds the demo models."""
    from virnucpro.pipeline.models.demo import write_demo_models
    from virnucpro.pipeline.models.model_resolution import demo_models_dir

    cache = tmp_path_factory.mktemp("model-cache")
    write_demo_models(demo_models_dir(cache))
    return cache


@pytest.fixture(scope="session")
def demo_models(model_cache_dir):
    """The offline demo models (paths of the DNABERT-S folder, ESM-2 file and classifier)."""
    from virnucpro.pipeline.models.demo import demo_model_paths
    from virnucpro.pipeline.models.model_resolution import demo_models_dir

    return demo_model_paths(demo_models_dir(model_cache_dir))
