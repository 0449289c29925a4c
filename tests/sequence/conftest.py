"""Fixtures of the sequence tests: the original tool's reference files and FASTA helpers."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest
from Bio import SeqIO

REFERENCE_INPUTS = ("test_with_orfs", "test_fixed_500bp", "test_sequences_small")


@pytest.fixture(scope="session")
def original_dir(reference_dir: Path) -> Path:
    """Inputs and outputs of the published tool (see the reference README)."""
    return reference_dir / "original_tool"


@pytest.fixture(params=REFERENCE_INPUTS)
def reference_stem(request) -> str:
    """Each reference input's stem in turn (``<stem>.fa``, ``<stem>_chunked500.fa``, ...)."""
    return request.param


@pytest.fixture(scope="session")
def parsed() -> Callable[[Path], list[tuple[str, str]]]:
    """Parse a FASTA file with Biopython (independent of our reader): ``[(id, sequence)]``."""

    def parse(path: Path) -> list[tuple[str, str]]:
        with open(path) as handle:
            return [(record.id, str(record.seq)) for record in SeqIO.parse(handle, "fasta")]

    return parse


@pytest.fixture
def fasta_file(tmp_path: Path) -> Callable[..., Path]:
    """Write ``content`` (str or bytes) to a file in ``tmp_path``, gzip-compressed if asked."""

    def write(content: str | bytes, name: str = "input.fa", compress: bool = False) -> Path:
        data = content.encode() if isinstance(content, str) else content
        path = tmp_path / name
        path.write_bytes(gzip.compress(data) if compress else data)
        return path

    return write
