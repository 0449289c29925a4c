"""A ``predict`` run under ``torchrun``: rank 0 prepares and finishes, every rank embeds.

Rank 0 resolves the models, runs ``PREPROCESS`` (stages 1-4) and plans the ``EMBED`` work, then
broadcasts the outcome, the resolved models and each rank's split files (spread by residue
count). Every rank runs ``EMBED`` (stages 5-6) on its own files with rank 0's models on its own
device (``cuda:LOCAL_RANK``, or the CPU with gloo), in a registry of its own. The ranks'
outcomes and timing snapshots are gathered to rank 0, which merges the snapshots (origins
``rank0``, ``rank1``, ...) and runs ``CLASSIFY`` (stages 7-9). Output files go to a filesystem
shared by all ranks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from virnucpro.config import PipelineConfig, ResolvedModels
from virnucpro.embedding.stages import SPLIT_FILES
from virnucpro.errors import RankFailedError, VirNucProError
from virnucpro.paths import RunPaths
from virnucpro.pipeline import distributed
from virnucpro.pipeline.checkpoint import RunState
from virnucpro.pipeline.definitions import CLASSIFY, EMBED, PREDICT, PREPROCESS
from virnucpro.pipeline.distributed import FeaturePlan, RankOutcome, World
from virnucpro.pipeline.run_summary import log_prediction_summary
from virnucpro.pipeline.stage_runner import check_input, run_stages
from virnucpro.pipeline.workspace import close_run, open_run
from virnucpro_telemetry import StageRegistry, skip_stage, stage_name, use_registry

logger = logging.getLogger(__name__)


@dataclass
class _Handoff:
    """What rank 0 broadcasts once stages 1-4 are done (or failed)."""

    error: str | None
    models: ResolvedModels | None = None
    plan: FeaturePlan | None = None


@dataclass
class _MainRun:
    """Rank 0's own view of the run: its models, checkpoints and any error of its set-up."""

    models: ResolvedModels | None = None
    state: RunState | None = None
    error: BaseException | None = None


def _preprocess_on_main(input_path, paths, config, device, world, registry):
    """Rank 0: set up, run stages 1-4, plan the feature work; return (handoff, main run)."""
    try:
        check_input(input_path)
        models, state = open_run(input_path, paths, config, device)
        with use_registry(registry):
            run_stages(PREPROCESS, paths, config, models, state)
        stage_files = {stage: SPLIT_FILES[stage](paths) for stage in EMBED}
        plan = distributed.plan_feature_work(paths.split_indices(), stage_files, state,
                                             config.resume, world.size)
        return _Handoff(None, models, plan), _MainRun(models, state)
    except Exception as error:  # every rank must hear of it before rank 0 re-raises it
        return _Handoff(f"{type(error).__name__}: {error}"), _MainRun(error=error)


def _extract_on_rank(paths, config, models, plan: FeaturePlan, world: World,
                     registry) -> RankOutcome:
    """Every rank: stages 5-6 on this rank's split files; its timings go back to rank 0."""
    error = None
    with use_registry(registry):
        try:
            for stage in EMBED:
                work = plan[stage_name(stage)]
                if work is None:
                    skip_stage(stage_name(stage), "checkpoint")
                else:
                    stage(paths, config, models, split_indices=work[world.rank])
        except VirNucProError as failure:
            error = str(failure)
        except Exception as failure:  # reported to rank 0, which names this rank
            logger.debug("rank %d failed", world.rank, exc_info=True)
            error = f"{type(failure).__name__}: {failure}"
    return RankOutcome(world.rank, error, None if world.is_main else registry.snapshot())


def _finish_on_main(paths, config, models, state: RunState, outcomes, registry) -> None:
    """Rank 0: fold in the other ranks' timings, then stages 7-9 (or the ranks' failure)."""
    for outcome in outcomes:
        if outcome.snapshot is not None:
            registry.merge(outcome.snapshot)
    failure = distributed.failed_ranks_error(outcomes)
    if failure is not None:
        raise failure
    for stage in EMBED:
        state.mark_done(stage)
    run_stages(CLASSIFY, paths, config, models, state)


def _handoff(input_path, paths, config, device, world, registry) -> tuple[_Handoff, _MainRun]:
    """Rank 0 prepares; every rank receives the outcome (and raises if rank 0 failed)."""
    main = (_preprocess_on_main(input_path, paths, config, device, world, registry)
            if world.is_main else (None, _MainRun()))
    handoff, main_run = main
    handoff = distributed.broadcast_from_main(handoff)
    if handoff.error is not None:
        if main_run.error is not None:
            raise main_run.error
        raise RankFailedError(f"rank 0 failed before feature extraction: {handoff.error}")
    return handoff, main_run


def run_launched(input_path: Path, paths: RunPaths, config: PipelineConfig,
                 world: World) -> RunPaths:
    """Run all nine stages as one rank of a ``torchrun`` launch; return the run's paths."""
    device = distributed.rank_device(config.device, world)
    distributed.init_process_group(device, world)
    registry = StageRegistry(origin=f"rank{world.rank}")
    main_run = _MainRun()
    try:
        handoff, main_run = _handoff(input_path, paths, config, device, world, registry)
        models = handoff.models.on_device(device)  # rank 0's model files, this rank's device
        outcome = _extract_on_rank(paths, config, models, handoff.plan, world, registry)
        outcomes = distributed.gather_to_main(outcome, world)
        if world.is_main:
            with use_registry(registry):
                _finish_on_main(paths, config, models, main_run.state, outcomes, registry)
        elif outcome.error is not None:
            raise RankFailedError(f"rank {world.rank} failed: {outcome.error}")
    finally:
        if world.is_main:
            log_prediction_summary(registry, PREDICT, config, main_run.models, world, device)
        # Keep every rank alive until rank 0 has reported: torchrun stops the whole job as
        # soon as one rank exits with an error.
        distributed.barrier()
        distributed.destroy_process_group()
    if world.is_main:
        close_run(paths, config, models)
    return paths
