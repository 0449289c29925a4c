"""StageRegistry: the stage calls of a run, as bounded per-stage tallies and capped records."""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from operator import attrgetter
from time import perf_counter_ns

from . import _rates
from ._errors import TelemetryError
from ._frame import Frame
from ._records import StageRecord, StageStats
from ._stats import PART_FIELDS, combine, records_part, tally_part
from ._tally import Tally, fold_pending

SNAPSHOT_FORMAT = "virnucpro_telemetry.snapshot/1"
RECORD_LIMIT = 1000  # records kept per stage and origin, by default
_RECORD_FIELDS = frozenset(StageRecord._fields)

# Every registry alive in this process, so that a forked child can drop its parent's records.
_LIVE: weakref.WeakSet[StageRegistry] = weakref.WeakSet()


class StageRegistry(Mapping):
    """The stage calls of one run: a read-only mapping of stage name to StageStats.

    It behaves like a dict of stats keyed by stage name: ``len(reg)`` counts stages,
    ``"Load" in reg`` tests a name, ``for name in reg`` gives the names in order of first start,
    ``reg["Load"]`` and ``reg.get("Load")`` give that stage's StageStats, and ``values()`` /
    ``items()`` give the stats. Each call updates its stage's running tally (exact counts,
    totals, min, max and wall time, a bounded sample for quantiles), so memory stays bounded
    at any number of calls; ``reg.records`` keeps the first ``record_limit`` calls of each
    stage for timelines and traces. Use ``merge()`` to fold in what another process or rank
    recorded, under its own ``origin``.

    Args:
        origin: the label of this process or rank in merged registries.
        clock: a function returning nanoseconds as an int, read at the start and end of every
            stage (default ``time.perf_counter_ns``). Give a fake one to make durations exact
            in tests. Records still carry epoch seconds: the wall time when the registry was
            created plus how far the clock has moved since.
        record_limit: how many calls of each stage keep a record (default 1,000, about 300
            bytes each); later calls still count in the stats.

    Raises:
        TelemetryError: ``clock`` is not callable or ``record_limit`` is not a count.
    """

    def __init__(
        self,
        origin: str = "main",
        *,
        clock: Callable[[], int] = perf_counter_ns,
        record_limit: int = RECORD_LIMIT,
    ) -> None:
        if not callable(clock):
            raise TelemetryError(
                f"StageRegistry(clock=...) takes a function that returns nanoseconds as an "
                f"int, such as time.perf_counter_ns; got {clock!r}"
            )
        if isinstance(record_limit, bool) or not isinstance(record_limit, int) \
                or record_limit < 0:
            raise TelemetryError(
                f"StageRegistry(record_limit=...) takes a count of records per stage, such as "
                f"{RECORD_LIMIT}; got {record_limit!r}"
            )
        self.origin = origin
        self.record_limit = record_limit
        self._clock = clock
        self._root = Frame(self)
        self._lock = threading.Lock()
        self._anchor_epoch_ns = time.time_ns()
        self._anchor_clock_ns = clock()
        self._generation = 0
        self._reset()
        _LIVE.add(self)

    def _reset(self) -> None:
        """Forget every record; the recording code updates ``_tallies`` and ``_records``."""
        self._records: list[Frame] = []
        self._tallies: dict[str, Tally] = {}
        # The one thread that recorded here so far; 0 once a second one did (then tallies are
        # updated under _lock); None before the first call.
        self._solo: int | None = None
        self._merged: list[StageRecord] = []
        self._merged_parts: list[dict] = []
        self._merged_rates: dict[str, tuple[str, str]] = {}
        self._merged_run_starts: list[float] = []
        self._numbers: dict[str, int] = {}
        self._run_start_ns: int | None = None
        self._generation += 1
        self._cache: tuple | None = None

    # Mapping interface: read-only access to per-stage stats.

    def __getitem__(self, name: str) -> StageStats:
        stats = self._view()[1]
        if name not in stats:
            raise KeyError(_unknown_stage_message(name, stats))
        return stats[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._view()[1])

    def __len__(self) -> int:
        return len(self._view()[1])

    def __contains__(self, name: object) -> bool:
        return name in self._view()[1]

    def get(self, name: str, default: object = None) -> StageStats | object:
        """The StageStats of stage ``name``, or ``default`` when it was not recorded."""
        return self._view()[1].get(name, default)

    def __setitem__(self, name: str, value: object) -> None:
        raise TelemetryError(
            "StageRegistry is read-only: record stages with @timed_stage, stage() or "
            "skip_stage(), or fold in another registry with merge(snapshot)"
        )

    # A registry is a live object, equal only to itself (Mapping would compare contents).
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return (
            f"StageRegistry(origin={self.origin!r}, stages={len(self)}, "
            f"records={len(self.records)})"
        )

    @property
    def clock(self) -> Callable[[], int]:
        """The clock this registry's stages read (set when the registry is created)."""
        return self._clock

    @property
    def records(self) -> list[StageRecord]:
        """The kept calls (``record_limit`` per stage and origin), local and merged, by start."""
        return list(self._view()[0])

    @property
    def records_dropped(self) -> int:
        """How many calls, here and in merged snapshots, are counted but kept no record."""
        parts = self._parts()
        return sum(max(0, p["calls"] + p["skips"] - p["kept"]) for p in parts)

    @property
    def run_start(self) -> float | None:
        """Epoch seconds of the earliest ``mark_run_start()`` here or in a merged snapshot."""
        starts = list(self._merged_run_starts)
        if self._run_start_ns is not None:
            starts.append(self._epoch_s(self._run_start_ns))
        return min(starts, default=None)

    def mark_run_start(self) -> None:
        """Start the run's wall clock now, so time before the first stage is shown too."""
        self._run_start_ns = self._clock()

    def clear(self) -> None:
        """Forget every record, merged snapshot and run start."""
        self._reset()

    def snapshot(self) -> dict:
        """Return plain, picklable, JSON-able data of everything recorded here, for ``merge()``."""
        return {
            "format": SNAPSHOT_FORMAT,
            "origin": self.origin,
            "pid": os.getpid(),
            "run_start": self.run_start,
            "records": [{**r._asdict(), "metrics": dict(r.metrics)} for r in self.records],
            "stages": [{**part, "metrics": dict(part["metrics"])} for part in self._parts()],
            "rates": {name: list(rate) for name, rate in self._rates().items()},
        }

    def merge(self, snapshot: dict, origin: str | None = None) -> None:
        """Fold in a ``snapshot()`` taken in another process or rank.

        Args:
            snapshot: what ``StageRegistry.snapshot()`` returned there.
            origin: label for all merged records (e.g. ``"rank1"``); by default each record
                keeps the origin it was recorded under.

        Raises:
            TelemetryError: the data is not a snapshot, or its origin is this registry's own.
        """
        records = _snapshot_records(snapshot)
        parts = _snapshot_parts(snapshot)
        if origin is None and any(r["origin"] == self.origin for r in records + parts):
            raise TelemetryError(
                f"the snapshot's origin {self.origin!r} is this registry's own origin: "
                "pass merge(snapshot, origin='rank1') (or another unique label)"
            )
        merged = [
            StageRecord(**{**r, "origin": origin or r["origin"], "metrics": dict(r["metrics"])})
            for r in records
        ]
        covered = {(p["origin"], p["name"]) for p in parts}
        rebuilt: dict[tuple[str, str], list[StageRecord]] = {}
        for record, raw in zip(merged, records, strict=True):
            if (raw["origin"], record.name) not in covered:
                rebuilt.setdefault((record.origin, record.name), []).append(record)
        parts = [{**p, "origin": origin or p["origin"], "samples": list(p["samples"]),
                  "metrics": dict(p["metrics"])} for p in parts]
        parts += [records_part(group) for group in rebuilt.values()]
        self._merged.extend(merged)
        self._merged_parts.extend(parts)
        for name, rate in dict(snapshot.get("rates") or {}).items():
            self._merged_rates[name] = (str(rate[0]), str(rate[1]))
        if snapshot.get("run_start") is not None:
            self._merged_run_starts.append(float(snapshot["run_start"]))
        self._cache = None

    # Internals shared with the recording code and the summary.

    def _number(self, name: str) -> int:
        """The 1-based position of a top-level stage in order of first start (for live logs)."""
        number = self._numbers.get(name)
        if number is None:
            with self._lock:
                number = self._numbers.setdefault(name, len(self._numbers) + 1)
        return number

    def _epoch_s(self, clock_ns: int) -> float:
        """Convert a reading of this registry's clock into epoch seconds."""
        return (self._anchor_epoch_ns + clock_ns - self._anchor_clock_ns) / 1e9

    def _rates(self) -> dict[str, tuple[str, str]]:
        """The rate of each stage: declared in this process, else by a merged snapshot."""
        return {**self._merged_rates, **_rates.DECLARED}

    def _parts(self) -> list[dict]:
        """One part per stage and origin: this registry's tallies, then the merged ones."""
        with self._lock:
            tallies = list(self._tallies.values())
            for tally in tallies:
                fold_pending(tally)
            local = [tally_part(t, self.origin, self._epoch_s, self.record_limit)
                     for t in tallies]
        return local + self._merged_parts

    def _view(self) -> tuple[list[StageRecord], dict[str, StageStats]]:
        """Records and stats, recomputed only when something was recorded since last time."""
        with self._lock:
            for tally in list(self._tallies.values()):
                fold_pending(tally)
        key = (self._generation, len(self._records), len(self._merged), self.origin,
               tuple(t.calls + t.skips for t in list(self._tallies.values())))
        cache = self._cache
        if cache is not None and cache[0] == key:
            return cache[1], cache[2]
        pid = os.getpid()
        local = _in_start_order(self._records[: key[1]])
        records = [self._local_record(frame, pid) for frame in local]
        records.extend(self._merged[: key[2]])
        records.sort(key=attrgetter("start"))
        stats = self._stats(records)
        self._cache = (key, records, stats)
        return records, stats

    def _stats(self, records: list[StageRecord]) -> dict[str, StageStats]:
        """Per-stage StageStats in order of first start (first record or skip)."""
        rank: dict[str, int] = {}
        for number, record in enumerate(records):
            rank.setdefault(record.name, number)
        order: dict[str, tuple] = {}
        groups: dict[str, list[dict]] = {}
        for part in self._parts():
            groups.setdefault(part["name"], []).append(part)
            if part["first_start"] is None:
                continue
            first = (part["first_start"], rank.get(part["name"], len(records)))
            if part["name"] not in order or first < order[part["name"]]:
                order[part["name"]] = first
        by_name: dict[str, list[StageRecord]] = {}
        for record in records:
            by_name.setdefault(record.name, []).append(record)
        rates = self._rates()
        spans = _origin_spans(part for group in groups.values() for part in group)
        names = sorted(groups, key=lambda name: order.get(name, (float("inf"), 0)))
        return {name: combine(groups[name], by_name.get(name, []), rates.get(name), spans)
                for name in names}

    def _local_record(self, frame: Frame, pid: int) -> StageRecord:
        """Read an ended frame of this process into a StageRecord."""
        duration = frame.duration_ns()
        return StageRecord(
            name=frame.name,
            start=self._epoch_s(frame.start),
            end=self._epoch_s(frame.end),
            duration_s=duration / 1e9,
            self_s=max(0, duration - frame.children_ns()) / 1e9,
            status=frame.status,
            error_type=frame.error_type,
            error=frame.error,
            reason=frame.reason,
            parent=None if frame.parent is None else frame.parent.name,
            pid=pid,
            thread=frame.thread,
            origin=self.origin,
            outermost=frame.outermost,
            metrics=dict(frame.metrics or {}),
            peak_gpu_bytes=frame.peak_gpu_bytes,
        )


