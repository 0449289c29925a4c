"""Output files as they were written: size and SHA-256, recorded when written, checked on resume.

The run engine records every finished stage's outputs in its checkpoint record
(``virnucpro.pipeline.engine.checkpoint``). Stages that write many files one by one (the feature
stages 5-6) also record each file as it is written, in ``.virnucpro/files/``, so that a run
stopped halfway resumes with exactly the files that are whole: :func:`verify_written` tells a
whole file from a missing, truncated or changed one. At the root because the embedding stages
and the pipeline both use it (domain packages never import ``pipeline``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from virnucpro.atomic import atomic_open

_READ_BLOCK = 1 << 20
_LEDGER_DIR = "files"


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileDigest:
    """An output file as it was written: its size in bytes and its SHA-256."""

    size: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> FileDigest:
        return cls(Path(path).stat().st_size, file_sha256(path))

    def problem(self, path: Path) -> str | None:
        """Why ``path`` is not this file any more (missing, other size, other bytes), or None."""
        try:
            size = Path(path).stat().st_size
        except FileNotFoundError:
            return "missing"
        if size != self.size:
            return f"{size} bytes, {self.size} were written"
        if file_sha256(path) != self.sha256:
            return "its SHA-256 differs from the one recorded when it was written"
        return None


def _ledger_path(state_dir: Path, output_dir: Path, path: Path) -> Path:
    relative = Path(path).resolve().relative_to(Path(output_dir).resolve())
    return Path(state_dir) / _LEDGER_DIR / (quote(relative.as_posix(), safe="") + ".json")


def record_written(layout, path: Path) -> FileDigest:
    """Record ``path`` (just written, under ``layout.output_dir``) with its size and SHA-256."""
    digest = FileDigest.of(path)
    ledger = _ledger_path(layout.state_dir, layout.output_dir, path)
    ledger.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(ledger) as handle:
        json.dump({"size": digest.size, "sha256": digest.sha256}, handle)
    return digest


def recorded_digest(layout, path: Path) -> FileDigest | None:
    """What :func:`record_written` recorded of ``path`` (None: nothing, or a damaged record)."""
    ledger = _ledger_path(layout.state_dir, layout.output_dir, path)
    try:
        record = json.loads(ledger.read_text(encoding="utf-8"))
        return FileDigest(int(record["size"]), str(record["sha256"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def current_digest(layout, path: Path) -> FileDigest:
    """``path``'s digest: the one recorded when it was written if the record is newer than the
    file and of its size (no second read of a large feature file), else computed now."""
    ledger = _ledger_path(layout.state_dir, layout.output_dir, path)
    try:
        fresh = ledger.stat().st_mtime_ns >= Path(path).stat().st_mtime_ns
    except OSError:
        fresh = False
    recorded = recorded_digest(layout, path) if fresh else None
    if recorded is not None and recorded.size == Path(path).stat().st_size:
        return recorded
    return FileDigest.of(path)


def verify_written(layout, path: Path) -> str | None:
    """None when ``path`` is the whole file :func:`record_written` recorded, else why not
    (``"missing"``, ``"never recorded as written"``, a size or checksum difference)."""
    if not Path(path).exists():
        return "missing"
    digest = recorded_digest(layout, path)
    if digest is None:
        return "not recorded as written whole"
    return digest.problem(path)
