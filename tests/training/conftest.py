"""Fixtures of the training tests: the real GenBank files (``tests/data/genbank``).

The reference oracle of the original rules is ``original_training_rules.py`` beside this file
(a module of its own, so that test modules can import it by a name no other folder uses).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def genbank_dir(reference_dir: Path) -> Path:
    """The three real GenBank files (see ``tests/data/README.md``)."""
    return reference_dir / "genbank"


@pytest.fixture
def genbank_copy(genbank_dir: Path, tmp_path: Path):
    """Copy a reference GenBank file into ``tmp_path`` (optionally under another name)."""

    def copy(name: str, as_name: str | None = None) -> Path:
        target = tmp_path / (as_name or name)
        shutil.copyfile(genbank_dir / name, target)
        return target

    return copy
