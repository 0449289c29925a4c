"""A pipeline run under ``torchrun``: rank 0 prepares and finishes, every rank embeds.

The flow is the run engine's (``virnucpro.pipeline.engine.runs``), for ``predict`` and ``train``
alike: the request's pipeline is cut around the shared feature stages (``definitions.Segments``).
Rank 0 checks the inputs, resolves the models, takes the output folder's lock, opens the run
(folder, checkpoints, run record), runs the ``before`` stages and plans the shared work, then
broadcasts the outcome, the resolved models and each rank's split files (spread by residue
count). Every rank runs the ``shared`` stages
(``EMBED``) on its own files with rank 0's models on its own device (``cuda:LOCAL_RANK``, or the
CPU with gloo), in a registry of its own. The ranks' outcomes and timing snapshots are gathered
to rank 0, which merges the snapshots (origins ``rank0``, ``rank1``, ...) and runs the ``after``
stages with all the CPU cores (the other ranks only wait then), so that its results are a single
process's. Output files go to a filesystem shared by all ranks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from virnucpro.config import ResolvedModels
from virnucpro.embedding.stages import SPLIT_FILES
from virnucpro.errors import RankFailedError, VirNucProError, file_system_error
from virnucpro.paths import RunLayout
from virnucpro.pipeline.definitions import Segments, segments_around
from virnucpro.pipeline.distribution import distributed
from virnucpro.pipeline.distribution.distributed import FeaturePlan, RankOutcome, World
from virnucpro.pipeline.engine import runs
from virnucpro.pipeline.engine.stage_runner import Snapshot, snapshot
from virnucpro.pipeline.folder import run_lock
from virnucpro_telemetry import StageRegistry, skip_stage, stage_name, use_registry

logger = logging.getLogger(__name__)


@dataclass
class _Handoff:
    """What rank 0 broadcasts once the stages before the shared ones are done (or failed)."""

    error: str | None
    models: ResolvedModels | None = None
    plan: FeaturePlan | None = None


@dataclass
class _MainRun:
    """Rank 0's own view of the run: its lock, models, open run and shared-stage snapshot."""

    lock: bytes | None = None  # what rank 0 wrote into the output folder's lock file
    heartbeat: run_lock.Heartbeat | None = None  # refreshes that lock while rank 0 holds it
    models: ResolvedModels | None = None
    opened: runs.OpenRun | None = None
    before_shared: Snapshot | None = None
    error: BaseException | None = None


@dataclass(frozen=True)
class _Launch:
    """One rank's fixed facts: the request, its pipeline's segments, the world."""

    request: runs.RunRequest
    segments: Segments
    world: World


def _plan_shared(launch: _Launch, main_run: _MainRun) -> FeaturePlan:
    """Rank 0: reuse the shared stages the checkpoints allow; spread the others' files."""
    request, loop = launch.request, main_run.opened.loop
    reused: list = []  # a leading run of shared stages (a later one's input may change)
    for position, stage in enumerate(launch.segments.shared):
        if len(reused) == position and loop.reusable(stage):
            loop.reuse(stage)
            reused.append(stage)
    main_run.before_shared = snapshot(request.layout)
    for stage in launch.segments.shared:
        if stage not in reused:
            loop.start(stage)
    stage_files = {stage: SPLIT_FILES[stage](request.layout) for stage in launch.segments.shared}
    return distributed.plan_feature_work(request.layout, stage_files, reused.__contains__,
                                         request.config.resume, launch.world.size)


def _prepare_on_main(launch: _Launch, device: str, registry, main_run: _MainRun) -> _Handoff:
    """Rank 0: lock the folder, open the run, run the stages before the shared ones, plan these.

    Fills in ``main_run`` as it goes (so the lock is released whatever happens) and returns
    what every rank needs to hear.
    """
    request = launch.request
    try:
        main_run.models = runs.prepare(request, device)
        main_run.lock = run_lock.acquire(request.layout.lock_file, request.config.break_lock,
                                         request.config.stale_lock_minutes)
        main_run.heartbeat = run_lock.Heartbeat(request.layout.lock_file, main_run.lock).start()
        main_run.opened = runs.open_run(request, main_run.models)
        with use_registry(registry):
            main_run.opened.loop.run(launch.segments.before)
            plan = _plan_shared(launch, main_run)
        return _Handoff(None, main_run.models, plan)
    except Exception as error:  # every rank must hear of it before rank 0 re-raises it
        main_run.error = error
        return _Handoff(f"{type(error).__name__}: {error}")


