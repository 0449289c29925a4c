"""The duplicate-id check that keeps eight bytes per id."""

from __future__ import annotations

import pytest

from virnucpro.errors import InputError
from virnucpro.sequence import unique
from virnucpro.sequence.fasta import read_fasta
from virnucpro.sequence.unique import UniqueIds


def _checked(path) -> UniqueIds:
    ids = UniqueIds()
    for record in read_fasta(path):
        ids.add(record.id)
    ids.check(path)
    return ids


def test_unique_ids_pass(fasta_file):
    assert len(_checked(fasta_file(">a\nAC\n>b\nGT\n>a_2\nTT\n"))) == 3


def test_first_repeat_names_the_id_both_records_and_the_line(fasta_file):
    path = fasta_file(">a\nAC\n>b x\nGT\n>c\nTT\n>b y\nCC\n>a\nGG\n")
    with pytest.raises(InputError) as caught:
        _checked(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: line 7: record 4 has the id 'b', already used by record 2")


def test_ids_that_only_share_a_hash_are_not_repeats(fasta_file, monkeypatch):
    """Equal hashes send the check back to the file, which finds the ids differ."""
    path = fasta_file(">a\nAC\n>b\nGT\n")
    monkeypatch.setattr(unique, "hash", lambda _: 42, raising=False)
    assert len(_checked(path)) == 2
