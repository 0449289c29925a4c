"""The frozen settings of ``virnucpro make-dataset`` (and the dataset half of ``train``)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path

from virnucpro.config import DEFAULT_CHUNK_LENGTH, PipelineConfig, config_from_args
from virnucpro.errors import UsageError
from virnucpro.training.genbank import genbank_stem
from virnucpro.training.options import TrainingOptions

VIRAL_GROUP = "viral"
VIRAL_LABEL, OTHER_LABEL = 1, 0
SPLITS = ("train", "val", "test")
_GROUP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class LabelledInput:
    """One GenBank input file, its class label (1 viral, 0 other) and its group."""

    path: Path
    group: str
    label: int

    @property
    def stem(self) -> str:
        """The file's stem, which names its frame files."""
        return genbank_stem(self.path)

    @property
    def source(self) -> str:
        """The file's name, as written in ``dataset.tsv``."""
        return self.path.name


def viral_input(path: str | Path) -> LabelledInput:
    """A ``--viral FILE`` argument."""
    return LabelledInput(Path(path), VIRAL_GROUP, VIRAL_LABEL)


def other_input(argument: str) -> LabelledInput:
    """A ``--other [GROUP=]FILE`` argument; the group defaults to the file's stem.

    The text before the first ``=`` is a group name only if it is a plain name (letters, digits,
    ``_ . -``); otherwise the whole argument is the file (paths may hold ``=``).
    """
    group, separator, rest = argument.partition("=")
    if separator and rest and _GROUP_NAME.match(group):
        return LabelledInput(Path(rest), group, OTHER_LABEL)
    path = Path(argument)
    return LabelledInput(path, genbank_stem(path), OTHER_LABEL)


@dataclass(frozen=True)
class DatasetSettings:
    """What the dataset is made of and how it is split (the chunk length is the run's own,
    ``TrainingConfig.chunk_length``, and the layout's).

    Attributes:
        inputs: the GenBank files, viral and other, in command-line order.
        val_fraction: share of each class's frames (whole records) in the validation split.
        test_fraction: share of each class's frames (whole records) in the test split.
        seed: seeds the balancing draw and the record shuffle.
    """

    inputs: tuple[LabelledInput, ...]
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    seed: int = 42

    def __post_init__(self) -> None:
        check_fractions(self.val_fraction, self.test_fraction)
        _check_inputs(self.inputs)

    @property
    def viral_inputs(self) -> tuple[LabelledInput, ...]:
        return tuple(item for item in self.inputs if item.label == VIRAL_LABEL)

    @property
    def other_inputs(self) -> tuple[LabelledInput, ...]:
        return tuple(item for item in self.inputs if item.label == OTHER_LABEL)


def check_fractions(val_fraction: float, test_fraction: float) -> None:
    """Both fractions above 0, together below 1.

    Raises:
        UsageError: otherwise, saying which.
    """
    for name, value in (("--val-fraction", val_fraction), ("--test-fraction", test_fraction)):
        if not 0 < value < 1:
            raise UsageError(f"{name} must be between 0 and 1 (exclusive), not {value}")
    if val_fraction + test_fraction >= 1:
        raise UsageError(
            f"--val-fraction + --test-fraction must be below 1 (got {val_fraction} + "
            f"{test_fraction}): nothing would be left to train on"
        )


def _check_inputs(inputs: Iterable[LabelledInput]) -> None:
    """At least one viral and one other file; stems unique (they name the frame files)."""
    inputs = tuple(inputs)
    if not any(item.label == VIRAL_LABEL for item in inputs):
        raise UsageError("no --viral file given: give at least one viral GenBank file")
    if not any(item.label == OTHER_LABEL for item in inputs):
        raise UsageError("no --other file given: give at least one non-viral GenBank file")
    stems: dict[str, Path] = {}
    for item in inputs:
        earlier = stems.get(item.stem)
        if earlier is None:
            stems[item.stem] = item.path
        elif earlier == item.path:
            raise UsageError(f"{item.path} is given twice: give each input file once")
        else:
            raise UsageError(
                f"{item.path} and {earlier} have the same stem {item.stem!r}, which names the "
                "frame files: rename one of them"
            )


@dataclass(frozen=True)
class TrainingConfig(PipelineConfig):
    """The settings of a ``make-dataset``, ``train`` or ``evaluate`` run, as the user gave them.

    A :class:`~virnucpro.config.PipelineConfig` (so predict's feature and merging stages read
    their options from it unchanged: model options, precision, token budgets, ``resume``,
    ``progress``, ``sequences_per_file``) plus what only these commands need. ``model`` is the
    classifier that ``evaluate`` scores; ``train`` does not read it.

    Attributes:
        dataset: the GenBank inputs and the dataset settings; None when ``evaluate`` reads an
            existing dataset folder.
        training: the training options (``train``).
        splits: the dataset splits whose frames are embedded: all three for ``train``, the
            test split for ``evaluate``.
    """

    dataset: DatasetSettings | None = None
    training: TrainingOptions = field(default_factory=TrainingOptions)
    splits: tuple[str, ...] = SPLITS

    def __post_init__(self) -> None:
        super().__post_init__()
        unknown = set(self.splits) - set(SPLITS)
        if unknown:
            raise ValueError(f"unknown split(s) {sorted(unknown)}: the splits are {SPLITS}")


def training_config(base: PipelineConfig, **fields_of_training) -> TrainingConfig:
    """A :class:`TrainingConfig` with the settings of ``base`` and the training fields given.

    Raises:
        UsageError: a value that the configuration refuses.
    """
    values = {item.name: getattr(base, item.name) for item in fields(PipelineConfig)}
    try:
        return TrainingConfig(**{**values, **fields_of_training})
    except ValueError as error:
        raise UsageError(str(error)) from None


def dataset_config(settings: DatasetSettings, chunk_length: int = DEFAULT_CHUNK_LENGTH,
                   **overrides) -> TrainingConfig:
    """The configuration of a make-dataset run of ``settings`` (tests and benchmarks)."""
    return training_config(PipelineConfig(chunk_length=chunk_length), dataset=settings,
                           **overrides)


def training_config_from_args(args: argparse.Namespace, **overrides) -> TrainingConfig:
    """The :class:`TrainingConfig` that the parsed options of make-dataset, train or evaluate
    describe (``--viral`` / ``--other`` give the dataset; without any, it is None);
    ``overrides`` set fields the command decides (evaluate's ``splits``).

    ``evaluate --dataset`` without ``-l`` runs at 500, not at the model's chunk length: the
    frames are the dataset's, and a model made for another length must be refused.

    Raises:
        UsageError: an option value that the settings refuse.
    """
    on_a_dataset = getattr(args, "dataset", None) is not None and args.chunk_length is None
    base = config_from_args(args, **({"chunk_length": DEFAULT_CHUNK_LENGTH} if on_a_dataset
                                      else {}))
    inputs = (*map(viral_input, getattr(args, "viral", None) or ()),
              *map(other_input, getattr(args, "other", None) or ()))
    dataset = None
    if inputs:
        dataset = DatasetSettings(
            inputs, seed=args.seed,
            **{name: getattr(args, name) for name in ("val_fraction", "test_fraction")
               if getattr(args, name, None) is not None},
        )
    training = TrainingOptions(**{
        item.name: getattr(args, item.name) for item in fields(TrainingOptions)
        if getattr(args, item.name, None) is not None
    })
    return training_config(base, dataset=dataset, training=training,
                           **overrides)
