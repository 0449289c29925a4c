"""Checkpoints: which stages of a run are finished, for which input and settings.

``<output>/.virnucpro/run.json`` holds the fingerprint of the run (the input's SHA-256 and the
settings that change results); ``<output>/.virnucpro/done/<stage>`` marks a finished stage (named
from its ``@timed_stage`` decorator: ``done/sequence-chunking``). Both
are written atomically after the stage's own outputs, so a run killed at any moment resumes from
the last stage that finished completely.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

from virnucpro import __version__
from virnucpro.atomic import atomic_open
from virnucpro.config import PipelineConfig, ResolvedModels, result_settings
from virnucpro_telemetry import stage_name

FORMAT_VERSION = 1
_READ_BLOCK = 1 << 20


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def run_fingerprint(input_path: Path, config: PipelineConfig, models: ResolvedModels) -> dict:
    """What a resumed run must share with the run it continues."""
    return {
        "format": FORMAT_VERSION,
        "input_sha256": file_sha256(input_path),
        "settings": result_settings(config, models),
    }


def describe_changes(previous: dict, current: dict) -> list[str]:
    """Human-readable differences between two fingerprints (empty when they match)."""
    changes = []
    if previous.get("format") != current["format"]:
        changes.append("the checkpoint was written by an incompatible version of virnucpro")
    if previous.get("input_sha256") != current["input_sha256"]:
        changes.append("the input file's contents changed")
    old_settings = previous.get("settings", {})
    for name, value in current["settings"].items():
        if old_settings.get(name) != value:
            changes.append(f"{name} was {old_settings.get(name)!r}, now {value!r}")
    return changes


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class RunState:
    """The checkpoint records of one output directory."""

    def __init__(self, state_dir: Path):
        self.state_dir = Path(state_dir)
        self.fingerprint_path = self.state_dir / "run.json"
        self.done_dir = self.state_dir / "done"

    def read_fingerprint(self) -> dict | None:
        """The stored fingerprint, or None when there is none (or it is unreadable)."""
        try:
            return json.loads(self.fingerprint_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def write_fingerprint(self, fingerprint: dict) -> None:
        self.done_dir.mkdir(parents=True, exist_ok=True)
        with atomic_open(self.fingerprint_path) as handle:
            json.dump({**fingerprint, "virnucpro": __version__}, handle, indent=2, sort_keys=True)

    def is_done(self, stage: Callable) -> bool:
        """Whether a previous run finished ``stage`` (a ``@timed_stage`` function)."""
        return (self.done_dir / _slug(stage_name(stage))).is_file()

    def mark_done(self, stage: Callable) -> None:
        """Record that ``stage`` finished; call it only once the stage's outputs are written."""
        name = stage_name(stage)
        with atomic_open(self.done_dir / _slug(name)) as handle:
            handle.write(name + "\n")
