"""Reading a finished run back: the three result tables and its run record (``run.json``).

Nothing here needs the run's intermediate files: ``sequence_summary.tsv`` gives every input
record's length and chunk count, ``prediction_results.txt`` the per-frame scores and
``prediction_results_highestscore.csv`` the per-chunk calls. The chunk length is not in any of
the three, so it is read from the run's settings (or given explicitly).

The run record is the documented contract of ARCHITECTURE.md (format 2: ``input``,
``settings`` as given, ``models`` as resolved, ``demo``); a record of format 1 (``settings``,
``given``) is read too. File names come from ``virnucpro.paths``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from virnucpro.config import DEFAULT_MIN_SCORE, min_score
from virnucpro.errors import InputError, UsageError
from virnucpro.paths import (
    CONSENSUS_FILE,
    PREDICTIONS_FILE,
    SUMMARY_FILE,
    run_record_path,
)
from virnucpro.results import (
    CONSENSUS_HEADER,
    PREDICTION_HEADER,
    SUMMARY_HEADER,
    chunk_virus_scores,
    read_predictions,
    sequence_of_chunk,
)

_SUMMARY_NEEDS = ("sequence_id", "length", "chunks", "call")
_RERUN = "run `virnucpro predict` into this folder again (add --force to overwrite)"


@dataclass(frozen=True)
class SequenceRow:
    """One line of ``sequence_summary.tsv``; ``fields`` holds every column as written."""

    sequence_id: str
    length: int
    chunks: int
    call: str
    fields: Mapping[str, str]


@dataclass
class RunResults:
    """What a finished run's result files say, keyed by sequence and chunk id.

    Attributes:
        run_dir: the run's output folder.
        sequences: one row per input record, in input order.
        summary_columns: the header of ``sequence_summary.tsv``, in file order.
        chunk_scores: chunk id -> its P(virus) (``virnucpro.results.chunk_virus_score``: the
            original's per-chunk rule as a score, at least 0.5 where the run calls it viral).
        chunk_calls: chunk id -> its call (``Is_Virus``).
        frames: how many frames were scored (rows of ``prediction_results.txt``).
        settings: the run's settings from ``.virnucpro/run.json`` (empty when absent).
        run_info: the rest of ``run.json`` (input, models, version).
    """

    run_dir: Path
    sequences: list[SequenceRow]
    summary_columns: list[str]
    chunk_scores: dict[str, float] = field(default_factory=dict)
    chunk_calls: dict[str, bool] = field(default_factory=dict)
    frames: int = 0
    settings: dict = field(default_factory=dict)
    run_info: dict = field(default_factory=dict)

    @property
    def demo(self) -> bool:
        """Whether the run used the demo models (its calls mean nothing)."""
        given = self.run_info.get("given")  # a run record of format 1
        if isinstance(given, dict):
            return given.get("demo") is True
        return self.run_info.get("demo") is True

    @property
    def models(self) -> dict:
        """The models the run used, as resolved (empty when not recorded)."""
        models = self.run_info.get("models")
        return dict(models) if isinstance(models, dict) else {}

    @property
    def input_sha256(self) -> str | None:
        """The SHA-256 of the run's input, when recorded."""
        given = self.run_info.get("input")
        if isinstance(given, dict):
            return given.get("sha256")
        return self.run_info.get("input_sha256")  # format 1

    def sequence(self, sequence_id: str) -> SequenceRow:
        """The row of ``sequence_id``.

        Raises:
            UsageError: no input record has that id (the message lists a few that do).
        """
        for row in self.sequences:
            if row.sequence_id == sequence_id:
                return row
        known = ", ".join(repr(row.sequence_id) for row in self.sequences[:5])
        more = ", ..." if len(self.sequences) > 5 else ""
        raise UsageError(
            f"no sequence {sequence_id!r} in {self.run_dir / SUMMARY_FILE} "
            f"(its ids: {known or 'none'}{more}); give an id from its sequence_id column"
        )

    def sequence_scores(self) -> dict[str, float]:
        """Sequence id -> its best chunk's P(virus), for sequences with a scored frame."""
        best: dict[str, float] = {}
        for chunk_id, score in self.chunk_scores.items():
            sequence_id = sequence_of_chunk(chunk_id)
            best[sequence_id] = max(score, best.get(sequence_id, score))
        return best


def load_run_results(run_dir: Path) -> RunResults:
    """Read the three result tables and ``run.json`` of a finished run.

    Raises:
        InputError: a result table is missing or does not have the expected header.
    """
    run_dir = Path(run_dir)
    columns, sequences = _read_summary(run_dir / SUMMARY_FILE)
    scores, frames = _read_chunk_scores(run_dir / PREDICTIONS_FILE)
    run_info = read_run_info(run_dir)
    return RunResults(
        run_dir=run_dir,
        sequences=sequences,
        summary_columns=columns,
        chunk_scores=scores,
        chunk_calls=_read_chunk_calls(run_dir / CONSENSUS_FILE),
        frames=frames,
        settings=dict(run_info.pop("settings", {}) or {}),
        run_info=run_info,
    )


def read_run_info(run_dir: Path) -> dict:
    """``RUN_DIR/.virnucpro/run.json`` as a dict; empty when the file is absent.

    Raises:
        InputError: the file exists but is not a JSON object.
    """
    path = run_record_path(run_dir)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not valid JSON ({error}); {_RERUN}") from None
    if not isinstance(info, dict):
        raise InputError(f"{path}: expected a JSON object; {_RERUN}")
    return info


def run_chunk_length(results: RunResults, override: int | None = None) -> int:
    """The chunk length the run used: ``override`` when given, else ``run.json``'s setting.

    Raises:
        InputError: no override and ``run.json`` has no positive ``chunk_length``.
    """
    value = override if override is not None else results.settings.get("chunk_length")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise InputError(
        f"{run_record_path(results.run_dir)}: no chunk length found (got {value!r}); give the "
        "run's chunk length explicitly (the -l/--expected-length it was run with, 500 by "
        "default)"
    )


def run_min_score(results: RunResults, override: float | None = None) -> float:
    """The calling threshold to show: ``override``, else the run's ``--min-score``, else 0.5.

    Raises:
        UsageError: ``override`` is not between 0 and 1.
    """
    if override is None:
        value = results.settings.get("min_score", DEFAULT_MIN_SCORE)
        return value if isinstance(value, int | float) else DEFAULT_MIN_SCORE
    return min_score(override)


def _open_table(path: Path):
    """Open a result table, or raise an InputError that says how to make it."""
    try:
        return open(path, encoding="utf-8", newline="")
    except FileNotFoundError:
        raise InputError(f"{path}: not found; is this a finished run? {_RERUN}") from None


def _check_header(path: Path, header: list[str] | None, expected: tuple[str, ...]) -> None:
    missing = [name for name in expected if name not in (header or [])]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)} (header {header!r}); "
            f"expected the header {' '.join(expected)}; {_RERUN}"
        )


