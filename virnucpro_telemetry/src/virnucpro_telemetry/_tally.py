"""Tally: the running, bounded statistics of one stage in one origin, updated at every call.

Counts, totals, min and max are exact at any number of calls. Quantiles come from a reservoir
of at most ``RESERVOIR_SIZE`` call durations (Vitter's algorithm L: every call has the same
chance to be in it, and a call that is not picked costs one comparison). Below that many calls
the quantiles are exact; above it, the rank of a reported median is off by about
``0.5 / sqrt(RESERVOIR_SIZE)`` (1.6% of the calls) and that of a p95 by about 0.7%.

The time during which at least one call ran (the union of the calls' intervals, ``wall_ns``)
is kept as a running sum and a *frontier*: the contiguous block of time that the latest calls
cover. A call that starts inside or after the frontier extends it exactly; one that started
before the frontier reaches back to the end of the block before it, no further, so a figure can
come out short (a call that ran across several earlier ones, which all ended before it), never
long. See ``extend_union``.

A plain function call past the record cap, in a registry that one thread records into, is not
folded when it ends: its duration and end wait in ``Tally.pending`` and are counted in a batch
(``fold_pending``) when the batch is full, before any other call of the stage is folded, and
whenever the statistics are read.
"""

from __future__ import annotations

import math
import random
from operator import gt, sub

RESERVOIR_SIZE = 1024
NO_CALL_YET = 1 << 62  # min_ns before the first call: longer than any call
# Numbers of deferred calls (a duration and an end per call) a tally holds before the recording
# thread folds them (see fold_pending): about 40 KiB per busy stage at most. Larger batches
# measured no faster (benchmarks/bench_telemetry.py).
PENDING_LIMIT = 1024

_random = random.Random(0x5EED)  # reproducible sampling; quantiles are estimates anyway


class Tally:
    """The running statistics of one stage in one origin (clock times in nanoseconds)."""

    __slots__ = (
        "name", "calls", "skips", "sum_ns", "inner_ns", "nested_ns", "min_ns", "max_ns", "wall_ns",
        "block_start", "block_end", "first_start", "samples", "next_pick", "skip_weight",
        "room", "outlived", "failed", "error_type", "error", "reason", "parent", "metrics",
        "peak_gpu_bytes", "overlapped", "prev_end", "pending", "monotonic", "deferrer",
    )

    def __init__(self, name: str, first_start: int, parent: str | None = None) -> None:
        self.name = name
        self.calls = 0  # calls that ran (failed ones too)
        self.skips = 0
        # Summed over calls: their time, that of recursive (not outermost) calls, and that of
        # their children's unions. Total time is sum - inner, self time sum - nested.
        self.sum_ns = 0
        self.inner_ns = 0
        self.nested_ns = 0
        self.min_ns = NO_CALL_YET
        self.max_ns = 0
        self.wall_ns = 0  # union of the calls' intervals, frontier block excluded
        self.block_start = first_start  # the frontier block (empty at first), see extend_union
        self.block_end = first_start
        self.prev_end: int | None = None  # the end of the block before the frontier
        self.first_start = first_start  # the first call's (or skip's) start
        self.samples: list[int] = []  # the reservoir of call durations
        self.next_pick = 1  # the number (1-based) of the next call offered to the reservoir
        self.skip_weight = 1.0  # algorithm L's running weight
        self.room = 0  # how many more calls keep a record (set from the registry's limit)
        self.outlived = 0  # calls that ended after their parent stage had ended
        self.failed = 0
        self.error_type: str | None = None
        self.error: str | None = None
        self.reason: str | None = None
        self.parent = parent  # the first enclosing stage of another name
        self.metrics: dict = {}
        self.peak_gpu_bytes: int | None = None
        self.overlapped = False  # whether two calls of this stage ever ran at the same time
        # Duration, end, duration, end... of plain calls of one thread counted later, in the
        # order they ended (fold_pending).
        self.pending: list[int] = []
        # Whether the registry's clock never goes back, so that those calls never overlap.
        self.monotonic = False
        # The thread whose plain calls go to ``pending``: the registry's only one, once no
        # more records are kept; 0 for none.
        self.deferrer = 0

    def sample(self, duration: int) -> None:
        """Offer one call's duration to the reservoir (the caller has counted the call).

        The recording code calls this only while the reservoir fills up and when
        ``calls >= next_pick``: every other call costs one comparison.
        """
        samples = self.samples
        if len(samples) < RESERVOIR_SIZE:
            samples.append(duration)
            if len(samples) == RESERVOIR_SIZE:
                self._plan_next_pick()
            return
        samples[_random.randrange(RESERVOIR_SIZE)] = duration
        self._plan_next_pick()

    def _plan_next_pick(self) -> None:
        """Algorithm L: how many calls to pass over before the next one enters the reservoir."""
        self.skip_weight *= math.exp(math.log(_random.random() or 1e-300) / RESERVOIR_SIZE)
        gap = math.log(_random.random() or 1e-300) / math.log1p(-self.skip_weight)
        self.next_pick = self.calls + int(gap) + 1

    def wall(self) -> int:
        """The union of the calls' intervals, in nanoseconds."""
        return self.wall_ns + self.block_end - self.block_start


