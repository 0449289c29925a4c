"""A pipeline run under ``torchrun``: rank 0 prepares and finishes, every rank embeds.

The flow is the same for ``predict`` and ``train``; each brings its pipeline cut around the
shared feature stages (``definitions.Segments``) and its :class:`RunHooks`. Rank 0 checks the
inputs, takes the output folder's lock, opens the run (models, checkpoints), runs the
``before`` stages and plans the shared work, then broadcasts the outcome, the resolved models
and each rank's split files (spread by residue count). Every rank runs the ``shared`` stages
(``EMBED``) on its own files with rank 0's models on its own device (``cuda:LOCAL_RANK``, or the
CPU with gloo), in a registry of its own. The ranks' outcomes and timing snapshots are gathered
to rank 0, which merges the snapshots (origins ``rank0``, ``rank1``, ...) and runs the ``after``
stages with all the CPU cores (the other ranks only wait then), so that its results are a single
process's. Output files go to a filesystem shared by all ranks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from virnucpro.config import PipelineConfig, ResolvedModels
from virnucpro.embedding.stages import SPLIT_FILES
from virnucpro.errors import RankFailedError, VirNucProError, file_system_error
from virnucpro.paths import RunPaths
from virnucpro.pipeline import distributed, run_lock
from virnucpro.pipeline.checkpoint import RunState
from virnucpro.pipeline.definitions import Segments
from virnucpro.pipeline.distributed import FeaturePlan, RankOutcome, World
from virnucpro.pipeline.stage_runner import recorded_metrics, run_stages
from virnucpro.training.dataset_paths import DatasetPaths
from virnucpro_telemetry import StageRegistry, skip_stage, stage_name, use_registry

logger = logging.getLogger(__name__)

LaunchPaths = RunPaths | DatasetPaths  # the layout of a predict or a train run


@dataclass(frozen=True)
class RunHooks:
    """What a command does around its stages; under torchrun only rank 0 calls them.

    Attributes:
        check: raise if the inputs are unusable (before the output folder's lock is taken).
        open: with the lock held, resolve the models for the device given and make the output
            folder ready; return the models and the folder's checkpoint records.
        summarize: log the summary block (and keep what the command keeps of it) from the
            merged registry, the models and checkpoints (None when the run stopped before they
            existed) and rank 0's device; called whatever happened.
        close: after a successful run, with the resolved models (remove intermediates, ...).
    """

    check: Callable[[], None]
    open: Callable[[str], tuple[ResolvedModels, RunState]]
    summarize: Callable[[StageRegistry, ResolvedModels | None, RunState | None, str], None]
    close: Callable[[ResolvedModels], None]


@dataclass
class _Handoff:
    """What rank 0 broadcasts once the stages before the shared ones are done (or failed)."""

    error: str | None
    models: ResolvedModels | None = None
    plan: FeaturePlan | None = None


@dataclass
class _MainRun:
    """Rank 0's own view of the run: its lock, models, checkpoints and any set-up error."""

    lock: bytes | None = None  # what rank 0 wrote into the output folder's lock file
    heartbeat: run_lock.Heartbeat | None = None  # refreshes that lock while rank 0 holds it
    models: ResolvedModels | None = None
    state: RunState | None = None
    error: BaseException | None = None


@dataclass(frozen=True)
class _Launch:
    """One rank's fixed facts: the pipeline's segments, the hooks, the files, the settings."""

    segments: Segments
    hooks: RunHooks
    paths: LaunchPaths
    config: PipelineConfig
    world: World


def _prepare_on_main(launch: _Launch, device: str, registry, main_run: _MainRun) -> _Handoff:
    """Rank 0: lock the folder, open the run, run the stages before the shared ones, plan these.

    Fills in ``main_run`` as it goes (so the lock is released whatever happens) and returns
    what every rank needs to hear.
    """
    paths, config = launch.paths, launch.config
    try:
        launch.hooks.check()
        main_run.lock = run_lock.acquire(paths.lock_file, config.break_lock,
                                         config.stale_lock_minutes)
        main_run.heartbeat = run_lock.Heartbeat(paths.lock_file, main_run.lock).start()
        main_run.models, main_run.state = launch.hooks.open(device)
        with use_registry(registry):
            run_stages(launch.segments.before, paths, config, main_run.models, main_run.state)
        stage_files = {stage: SPLIT_FILES[stage](paths) for stage in launch.segments.shared}
        plan = distributed.plan_feature_work(paths.split_indices(), stage_files, main_run.state,
                                             config.resume, launch.world.size)
        return _Handoff(None, main_run.models, plan)
    except Exception as error:  # every rank must hear of it before rank 0 re-raises it
        main_run.error = error
        return _Handoff(f"{type(error).__name__}: {error}")


def _describe_failure(failure: Exception, paths: LaunchPaths) -> str:
    """A rank's failure as one line: a file system refusal explained, anything else named."""
    if isinstance(failure, OSError):
        explained = file_system_error(failure, paths.output_dir)
        if explained is not None:
            return str(explained)
    return f"{type(failure).__name__}: {failure}"


def _extract_on_rank(launch: _Launch, models, plan: FeaturePlan, registry) -> RankOutcome:
    """Every rank: the shared stages on this rank's split files; its timings go back to rank 0."""
    world, error = launch.world, None
    with use_registry(registry):
        try:
            for stage in launch.segments.shared:
                work = plan[stage_name(stage)]
                if work is None:
                    skip_stage(stage_name(stage), "checkpoint")
                else:
                    stage(launch.paths, launch.config, models, split_indices=work[world.rank])
        except VirNucProError as failure:
            error = str(failure)
        except Exception as failure:  # reported to rank 0, which names this rank
            logger.debug("rank %d failed", world.rank, exc_info=True)
            error = _describe_failure(failure, launch.paths)
    return RankOutcome(world.rank, error, None if world.is_main else registry.snapshot())


def _finish_on_main(launch: _Launch, models, state: RunState, outcomes, registry) -> None:
    """Rank 0: fold in the other ranks' timings, then the stages after the shared ones (or the
    ranks' failure) with all the cores, as a single process would run them."""
    for outcome in outcomes:
        if outcome.snapshot is not None:
            registry.merge(outcome.snapshot)
    failure = distributed.failed_ranks_error(outcomes)
    if failure is not None:
        raise failure
    for stage in launch.segments.shared:
        state.mark_done(stage, recorded_metrics(stage))
    distributed.take_all_cores(models.device)
    run_stages(launch.segments.after, launch.paths, launch.config, models, state)


def _handoff(launch: _Launch, device, registry, main_run) -> _Handoff:
    """Rank 0 prepares; every rank receives the outcome (and raises if rank 0 failed)."""
    handoff = (_prepare_on_main(launch, device, registry, main_run)
               if launch.world.is_main else None)
    handoff = distributed.broadcast_from_main(handoff)
    if handoff.error is not None:
        if main_run.error is not None:
            raise main_run.error
        raise RankFailedError(f"rank 0 failed before feature extraction: {handoff.error}")
    return handoff


def run_launched(segments: Segments, hooks: RunHooks, paths: LaunchPaths,
                 config: PipelineConfig, world: World) -> LaunchPaths:
    """Run a pipeline as one rank of a ``torchrun`` launch; return the run's paths.

    Args:
        segments: the pipeline cut around its shared feature stages
            (``definitions.segments_around``).
        hooks: the command's checks, opening, summary and closing, called on rank 0 only.
        paths: the run's files, on a filesystem every rank sees.
        config: the user's settings (``config.device``: each rank's device is derived from it).
        world: this rank's place in the launch.

    Only rank 0 takes the output folder's lock; it holds it until its last file is written.
    """
    launch = _Launch(segments, hooks, paths, config, world)
    main_run = _MainRun()
    try:
        return _run_rank(launch, main_run)
    finally:
        if main_run.heartbeat is not None:
            main_run.heartbeat.stop()
        if main_run.lock is not None:
            run_lock.release(paths.lock_file, main_run.lock)


def _run_rank(launch: _Launch, main_run: _MainRun) -> LaunchPaths:
    """This rank's part of the run (rank 0 records its lock, models and state in ``main_run``)."""
    world = launch.world
    device = distributed.rank_device(launch.config.device, world)
    distributed.init_process_group(device, world)
    registry = StageRegistry(origin=f"rank{world.rank}")
    try:
        handoff = _handoff(launch, device, registry, main_run)
        models = handoff.models.on_device(device)  # rank 0's model files, this rank's device
        outcome = _extract_on_rank(launch, models, handoff.plan, registry)
        outcomes = distributed.gather_to_main(outcome, world)
        if world.is_main:
            with use_registry(registry):
                _finish_on_main(launch, models, main_run.state, outcomes, registry)
        elif outcome.error is not None:
            raise RankFailedError(f"rank {world.rank} failed: {outcome.error}")
    finally:
        if world.is_main:
            launch.hooks.summarize(registry, main_run.models, main_run.state, device)
        # Keep every rank alive until rank 0 has reported: torchrun stops the whole job as
        # soon as one rank exits with an error.
        distributed.barrier()
        distributed.destroy_process_group()
    if world.is_main:
        launch.hooks.close(models)
    return launch.paths
