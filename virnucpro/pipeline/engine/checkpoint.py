"""A run folder's records: the run record (``run.json``) and one checkpoint record per stage.

``.virnucpro/run.json`` is the **run record**, the documented description of the run that made
the folder's results (read by ``virnucpro report`` and ``virnucpro classify``)::

    {"format": 2, "virnucpro": "0.1.0", "command": "predict",
     "input": {"path": "reads.fa", "sha256": "...", "stream": false},  # predict, preprocess
     "inputs": [{"path": ..., "label": ..., "sha256": ...}],  # make-dataset, train, evaluate
     "settings": {"chunk_length": 500, "min_score": 0.5, "model": "500", ...},  # as given
     "models": {"dnabert": ..., "esm": ..., "classifier": ...},  # as resolved; absent: none
     "demo": false}

``.virnucpro/done/<stage>`` is a stage's **checkpoint record**, written once its outputs are
written: the settings it read (``definitions.STAGE_SETTINGS``), the digest of what the stages
before it wrote (``upstream``), each output file's size and SHA-256 and the metrics it recorded.
A stage is reused on ``--resume`` exactly when its settings and upstream digest are unchanged
and its outputs verify (``virnucpro.pipeline.engine.stage_runner``).

Every record is written atomically. A record that exists but cannot be read is a
:class:`UsageError` naming the file and the fix (exit 2), never a crash.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from virnucpro import __version__
from virnucpro.atomic import atomic_open
from virnucpro.errors import UsageError
from virnucpro.file_digests import FileDigest
from virnucpro_telemetry import stage_name

RUN_RECORD_FORMAT = 2
_FIX = ("delete the folder's .virnucpro/ and the results to start over (or run again with "
        "--force)")


def fingerprint(value: object) -> str:
    """The one fingerprint function: SHA-256 of ``value`` as canonical JSON (sorted keys)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def read_json_record(path: Path, what: str) -> dict | None:
    """A JSON object record, or None when the file does not exist.

    Raises:
        UsageError: the file exists but is not a readable JSON object (one line, the fix).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (UnicodeDecodeError, IsADirectoryError) as error:
        raise UsageError(f"{path}: the {what} is damaged ({error}); {_FIX}") from None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"{path}: the {what} is damaged (not JSON: {error}); {_FIX}") from None
    if not isinstance(record, dict):
        raise UsageError(f"{path}: the {what} is damaged (not a JSON object); {_FIX}")
    return record


def write_json_record(path: Path, record: Mapping) -> None:
    """Write a record atomically (its folder created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path) as handle:
        json.dump(record, handle, indent=2, sort_keys=True, default=str)
        handle.write("\n")


def new_run_record(command: str, inputs: Mapping, settings: Mapping,
                   models: Mapping | None, demo: bool) -> dict:
    """The run record of :mod:`this module`'s docstring (``inputs``: its ``input`` or
    ``inputs`` entry)."""
    record = {"format": RUN_RECORD_FORMAT, "virnucpro": __version__, "command": command,
              **inputs, "settings": dict(settings), "demo": demo}
    if models is not None:
        record["models"] = dict(models)
    return record


@dataclass(frozen=True)
class StageCheckpoint:
    """A stage's checkpoint record (see the module docstring).

    Attributes:
        stage: the stage's name.
        settings: the settings it read, by name.
        upstream: the digest of the outputs of the stages before it.
        outputs: its output files (relative to the run folder) and their digests.
        metrics: what it recorded with ``add_metrics`` (shown when a resumed run reuses it).
    """

    stage: str
    settings: dict
    upstream: str
    outputs: dict[str, FileDigest] = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"stage": self.stage, "settings": self.settings, "upstream": self.upstream,
                "outputs": {name: [d.size, d.sha256] for name, d in self.outputs.items()},
                "metrics": self.metrics}

    @classmethod
    def from_json(cls, record: dict, path: Path) -> StageCheckpoint:
        try:
            outputs = {str(name): FileDigest(int(size), str(sha))
                       for name, (size, sha) in record["outputs"].items()}
            return cls(str(record["stage"]), dict(record["settings"]), str(record["upstream"]),
                       outputs, dict(record.get("metrics") or {}))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise UsageError(f"{path}: the checkpoint record is damaged or from an earlier "
                             f"version; {_FIX}") from None

    def outputs_digest(self) -> str:
        """One digest of every output's SHA-256 (what the stages after it depend on)."""
        return fingerprint({name: digest.sha256 for name, digest in self.outputs.items()})


class Checkpoints:
    """The checkpoint records of one run folder (``.virnucpro/done/``)."""

    def __init__(self, checkpoints_dir: Path):
        self.done_dir = Path(checkpoints_dir)

    def path(self, stage: Callable) -> Path:
        return self.done_dir / _slug(stage_name(stage))

    def read(self, stage: Callable) -> StageCheckpoint | None:
        """``stage``'s record, or None when it has none.

        Raises:
            UsageError: the record exists but is damaged.
        """
        path = self.path(stage)
        record = read_json_record(path, "checkpoint record")
        return None if record is None else StageCheckpoint.from_json(record, path)

    def write(self, stage: Callable, checkpoint: StageCheckpoint) -> None:
        """Record that ``stage`` finished; call it only once the stage's outputs are written."""
        write_json_record(self.path(stage), checkpoint.to_json())

    def is_done(self, stage: Callable) -> bool:
        """Whether ``stage`` has a record."""
        return self.path(stage).is_file()

    def any_done(self) -> bool:
        """Whether any stage has a record."""
        return self.done_dir.is_dir() and any(self.done_dir.iterdir())

    def clear(self, stage: Callable) -> None:
        """Forget that ``stage`` finished (before its outputs are rewritten)."""
        self.path(stage).unlink(missing_ok=True)

    def stage_metrics(self, stage: Callable) -> dict:
        """The metrics stored with ``stage``'s record (empty when it has none)."""
        try:
            checkpoint = self.read(stage)
        except UsageError:
            return {}
        return checkpoint.metrics if checkpoint is not None else {}
