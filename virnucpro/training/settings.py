"""The frozen settings of ``virnucpro make-dataset`` (and the dataset half of ``train``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from virnucpro.errors import UsageError
from virnucpro.training.genbank import genbank_stem

CHUNK_LENGTHS = (300, 500)
VIRAL_GROUP = "viral"
VIRAL_LABEL, OTHER_LABEL = 1, 0
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
    """Everything make-dataset needs besides the output paths.

    Attributes:
        inputs: the GenBank files, viral and other, in command-line order.
        chunk_length: 300 or 500.
        val_fraction: share of each class's frames (whole records) in the validation split.
        test_fraction: share of each class's frames (whole records) in the test split.
        seed: seeds the balancing draw and the record shuffle.
        threads: worker processes, each handling whole input files (same output, byte for byte).
        keep_intermediate: keep ``work/`` (sequences, proteins and chunks of every input).
        progress: show progress bars (still off when stderr is not a terminal).
    """

    inputs: tuple[LabelledInput, ...]
    chunk_length: int = 500
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    seed: int = 42
    threads: int = 1
    keep_intermediate: bool = False
    progress: bool = True

    def __post_init__(self) -> None:
        if self.chunk_length not in CHUNK_LENGTHS:
            raise UsageError(f"chunk length must be 300 or 500, not {self.chunk_length}")
        if self.threads < 1:
            raise UsageError(f"--threads must be at least 1, not {self.threads}")
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
