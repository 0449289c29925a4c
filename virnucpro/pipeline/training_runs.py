"""The run functions of ``make-dataset``, ``train`` and ``evaluate``.

Each prepares the output folder (refuse, ``--resume`` or ``--force``, with a fingerprint of the
inputs and the result-changing settings), runs its pipeline of ``definitions`` through the same
stage runner as predict (a finished stage is skipped on ``--resume``; Model Training resumes at
the epoch after its last checkpoint), logs the summary block and removes ``work/`` unless kept.
Importing this module loads no torch (``make-dataset`` never does).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from virnucpro.config import ResolvedModels, result_settings
from virnucpro.errors import UsageError, os_errors_explained
from virnucpro.pipeline.checkpoint import FORMAT_VERSION, file_sha256
from virnucpro.pipeline.definitions import (
    EVALUATE_DATASET,
    EVALUATE_FILES,
    MAKE_DATASET,
    TRAIN,
    Pipeline,
)
from virnucpro.pipeline.model_resolution import DEMO_BANNER, resolve_models
from virnucpro.pipeline.run_lock import output_folder_lock
from virnucpro.pipeline.run_summary import stage_key_metrics
from virnucpro.pipeline.stage_runner import check_input, run_stages
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


def run_training(config: TrainingConfig) -> DatasetPaths:
    """train: make the dataset, embed it with predict's feature stages, train and evaluate;
    ``model.pt``, ``training_log.tsv`` and ``test_metrics.tsv`` out."""
    paths = DatasetPaths(Path(config.output_dir), config.chunk_length)
    models = resolve_models(config, classifier=False)
    _run(TRAIN, paths, config, models, "TRAINING SUMMARY",
         {"DNABERT-S": models.dnabert, "ESM-2": models.esm, "Model": str(paths.model_file)})
    return paths


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
    for item in config.dataset.inputs if config.dataset is not None else ():
        check_input(item.path)
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
    if models is not None and models.demo:
        logger.warning(DEMO_BANNER)
    state = prepare_output_dir(paths, run_fingerprint(paths, config, models), config.resume,
                               config.force)
    registry = StageRegistry()
    with use_registry(registry):
        try:
            run_stages(pipeline, paths, config, models, state)
        finally:
            log_summary(registry, title=title,
                        key_metrics={**stage_key_metrics(registry, pipeline), **(shown or {})})
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