def _read_summary(path: Path) -> tuple[list[str], list[SequenceRow]]:
    """The header and rows of ``sequence_summary.tsv`` (extra columns are kept)."""
    with _open_table(path) as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        _check_header(path, reader.fieldnames, _SUMMARY_NEEDS)
        try:
            rows = [_summary_row(fields) for fields in reader]
        except (TypeError, ValueError) as error:
            raise InputError(f"{path}: line {reader.line_num}: {error}; {_RERUN}") from None
    return list(reader.fieldnames or SUMMARY_HEADER), rows


def _summary_row(fields: dict[str, str]) -> SequenceRow:
    return SequenceRow(
        sequence_id=fields["sequence_id"],
        length=int(fields["length"]),
        chunks=int(fields["chunks"]),
        call=fields["call"],
        fields=dict(fields),
    )


def _read_chunk_scores(path: Path) -> tuple[dict[str, float], int]:
    """Chunk id -> its P(virus), and the number of frames."""
    with _open_table(path) as handle:
        header = handle.readline().rstrip("\n").split("\t")
    _check_header(path, header, PREDICTION_HEADER)
    frames = []
    try:
        for frame in read_predictions(path):
            frames.append(frame)
    except ValueError as error:
        raise InputError(f"{path}: row {len(frames) + 2}: {error}; {_RERUN}") from None
    return chunk_virus_scores(frames), len(frames)


def _read_chunk_calls(path: Path) -> dict[str, bool]:
    """Chunk id -> ``Is_Virus`` of ``prediction_results_highestscore.csv``."""
    with _open_table(path) as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        _check_header(path, reader.fieldnames, CONSENSUS_HEADER)
        calls = {}
        for row in reader:
            value = row["Is_Virus"]
            if value not in ("True", "False"):
                raise InputError(
                    f"{path}: line {reader.line_num}: Is_Virus is {value!r}, not True or False; "
                    f"{_RERUN}"
                )
            calls[row["Modified_ID"]] = value == "True"
    return calls
