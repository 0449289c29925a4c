"""The values of the settings that stages read, by the names ``definitions.STAGE_SETTINGS`` uses.

A stage's checkpoint is keyed on these values (and on the outputs of the stages before it), so
a value here changes exactly when a stage would compute something else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from virnucpro.config import PipelineConfig, ResolvedModels
from virnucpro.file_digests import file_sha256


class SettingValues:
    """The setting values of one run, computed once each (the file digests are not free).

    Args:
        config: the run's settings.
        models: the resolved models (None: a run without models).
        fasta: the FASTA input of predict or preprocess.
        dataset_table: the ``dataset.tsv`` that ``evaluate --dataset`` reads.
    """

    def __init__(self, config: PipelineConfig, models: ResolvedModels | None,
                 fasta: Path | None = None, dataset_table: Path | None = None):
        self.config, self.models = config, models
        self.fasta, self.dataset_table = fasta, dataset_table
        self._values: dict[str, object] = {}

    def of(self, names: Iterable[str]) -> dict[str, object]:
        """The values of ``names``, by name."""
        return {name: self.value(name) for name in names}

    def value(self, name: str) -> object:
        if name not in self._values:
            self._values[name] = _SETTINGS[name](self)
        return self._values[name]


def _sha256_or_none(path: Path | None) -> str | None:
    return file_sha256(path) if path is not None and Path(path).is_file() else None


def _dataset_inputs(values: SettingValues) -> list[list]:
    """The GenBank inputs: label, group, file name and contents (not where they lie)."""
    dataset = getattr(values.config, "dataset", None)
    return [[item.label, item.group, item.source, file_sha256(item.path)]
            for item in (dataset.inputs if dataset is not None else ())]


def _dataset_setting(name: str) -> Callable[[SettingValues], object]:
    def value(values: SettingValues) -> object:
        dataset = getattr(values.config, "dataset", None)
        return getattr(dataset, name) if dataset is not None else None
    return value


def _config(name: str) -> Callable[[SettingValues], object]:
    return lambda values: getattr(values.config, name)


def _model(name: str) -> Callable[[SettingValues], object]:
    return lambda values: getattr(values.models, name) if values.models is not None else None


_SETTINGS: dict[str, Callable[[SettingValues], object]] = {
    "input": lambda values: _sha256_or_none(values.fasta),
    "chunk_length": _config("chunk_length"),
    "sequences_per_file": _config("sequences_per_file"),
    "precision": _config("precision"),
    "min_score": _config("min_score"),
    "dnabert": _model("dnabert"),
    "esm": _model("esm"),
    "classifier": _model("classifier"),
    "classifier_sha256": lambda values: _sha256_or_none(
        Path(values.models.classifier) if values.models and values.models.classifier else None),
    "inputs": _dataset_inputs,
    "val_fraction": _dataset_setting("val_fraction"),
    "test_fraction": _dataset_setting("test_fraction"),
    "seed": _dataset_setting("seed"),
    "dataset": lambda values: _sha256_or_none(values.dataset_table),
    "splits": lambda values: list(getattr(values.config, "splits", ())),
    "training": lambda values: values.config.training.as_dict(),
}


def describe_change(name: str, old: object, new: object) -> str:
    """One setting's change, as a user reads it."""
    if name == "input":
        return "the input file's contents changed"
    if name == "inputs":
        return "the GenBank input files (or their labels) changed"
    if name == "dataset":
        return "the --dataset folder's dataset.tsv changed"
    return f"{name} was {old!r}, now {new!r}"
