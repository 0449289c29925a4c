"""The one run engine: every command (predict, preprocess, classify, make-dataset, train,
evaluate) runs its pipeline through :func:`run_pipeline`.

A run, in order:

1. check the inputs and resolve the models (``model_resolution.resolve_models``), before the
   lock is taken and before the output folder is created: a bad input or model writes nothing;
2. take the output folder's lock (``run_lock``);
3. open the folder (``run_folder.prepare_output_dir``: refuse, resume, start over, or reuse a
   folder where no stage finished; ``classify`` works on a kept run instead), plan the stages
   against their checkpoints (``stage_runner.plan_stages``: a resume that would redo expensive
   stages with other settings is refused here) and write the run record (``run.json``);
4. run the stages (``stage_runner.StageLoop``: each reused, or run and recorded);
5. log the summary, keep the stage records and write the ``--trace`` file (also when a stage
   failed or was stopped);
6. close: remove the intermediates unless kept.

SIGTERM and SIGHUP stop a run like Ctrl-C (``signals.stop_signals``). Under ``torchrun`` the
same steps run through ``pipeline.distribution.torchrun``, rank 0 opening and closing the run.
Importing this module loads no torch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from virnucpro.config import PipelineConfig, ResolvedModels
from virnucpro.errors import UsageError, os_errors_explained
from virnucpro.input_files import (
    check_input,
    is_spooled,
    is_stream,
    read_stream_input,
    remove_spooled,
)
from virnucpro.paths import RunLayout
from virnucpro.pipeline.definitions import Pipeline
from virnucpro.pipeline.distribution.distributed import World
from virnucpro.pipeline.engine.checkpoint import (
    Checkpoints,
    new_run_record,
    read_json_record,
    write_json_record,
)
from virnucpro.pipeline.engine.run_summary import (
    check_trace_file,
    keep_stage_records,
    log_run_summary,
    write_run_trace,
)
from virnucpro.pipeline.engine.signals import stop_signals
from virnucpro.pipeline.engine.stage_runner import StageLoop, plan_stages
from virnucpro.pipeline.engine.stage_settings import SettingValues
from virnucpro.pipeline.folder.run_folder import prepare_output_dir, remove_intermediates
from virnucpro.pipeline.folder.run_lock import output_folder_lock
from virnucpro.pipeline.models.model_resolution import DEMO_BANNER, resolve_models
from virnucpro_telemetry import StageRegistry, stage_name, use_registry

logger = logging.getLogger(__name__)

# What a pipeline's stages load: nothing, the embedders only (train), the classifier only
# (classify, on kept features) or all three.
NO_MODELS, EMBEDDERS, CLASSIFIER, ALL_MODELS = "none", "embedders", "classifier", "all"
# The settings a run record shows, as given (besides the dataset and training settings).
_RECORDED_SETTINGS = ("chunk_length", "model", "dnabert", "esm", "precision",
                      "sequences_per_file", "min_score")


def _no_lines(models: ResolvedModels | None, device: str) -> dict[str, object]:
    return {}


@dataclass(frozen=True)
class RunRequest:
    """One command's run, as the engine needs it (built by each ``commands`` module).

    Attributes:
        command: the command's name (in ``run.json``).
        pipeline: the stages it runs (a tuple of ``definitions``).
        layout: its output folder's layout.
        config: its settings.
        inputs: the files it reads, checked before anything else.
        fasta: predict's and preprocess's FASTA input (its digest keys stage 1).
        streams: whether ``fasta`` may be a stream (``-``, a pipe): it is then copied into the
            output folder once the lock is held (``input_files.read_stream_input``).
        dataset_table: the ``dataset.tsv`` that ``evaluate --dataset`` reads.
        models: which models its stages load: ``NO_MODELS``, ``EMBEDDERS``, ``CLASSIFIER`` or
            ``ALL_MODELS``.
        title: the summary block's title (None: the default).
        summary_lines: the command's lines of the summary, from the models (None when the run
            stopped before resolving them) and the device shown.
        kept: ``classify``: the stages of the run in the folder that it builds on (their
            checkpoints must be there); the folder is then used as it is.
        kept_record: ``classify``: the folder's run record, whose input and demo flag stay.
    """

    command: str
    pipeline: Pipeline
    layout: RunLayout
    config: PipelineConfig
    inputs: tuple[Path, ...] = ()
    fasta: Path | None = None
    streams: bool = False
    dataset_table: Path | None = None
    models: str = ALL_MODELS
    title: str | None = None
    summary_lines: Callable[[ResolvedModels | None, str], dict[str, object]] = _no_lines
    kept: Pipeline = ()
    kept_record: dict = field(default_factory=dict)


@dataclass
class OpenRun:
    """A run whose folder is ready: its checkpoints and the loop that runs its stages."""

    checkpoints: Checkpoints
    loop: StageLoop


def run_pipeline(request: RunRequest, world: World | None = None,
                 registry: StageRegistry | None = None) -> RunLayout:
    """Run ``request`` (see the module docstring); return its layout.

    Args:
        request: what to run, where, with which settings.
        world: a ``torchrun`` launch; None or a single process runs every stage here.
        registry: where the stage timings go (default: a fresh registry).

    Raises:
        UsageError: another run holds the folder, or it cannot be used as given.
        InputError: an input cannot be read.
        ModelFileError: a model is missing or refused.
        FileSystemError: the system refused a file operation (disk full, permissions, ...).
        StopSignal: SIGTERM or SIGHUP stopped the run (after its summary and records).
    """
    world = world or World()
    layout = request.layout
    with stop_signals(), os_errors_explained(layout.output_dir):
        if world.launched:
            from virnucpro.pipeline.distribution.torchrun import run_launched

            return run_launched(request, world)
        models = prepare(request, request.config.device)
        with output_folder_lock(layout.lock_file, request.config.break_lock,
                                request.config.stale_lock_minutes):
            request = read_streamed_input(request)
            _run_here(request, models, world,
                      registry if registry is not None else StageRegistry())
    return request.layout


def _run_here(request: RunRequest, models: ResolvedModels | None, world: World,
              registry: StageRegistry) -> None:
    """Steps 3-6 in this process, the lock held."""
    opened = open_run(request, models)
    with use_registry(registry):
        try:
            opened.loop.run(request.pipeline)
        finally:
            summarize(request, registry, models, opened, models.device if models else "")
    close_run(request, models)


def check_inputs(request: RunRequest) -> None:
    """Fail early, naming the file, when an input cannot be read at all."""
    for path in request.inputs:
        check_input(path, streams=request.streams and path == request.fasta)


def read_streamed_input(request: RunRequest) -> RunRequest:
    """``request`` reading its FASTA input from a copy in the output folder where that input is
    a stream (the lock held, before anything hashes the input); else ``request`` itself."""
    if request.fasta is None or not is_stream(request.fasta):
        return request
    layout = read_stream_input(request.layout, request.config.resume)
    return replace(request, layout=layout, fasta=layout.input_fasta,
                   inputs=(layout.input_fasta,))


def prepare(request: RunRequest, device: str) -> ResolvedModels | None:
    """Steps 1: the inputs (and the ``--trace`` path) checked and the models resolved, nothing
    written in the folder."""
    check_inputs(request)
    check_trace_file(request.config.trace)
    if request.models == NO_MODELS:
        return None
    return resolve_models(request.config, device,
                          classifier=request.models in (CLASSIFIER, ALL_MODELS),
                          embedders=request.models in (EMBEDDERS, ALL_MODELS))


def open_run(request: RunRequest, models: ResolvedModels | None) -> OpenRun:
    """Step 3, the lock held: the folder ready, the stages planned, the run record written.

    Raises:
        UsageError: the folder cannot be used as asked, a resume would need other settings,
            or a record in it is damaged (one line naming the file and the fix).
    """
    layout, config = request.layout, request.config
    if models is not None and models.demo:
        logger.warning(DEMO_BANNER)
    checkpoints = Checkpoints(layout.checkpoints_dir)
    if request.kept:
        _check_kept(request, checkpoints)
        resume = True
    else:
        resume = prepare_output_dir(layout, config.resume, config.force)
    if resume:
        read_json_record(layout.run_record, "run record")
    values = SettingValues(config, models, request.fasta, request.dataset_table)
    stages = request.kept + request.pipeline
    plan = plan_stages(stages, layout, values, checkpoints, resume, kept=request.kept)
    write_json_record(layout.run_record, _run_record(request, models, values))
    loop = StageLoop(stages, layout, config, models, checkpoints, plan)
    for stage in request.kept:
        loop.follow(stage)
    return OpenRun(checkpoints, loop)


def _check_kept(request: RunRequest, checkpoints: Checkpoints) -> None:
    for stage in request.kept:
        if checkpoints.read(stage) is None:
            raise UsageError(
                f"{request.layout.output_dir}: the run's {stage_name(stage)} stage has no "
                "checkpoint; run `virnucpro predict` on it again with -k (--keep-intermediate)"
            )


def _run_record(request: RunRequest, models: ResolvedModels | None,
                values: SettingValues) -> dict:
    """The run record (``pipeline.engine.checkpoint``) of this run; the input's SHA-256 is the
    one its stage 1 is keyed on (``values``), so a large input is read once, not twice."""
    config = request.config
    settings = {name: getattr(config, name) for name in _RECORDED_SETTINGS}
    settings["model"] = None if config.model is None else str(config.model)  # -m as typed
    dataset = getattr(config, "dataset", None)
    if dataset is not None:
        settings.update(val_fraction=dataset.val_fraction, test_fraction=dataset.test_fraction,
                        seed=dataset.seed)
    if hasattr(config, "training") and request.command != "make-dataset":
        settings.update(training=config.training.as_dict(), splits=list(config.splits))
    if request.kept_record:
        inputs = {"input": request.kept_record.get("input")}
    elif request.fasta is not None:
        inputs = {"input": {"path": str(request.fasta), "sha256": values.value("input"),
                            "stream": is_spooled(request.fasta)}}
    else:
        inputs = {"inputs": [{"path": str(item.path), "label": item.label, "group": item.group}
                             for item in (dataset.inputs if dataset is not None else ())]}
    shown = None if models is None else {"dnabert": models.dnabert, "esm": models.esm,
                                         "classifier": models.classifier or None}
    demo = bool(models and models.demo) or config.demo or request.kept_record.get("demo") is True
    return new_run_record(request.command, inputs, settings, shown, demo)


def summarize(request: RunRequest, registry: StageRegistry, models: ResolvedModels | None,
              opened: OpenRun | None, device: str) -> None:
    """Step 5: the summary block, the stage records and the ``--trace`` file (neither before
    the folder was opened)."""
    checkpoints = opened.checkpoints if opened is not None else None
    log_run_summary(registry, request.kept + request.pipeline, request.config, request.title,
                    request.summary_lines(models, device or request.config.device), checkpoints)
    if opened is not None:
        keep_stage_records(request.layout, registry)
        if request.config.trace is not None:
            write_run_trace(request.config.trace, registry)


def close_run(request: RunRequest, models: ResolvedModels | None) -> None:
    """Step 6, after a successful run: remove the intermediates (and the copy of a stream
    input) unless kept."""
    if not request.config.keep_intermediate:
        remove_intermediates(request.layout)
        if request.fasta is not None:
            remove_spooled(request.fasta)
    if models is not None and models.demo:
        logger.warning(DEMO_BANNER)