def _origin_spans(parts) -> dict[str, tuple[float, float]]:
    """Each origin's first start and last end over all of its stages' calls."""
    spans: dict[str, tuple[float, float]] = {}
    for part in parts:
        if not part["calls"]:
            continue
        origin = part["origin"]
        first, last = spans.get(origin, (part["first_start"], part["last_end"]))
        spans[origin] = (min(first, part["first_start"]), max(last, part["last_end"]))
    return spans


def _in_start_order(frames: list[Frame]) -> list[Frame]:
    """Ended frames in order of start; among equal clock readings, as the stages nest.

    Frames are kept in the order they ended, so a tie is broken by the path of end positions
    from the outermost kept enclosing frame down: an enclosing stage comes before the stages
    inside it, and those before a later sibling of it.
    """
    position = {id(frame): number for number, frame in enumerate(frames)}
    unknown = len(frames)  # an enclosing frame that kept no record (or is still running)

    def key(frame: Frame) -> tuple:
        path = []
        ancestor = frame
        while ancestor is not None:
            path.append(position.get(id(ancestor), unknown))
            ancestor = ancestor.parent
        return frame.start, path[::-1]

    return sorted(frames, key=key)


def _unknown_stage_message(name: object, stats: Mapping[str, object]) -> str:
    """The KeyError message for a stage that was not recorded: it lists the ones that were."""
    known = ", ".join(repr(n) for n in stats) or "none yet"
    return f"no stage named {name!r} was recorded (recorded stages: {known})"


