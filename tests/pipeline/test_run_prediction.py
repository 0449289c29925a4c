"""``predict`` through the run engine in-process on the CPU with the demo models."""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_runs import run_prediction

from virnucpro.config import PipelineConfig
from virnucpro.errors import InputError
from virnucpro.pipeline.definitions import PREDICT
from virnucpro_telemetry import stage_name

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "example.fa"

NINE_STAGES = [
    "Sequence Chunking", "Six-Frame Translation", "Nucleotide File Splitting",
    "Protein File Splitting", "DNABERT-S Feature Extraction", "ESM-2 Feature Extraction",
    "Feature Merging", "Model Prediction", "Consensus Scoring",
]


def demo_config(tmp_path: Path, cache: Path, **overrides) -> PipelineConfig:
    settings = dict(output_dir=tmp_path / "out", demo=True, cache_dir=cache, progress=False)
    return PipelineConfig(**{**settings, **overrides})


def test_the_nine_stages_are_the_published_ones_in_order():
    assert [stage_name(stage) for stage in PREDICT] == NINE_STAGES


def test_demo_prediction_runs_all_nine_stages_in_order(stage_timings, tmp_path, model_cache_dir):
    paths = run_prediction(EXAMPLE, demo_config(tmp_path, model_cache_dir),
                           registry=stage_timings.registry)

    stage_timings.assert_order(NINE_STAGES)
    stage_timings.assert_not_failed()
    assert stage_timings["Sequence Chunking"].metrics["sequences"] == 8
    frames = stage_timings["Model Prediction"].metrics["frames"]
    assert frames == stage_timings["Six-Frame Translation"].metrics["frames"] > 0
    predictions = paths.prediction_results.read_text().splitlines()
    assert len(predictions) == 1 + frames


def test_a_failing_stage_is_marked_failed_and_the_error_reaches_the_caller(
    stage_timings, tmp_path, model_cache_dir
):
    bad = tmp_path / "bad.fa"
    bad.write_text(">a\nACGT\n>a\nACGT\n")
    with pytest.raises(InputError, match="already used by record 1"):
        run_prediction(bad, demo_config(tmp_path, model_cache_dir),
                       registry=stage_timings.registry)
    assert stage_timings["Sequence Chunking"].status == "failed"
    assert "Six-Frame Translation" not in stage_timings
