"""``run_prediction``: the nine stages in order, with checkpoints and the timing summary.

A single process runs every stage itself. Under ``torchrun`` (see ``distributed.py``) rank 0
runs stages 1-4 and 7-9 and every rank shares stages 5-6.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

from virnucpro.config import PipelineConfig
from virnucpro.errors import RankFailedError, VirNucProError
from virnucpro.features.device import resolve_device, resolve_dtype
from virnucpro.paths import RunPaths, input_stem
from virnucpro.pipeline import distributed
from virnucpro.pipeline.checkpoint import RunState, run_fingerprint
from virnucpro.pipeline.distributed import FeaturePlan, RankOutcome, World
from virnucpro.pipeline.models import DEMO_BANNER, resolve_model_sources
from virnucpro.pipeline.stage_runner import (
    PREPROCESS_STAGES,
    Stage,
    check_input,
    run_stages,
    stage_metric,
)
from virnucpro.pipeline.workspace import prepare_output_dir, remove_intermediates
from virnucpro.stages.classify import merge_features, predict_frames, score_consensus
from virnucpro.stages.features import extract_dnabert_features, extract_esm_features
from virnucpro_telemetry import StageRegistry, log_summary, skip_stage, use_registry

logger = logging.getLogger(__name__)

FEATURE_STAGES: tuple[Stage, ...] = (
    ("DNABERT-S Feature Extraction", extract_dnabert_features),
    ("ESM-2 Feature Extraction", extract_esm_features),
)
CLASSIFY_STAGES: tuple[Stage, ...] = (
    ("Feature Merging", merge_features),
    ("Model Prediction", predict_frames),
    ("Consensus Scoring", score_consensus),
)
PREDICT_STAGES = PREPROCESS_STAGES + FEATURE_STAGES + CLASSIFY_STAGES


def default_output_dir(input_path: Path) -> Path:
    return Path(f"{input_stem(input_path)}_virnucpro")


def _device_description(config: PipelineConfig, world: World) -> str:
    """The device and dtype the models ran on, as resolved from ``auto``."""
    try:
        device = resolve_device(config.device)
        description = f"{device}, {str(resolve_dtype(config.precision, device)).split('.')[-1]}"
    except VirNucProError as error:
        description = f"{config.device} ({error})"
    if world.launched:
        description += f" on rank 0 of {world.size} ranks"
    return description


def _key_metrics(registry: StageRegistry, config: PipelineConfig, world: World) -> dict:
    return {
        "Sequences processed": stage_metric(registry, "Sequence Chunking", "sequences"),
        "Frames scored": stage_metric(registry, "Model Prediction", "frames"),
        "Viral sequences": stage_metric(registry, "Consensus Scoring", "viral_sequences"),
        "DNABERT-S": config.dnabert,
        "ESM-2": config.esm,
        "Classifier": config.model,
        "Device": _device_description(config, world),
    }


def _prepare(input_path: Path, paths: RunPaths, config: PipelineConfig) -> tuple:
    """Resolve the models and make the output directory ready; return (config, run state)."""
    config = resolve_model_sources(config)
    if config.demo:
        logger.warning(DEMO_BANNER)
    fingerprint = run_fingerprint(input_path, config)
    return config, prepare_output_dir(paths, fingerprint, config.resume, config.force)


def _finish(paths: RunPaths, config: PipelineConfig) -> None:
    if not config.keep_intermediate:
        remove_intermediates(paths)
    if config.demo:
        logger.warning(DEMO_BANNER)


def run_prediction(
    input_path: Path,
    config: PipelineConfig,
    world: World | None = None,
    registry: StageRegistry | None = None,
) -> RunPaths:
    """Run all nine stages on ``input_path``; return the run's paths.

    Logs the timing summary at the end, also when a stage fails (the error is then re-raised).

    Args:
        input_path: the FASTA file (plain or gzip).
        config: the run's settings.
        world: a ``torchrun`` launch (see :meth:`World.from_environment`); None or a single
            process runs every stage here, with no torch.distributed set-up at all.
        registry: where the stage timings go (default: a fresh registry for this run).
    """
    input_path = Path(input_path)
    world = world or World()
    output_dir = config.output_dir or default_output_dir(input_path)
    paths = RunPaths(input_path, Path(output_dir), config.chunk_length)
    if world.launched:
        return _run_launched(input_path, paths, config, world)
    check_input(input_path)
    config, state = _prepare(input_path, paths, config)
    registry = registry if registry is not None else StageRegistry()
    with use_registry(registry):
        try:
            run_stages(PREDICT_STAGES, paths, config, state)
        finally:
            log_summary(registry, baseline_seconds=config.baseline_seconds,
                        key_metrics=_key_metrics(registry, config, world))
    _finish(paths, config)
    return paths


@dataclass
class _Handoff:
    """What rank 0 broadcasts once stages 1-4 are done (or failed)."""

    error: str | None
    config: PipelineConfig | None = None
    plan: FeaturePlan | None = None


def _preprocess_on_main(input_path, paths, config, world, registry) -> tuple:
    """Rank 0: set up, run stages 1-4, plan the feature work; return (handoff, state, error)."""
    try:
        check_input(input_path)
        config, state = _prepare(input_path, paths, config)
        with use_registry(registry):
            run_stages(PREPROCESS_STAGES, paths, config, state)
        names = (FEATURE_STAGES[0][0], FEATURE_STAGES[1][0])
        plan = distributed.plan_feature_work(paths, state, config, world.size, names)
        return _Handoff(None, config, plan), state, None
    except Exception as error:  # every rank must hear of it before rank 0 re-raises it
        return _Handoff(f"{type(error).__name__}: {error}"), None, error


def _extract_on_rank(paths, config, plan: FeaturePlan, world: World, registry) -> RankOutcome:
    """Every rank: stages 5-6 on this rank's split files; its timings go back to rank 0."""
    error = None
    with use_registry(registry):
        try:
            for name, stage in FEATURE_STAGES:
                if plan[name] is None:
                    skip_stage(name, "checkpoint")
                else:
                    stage(paths, config, split_indices=plan[name][world.rank])
        except VirNucProError as failure:
            error = str(failure)
        except Exception as failure:  # reported to rank 0, which names this rank
            logger.debug("rank %d failed", world.rank, exc_info=True)
            error = f"{type(failure).__name__}: {failure}"
    return RankOutcome(world.rank, error, None if world.is_main else registry.snapshot())


