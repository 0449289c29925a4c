"""The training loop: defaults, early stopping on validation, bit-identical resume, model.pt."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from virnucpro.classification.classifier import load_classifier
from virnucpro.errors import ModelFileError, UsageError
from virnucpro.training.model_file import (
    ModelMetadata,
    check_model_fits,
    read_trained_model,
    save_trained_model,
)
from virnucpro.training.options import TrainingOptions
from virnucpro.training.reports import LOG_COLUMNS, write_test_metrics, write_training_log
from virnucpro.training.trainer import SplitTensors, TrainingData, train_classifier
from virnucpro_telemetry import StageRegistry, stage, use_registry

WIDTH = 24


def _split(rows: int, seed: int) -> SplitTensors:
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 2, (rows,), generator=generator)
    features = torch.randn(rows, WIDTH, generator=generator) + labels[:, None] * 0.8
    return SplitTensors(features, labels)


@pytest.fixture
def data() -> TrainingData:
    return TrainingData(_split(101, 1), _split(40, 2), _split(40, 3))


OPTIONS = TrainingOptions(epochs=6, patience=50, batch_size=16, lr=0.05, step_size=2,
                          hidden_dim=16)


class _Killed(Exception):
    pass


def _equal_states(first: dict, second: dict) -> bool:
    return first.keys() == second.keys() and all(torch.equal(first[k], second[k]) for k in first)


def test_defaults_are_the_original_training_settings():
    options = TrainingOptions()
    assert (options.epochs, options.patience, options.batch_size) == (200, 5, 32)
    assert (options.lr, options.momentum, options.step_size, options.gamma) == (2e-4, 0.9, 10, 0.85)
    assert options.hidden_dim == 512


def test_each_epoch_is_a_nested_stage_with_loss_metrics(data, tmp_path):
    registry = StageRegistry()
    with use_registry(registry), stage("Model Training"):
        result = train_classifier(data, OPTIONS, tmp_path / "ckpt.pt")
    epochs = registry["Training Epoch"]
    assert epochs.calls == 6
    assert epochs.metrics["epoch"] == sum(range(1, 7))  # metrics of repeated calls add up
    assert [row["epoch"] for row in result.log_rows] == [1, 2, 3, 4, 5, 6]
    assert result.log_rows[2]["learning_rate"] == pytest.approx(0.05 * 0.85)
    assert set(LOG_COLUMNS) <= set(result.log_rows[0])
    confusion = result.test_metrics.confusion
    assert confusion.true_positives + confusion.false_negatives == int(data.test.labels.sum())


def test_the_same_seed_gives_the_same_weights_and_leaves_global_state_alone(data, tmp_path):
    torch.manual_seed(123)
    before = torch.get_rng_state()
    first = train_classifier(data, OPTIONS, tmp_path / "a.pt")
    assert torch.equal(torch.get_rng_state(), before)
    second = train_classifier(data, OPTIONS, tmp_path / "b.pt")
    assert _equal_states(first.best_state, second.best_state)
    third = train_classifier(data, replace(OPTIONS, seed=7), tmp_path / "c.pt")
    assert not _equal_states(first.best_state, third.best_state)


@pytest.mark.parametrize("killed_after", [1, 3, 5])
def test_resume_after_a_kill_gives_bit_identical_weights(data, tmp_path, killed_after):
    whole = train_classifier(data, OPTIONS, tmp_path / "whole.pt")

    def kill(row):
        if row["epoch"] == killed_after:
            raise _Killed

    checkpoint = tmp_path / "ckpt.pt"
    with pytest.raises(_Killed):
        train_classifier(data, OPTIONS, checkpoint, on_epoch_end=kill)
    resumed_epochs = []
    resumed = train_classifier(data, OPTIONS, checkpoint, resume=True,
                               on_epoch_end=lambda row: resumed_epochs.append(row["epoch"]))
    assert resumed_epochs == list(range(killed_after + 1, 7))
    assert _equal_states(whole.best_state, resumed.best_state)
    assert [r["val_loss"] for r in whole.log_rows] == [r["val_loss"] for r in resumed.log_rows]
    final = torch.load(checkpoint, weights_only=True)
    whole_final = torch.load(tmp_path / "whole.pt", weights_only=True)
    assert _equal_states(final["model"], whole_final["model"])


def test_early_stopping_watches_validation_loss_and_keeps_the_best_epoch(data, tmp_path):
    options = replace(OPTIONS, epochs=200, patience=2, lr=0.5, momentum=0.0)
    result = train_classifier(data, options, tmp_path / "ckpt.pt")
    losses = [row["val_loss"] for row in result.log_rows]
    best = min(range(len(losses)), key=losses.__getitem__)
    assert result.best_epoch == best + 1
    assert len(losses) == best + 1 + 2 < 200  # stopped two epochs after the best


def test_a_checkpoint_for_other_options_is_refused(data, tmp_path):
    checkpoint = tmp_path / "ckpt.pt"
    train_classifier(data, replace(OPTIONS, epochs=1), checkpoint)
    with pytest.raises(UsageError, match="other training options"):
        train_classifier(data, replace(OPTIONS, epochs=1, lr=0.01), checkpoint, resume=True)


def test_model_file_is_plain_data_and_loads_in_predict(data, tmp_path):
    result = train_classifier(data, replace(OPTIONS, epochs=2), tmp_path / "ckpt.pt")
    metadata = ModelMetadata(
        chunk_length=300, input_dim=WIDTH, dnabert="zhihan1996/DNABERT-S",
        esm="esm2_t36_3B_UR50D", training_options=OPTIONS.as_dict(), dataset_sha256="ab" * 32,
        best_epoch=result.best_epoch, test_metrics=result.test_metrics.as_dict(),
    )
    path = tmp_path / "model.pt"
    save_trained_model(path, result.best_state, metadata)
    raw = torch.load(path, weights_only=True)  # no class allowed beyond torch's defaults
    assert raw["metadata"]["chunk_length"] == 300
    state, read_back = read_trained_model(path)
    assert read_back == metadata and _equal_states(state, result.best_state)
    model = load_classifier(path)
    assert _equal_states(model.state_dict(), result.best_state)


def test_model_checks_refuse_other_chunk_lengths_and_embedders(tmp_path):
    metadata = ModelMetadata(chunk_length=300, input_dim=3328, dnabert="d", esm="e")
    assert check_model_fits(tmp_path, metadata, 300, "d", "e") == []
    with pytest.raises(UsageError, match="chunk length 300 \\(the run uses 500\\)"):
        check_model_fits(tmp_path, metadata, 500, "d", "e")
    problems = check_model_fits(tmp_path, metadata, 300, "d", "other", allow_mismatch=True)
    assert problems == ["ESM-2 model 'e' (the run uses 'other')"]


def test_other_files_are_not_trained_models(tmp_path):
    torch.save({"hidden_layer.weight": torch.zeros(2, 2)}, tmp_path / "plain.pt")
    with pytest.raises(ModelFileError, match="not a model written by virnucpro train"):
        read_trained_model(tmp_path / "plain.pt")
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(ModelFileError, match="not a readable trained model"):
        read_trained_model(tmp_path / "junk.pt")
    with pytest.raises(ModelFileError, match="not found"):
        read_trained_model(tmp_path / "missing.pt")


def test_log_and_metrics_tables(data, tmp_path):
    result = train_classifier(data, replace(OPTIONS, epochs=2), tmp_path / "ckpt.pt")
    write_training_log(result.log_rows, tmp_path / "training_log.tsv")
    write_test_metrics(result.test_metrics, tmp_path / "test_metrics.tsv")
    log = (tmp_path / "training_log.tsv").read_text().splitlines()
    assert log[0].split("\t") == list(LOG_COLUMNS) and len(log) == 3
    lines = (tmp_path / "test_metrics.tsv").read_text().splitlines()
    table = dict(line.split("\t") for line in lines)
    assert {"accuracy", "auroc", "auprc", "mcc", "true_positives", "false_negatives"} <= set(table)
    assert int(table["true_positives"]) == result.test_metrics.confusion.true_positives


@pytest.mark.parametrize(
    ("change", "message"), [({"batch_size": 1}, "batch-size"), ({"lr": 0}, "--lr"),
                            ({"epochs": 0}, "--epochs"), ({"gamma": 1.5}, "--gamma")],
)
def test_bad_options_are_usage_errors(change, message):
    with pytest.raises(UsageError, match=message):
        TrainingOptions(**change)


def test_training_data_gathers_each_split_by_frame_id():
    from virnucpro.errors import InputError
    from virnucpro.training.dataset import FrameRow
    from virnucpro.training.tensors import training_data

    rows = [FrameRow(f"r{i}_chunk_1F1", f"r{i}", "s.gb", "g", i % 2) for i in range(6)]
    pairs = list(zip(rows, ["train", "train", "val", "test", "train", "val"], strict=True))
    ids = [row.frame_id for row in reversed(rows)]
    features = torch.arange(6.0)[:, None].repeat(1, 3)  # row k holds k
    data = training_data(pairs, ids, features)
    assert data.train.features[:, 0].tolist() == [5.0, 4.0, 1.0]  # r0, r1, r4 sit at 5, 4, 1
    assert data.train.labels.tolist() == [0, 1, 0]
    assert data.val.labels.tolist() == [0, 1] and len(data.test.labels) == 1
    with pytest.raises(InputError, match="1 frame\\(s\\) of the dataset have no features"):
        training_data(pairs, ids[:-1], features[:-1])
