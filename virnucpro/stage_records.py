"""Stage records kept as JSON in the run folder, so a later ``virnucpro report`` can show them.

Written by every run (``virnucpro.pipeline.engine.runs``) and read by
``virnucpro.report``; at the root because both use it and it needs neither torch nor matplotlib.

The file holds plain data: ``{"format": ..., "run_start": epoch seconds or null, "records": [one
object per :class:`~virnucpro_telemetry.StageRecord`, field by field]}``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path

from virnucpro.atomic import atomic_open
from virnucpro.errors import InputError
from virnucpro.paths import STAGE_RECORDS_FILE, STATE_DIR
from virnucpro_telemetry import StageRecord, StageRegistry

logger = logging.getLogger(__name__)

RECORDS_FORMAT = "virnucpro.stage-records/1"
# The origin of the registry rebuilt for format_summary; merged records keep their own.
_REBUILT_ORIGIN = "virnucpro.report"


def records_to_json(records: Iterable[StageRecord], run_start: float | None = None) -> str:
    """The records (and the run's start, epoch seconds) as a JSON document."""
    document = {
        "format": RECORDS_FORMAT,
        "run_start": run_start,
        "records": [{**record._asdict(), "metrics": dict(record.metrics)} for record in records],
    }
    return json.dumps(document, indent=1, sort_keys=True, default=str)


def records_from_json(text: str) -> tuple[list[StageRecord], float | None]:
    """The records and run start that :func:`records_to_json` wrote.

    Raises:
        ValueError: the text is not such a document (the message says what is wrong).
    """
    document = json.loads(text)
    if not isinstance(document, dict) or document.get("format") != RECORDS_FORMAT:
        raise ValueError(f"not a {RECORDS_FORMAT!r} document")
    records = []
    for number, fields in enumerate(document.get("records", []), start=1):
        if not isinstance(fields, dict) or set(fields) != set(StageRecord._fields):
            raise ValueError(f"record {number} does not have the fields of a StageRecord")
        records.append(StageRecord(**fields))
    run_start = document.get("run_start")
    return records, None if run_start is None else float(run_start)


def records_path(run_dir: Path) -> Path:
    """Where a run keeps its stage records: ``RUN_DIR/.virnucpro/stage_records.json``."""
    return Path(run_dir) / STATE_DIR / STAGE_RECORDS_FILE


def save_records(run_dir: Path, registry: StageRegistry) -> Path:
    """Write the registry's records (all origins) into the run folder, atomically.

    The run folder itself is never created here: a folder that vanished during the run
    raises ``FileNotFoundError`` instead of coming back with nothing but the records.
    """
    path = records_path(run_dir)
    path.parent.mkdir(exist_ok=True)
    with atomic_open(path) as handle:
        handle.write(records_to_json(registry.records, registry.run_start))
    return path


def load_records(run_dir: Path) -> tuple[list[StageRecord], float | None] | None:
    """The records saved in the run folder, or None when there are none.

    Raises:
        InputError: the file exists but cannot be read back.
    """
    path = records_path(run_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return records_from_json(text)
    except (ValueError, TypeError) as error:
        raise InputError(
            f"{path}: cannot read the stage records ({error}); delete it, or run "
            "`virnucpro predict` again to record them"
        ) from None


def registry_from_records(
    records: Iterable[StageRecord], run_start: float | None = None
) -> StageRegistry:
    """A registry holding ``records`` (each under its own origin), e.g. for ``format_summary``."""
    registry = StageRegistry(origin=_REBUILT_ORIGIN)
    snapshot = registry.snapshot()  # gives the snapshot format this telemetry version reads
    snapshot["run_start"] = run_start
    snapshot["records"] = [{**record._asdict(), "metrics": dict(record.metrics)}
                           for record in records]
    registry.merge(snapshot)
    return registry