def _describe_failure(failure: Exception, layout: RunLayout) -> str:
    """A rank's failure as one line: a file system refusal explained, anything else named."""
    if isinstance(failure, OSError):
        explained = file_system_error(failure, layout.output_dir)
        if explained is not None:
            return str(explained)
    return f"{type(failure).__name__}: {failure}"


def _extract_on_rank(launch: _Launch, models, plan: FeaturePlan, registry) -> RankOutcome:
    """Every rank: the shared stages on this rank's split files; its timings go back to rank 0."""
    world, error, request = launch.world, None, launch.request
    with use_registry(registry):
        try:
            for stage in launch.segments.shared:
                work = plan[stage_name(stage)]
                if work is None:
                    if not world.is_main:  # rank 0 recorded the reuse itself
                        skip_stage(stage_name(stage), "checkpoint")
                else:
                    stage(request.layout, request.config, models, split_indices=work[world.rank])
        except VirNucProError as failure:
            error = str(failure)
        except Exception as failure:  # reported to rank 0, which names this rank
            logger.debug("rank %d failed", world.rank, exc_info=True)
            error = _describe_failure(failure, request.layout)
    return RankOutcome(world.rank, error, None if world.is_main else registry.snapshot())


def _finish_on_main(launch: _Launch, main_run: _MainRun, models, outcomes, registry) -> None:
    """Rank 0: fold in the other ranks' timings, record the shared stages, then the stages
    after them (or the ranks' failure) with all the cores, as a single process would."""
    for outcome in outcomes:
        if outcome.snapshot is not None:
            registry.merge(outcome.snapshot)
    failure = distributed.failed_ranks_error(outcomes)
    if failure is not None:
        raise failure
    loop, layout = main_run.opened.loop, launch.request.layout
    for stage in launch.segments.shared:
        if stage not in loop.done:
            files = SPLIT_FILES[stage](layout)
            own = {files.output(index).relative_to(layout.output_dir).as_posix()
                   for index in layout.split_indices()}
            loop.finish(stage, main_run.before_shared, only=own)
    distributed.take_all_cores(models.device)
    loop.run(launch.segments.after)


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


def run_launched(request: runs.RunRequest, world: World) -> RunLayout:
    """Run ``request`` as one rank of a ``torchrun`` launch; return its layout.

    The pipeline is cut around its feature stages (``definitions.segments_around``). Only rank
    0 checks the inputs, resolves the models, takes the output folder's lock (held until its
    last file is written), opens the run, logs the summary and closes it.
    """
    launch = _Launch(request, segments_around(request.pipeline), world)
    main_run = _MainRun()
    try:
        return _run_rank(launch, main_run)
    finally:
        if main_run.heartbeat is not None:
            main_run.heartbeat.stop()
        if main_run.lock is not None:
            run_lock.release(request.layout.lock_file, main_run.lock)


def _run_rank(launch: _Launch, main_run: _MainRun) -> RunLayout:
    """This rank's part of the run (rank 0 records its lock, models and run in ``main_run``)."""
    world, request = launch.world, launch.request
    device = distributed.rank_device(request.config.device, world)
    distributed.init_process_group(device, world)
    registry = StageRegistry(origin=f"rank{world.rank}")
    stopped = False
    try:
        handoff = _handoff(launch, device, registry, main_run)
        models = handoff.models.on_device(device)  # rank 0's model files, this rank's device
        outcome = _extract_on_rank(launch, models, handoff.plan, registry)
        outcomes = distributed.gather_to_main(outcome, world)
        if world.is_main:
            with use_registry(registry):
                _finish_on_main(launch, main_run, models, outcomes, registry)
        elif outcome.error is not None:
            raise RankFailedError(f"rank {world.rank} failed: {outcome.error}")
    except KeyboardInterrupt:  # Ctrl-C, SIGTERM or SIGHUP: torchrun stops every rank alike
        stopped = True
        raise
    finally:
        if world.is_main:
            runs.summarize(request, registry, main_run.models, main_run.opened, device)
        # Keep every rank alive until rank 0 has reported: torchrun stops the whole job as
        # soon as one rank exits with an error. A stopped rank does not wait: the others are
        # being stopped too, and may never reach the barrier.
        if not stopped:
            distributed.barrier()
        distributed.destroy_process_group()
    if world.is_main:
        runs.close_run(request, models)
    return request.layout
