"""Training the MLP classifier on feature tensors, resumable epoch by epoch.

The original's loop (``train.py``) with its defaults (:class:`TrainingOptions`), two leaks fixed
(early stopping watches the validation split; the test split is used once, at the end) and one
bug fixed: the original kept ``model.state_dict()`` as its "best" weights, which is a view of the
live weights, so it saved the last epoch's; here the best epoch's weights are copied.

Features stay in one tensor per split; a batch is an index slice of a seeded permutation (its own
``torch.Generator``), so an epoch is little more than the model's own forward and backward passes
(``benchmarks/bench_make_dataset.py`` measures the ratio). A final batch of one example is skipped
(batch normalisation cannot train on one row; the original would fail on it).

After every epoch a checkpoint holds everything the next epoch depends on: model, optimizer and
scheduler state, the shuffling generator, torch's CPU random state (dropout), the epoch, the best
validation loss, epoch and weights, the patience counter and the log rows. It is written under a
temporary name and renamed, so a run killed at any moment resumes at the next epoch and, on the
CPU, ends with the same weights, bit for bit, as a run never interrupted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.nn import functional as F

from virnucpro.atomic import atomic_torch_save
from virnucpro.classification.classifier import MLPClassifier
from virnucpro.errors import UsageError
from virnucpro.training.metrics import ClassificationMetrics, classification_metrics
from virnucpro.training.options import TrainingOptions
from virnucpro_telemetry import add_metrics, stage

CHECKPOINT_FORMAT = "virnucpro-training-checkpoint"


@dataclass(frozen=True)
class SplitTensors:
    """One split: ``features`` (rows, width) float32 and ``labels`` (rows,) int64, 1 = viral."""

    features: torch.Tensor
    labels: torch.Tensor


@dataclass(frozen=True)
class TrainingData:
    """The three splits of a dataset, as tensors."""

    train: SplitTensors
    val: SplitTensors
    test: SplitTensors

    @property
    def input_dim(self) -> int:
        return int(self.train.features.shape[1])

    def shape(self) -> list[int]:
        """Rows of each split and the feature width (a resumed run must see the same)."""
        return [len(self.train.labels), len(self.val.labels), len(self.test.labels), self.input_dim]


@dataclass
class _Progress:
    """What the checkpoint carries besides the torch objects' own states."""

    epoch: int = 0
    best_val_loss: float = float("inf")
    best_epoch: int = 0
    best_state: dict = field(default_factory=dict)
    bad_epochs: int = 0
    stopped: bool = False
    rows: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class TrainingResult:
    """The best validation epoch's weights, the log, and the test split's metrics."""

    best_state: dict
    best_epoch: int
    log_rows: list[dict]
    test_metrics: ClassificationMetrics
    test_loss: float


def build_classifier(input_dim: int, options: TrainingOptions) -> MLPClassifier:
    """The published MLP with the original's Xavier-uniform weights (drawn from torch's global
    generator, which the caller seeds)."""
    model = MLPClassifier(input_dim, hidden_dim=options.hidden_dim)
    torch.nn.init.xavier_uniform_(model.hidden_layer.weight)
    torch.nn.init.xavier_uniform_(model.output_layer.weight)
    return model


def train_classifier(
    data: TrainingData,
    options: TrainingOptions,
    checkpoint: Path,
    *,
    resume: bool = False,
    device: str = "cpu",
    on_epoch_end: Callable[[dict], None] | None = None,
) -> TrainingResult:
    """Train, each epoch a nested ``Training Epoch`` stage; evaluate the best epoch on test.

    Args:
        data: the three splits.
        options: the training options.
        checkpoint: where the per-epoch checkpoint is written (and read with ``resume``).
        resume: continue from ``checkpoint`` if it exists.
        device: torch device for the model and the features.
        on_epoch_end: called with each epoch's log row once its checkpoint is written.

    Raises:
        UsageError: the training split has fewer than two rows, or the checkpoint was written
            for other options or other data.
    """
    if len(data.train.labels) < 2:
        raise UsageError("the training split needs at least 2 examples")
    with torch.random.fork_rng(devices=[]):  # the caller's global random state is left alone
        torch.manual_seed(options.seed)
        model = build_classifier(data.input_dim, options).to(device)
        loop = _Loop(model, options, torch.Generator().manual_seed(options.seed))
        progress = _Progress()
        if resume and Path(checkpoint).exists():
            progress = loop.restore(torch.load(checkpoint, weights_only=True), data)
        splits = _on_device(data, device)
        while not progress.stopped and progress.epoch < options.epochs:
            row = loop.run_epoch(splits, progress)
            atomic_torch_save(loop.checkpoint(progress, data), Path(checkpoint))
            if on_epoch_end is not None:
                on_epoch_end(row)
    model.load_state_dict(progress.best_state)
    test_loss, test_metrics = evaluate(model, splits.test, options.eval_batch_size)
    return TrainingResult(progress.best_state, progress.best_epoch, progress.rows, test_metrics,
                          test_loss)


