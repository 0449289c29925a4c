"""Read-only views of what a registry holds: one record per call, stats per stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

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

    ``wall_s`` is the time during which at least one call ran (the union of the calls'
    intervals, over all origins on the run's clock); ``total_s`` sums the outermost calls
    (thread-seconds: calls in parallel threads add up, a recursive call counts once);
    ``self_s`` sums each call's time minus the union of its children's intervals inside it.
    ``per_origin`` splits ``total_s`` by origin (process or rank). ``mean_s``, ``min_s``,
    ``max_s``, ``median_s`` and ``p95_s`` describe single calls (the quantiles are estimated
    from a sample of at most 1,024 calls, exact below that). ``concurrent`` tells whether two
    calls of one origin ever ran at the same time, ``side_by_side`` whether its origins' runs
    overlapped in time (ranks, a pool's workers; not shards run one after another),
    ``outlived`` how many calls ended after their parent stage. ``rate`` is the metric whose
    per-second rate the summary shows, ``rate_unit`` the word shown before ``/s``.
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
    wall_s: float = 0.0
    median_s: float = 0.0
    p95_s: float = 0.0
    concurrent: bool = False
    side_by_side: bool = False
    outlived: int = 0
    first_start: float | None = None  # epoch seconds of the first call's start
    last_end: float | None = None  # epoch seconds of the last call's end
    rate: str | None = None
    rate_unit: str | None = None
