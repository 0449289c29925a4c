"""Balancing the classes and splitting by record: the rows of ``dataset.tsv``.

Balance: as many "other" frames as viral ones, drawn evenly across the other groups (the original
took a seventh from each of seven kingdoms). Each group's quota is an equal share of the target;
when a group has fewer frames than its share, all of them are taken and the shortfall is shared
out again among the groups that still have frames (the first groups by name take the remainder
of an uneven share). When all other groups together have fewer frames than the viral files, every
other frame is used and the viral frames are drawn down to the same number, so the classes stay
equal; both cases are logged as warnings.

Split by record (the original split by random frame, so frames of one genome sat on both sides):
each class's records are shuffled with the seed; the test split takes records from the front until
it holds ``test_fraction`` of the class's frames, the validation split likewise, training the rest.
Records are indivisible, so a split may overshoot its share by up to one record; and a split only
takes a record while enough remain for the splits after it, so that with 3 or more records a class
is in every split, with 2 it is in validation and training (not test), with 1 in training only
(the splits without it are logged as warnings). A split left with no rows at all is an error.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from virnucpro.atomic import atomic_open
from virnucpro.errors import InputError
from virnucpro.training.settings import OTHER_LABEL, SPLITS, VIRAL_LABEL, check_fractions

logger = logging.getLogger(__name__)

TABLE_COLUMNS = ("frame_id", "record_id", "source", "group", "label", "split")
CLASS_NAMES = {VIRAL_LABEL: "viral", OTHER_LABEL: "other"}


class FrameRow(NamedTuple):
    """One selected training frame and where it came from."""

    frame_id: str
    record_id: str
    source: str
    group: str
    label: int


def balance(rows: Sequence[FrameRow], seed: int) -> list[FrameRow]:
    """The balanced subset of ``rows`` (see the module docstring), in the order of ``rows``.

    Raises:
        InputError: no viral or no other frame is left.
    """
    viral = [index for index, row in enumerate(rows) if row.label == VIRAL_LABEL]
    by_group: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        if row.label == OTHER_LABEL:
            by_group.setdefault(row.group, []).append(index)
    other_total = sum(map(len, by_group.values()))
    check_both_classes(len(viral), other_total)
    rng = random.Random(seed)
    target = min(len(viral), other_total)
    if other_total < len(viral):
        logger.warning(
            "only %d other frames for %d viral frames: using all of them and drawing %d viral "
            "frames to keep the classes equal", other_total, len(viral), target,
        )
        viral = rng.sample(viral, target)
    chosen = list(viral)
    available = {group: len(indices) for group, indices in sorted(by_group.items())}
    for group, quota in group_quotas(target, available).items():
        chosen += rng.sample(by_group[group], quota)
    return [rows[index] for index in sorted(chosen)]


def group_quotas(target: int, available: dict[str, int]) -> dict[str, int]:
    """How many frames to draw from each group: even shares of ``target``, capped at what each
    group has, the shortfall shared again among the others (``target`` <= the total)."""
    quotas = dict.fromkeys(available, 0)
    remaining = target
    while remaining:
        open_groups = [group for group in available if quotas[group] < available[group]]
        share, extra = divmod(remaining, len(open_groups))
        for position, group in enumerate(open_groups):
            take = min(share + (position < extra), available[group] - quotas[group])
            quotas[group] += take
            remaining -= take
    short = [group for group in available if quotas[group] < target // len(available)]
    if short:
        logger.warning(
            "other group(s) %s have fewer frames than an even share; the other groups make up "
            "the difference", ", ".join(short),
        )
    return quotas


def split_by_record(
    rows: Sequence[FrameRow], val_fraction: float, test_fraction: float, seed: int
) -> dict[str, str]:
    """``record id -> split`` for every record of ``rows`` (see the module docstring).

    Raises:
        UsageError: the fractions are not both in (0, 1) with a sum below 1.
        InputError: a split would hold no row, or a record id comes from two input files.
    """
    check_fractions(val_fraction, test_fraction)
    _check_record_sources(rows)
    rng = random.Random(seed)
    splits: dict[str, str] = {}
    for label in (VIRAL_LABEL, OTHER_LABEL):
        frames = Counter(row.record_id for row in rows if row.label == label)
        records = list(frames)  # first-appearance order, then shuffled
        rng.shuffle(records)
        shares = {"test": test_fraction, "val": val_fraction}
        splits.update(_assign(records, frames, shares))
    _check_splits(rows, splits)
    return splits


def _assign(records: list[str], frames: Counter, shares: dict[str, float]) -> dict[str, str]:
    """Walk ``records`` giving each split (test, then val) records until it holds its share of
    frames, leaving at least one record for each later split; the rest go to train."""
    total = sum(frames.values())
    assigned: dict[str, str] = {}
    position = 0
    for later, (split, fraction) in enumerate(shares.items()):
        held = 0
        keep_back = len(shares) - later  # records still owed to this split's successors
        while position < len(records) - keep_back and held < fraction * total:
            assigned[records[position]] = split
            held += frames[records[position]]
            position += 1
    for record in records[position:]:
        assigned[record] = "train"
    return assigned


def check_both_classes(viral: int, other: int) -> None:
    """Both classes have frames.

    Raises:
        InputError: no viral or no other frame, saying what to check.
    """
    if not viral:
        raise InputError(
            "no viral frame is left after frame selection: no chunk of the --viral files has a "
            "frame matching an annotated protein; check that they are annotated GenBank files"
        )
    if not other:
        raise InputError(
            "no other frame is left after frame selection: no chunk of the --other files has a "
            "frame matching an annotated protein; check that they are annotated GenBank files"
        )


def _check_record_sources(rows: Iterable[FrameRow]) -> None:
    """A record id must come from one input file only (else it could sit on two sides)."""
    source_of: dict[str, str] = {}
    for row in rows:
        earlier = source_of.setdefault(row.record_id, row.source)
        if earlier != row.source:
            raise InputError(
                f"record {row.record_id} is in both {earlier} and {row.source}: give each "
                "record once"
            )


def _check_splits(rows: Sequence[FrameRow], splits: dict[str, str]) -> None:
    """Every split non-empty (error); every class in every split (warning otherwise)."""
    present = {(splits[row.record_id], row.label) for row in rows}
    records = Counter(splits.values())
    for split in SPLITS:
        if not any((split, label) in present for label in CLASS_NAMES):
            raise InputError(
                f"the {split} split would be empty: only {len(splits)} record(s) have training "
                "frames; give more records (at least 3 per class puts each class in every split)"
            )
        for label, name in CLASS_NAMES.items():
            if (split, label) not in present:
                logger.warning(
                    "the %s split has no %s frame (%d record(s) in it): too few %s records to "
                    "put one in every split; its metrics will be one-sided",
                    split, name, records[split], name,
                )


def write_dataset_table(rows: Iterable[FrameRow], splits: dict[str, str], path: Path) -> int:
    """Write ``dataset.tsv`` (header, then one row per frame); return the number of rows."""
    count = 0
    with atomic_open(path) as out:
        out.write("\t".join(TABLE_COLUMNS) + "\n")
        for row in rows:
            out.write("\t".join([*row[:4], str(row.label), splits[row.record_id]]) + "\n")
            count += 1
    return count


def read_dataset_table(path: Path) -> list[tuple[FrameRow, str]]:
    """The ``(row, split)`` pairs of a ``dataset.tsv``.

    Raises:
        InputError: the file is missing or its header is not the expected one.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InputError(f"{path}: cannot read the dataset table: {error.strerror}") from None
    if not lines or tuple(lines[0].split("\t")) != TABLE_COLUMNS:
        raise InputError(f"{path}: not a dataset table (expected {' '.join(TABLE_COLUMNS)})")
    pairs = []
    for line in lines[1:]:
        frame_id, record_id, source, group, label, split = line.split("\t")
        pairs.append((FrameRow(frame_id, record_id, source, group, int(label)), split))
    return pairs


def dataset_hash(path: Path) -> str:
    """The sha256 of a dataset table's bytes (hex): names the dataset a model was trained on."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for piece in iter(lambda: handle.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()
