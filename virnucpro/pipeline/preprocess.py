"""``run_preprocess``: stages 1-4 alone, for ``virnucpro preprocess`` (no torch import)."""

from __future__ import annotations

from pathlib import Path

from virnucpro.config import PipelineConfig
from virnucpro.paths import RunPaths
from virnucpro.pipeline.stage_runner import PREPROCESS_STAGES, check_input, run_stages, stage_metric
from virnucpro_telemetry import StageRegistry, log_summary, use_registry


def run_preprocess(input_path: Path, config: PipelineConfig, output_dir: Path) -> RunPaths:
    """Run stages 1-4 on ``input_path`` into ``output_dir`` and log their timing summary."""
    input_path = Path(input_path)
    check_input(input_path)
    paths = RunPaths(input_path, Path(output_dir), config.chunk_length)
    paths.output_dir.mkdir(parents=True, exist_ok=True)
    registry = StageRegistry()
    with use_registry(registry):
        try:
            run_stages(PREPROCESS_STAGES, paths, config, state=None)
        finally:
            sequences = stage_metric(registry, "Sequence Chunking", "sequences")
            log_summary(
                registry, title="PREPROCESSING SUMMARY",
                key_metrics={"Sequences processed": sequences},
            )
    return paths