def _snapshot_records(snapshot: object) -> list[dict]:
    """Check that ``snapshot`` came from ``StageRegistry.snapshot()`` and return its records."""
    if not isinstance(snapshot, dict) or snapshot.get("format") != SNAPSHOT_FORMAT:
        raise TelemetryError(
            "merge() takes the dict returned by StageRegistry.snapshot() "
            f"(format {SNAPSHOT_FORMAT!r}); pass reg.snapshot() from the other process"
        )
    records = snapshot.get("records", [])
    for record in records:
        if set(record) != _RECORD_FIELDS:
            raise TelemetryError(
                "merge() got a snapshot record with unexpected fields "
                f"{sorted(set(record) ^ _RECORD_FIELDS)}: take snapshots with the same "
                "virnucpro_telemetry version on both sides"
            )
    return records


def _snapshot_parts(snapshot: dict) -> list[dict]:
    """The per-stage parts of a snapshot (none in one rebuilt from records only)."""
    parts = snapshot.get("stages") or []
    for part in parts:
        if set(part) != PART_FIELDS:
            raise TelemetryError(
                "merge() got a snapshot stage with unexpected fields "
                f"{sorted(set(part) ^ PART_FIELDS)}: take snapshots with the same "
                "virnucpro_telemetry version on both sides"
            )
    return list(parts)


def _forget_parent_records() -> None:
    """In a forked child, start every registry empty so merged snapshots never repeat a call."""
    for registry in list(_LIVE):
        registry._lock = threading.Lock()
        registry._reset()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_parent_records)
