"""Checkpoints: which stages of a run are finished, for which input and settings.

``<output>/.virnucpro/run.json`` holds the fingerprint of the run (the input's SHA-256 and the
settings that change results); ``<output>/.virnucpro/done/<stage>`` marks a finished stage (named
from its ``@timed_stage`` decorator: ``done/sequence-chunking``) and holds the metrics the stage
recorded, so that a resumed run that skips it still reports them. Both are written atomically
after the stage's own outputs, so a run killed at any moment resumes from the last stage that
finished completely.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

from virnucpro import __version__
from virnucpro.atomic import atomic_open
from virnucpro.config import (
    EARLIER_SETTING_VALUES,
    PipelineConfig,
    ResolvedModels,
    result_settings,
)
from virnucpro.input_files import is_spooled
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
    """What a resumed run must share with the run it continues.

    ``given`` (the input path and ``-m`` as typed, and whether the demo models ran) is not
    compared on resume; ``virnucpro classify`` reads it to find the run's files and model
    again, and the report warns when the calls came from the demo models.
    """
    return {
        "format": FORMAT_VERSION,
        "input_sha256": file_sha256(input_path),
        "settings": result_settings(config, models),
        "given": {"input": str(input_path), "model": str(config.classifier),
                  "demo": models.demo, "stream": is_spooled(input_path)},
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
        old_value = old_settings.get(name, EARLIER_SETTING_VALUES.get(name))
        if old_value != value:
            changes.append(f"{name} was {old_value!r}, now {value!r}")
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

    def any_done(self) -> bool:
        """Whether any stage is marked finished."""
        return self.done_dir.is_dir() and any(self.done_dir.iterdir())

    def clear(self, stage: Callable) -> None:
        """Forget that ``stage`` finished (before its outputs are rewritten)."""
        (self.done_dir / _slug(stage_name(stage))).unlink(missing_ok=True)

    def mark_done(self, stage: Callable, metrics: dict | None = None) -> None:
        """Record that ``stage`` finished; call it only once the stage's outputs are written.

        Args:
            stage: the ``@timed_stage`` function.
            metrics: what the stage recorded with ``add_metrics`` (read back by
                :meth:`stage_metrics` when a resumed run skips it).
        """
        name = stage_name(stage)
        with atomic_open(self.done_dir / _slug(name)) as handle:
            json.dump({"stage": name, "metrics": metrics or {}}, handle, sort_keys=True)
            handle.write("\n")

    def stage_metrics(self, stage: Callable) -> dict:
        """The metrics stored with ``stage``'s mark (empty when absent or from an old version)."""
        try:
            record = json.loads((self.done_dir / _slug(stage_name(stage))).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        metrics = record.get("metrics") if isinstance(record, dict) else None
        return metrics if isinstance(metrics, dict) else {}
