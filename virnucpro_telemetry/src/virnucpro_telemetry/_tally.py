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
"""

from __future__ import annotations

import math
import random

RESERVOIR_SIZE = 1024
NO_CALL_YET = 1 << 62  # min_ns before the first call: longer than any call

_random = random.Random(0x5EED)  # reproducible sampling; quantiles are estimates anyway


class Tally:
    """The running statistics of one stage in one origin (clock times in nanoseconds)."""

    __slots__ = (
        "name", "calls", "skips", "sum_ns", "inner_ns", "nested_ns", "min_ns", "max_ns", "wall_ns",
        "block_start", "block_end", "first_start", "samples", "next_pick", "skip_weight",
        "room", "outlived", "failed", "error_type", "error", "reason", "parent", "metrics",
        "peak_gpu_bytes", "overlapped", "prev_end",
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
