"""A small finished run with both classes, written with the pipeline's own table writers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from virnucpro.results import (
    consensus_calls,
    read_predictions,
    summarise_sequences,
    write_consensus,
    write_prediction_header,
    write_prediction_rows,
    write_sequence_summary,
)
from virnucpro.sequence.chunking import chunk_spans
from virnucpro_telemetry import StageRecord

ODD_ID = 'odd<b>&"id\''


@dataclass(frozen=True)
class FakeSequence:
    """A sequence of the fake run: its length and P(virus) of each scored frame, per chunk.

    ``frames[k]`` lists the P(virus) of the scored frames of chunk ``k + 1``; an empty list
    means no frame of that chunk was scored.
    """

    sequence_id: str
    length: int
    frames: tuple[tuple[float, ...], ...]


def fake_sequences(chunk_length: int) -> list[FakeSequence]:
    """Six sequences: viral, non-viral, mixed with an unscored chunk, odd id, no frames, empty."""
    def chunks(length: int) -> int:
        return len(chunk_spans(length, chunk_length))

    return [
        FakeSequence("host_1", 1001, ((0.1, 0.2), (0.3,), (0.05,))[: chunks(1001)]),
        FakeSequence("phage_1", 1950, ((0.9, 0.4), (0.8,), (0.95,), (0.7,))[: chunks(1950)]),
        FakeSequence("mixed_1", 1600, ((0.6,), (), (0.2,), (0.55, 0.1))[: chunks(1600)]),
        FakeSequence(ODD_ID, 480, ((0.85,),)),
        FakeSequence("no_orf", 700, ((), ())[: chunks(700)]),
        FakeSequence("empty", 0, ()),
    ]


def _frame_rows(sequences: list[FakeSequence]) -> tuple[list[str], np.ndarray]:
    frame_ids, probabilities = [], []
    for sequence in sequences:
        for number, scores in enumerate(sequence.frames, start=1):
            for frame, virus in zip(("F1", "F2", "R1", "R2"), scores, strict=False):
                frame_ids.append(f"{sequence.sequence_id}_chunk_{number}{frame}")
                probabilities.append([1.0 - virus, virus])
    return frame_ids, np.asarray(probabilities, dtype=np.float32)


def write_fake_run(run_dir: Path, chunk_length: int = 500) -> list[FakeSequence]:
    """Write the three result tables and ``.virnucpro/run.json`` of a fake finished run."""
    sequences = fake_sequences(chunk_length)
    run_dir.mkdir(parents=True, exist_ok=True)
    frame_ids, probabilities = _frame_rows(sequences)
    predictions_path = run_dir / "prediction_results.txt"
    with open(predictions_path, "w", encoding="utf-8", newline="\n") as handle:
        write_prediction_header(handle)
        write_prediction_rows(handle, frame_ids, probabilities)
    predictions = list(read_predictions(predictions_path))
    calls = consensus_calls(predictions)
    with open(run_dir / "prediction_results_highestscore.csv", "w", encoding="utf-8") as handle:
        write_consensus(handle, calls)
    manifest = [(s.sequence_id, s.length, len(chunk_spans(s.length, chunk_length)))
                for s in sequences]
    with open(run_dir / "sequence_summary.tsv", "w", encoding="utf-8") as handle:
        write_sequence_summary(handle, summarise_sequences(manifest, predictions))
    state = run_dir / ".virnucpro"
    state.mkdir(exist_ok=True)
    settings = {"chunk_length": chunk_length, "model": "500", "dnabert": "zhihan1996/DNABERT-S",
                "esm": "esm2_t36_3B_UR50D", "precision": "auto", "sequences_per_file": 10000}
    run_info = {"format": 1, "input_sha256": "ab" * 32, "settings": settings,
                "virnucpro": "0.1.0"}
    (state / "run.json").write_text(json.dumps(run_info), encoding="utf-8")
    return sequences


@pytest.fixture
def fake_run(tmp_path: Path) -> Path:
    run_dir = tmp_path / "run"
    write_fake_run(run_dir)
    return run_dir


def record(name: str, start: float, end: float, origin: str = "main", parent: str | None = None,
           status: str = "ok") -> StageRecord:
    """A StageRecord with the given times (epoch seconds) and defaults for the rest."""
    return StageRecord(
        name=name, start=start, end=end, duration_s=end - start, self_s=end - start,
        status=status, error_type=None, error=None,
        reason="checkpoint" if status == "skipped" else None, parent=parent, pid=1, thread=1,
        origin=origin, outermost=True, metrics={"sequences": 6}, peak_gpu_bytes=None,
    )


def pipeline_records(start: float = 1_700_000_000.0) -> list[StageRecord]:
    """A run's records: two top-level stages, one nested, one skipped."""
    return [
        record("Sequence Chunking", start, start + 2.0),
        record("DNABERT-S Feature Extraction", start + 2.0, start + 10.0),
        record("Model loading", start + 2.5, start + 4.0, parent="DNABERT-S Feature Extraction"),
        record("Feature Merging", start + 10.0, start + 10.0, status="skipped"),
    ]


@pytest.fixture(scope="session")
def make_fake_run():
    """``make_fake_run(run_dir, chunk_length=500)`` writes a fake run and returns its sequences."""
    return write_fake_run


@pytest.fixture(scope="session")
def odd_id() -> str:
    """The fake run's sequence id that needs escaping in HTML."""
    return ODD_ID


@pytest.fixture(scope="session")
def make_record():
    """``make_record(name, start, end, origin="main", parent=None, status="ok")``."""
    return record


@pytest.fixture(scope="session")
def stage_records() -> list[StageRecord]:
    return pipeline_records()
