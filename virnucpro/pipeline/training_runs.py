"""The run functions of ``make-dataset``, ``train`` and ``evaluate``.

Each prepares the output folder (refuse, ``--resume`` or ``--force``, with a fingerprint of the
inputs and the result-changing settings), runs its pipeline of ``definitions`` through the same
stage runner as predict (a finished stage is skipped on ``--resume``; Model Training resumes at
the epoch after its last checkpoint), logs the summary block and removes ``work/`` unless kept.
Under ``torchrun``, ``train`` runs through ``virnucpro.pipeline.torchrun`` as predict does: every
rank shares the feature stages, rank 0 runs the others (training and evaluation included).
Importing this module loads no torch (``make-dataset`` never does).
"""

from __future__ import annotations

import hashlib
import logging
from functools import partial
from pathlib import Path

from virnucpro.config import ResolvedModels, result_settings
from virnucpro.errors import UsageError, os_errors_explained
from virnucpro.pipeline.checkpoint import FORMAT_VERSION, RunState, file_sha256
from virnucpro.pipeline.definitions import (
    EVALUATE_DATASET,
    EVALUATE_FILES,
    MAKE_DATASET,
    TRAIN,
    Pipeline,
    segments_around,
)
from virnucpro.pipeline.distributed import World
from virnucpro.pipeline.model_resolution import DEMO_BANNER, resolve_models
from virnucpro.pipeline.run_lock import output_folder_lock
from virnucpro.pipeline.run_summary import stage_key_metrics, summary_due, with_sequences_processed
from virnucpro.pipeline.stage_runner import check_input, run_stages
from virnucpro.pipeline.torchrun import RunHooks, run_launched
from virnucpro.pipeline.workspace import prepare_output_dir, remove_intermediates
from virnucpro.training.dataset_paths import DatasetPaths
from virnucpro.training.settings import TrainingConfig
from virnucpro_telemetry import StageRegistry, log_summary, use_registry

logger = logging.getLogger(__name__)


def run_make_dataset(config: TrainingConfig) -> DatasetPaths:
    """make-dataset: GenBank files in ``config.dataset``, frames and ``dataset.tsv`` out."""
    paths = DatasetPaths(Path(config.output_dir), config.chunk_length)
    _run(MAKE_DATASET, paths, config, None, "MAKE-DATASET SUMMARY")
    return paths


TRAINING_TITLE = "TRAINING SUMMARY"


def run_training(config: TrainingConfig, world: World | None = None) -> DatasetPaths:
    """train: make the dataset, embed it with predict's feature stages, train and evaluate;
    ``model.pt``, ``training_log.tsv`` and ``test_metrics.tsv`` out.

    Args:
        config: the run's settings.
        world: a ``torchrun`` launch: the ranks share the feature stages, rank 0 runs the rest;
            None or a single process runs every stage here.
    """
    paths = DatasetPaths(Path(config.output_dir), config.chunk_length)
    world = world or World()
    if world.launched:
        with os_errors_explained(paths.output_dir):
            run_launched(segments_around(TRAIN), _training_hooks(paths, config), paths, config,
                         world)
        return paths
    models = resolve_models(config, classifier=False)
    _run(TRAIN, paths, config, models, TRAINING_TITLE, _training_shown(paths, models))
    return paths


def _training_shown(paths: DatasetPaths, models: ResolvedModels) -> dict[str, str]:
    """The summary lines of a training run besides its stages' key metrics."""
    return {"DNABERT-S": models.dnabert, "ESM-2": models.esm, "Model": str(paths.model_file)}


def _training_hooks(paths: DatasetPaths, config: TrainingConfig) -> RunHooks:
    """What a ``train`` run does around its stages under torchrun (on rank 0)."""

    def open_training(device: str) -> tuple[ResolvedModels, RunState]:
        models = resolve_models(config, device, classifier=False)
        return models, _open(paths, config, models)

    def summarize(registry, models, state, device) -> None:
        if state is not None:  # as in one process: a summary once the output folder is ready
            _log_summary(registry, TRAIN, TRAINING_TITLE, _training_shown(paths, models))

    return RunHooks(check=partial(_check_inputs, config), open=open_training,
                    summarize=summarize, close=partial(_close, paths, config))