def _finish_on_main(paths, config, state: RunState, outcomes, registry) -> None:
    """Rank 0: fold in the other ranks' timings, then stages 7-9 (or the ranks' failure)."""
    for outcome in outcomes:
        if outcome.snapshot is not None:
            registry.merge(outcome.snapshot)
    failure = distributed.failed_ranks_error(outcomes)
    if failure is not None:
        raise failure
    for name, _ in FEATURE_STAGES:
        state.mark_done(name)
    run_stages(CLASSIFY_STAGES, paths, config, state)


def _run_launched(input_path: Path, paths: RunPaths, config: PipelineConfig, world: World):
    config = distributed.rank_config(config, world)
    distributed.init_process_group(config.device, world)
    registry = StageRegistry(origin=f"rank{world.rank}")
    try:
        handoff, state, error = (_preprocess_on_main(input_path, paths, config, world, registry)
                                 if world.is_main else (None, None, None))
        handoff = distributed.broadcast_from_main(handoff)
        if handoff.error is not None:
            if error is not None:
                raise error
            raise RankFailedError(f"rank 0 failed before feature extraction: {handoff.error}")
        # rank 0's resolved settings (model paths), on this rank's own device
        config = dataclasses.replace(handoff.config, device=config.device)
        outcome = _extract_on_rank(paths, config, handoff.plan, world, registry)
        outcomes = distributed.gather_to_main(outcome, world)
        if world.is_main:
            with use_registry(registry):
                _finish_on_main(paths, config, state, outcomes, registry)
        elif outcome.error is not None:
            raise RankFailedError(f"rank {world.rank} failed: {outcome.error}")
    finally:
        if world.is_main:
            log_summary(registry, baseline_seconds=config.baseline_seconds,
                        key_metrics=_key_metrics(registry, config, world))
        # Keep every rank alive until rank 0 has reported: torchrun stops the whole job as
        # soon as one rank exits with an error.
        distributed.barrier()
        distributed.destroy_process_group()
    if world.is_main:
        _finish(paths, config)
    return paths
