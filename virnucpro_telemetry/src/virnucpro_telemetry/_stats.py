"""From tallies to StageStats: one *part* per stage and origin, combined per stage.

A part is plain, JSON-able data (epoch seconds), so a ``snapshot()`` carries the parts of its
origin and the registry that merges it combines them with its own. Parts are also rebuilt from
records, for snapshots that carry records only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ._metrics import add_into
from ._records import FAILED, OK, SKIPPED, StageRecord, StageStats
from ._tally import Tally, quantile

PART_FIELDS = frozenset({
    "name", "origin", "calls", "skips", "total_s", "self_s", "min_s", "max_s", "wall_s",
    "first_start", "last_end", "samples", "kept", "outlived", "failed", "error_type", "error",
    "reason", "parent", "metrics", "peak_gpu_bytes", "concurrent",
})


def tally_part(tally: Tally, origin: str, epoch_s: Callable[[int], float],
               record_limit: int) -> dict:
    """The part of a local tally, its clock readings turned into epoch seconds."""
    return {
        "name": tally.name,
        "origin": origin,
        "calls": tally.calls,
        "skips": tally.skips,
        "total_s": (tally.sum_ns - tally.inner_ns) / 1e9,
        "self_s": max(0, tally.sum_ns - tally.nested_ns) / 1e9,
        "min_s": (tally.min_ns if tally.calls else 0) / 1e9,
        "max_s": tally.max_ns / 1e9,
        "wall_s": tally.wall() / 1e9,
        "first_start": None if tally.first_start is None else epoch_s(tally.first_start),
        "last_end": epoch_s(tally.block_end) if tally.calls else None,
        "samples": [value / 1e9 for value in tally.samples],
        "kept": record_limit - tally.room,
        "outlived": tally.outlived,
        "failed": tally.failed,
        "error_type": tally.error_type,
        "error": tally.error,
        "reason": tally.reason,
        "parent": tally.parent,
        "metrics": dict(tally.metrics),
        "peak_gpu_bytes": tally.peak_gpu_bytes,
        "concurrent": tally.overlapped,
    }


def records_part(records: list[StageRecord]) -> dict:
    """The part of one stage and origin rebuilt from all of its records (in start order)."""
    ran = [r for r in records if r.status != SKIPPED]
    outer = [r for r in ran if r.outermost]
    durations = [r.duration_s for r in ran]
    failures = [r for r in ran if r.status == FAILED]
    skips = [r for r in records if r.status == SKIPPED]
    peaks = [r.peak_gpu_bytes for r in records if r.peak_gpu_bytes is not None]
    spans = [(r.end - r.duration_s, r.end) for r in outer]
    metrics: dict = {}
    for record in records:
        add_into(metrics, record.metrics)
    return {
        "name": records[0].name,
        "origin": records[0].origin,
        "calls": len(ran),
        "skips": len(skips),
        "total_s": sum(r.duration_s for r in outer),
        "self_s": sum(r.self_s for r in ran),
        "min_s": min(durations, default=0.0),
        "max_s": max(durations, default=0.0),
        "wall_s": union_seconds(spans),
        "first_start": min([s for s, _ in spans] + [r.start for r in skips], default=None),
        "last_end": max((e for _, e in spans), default=None),
        "samples": durations,
        "kept": len(records),
        "outlived": 0,
        "failed": len(failures),
        "error_type": failures[-1].error_type if failures else None,
        "error": failures[-1].error if failures else None,
        "reason": skips[-1].reason if skips else None,
        "parent": next((r.parent for r in records if r.parent != records[0].name), None),
        "metrics": metrics,
        "peak_gpu_bytes": max(peaks) if peaks else None,
        "concurrent": union_seconds(spans) < sum(e - s for s, e in spans) - 1e-9,
    }


def combine(parts: list[dict], records: list[StageRecord], rate: tuple | None,
            origin_spans: dict[str, tuple[float, float]]) -> StageStats:
    """The StageStats of one stage from its parts (one per origin) and its kept records.

    ``origin_spans`` gives each origin's first start and last end over all of its stages: the
    stage's origins ran side by side when those overlap (ranks launched together, workers of
    a pool), not when they took turns (shards run one after another).
    """
    ran = [p for p in parts if p["calls"]]
    calls = sum(p["calls"] for p in parts)
    total = sum(p["total_s"] for p in parts)
    samples = [value for p in parts for value in p["samples"]]
    failed = [p for p in parts if p["failed"]]
    skipped = [p for p in parts if p["skips"]]
    metrics: dict = {}
    for part in parts:
        add_into(metrics, part["metrics"])
    peaks = [p["peak_gpu_bytes"] for p in parts if p["peak_gpu_bytes"] is not None]
    wall = _wall_over_origins(ran, records)
    side_by_side = _overlapping([origin_spans[p["origin"]] for p in ran
                                 if p["origin"] in origin_spans])
    return StageStats(
        name=parts[0]["name"],
        calls=calls,
        skips=sum(p["skips"] for p in parts),
        total_s=total,
        self_s=sum(p["self_s"] for p in parts),
        mean_s=total / calls if calls else 0.0,
        min_s=min((p["min_s"] for p in ran), default=0.0),
        max_s=max((p["max_s"] for p in ran), default=0.0),
        status=FAILED if failed else (OK if calls else SKIPPED),
        metrics=metrics,
        peak_gpu_bytes=max(peaks) if peaks else None,
        per_origin={p["origin"]: p["total_s"] for p in ran},
        error_type=failed[-1]["error_type"] if failed else None,
        error=failed[-1]["error"] if failed else None,
        reason=skipped[-1]["reason"] if skipped else None,
        parent=next((p["parent"] for p in parts if p["parent"] is not None), None),
        wall_s=wall,
        median_s=quantile(samples, 0.5),
        p95_s=quantile(samples, 0.95),
        concurrent=any(p["concurrent"] for p in parts),
        side_by_side=side_by_side,
        outlived=sum(p["outlived"] for p in parts),
        first_start=min((p["first_start"] for p in ran), default=None),
        last_end=max((p["last_end"] for p in ran), default=None),
        rate=None if rate is None else rate[0],
        rate_unit=None if rate is None else rate[1],
    )


def _wall_over_origins(parts: list[dict], records: list[StageRecord]) -> float:
    """The stage's wall time over its origins (the union of their calls on the run's clock).

    Origins whose first-to-last spans of this stage do not overlap add up. Where they overlap,
    the union is taken over the kept records when every call was kept, else over the spans.
    """
    if len(parts) < 2:
        return parts[0]["wall_s"] if parts else 0.0
    spans = [(p["first_start"], p["last_end"]) for p in parts]
    if not _overlapping(spans):
        return sum(p["wall_s"] for p in parts)
    if all(p["kept"] >= p["calls"] + p["skips"] for p in parts):
        return union_seconds((r.end - r.duration_s, r.end) for r in records
                             if r.status != SKIPPED and r.outermost)
    return union_seconds(spans)


def _overlapping(spans: list[tuple[float, float]]) -> bool:
    """Whether any two of the ``(start, end)`` spans overlap."""
    ordered = sorted(spans)
    return any(ordered[i + 1][0] < ordered[i][1] for i in range(len(ordered) - 1))


def union_seconds(intervals: Iterable[tuple[float, float]]) -> float:
    """The length of the union of ``(start, end)`` intervals."""
    covered = 0.0
    open_start = open_end = None
    for start, end in sorted(intervals):
        if open_end is None or start > open_end:
            if open_end is not None:
                covered += open_end - open_start
            open_start, open_end = start, end
        else:
            open_end = max(open_end, end)
    if open_end is not None:
        covered += open_end - open_start
    return covered