def run_evaluation(config: TrainingConfig, dataset_dir: Path | None) -> DatasetPaths:
    """evaluate: ``config.model`` on the test split of ``dataset_dir`` (a make-dataset or train
    output folder) or, without it, on every frame of the labelled files of ``config.dataset``;
    ``evaluation_metrics.tsv`` out.

    Raises:
        UsageError: the output folder is the dataset folder, or the model does not fit the run.
        InputError: ``dataset_dir`` holds no ``dataset.tsv``.
    """
    output_dir = Path(config.output_dir)
    if dataset_dir is not None:
        dataset_dir = Path(dataset_dir)
        if output_dir.resolve() == dataset_dir.resolve():
            raise UsageError(f"-o {output_dir} is the --dataset folder; give another -o")
        check_input(dataset_dir / "dataset.tsv")
    paths = DatasetPaths(output_dir, config.chunk_length, dataset_dir)
    models = resolve_models(config)
    pipeline = EVALUATE_DATASET if dataset_dir is not None else EVALUATE_FILES
    _run(pipeline, paths, config, models, "EVALUATION SUMMARY",
         {"DNABERT-S": models.dnabert, "ESM-2": models.esm, "Classifier": models.classifier})
    return paths


def _run(
    pipeline: Pipeline,
    paths: DatasetPaths,
    config: TrainingConfig,
    models: ResolvedModels | None,
    title: str,
    shown: dict[str, str] | None = None,
) -> None:
    """Check the inputs, then hold the output folder's lock for :func:`_run_locked`."""
    _check_inputs(config)
    with os_errors_explained(paths.output_dir):
        with output_folder_lock(paths.lock_file, config.break_lock):
            _run_locked(pipeline, paths, config, models, title, shown)


def _run_locked(
    pipeline: Pipeline,
    paths: DatasetPaths,
    config: TrainingConfig,
    models: ResolvedModels | None,
    title: str,
    shown: dict[str, str] | None,
) -> None:
    """Prepare the output folder, run ``pipeline``, log the summary, remove ``work/``."""
    state = _open(paths, config, models)
    registry = StageRegistry()
    with use_registry(registry):
        try:
            run_stages(pipeline, paths, config, models, state)
        finally:
            _log_summary(registry, pipeline, title, shown)
    _close(paths, config, models)


def _check_inputs(config: TrainingConfig) -> None:
    """Raise ``InputError`` for a GenBank input that is missing or unreadable."""
    for item in config.dataset.inputs if config.dataset is not None else ():
        check_input(item.path)


def _open(paths: DatasetPaths, config: TrainingConfig,
          models: ResolvedModels | None) -> RunState:
    """Make the output folder ready (the lock held); return its checkpoint records."""
    if models is not None and models.demo:
        logger.warning(DEMO_BANNER)
    return prepare_output_dir(paths, run_fingerprint(paths, config, models), config.resume,
                              config.force)


def _log_summary(registry: StageRegistry, pipeline: Pipeline, title: str,
                 shown: dict[str, str] | None) -> None:
    if not summary_due(registry):  # stopped in its first stage: the error line says it all
        return
    metrics = stage_key_metrics(registry, pipeline)
    # A training run's input sequences are its GenBank records, not the largest `sequences`
    # count of any stage (which here mixes GenBank records and frames).
    if "GenBank records read" in metrics:
        metrics = {"Sequences processed": metrics.pop("GenBank records read"), **metrics}
    log_summary(registry, title=title, key_metrics=with_sequences_processed(
        registry, {**metrics, **(shown or {})}))


def _close(paths: DatasetPaths, config: TrainingConfig, models: ResolvedModels | None) -> None:
    """After a successful run: remove ``work/`` unless kept; repeat the demo warning."""
    if not config.keep_intermediate:
        remove_intermediates(paths)
    if models is not None and models.demo:
        logger.warning(DEMO_BANNER)


def run_fingerprint(
    paths: DatasetPaths, config: TrainingConfig, models: ResolvedModels | None
) -> dict:
    """What a resumed run must share with the run it continues: the inputs' bytes (with their
    labels and groups) and the settings that change results."""
    digest = hashlib.sha256()
    for item in config.dataset.inputs if config.dataset is not None else ():
        digest.update(f"{item.label}\t{item.group}\t{item.source}\t".encode())
        digest.update(file_sha256(item.path).encode() + b"\n")
    if paths.dataset_dir is not None:
        digest.update(file_sha256(paths.dataset_table).encode())
    settings: dict = {"chunk_length": config.chunk_length, "splits": list(config.splits)}
    if config.dataset is not None:
        settings.update(val_fraction=config.dataset.val_fraction,
                        test_fraction=config.dataset.test_fraction, seed=config.dataset.seed)
    if models is not None:
        settings.update(result_settings(config, models), training=config.training.as_dict())
        if Path(models.classifier).is_file():
            settings["classifier_sha256"] = file_sha256(Path(models.classifier))
    return {"format": FORMAT_VERSION, "input_sha256": digest.hexdigest(), "settings": settings}

