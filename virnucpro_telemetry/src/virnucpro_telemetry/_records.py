"""Read-only views of what a registry holds: one record per call, stats per stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from typing import NamedTuple

from ._metrics import sum_metrics

OK = "ok"
FAILED = "failed"
SKIPPED = "skipped"


class StageRecord(NamedTuple):
    """One call of one stage (or one skip), with wall-clock times in epoch seconds."""

    name: str
    start: float
    end: float
    duration_s: float  # time inside the stage; for generators the sum over resumptions
    self_s: float  # duration_s minus the stages nested directly inside
    status: str  # "ok", "failed" or "skipped"
    error_type: str | None
    error: str | None
    reason: str | None  # why it was skipped
    parent: str | None
    pid: int
    thread: int
    origin: str
    outermost: bool  # False for a recursive call nested in a call of the same stage
    metrics: dict
    peak_gpu_bytes: int | None


@dataclass(frozen=True)
class StageStats:
    """Aggregated figures of one stage over all of its calls and origins.

    ``total_s`` is inclusive and counts only outermost calls, so recursion never counts a span
    twice; calls made in parallel threads add up (thread-seconds). ``per_origin`` splits
    ``total_s`` by origin (process or rank). ``mean_s``, ``min_s`` and ``max_s`` describe the
    duration of single calls.
    """

    name: str
    calls: int
    skips: int
    total_s: float
    self_s: float
    mean_s: float
    min_s: float
    max_s: float
    status: str
    metrics: dict = field(default_factory=dict)
    peak_gpu_bytes: int | None = None
    per_origin: dict = field(default_factory=dict)
    error_type: str | None = None
    error: str | None = None
    reason: str | None = None
    parent: str | None = None


def compute_stats(records: list[StageRecord]) -> dict[str, StageStats]:
    """Group ``records`` by stage name, in order of first start, and aggregate each group."""
    groups: dict[str, list[StageRecord]] = {}
    for record in sorted(records, key=attrgetter("start")):
        groups.setdefault(record.name, []).append(record)
    return {name: _stats_of(name, group) for name, group in groups.items()}


def _stats_of(name: str, records: list[StageRecord]) -> StageStats:
    """Aggregate the records of one stage (already in start order)."""
    ran = [r for r in records if r.status != SKIPPED]
    durations = [r.duration_s for r in ran]
    per_origin: dict[str, float] = {}
    for r in ran:
        if r.outermost:
            per_origin[r.origin] = per_origin.get(r.origin, 0.0) + r.duration_s
    failures = [r for r in ran if r.status == FAILED]
    skips = [r for r in records if r.status == SKIPPED]
    peaks = [r.peak_gpu_bytes for r in records if r.peak_gpu_bytes is not None]
    return StageStats(
        name=name,
        calls=len(ran),
        skips=len(skips),
        total_s=sum(per_origin.values()),
        self_s=sum(r.self_s for r in ran),
        mean_s=sum(durations) / len(durations) if durations else 0.0,
        min_s=min(durations, default=0.0),
        max_s=max(durations, default=0.0),
        status=FAILED if failures else (OK if ran else SKIPPED),
        metrics=sum_metrics(r.metrics for r in records),
        peak_gpu_bytes=max(peaks) if peaks else None,
        per_origin=per_origin,
        error_type=failures[-1].error_type if failures else None,
        error=failures[-1].error if failures else None,
        reason=skips[-1].reason if skips else None,
        parent=next((r.parent for r in records if r.parent != name), None),
    )
