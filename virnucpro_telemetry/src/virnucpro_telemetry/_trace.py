"""Chrome trace-event JSON (Perfetto UI, chrome://tracing): the kept records as slices.

One process track per origin (process, worker, rank), one thread track per thread, each call a
complete event (``"ph": "X"``) with ``ts`` and ``dur`` in microseconds from the run's start;
metrics, status and errors are its ``args``. Calls nested on one thread nest in time.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ._context import current_registry
from ._records import SKIPPED, StageRecord
from ._registry import StageRegistry


def trace_events(registry: StageRegistry | None = None) -> dict:
    """The registry's kept records as a Chrome trace-event document (``{"traceEvents": [...]}``).

    A generator stage's slice spans its first resumption to its end. Skipped stages are
    instant events (``"ph": "i"``). ``otherData`` says how many calls kept no record.
    """
    registry = registry if registry is not None else current_registry()
    records = registry.records
    starts = [r.start for r in records]
    if registry.run_start is not None:
        starts.append(registry.run_start)
    zero = min(starts, default=0.0)
    pids = _process_ids(records)
    tids: dict[tuple[str, int], int] = {}
    events = []
    for record in records:
        pid = pids[record.origin]
        tid = tids.setdefault((record.origin, record.thread), len(tids) + 1)
        events.append(_event(record, pid, tid, zero))
    events.sort(key=lambda e: (e["pid"], e["tid"], e["ts"], -e.get("dur", 0)))
    return {
        "traceEvents": _metadata(pids, tids) + events,
        "displayTimeUnit": "ms",
        "otherData": {"records_dropped": registry.records_dropped, "origin": registry.origin},
    }


def write_trace(path: str | os.PathLike, registry: StageRegistry | None = None) -> Path:
    """Write ``trace_events(registry)`` as JSON to ``path`` (via a temporary file) and return it.

    Open the file in https://ui.perfetto.dev or chrome://tracing.
    """
    path = Path(path)
    text = json.dumps(trace_events(registry), default=str)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _process_ids(records: list[StageRecord]) -> dict[str, int]:
    """An integer pid per origin, in order of first appearance (the OS pid when unique)."""
    origins = list(dict.fromkeys(r.origin for r in records))
    os_pids = {origin: {r.pid for r in records if r.origin == origin} for origin in origins}
    flat = [next(iter(pids)) for pids in os_pids.values() if len(pids) == 1]
    if len(flat) == len(origins) and len(set(flat)) == len(flat):
        return {origin: next(iter(os_pids[origin])) for origin in origins}
    return {origin: number for number, origin in enumerate(origins, start=1)}


def _event(record: StageRecord, pid: int, tid: int, zero: float) -> dict:
    """One complete (or, for a skip, instant) event of a record."""
    args: dict = {"status": record.status, **record.metrics}
    if record.error_type is not None:
        args["error"] = f"{record.error_type}: {record.error}"
    if record.reason is not None:
        args["reason"] = record.reason
    if record.peak_gpu_bytes is not None:
        args["peak_gpu_bytes"] = record.peak_gpu_bytes
    start = _microseconds(record.start - zero)
    event = {"name": record.name, "cat": "stage", "pid": pid, "tid": tid, "ts": start,
             "args": args}
    if record.status == SKIPPED:
        return {**event, "ph": "i", "s": "t"}
    # The end is rounded like the start, so a slice nested in another ends inside it too.
    end = _microseconds(max(record.end, record.start) - zero)
    return {**event, "ph": "X", "dur": round(end - start, 3)}


def _microseconds(seconds: float) -> float:
    """Seconds as microseconds, rounded to the nanosecond."""
    return round(seconds * 1e6, 3)


def _metadata(pids: dict[str, int], tids: dict[tuple[str, int], int]) -> list[dict]:
    """``process_name`` and ``thread_name`` events that label the tracks."""
    events = [{"name": "process_name", "ph": "M", "pid": pid, "tid": 0,
               "args": {"name": origin}} for origin, pid in pids.items()]
    events += [{"name": "process_sort_index", "ph": "M", "pid": pid, "tid": 0,
                "args": {"sort_index": index}} for index, pid in enumerate(pids.values())]
    per_origin: dict[str, int] = {}
    for (origin, thread), tid in tids.items():
        per_origin[origin] = per_origin.get(origin, 0) + 1
        label = f"thread {per_origin[origin]} (ident {thread})"
        events.append({"name": "thread_name", "ph": "M", "pid": pids[origin], "tid": tid,
                       "args": {"name": label}})
    return events
