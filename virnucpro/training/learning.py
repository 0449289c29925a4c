"""The work of Model Training, Model Evaluation and Classifier Evaluation on a dataset (torch).

Features come from the merged feature files of predict's ``Feature Merging`` stage, rows from
``dataset.tsv``; both are matched by frame id (:mod:`virnucpro.training.tensors`).
"""

from __future__ import annotations

import logging

import torch

from virnucpro import test_hook
from virnucpro.atomic import atomic_torch_save
from virnucpro.config import ResolvedModels
from virnucpro.errors import ModelFileError
from virnucpro.training.dataset import dataset_hash, read_dataset_table
from virnucpro.training.dataset_paths import DatasetPaths
from virnucpro.training.metrics import ClassificationMetrics
from virnucpro.training.model_file import ModelMetadata, embedding_model_names, save_trained_model
from virnucpro.training.reports import metrics_table, write_test_metrics, write_training_log
from virnucpro.training.settings import TrainingConfig
from virnucpro.training.tensors import read_merged_features, split_tensors, training_data
from virnucpro.training.trainer import (
    TrainingData,
    TrainingResult,
    build_classifier,
    evaluate,
    train_classifier,
)

logger = logging.getLogger(__name__)


def load_training_data(paths: DatasetPaths) -> TrainingData:
    """The three splits of ``dataset.tsv`` as tensors of their merged features."""
    ids, features = read_merged_features(paths)
    return training_data(read_dataset_table(paths.dataset_table), ids, features)


def train_on_dataset(
    paths: DatasetPaths, config: TrainingConfig, models: ResolvedModels
) -> TrainingResult:
    """Train (resuming from the epoch checkpoint with ``config.resume``); write
    ``training_log.tsv`` and ``work/best_weights.pt``."""
    from virnucpro.embedding.device import resolve_device

    data = load_training_data(paths)
    device = resolve_device(models.device)
    logger.info("Training on %s: %d train, %d validation, %d test frames, %d features each",
                device, len(data.train.labels), len(data.val.labels), len(data.test.labels),
                data.input_dim)
    result = train_classifier(data, config.training, paths.training_checkpoint,
                              resume=config.resume, device=str(device),
                              on_epoch_end=_log_epoch)
    write_training_log(result.log_rows, paths.training_log)
    atomic_torch_save({"state_dict": result.best_state, "best_epoch": result.best_epoch},
                      paths.best_weights)
    logger.info("Best validation epoch: %d of %d", result.best_epoch, len(result.log_rows))
    return result


def evaluate_best_weights(
    paths: DatasetPaths, config: TrainingConfig, models: ResolvedModels
) -> ClassificationMetrics:
    """The best epoch's metrics on the test split; writes ``test_metrics.tsv`` and ``model.pt``."""
    saved = torch.load(paths.best_weights, map_location="cpu", weights_only=True)
    data = load_training_data(paths)
    model = build_classifier(data.input_dim, config.training)
    model.load_state_dict(saved["state_dict"])
    loss, metrics = evaluate(model, data.test, config.training.eval_batch_size)
    write_test_metrics(metrics, paths.test_metrics)
    dnabert, esm = embedding_model_names(models.dnabert, models.esm, models.demo)
    metadata = ModelMetadata(
        chunk_length=config.chunk_length, input_dim=data.input_dim, dnabert=dnabert, esm=esm,
        training_options=config.training.as_dict(),
        dataset_sha256=dataset_hash(paths.dataset_table), best_epoch=int(saved["best_epoch"]),
        test_metrics={**metrics.as_dict(), "loss": loss},
    )
    save_trained_model(paths.model_file, saved["state_dict"], metadata)
    _log_table("Test split", metrics)
    return metrics


def evaluate_classifier_file(paths: DatasetPaths, models: ResolvedModels) -> ClassificationMetrics:
    """The metrics of ``models.classifier`` on the test split; writes ``evaluation_metrics.tsv``.

    Raises:
        ModelFileError: the classifier cannot be read, or expects another feature width.
    """
    from virnucpro.classification.classifier import classifier_input_dim, load_classifier

    model = load_classifier(models.classifier)
    ids, features = read_merged_features(paths)
    if features.shape[1] != classifier_input_dim(model):
        raise ModelFileError(
            f"{models.classifier}: the classifier expects {classifier_input_dim(model)} features "
            f"per frame but the DNABERT-S / ESM-2 models in use give {features.shape[1]}; use "
            "the embedding models it was trained with"
        )
    row_of = {frame_id: index for index, frame_id in enumerate(ids)}
    test_rows = [row for row, split in read_dataset_table(paths.dataset_table) if split == "test"]
    _, metrics = evaluate(model, split_tensors(test_rows, row_of, features))
    write_test_metrics(metrics, paths.evaluation_metrics)
    _log_table("Evaluation", metrics)
    return metrics


def metric_values(metrics: ClassificationMetrics) -> dict[str, float | int]:
    """The metrics and confusion counts, for ``add_metrics``."""
    return metrics.as_dict()


def _log_epoch(row: dict) -> None:
    """Log an epoch whose checkpoint is written (a point of ``virnucpro.test_hook``)."""
    logger.info("epoch %d: train loss %.4f, validation loss %.4f, F1 %.4f, AUROC %.4f",
                row["epoch"], row["train_loss"], row["val_loss"], row["f1"], row["auroc"])
    test_hook.reached(f"Training Epoch {row['epoch']} checkpointed")


def _log_table(title: str, metrics: ClassificationMetrics) -> None:
    logger.info("%s metrics:", title)
    for line in metrics_table(metrics).splitlines()[1:]:
        logger.info("  %s", line.replace("\t", "  "))