def evaluate(
    model: torch.nn.Module, split: SplitTensors, batch_size: int = 4096
) -> tuple[float, ClassificationMetrics]:
    """Mean cross-entropy and metrics of ``model`` (eval mode) on one split."""
    model.eval()
    with torch.no_grad():
        logits = torch.cat(
            [model(split.features[start : start + batch_size])
             for start in range(0, len(split.labels), batch_size)]
        )
        loss = float(F.cross_entropy(logits, split.labels))
        scores = torch.softmax(logits, dim=1)[:, 1]
        predictions = logits.argmax(dim=1)  # ties go to class 0, as torch.max in the original
    metrics = classification_metrics(
        split.labels.cpu().numpy(), scores.cpu().double().numpy(), predictions.cpu().numpy()
    )
    return loss, metrics


class _Loop:
    """The model, optimizer, scheduler and shuffling generator of one training run."""

    def __init__(self, model: MLPClassifier, options: TrainingOptions, generator) -> None:
        self.model, self.options, self.generator = model, options, generator
        self.optimizer = torch.optim.SGD(model.parameters(), lr=options.lr,
                                         momentum=options.momentum)
        self.scheduler = torch.optim.lr_scheduler.StepLR(
            self.optimizer, step_size=options.step_size, gamma=options.gamma
        )

    def run_epoch(self, splits: TrainingData, progress: _Progress) -> dict:
        """One epoch (a ``Training Epoch`` stage): train, validate, step the schedule, update
        early stopping; returns the epoch's log row (also appended to ``progress.rows``)."""
        with stage("Training Epoch"):
            started = time.perf_counter()
            learning_rate = self.optimizer.param_groups[0]["lr"]
            train_loss = self._train_pass(splits.train)
            val_loss, metrics = evaluate(self.model, splits.val, self.options.eval_batch_size)
            self.scheduler.step()
            progress.epoch += 1
            self._early_stopping(progress, val_loss)
            row = {"epoch": progress.epoch, "train_loss": train_loss, "val_loss": val_loss,
                   **{name: value for name, value in metrics.as_dict().items()
                      if isinstance(value, float)},
                   "learning_rate": learning_rate, "seconds": time.perf_counter() - started}
            progress.rows.append(row)
            add_metrics(epoch=progress.epoch, train_loss=train_loss, val_loss=val_loss,
                        examples=len(splits.train.labels))
        return row

    def _train_pass(self, split: SplitTensors) -> float:
        """One pass over the training rows in a seeded random order; the mean loss per row."""
        self.model.train()
        order = torch.randperm(len(split.labels), generator=self.generator)
        order = order.to(split.features.device)
        total = torch.zeros((), device=split.features.device)
        seen = 0
        for start in range(0, len(order), self.options.batch_size):
            rows = order[start : start + self.options.batch_size]
            if len(rows) < 2:
                continue
            self.optimizer.zero_grad()
            loss = F.cross_entropy(self.model(split.features[rows]), split.labels[rows])
            loss.backward()
            self.optimizer.step()
            total += loss.detach() * len(rows)
            seen += len(rows)
        return float(total) / seen

    def _early_stopping(self, progress: _Progress, val_loss: float) -> None:
        """The original's rule: a new best when lower than the best so far; stop after
        ``patience`` epochs in a row without one."""
        if val_loss < progress.best_val_loss or not progress.best_state:
            progress.best_val_loss = val_loss
            progress.best_epoch = progress.epoch
            progress.best_state = {
                name: tensor.detach().to("cpu", copy=True)
                for name, tensor in self.model.state_dict().items()
            }
            progress.bad_epochs = 0
        else:
            progress.bad_epochs += 1
            progress.stopped = progress.bad_epochs >= self.options.patience

    def checkpoint(self, progress: _Progress, data: TrainingData) -> dict:
        """Everything the next epoch depends on, as plain data and tensors."""
        return {
            "format": CHECKPOINT_FORMAT,
            "options": self.options.as_dict(),
            "data_shape": data.shape(),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "shuffle_generator": self.generator.get_state(),
            "torch_random_state": torch.get_rng_state(),
            "progress": vars(progress),
        }

    def restore(self, saved: dict, data: TrainingData) -> _Progress:
        """Load a checkpoint written by :meth:`checkpoint` for the same options and data."""
        if saved.get("format") != CHECKPOINT_FORMAT:
            raise UsageError("the training checkpoint is not one this version wrote; use --force")
        if saved["options"] != self.options.as_dict() or saved["data_shape"] != data.shape():
            raise UsageError(
                "the training checkpoint was written with other training options or another "
                "dataset; rerun with the same options, or use --force to start over"
            )
        self.model.load_state_dict(saved["model"])
        self.optimizer.load_state_dict(saved["optimizer"])
        self.scheduler.load_state_dict(saved["scheduler"])
        self.generator.set_state(saved["shuffle_generator"])
        torch.set_rng_state(saved["torch_random_state"])
        return _Progress(**saved["progress"])


def _on_device(data: TrainingData, device: str) -> TrainingData:
    """The splits moved to ``device`` once (batches are then slices, not copies per item)."""
    return TrainingData(*(
        SplitTensors(split.features.to(device, torch.float32), split.labels.to(device, torch.long))
        for split in (data.train, data.val, data.test)
    ))
