"""The prediction pipeline: ``run_prediction(input_path, config)`` runs the nine stages.

``run_prediction`` is imported on first use so that ``virnucpro.pipeline.preprocess`` (stages
1-4, no torch) can be imported without loading torch.
"""

from __future__ import annotations

__all__ = ["run_prediction", "run_preprocess"]


def __getattr__(name: str):
    if name == "run_prediction":
        from virnucpro.pipeline.predict import run_prediction

        return run_prediction
    if name == "run_preprocess":
        from virnucpro.pipeline.preprocess import run_preprocess

        return run_preprocess
    raise AttributeError(f"module 'virnucpro.pipeline' has no attribute {name!r}")
