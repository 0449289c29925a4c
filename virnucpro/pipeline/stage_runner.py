"""The stage runner shared by ``predict`` and ``preprocess``: checkpoints and skips.

Torch-free, so ``virnucpro preprocess`` starts fast.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from virnucpro.config import PipelineConfig
from virnucpro.errors import InputError
from virnucpro.paths import RunPaths
from virnucpro.pipeline.checkpoint import RunState
from virnucpro.stages.preprocess import (
    chunk_sequences,
    split_nucleotide_file,
    split_protein_file,
    translate_chunks,
)
from virnucpro_telemetry import skip_stage

Stage = tuple[str, Callable[[RunPaths, PipelineConfig], None]]

PREPROCESS_STAGES: tuple[Stage, ...] = (
    ("Sequence Chunking", chunk_sequences),
    ("Six-Frame Translation", translate_chunks),
    ("Nucleotide File Splitting", split_nucleotide_file),
    ("Protein File Splitting", split_protein_file),
)


def check_input(input_path: Path) -> None:
    """Fail early, naming the file, when the input cannot be read at all."""
    if not input_path.is_file():
        raise InputError(f"{input_path}: input file not found")


def run_stages(
    stages: tuple[Stage, ...], paths: RunPaths, config: PipelineConfig, state: RunState | None
) -> None:
    """Run each stage, or record it as skipped when ``state`` says it finished before."""
    for name, stage in stages:
        if state is not None and config.resume and state.is_done(name):
            skip_stage(name, "checkpoint")
            continue
        stage(paths, config)
        if state is not None:
            state.mark_done(name)


def stage_metric(registry, stage: str, name: str) -> object:
    """A metric of a stage in ``registry``, or ``-`` when the stage or metric is absent."""
    try:
        return registry[stage].metrics.get(name, "-")
    except KeyError:
        return "-"
