"""Balancing the classes and splitting by record."""

from __future__ import annotations

import logging
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from virnucpro.errors import InputError, UsageError
from virnucpro.training.dataset import (
    FrameRow,
    balance,
    dataset_hash,
    group_quotas,
    read_dataset_table,
    split_by_record,
    write_dataset_table,
)


def _rows(label: int, group: str, records: dict[str, int], source: str | None = None):
    return [
        FrameRow(f"{record}_chunk_{k}F1", record, source or f"{group}.gb", group, label)
        for record, frames in records.items()
        for k in range(1, frames + 1)
    ]


def test_balance_takes_as_many_other_frames_as_viral_evenly_across_groups():
    viral = _rows(1, "viral", {"v1": 30, "v2": 30})
    others = _rows(0, "plant", {"p1": 100}) + _rows(0, "fungi", {"f1": 100})
    others += _rows(0, "archaea", {"a1": 100})
    chosen = balance(viral + others, seed=42)
    groups = Counter(row.group for row in chosen)
    assert groups == {"viral": 60, "archaea": 20, "fungi": 20, "plant": 20}
    assert chosen == sorted(chosen, key=(viral + others).index)  # input order kept
    assert balance(viral + others, seed=42) == chosen
    assert balance(viral + others, seed=7) != chosen


def test_a_short_group_is_made_up_by_the_others(caplog):
    assert group_quotas(30, {"a": 2, "b": 100, "c": 100}) == {"a": 2, "b": 14, "c": 14}
    assert group_quotas(31, {"a": 100, "b": 100}) == {"a": 16, "b": 15}
    assert "a have fewer frames" in caplog.text


def test_too_few_other_frames_draws_the_viral_ones_down(caplog):
    viral = _rows(1, "viral", {"v1": 50})
    others = _rows(0, "plant", {"p1": 10})
    with caplog.at_level(logging.WARNING):
        chosen = balance(viral + others, seed=1)
    assert Counter(row.label for row in chosen) == {1: 10, 0: 10}
    assert "only 10 other frames for 50 viral frames" in caplog.text


@pytest.mark.parametrize(("label", "name"), [(1, "viral"), (0, "other")])
def test_a_missing_class_is_an_error(label, name):
    rows = _rows(label, "g", {"r": 3})
    missing = "other" if name == "viral" else "viral"
    with pytest.raises(InputError, match=f"no {missing} frame is left"):
        balance(rows, seed=1)


def test_with_three_records_per_class_every_split_has_both_classes():
    rows = _rows(1, "viral", {"v1": 5, "v2": 5, "v3": 5})
    rows += _rows(0, "p", {"p1": 5, "p2": 5, "p3": 5})
    splits = split_by_record(rows, 0.1, 0.1, seed=42)
    assert {(splits[row.record_id], row.label) for row in rows} == {
        (split, label) for split in ("train", "val", "test") for label in (0, 1)
    }


def test_fractions_are_shares_of_frames_taken_in_whole_records():
    records = {f"v{i}": 10 for i in range(100)}
    rows = _rows(1, "viral", records) + _rows(0, "p", {f"p{i}": 10 for i in range(100)})
    splits = split_by_record(rows, 0.2, 0.1, seed=3)
    per_split = Counter(splits[row.record_id] for row in rows if row.label == 1)
    assert per_split == {"test": 100, "val": 200, "train": 700}


def test_two_records_leave_the_test_split_one_sided(caplog):
    rows = _rows(1, "viral", {"v1": 5, "v2": 5, "v3": 5}) + _rows(0, "p", {"p1": 5, "p2": 5})
    with caplog.at_level(logging.WARNING):
        splits = split_by_record(rows, 0.1, 0.1, seed=42)
    assert sorted(splits[r] for r in ("p1", "p2")) == ["train", "val"]
    assert "the test split has no other frame" in caplog.text


def test_an_empty_split_is_an_error():
    rows = _rows(1, "viral", {"v1": 5}) + _rows(0, "p", {"p1": 5})
    with pytest.raises(InputError, match="the val split would be empty: only 2 record"):
        split_by_record(rows, 0.1, 0.1, seed=42)


@pytest.mark.parametrize(
    ("val", "test", "message"),
    [(0, 0.1, "--val-fraction must be between"), (0.1, 1.0, "--test-fraction must be between"),
     (0.5, 0.5, "must be below 1")],
)
def test_bad_fractions_are_usage_errors(val, test, message):
    rows = _rows(1, "viral", {"v1": 5}) + _rows(0, "p", {"p1": 5})
    with pytest.raises(UsageError, match=message):
        split_by_record(rows, val, test, seed=1)


def test_a_record_in_two_files_is_an_error():
    rows = _rows(1, "viral", {"r1": 2}, "a.gb") + _rows(0, "p", {"r1": 2}, "b.gb")
    with pytest.raises(InputError, match="record r1 is in both a.gb and b.gb"):
        split_by_record(rows, 0.1, 0.1, seed=1)


@settings(max_examples=150, deadline=None)
@given(
    viral=st.lists(st.integers(1, 30), min_size=3, max_size=25),
    other=st.lists(st.integers(1, 30), min_size=3, max_size=25),
    val=st.floats(0.01, 0.45),
    test=st.floats(0.01, 0.45),
    seed=st.integers(0, 2**32),
)
def test_no_record_is_in_two_splits(viral, other, val, test, seed):
    rows = _rows(1, "viral", {f"v{i}": n for i, n in enumerate(viral)})
    rows += _rows(0, "other", {f"o{i}": n for i, n in enumerate(other)})
    rows = balance(rows, seed)
    splits = split_by_record(rows, val, test, seed)
    seen: dict[str, set[str]] = {}
    for row in rows:
        seen.setdefault(row.record_id, set()).add(splits[row.record_id])
    assert all(len(sides) == 1 for sides in seen.values())
    assert set(splits) == {row.record_id for row in rows}
    assert {(splits[row.record_id], row.label) for row in rows} >= {
        ("train", 0), ("train", 1)
    }


def test_the_table_round_trips_and_its_hash_names_its_bytes(tmp_path):
    rows = _rows(1, "viral", {"v1": 2, "v2": 1, "v3": 1})
    rows += _rows(0, "p", {"p1": 1, "p2": 2, "p3": 1})
    splits = split_by_record(rows, 0.1, 0.1, seed=1)
    table = tmp_path / "dataset.tsv"
    assert write_dataset_table(rows, splits, table) == len(rows)
    assert read_dataset_table(table) == [(row, splits[row.record_id]) for row in rows]
    assert table.read_text().splitlines()[0] == "frame_id\trecord_id\tsource\tgroup\tlabel\tsplit"
    first = dataset_hash(table)
    write_dataset_table(rows[:-1], splits, table)
    assert dataset_hash(table) != first and len(first) == 64