def fold_times(tally: Tally, start: int, end: int, duration: int, children: int,
               outermost: bool) -> None:
    """Count one call of ``duration`` (``children`` of it in nested stages) into ``tally``.

    A call that starts after the earlier calls of its stage ended opens a new block of the
    union inline, without calling ``extend_union`` (benchmarks/bench_telemetry.py).
    """
    tally.calls += 1
    tally.sum_ns += duration
    if children:
        tally.nested_ns += children if duration > children else duration
    if not outermost:
        tally.inner_ns += duration
    else:
        block_end = tally.block_end
        if start > block_end:
            tally.wall_ns += block_end - tally.block_start
            tally.prev_end = block_end
            tally.block_start = start
            tally.block_end = end
        else:
            if extend_union(tally, start, end) != duration:
                tally.overlapped = True
            if start < tally.first_start:
                tally.first_start = start
    if duration < tally.min_ns:
        tally.min_ns = duration
    if duration > tally.max_ns:
        tally.max_ns = duration
    if tally.calls >= tally.next_pick:
        tally.sample(duration)


def fold_pending(tally: Tally) -> None:
    """Count the deferred calls in ``tally.pending`` (the caller holds the registry's lock).

    The decorator's hot path appends a plain call's duration and end there instead of folding
    it (benchmarks/bench_telemetry.py: a batch folded with builtins costs a fraction of one
    ``fold_times`` call per call). Counts, totals, min, max, wall time and the sample are those
    of folding each call in turn. Calls appended while this runs stay for the next fold.
    """
    pending = tally.pending
    batch = pending[:]
    if not batch:
        return
    del pending[: len(batch)]
    durations, ends = batch[0::2], batch[1::2]
    if not _one_after_another(tally, durations, ends):
        for duration, end in zip(durations, ends, strict=True):
            fold_times(tally, end - duration, end, duration, 0, True)
        return
    # Each call started after the previous one ended: each opens a new block of the union.
    summed = sum(durations)
    tally.wall_ns += tally.block_end - tally.block_start + summed - durations[-1]
    tally.prev_end = ends[-2] if len(ends) > 1 else tally.block_end
    tally.block_start, tally.block_end = ends[-1] - durations[-1], ends[-1]
    tally.sum_ns += summed
    tally.min_ns = min(tally.min_ns, min(durations))
    tally.max_ns = max(tally.max_ns, max(durations))
    _sample_batch(tally, durations)


def _one_after_another(tally: Tally, durations: list[int], ends: list[int]) -> bool:
    """Whether each deferred call started after the previous one (and the frontier) ended.

    Calls deferred by one thread do so unless its clock went back: with a monotonic clock only
    the first is checked, so equal readings (touching calls) count as separate blocks of the
    union, which leaves its length as it is.
    """
    if ends[0] - durations[0] < tally.block_end:
        return False
    if tally.monotonic:
        return True
    starts = list(map(sub, ends, durations))
    return starts[0] > tally.block_end and all(map(gt, starts[1:], ends))


def _sample_batch(tally: Tally, durations: list[int]) -> None:
    """Count ``durations`` as the next calls and offer the reservoir those it picks."""
    base = tally.calls
    total = tally.calls = base + len(durations)
    samples = tally.samples
    room = RESERVOIR_SIZE - len(samples)
    if room > 0:
        samples.extend(durations[:room])
        if len(samples) < RESERVOIR_SIZE:
            return
        tally.calls = base + room  # the call that filled it plans the next pick
        tally._plan_next_pick()
    while tally.next_pick <= total:
        tally.calls = tally.next_pick
        tally.sample(durations[tally.next_pick - base - 1])
    tally.calls = total


class Union:
    """The union of a frame's children's intervals: closed blocks, then the frontier block."""

    __slots__ = ("wall_ns", "block_start", "block_end", "prev_end")

    def __init__(self, start: int) -> None:
        self.wall_ns = 0
        self.block_start = start
        self.block_end = start
        self.prev_end: int | None = None

    def wall(self) -> int:
        """The length of the union, in nanoseconds."""
        return self.wall_ns + self.block_end - self.block_start


def extend_union(holder, start: int, end: int) -> int:
    """Add the interval ``[start, end]`` to ``holder``'s union; return how much it grew.

    ``holder`` is a Tally or a Union (``wall_ns``, ``block_start``, ``block_end``,
    ``prev_end``). The union is exact unless an interval reaches back past the end
    of the block before the frontier (a call that ran across two gaps between earlier calls,
    which all ended before it): that older part is left out.
    """
    block_start = holder.block_start
    if start > holder.block_end:
        holder.wall_ns += holder.block_end - block_start
        holder.prev_end = holder.block_end
        holder.block_start, holder.block_end = start, end
        return end - start
    grown = 0
    if start < block_start:
        floor = holder.prev_end
        low = start if floor is None or start > floor else floor
        grown = block_start - low
        holder.block_start = low
    if end > holder.block_end:
        grown += end - holder.block_end
        holder.block_end = end
    return grown


def quantile(samples: list[int], fraction: float) -> float:
    """The ``fraction`` quantile of ``samples`` by linear interpolation (numpy's default)."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
