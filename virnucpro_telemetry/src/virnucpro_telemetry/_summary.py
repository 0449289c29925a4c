"""The end-of-run summary block: a pure function of a registry, and its logging."""

from __future__ import annotations

import logging
import statistics
import sys
from collections.abc import Mapping

from ._context import current_registry
from ._format import fmt_bytes, fmt_clock, fmt_number, fmt_seconds
from ._records import FAILED, SKIPPED, StageRecord, StageStats
from ._registry import StageRegistry
from ._stats import union_seconds

WIDTH = 80
RULE = "=" * WIDTH
MAX_LINE = 100  # stage rows carry extras past the rules, then wrap
NAME_FIELD_MIN = 33
NAME_FIELD_MAX = 45
UNATTRIBUTED_MIN = 0.01
# Epoch timestamps (floats) resolve about 0.2 us; below a millisecond, gaps are noise.
UNATTRIBUTED_FLOOR_S = 0.001
STRAGGLER_RATIO = 1.2
SHARE_SLACK = 1.001  # clock readings and epoch timestamps differ by a few microseconds
SPREAD_MIN_CALLS = 3  # from this many calls a row shows their median and p95
BOTTLENECK_NAME = 40  # longest stage name shown in the Bottlenecks line


def format_summary(
    registry: StageRegistry,
    baseline_seconds: float | None = None,
    title: str = "PIPELINE SUMMARY",
    *,
    key_metrics: Mapping[str, object] | None = None,
) -> str:
    """Return the summary block of ``registry``: wall time, one row per stage, key metrics.

    Top-level stages are numbered in order of first start and show their wall time (the union
    of their calls' intervals, over every origin) as a share of the run's; with the
    ``(unattributed)`` line they add up to 100%. Nested stages are indented under their parent
    and show their share of the parent's wall time. A stage whose calls overlapped shows its
    wall time and the time summed over its calls; one with many calls, their median and p95;
    one declared with ``rate=``, that metric per second. A stage recorded under origins
    (processes, ranks) that ran side by side shows the min/max per origin, and a straggler when
    the slowest is 20% above the median.

    Args:
        registry: the registry to summarise.
        baseline_seconds: a reference run time; adds a speedup line.
        title: the heading.
        key_metrics: ``label: value`` lines for the Key metrics section, in order.
    """
    stats = dict(registry.items())
    records = registry.records
    complete = registry.records_dropped == 0
    wall = _wall_seconds(records, registry.run_start, stats)
    lines = [RULE, title, RULE, f"Total wall time: {fmt_clock(wall)} ({fmt_seconds(wall)})"]
    lines += _compute_time_lines(stats)
    lines += _stage_lines(records, stats, wall, complete)
    lines += _bottleneck_lines(stats, wall)
    lines += _failure_lines(stats)
    lines += _key_metric_lines(wall, baseline_seconds, key_metrics)
    lines.append(RULE)
    return "\n".join(lines)


def log_summary(
    registry: StageRegistry | None = None,
    *,
    baseline_seconds: float | None = None,
    title: str = "PIPELINE SUMMARY",
    key_metrics: Mapping[str, object] | None = None,
    logger: logging.Logger | None = None,
) -> str:
    """Log ``format_summary`` line by line at INFO (logger "virnucpro.telemetry") and return it.

    ``registry`` defaults to the active one (``current_registry()``). The block is never lost
    silently: when no handler is configured anywhere (Python's default drops INFO), it is
    printed to stderr instead; when handlers exist but none would show INFO from this logger,
    one WARNING (once per process) says how to see it.
    """
    text = format_summary(
        registry if registry is not None else current_registry(),
        baseline_seconds,
        title,
        key_metrics=key_metrics,
    )
    log = logger if logger is not None else logging.getLogger("virnucpro.telemetry")
    if not log.hasHandlers():
        print(text, file=sys.stderr)
        return text
    for line in text.splitlines():
        log.info("%s", line)
    if not _shows_info(log) and not _WARNED_HIDDEN:
        _WARNED_HIDDEN.append(log.name)
        log.warning(
            "the stage summary was logged at INFO, which logger %r does not show: call "
            "logging.basicConfig(level=logging.INFO) or set that logger's level to INFO",
            log.name,
        )
    return text


_WARNED_HIDDEN: list[str] = []  # the loggers already warned about (one warning per process)


def _shows_info(log: logging.Logger) -> bool:
    """Whether an INFO line of ``log`` reaches a handler that lets INFO through."""
    if not log.isEnabledFor(logging.INFO):
        return False
    current: logging.Logger | None = log
    while current is not None:
        if any(handler.level <= logging.INFO for handler in current.handlers):
            return True
        current = current.parent if current.propagate else None
    return False


# Time accounting.


def _wall_seconds(
    records: list[StageRecord], run_start: float | None, stats: dict[str, StageStats]
) -> float:
    """From the run start (or first stage start) to the last stage end, over all origins.

    Never shorter than any top-level stage's wall time, which is measured more precisely than
    the epoch timestamps (so a one-stage run shows 100.0%, not 100.5%).
    """
    starts = [st.first_start for st in stats.values() if st.first_start is not None]
    ends = [st.last_end for st in stats.values() if st.last_end is not None]
    starts += [r.start for r in records]
    ends += [r.end for r in records]
    if not starts:
        return 0.0
    first = min(starts) if run_start is None else min(run_start, *starts)
    tops = [stats[name].wall_s for name, depth in _stage_tree(stats) if depth == 0]
    return max(max(ends) - first, *tops)


def _covered_seconds(tops: list[StageStats], records: list[StageRecord], complete: bool):
    """The time during which some top-level stage ran: the union over them all.

    Stages whose first-to-last spans do not overlap add up; where spans overlap, the union is
    taken over their kept records (when every call kept one), else over the spans.
    """
    ran = sorted((st for st in tops if st.first_start is not None),
                 key=lambda st: st.first_start)
    covered = 0.0
    group: list[StageStats] = []
    for st in ran + [None]:
        if st is not None and group and st.first_start < max(g.last_end for g in group):
            group.append(st)
            continue
        if len(group) == 1:
            covered += group[0].wall_s
        elif group:
            covered += _union_of(group, records, complete)
        group = [st]
    return covered


def _union_of(group: list[StageStats], records: list[StageRecord], complete: bool) -> float:
    """The union of the calls of stages whose spans overlap."""
    if not complete:
        return union_seconds((st.first_start, st.last_end) for st in group)
    names = {st.name for st in group}
    return union_seconds((r.end - r.duration_s, r.end) for r in records
                         if r.name in names and r.status != SKIPPED and r.outermost)


def _compute_time_lines(stats: dict[str, StageStats]) -> list[str]:
    """For several origins: the top-level stage time summed over them, next to the wall time."""
    origins = sorted({origin for st in stats.values() for origin in st.per_origin})
    if len(origins) < 2:
        return []
    tops = [stats[name] for name, depth in _stage_tree(stats) if depth == 0]
    compute = sum(st.total_s for st in tops)
    label = _origin_label(origins)
    return [f"Compute time: {fmt_clock(compute)} ({fmt_seconds(compute)}) "
            f"summed over {len(origins)} {label}"]


# The stage rows.


def _stage_tree(stats: dict[str, StageStats]) -> list[tuple[str, int]]:
    """Stage names with their depth, parents first, each stage once, in first-start order."""
    children: dict[str | None, list[str]] = {None: []}
    for name, st in stats.items():
        parent = st.parent if _is_nestable(name, st.parent, stats) else None
        children.setdefault(parent, []).append(name)
    ordered: list[tuple[str, int]] = []
    pending = [(name, 0) for name in reversed(children[None])]
    while pending:
        name, depth = pending.pop()
        ordered.append((name, depth))
        pending.extend((child, depth + 1) for child in reversed(children.get(name, [])))
    return ordered


def _is_nestable(name: str, parent: str | None, stats: dict[str, StageStats]) -> bool:
    """Whether ``name`` can sit under ``parent`` without a missing parent or a cycle."""
    seen = {name}
    while parent is not None:
        if parent in seen or parent not in stats:
            return False
        seen.add(parent)
        parent = stats[parent].parent
    return True


def _stage_lines(records: list[StageRecord], stats: dict[str, StageStats], wall: float,
                 complete: bool) -> list[str]:
    """``Stages:`` and one row per stage, then the ``(unattributed)`` row when it matters."""
    if not stats:
        return ["Stages: none recorded"]
    tree = _stage_tree(stats)
    tops = [stats[name] for name, depth in tree if depth == 0]
    prefix_width = max(5, len(f"{len(tops)}. ") + 1)
    width = _name_field_width(tree)
    lines = ["Stages:"]
    number = 0
    for name, depth in tree:
        if depth == 0:
            number += 1
            prefix = f"{number}. ".rjust(prefix_width)
            label = name
        else:
            prefix = " " * prefix_width
            label = "  " * (depth - 1) + "- " + name
        share = _share(stats, name, depth, wall)
        lines += _row(prefix + _name_field(label, width), stats[name], share)
    covered = _covered_seconds(tops, records, complete)
    unattributed = max(0.0, wall - covered)
    if unattributed >= max(UNATTRIBUTED_FLOOR_S, UNATTRIBUTED_MIN * wall):
        label = " " * prefix_width + _name_field("(unattributed)", width)
        lines.append(f"{label}{fmt_seconds(unattributed):>10} ({100 * unattributed / wall:5.1f}%)")
    side_by_side = sum(st.wall_s for st in tops) - covered
    if wall > 0 and side_by_side >= max(UNATTRIBUTED_FLOOR_S, UNATTRIBUTED_MIN * wall):
        lines.append(f"{' ' * prefix_width}Top-level stages ran side by side for "
                     f"{fmt_seconds(side_by_side)}: their shares add up to more than 100%")
    return lines


def _name_field_width(tree: list[tuple[str, int]]) -> int:
    """Room for the longest label plus a few dots, kept between 33 and 45 columns."""
    longest = max(len(name) + 2 * depth for name, depth in tree)
    return max(NAME_FIELD_MIN, min(NAME_FIELD_MAX, longest + 5))


def _name_field(label: str, width: int) -> str:
    """``Name ........`` padded with dots to ``width``; long names are cut with ``...``."""
    return (_shorten(label, width - 2) + " ").ljust(width, ".")


def _shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in ``...`` when cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _share(stats: dict[str, StageStats], name: str, depth: int, wall: float) -> str:
    """`` ( 24.5%)`` of the run at top level, `` ( 40.0% of parent)`` when nested.

    Shares are of wall time and never above 100%: a stage whose calls ran past the end of
    their parent says so instead, and one whose wall time exceeds its parent's (it also ran
    under other stages) shows none.
    """
    seconds = stats[name].wall_s
    if depth == 0:
        return f" ({100 * min(seconds, wall) / wall:5.1f}%)" if wall > 0 else ""
    if stats[name].outlived:
        return " (ran past its parent)"
    parent = stats[stats[name].parent].wall_s
    if parent <= 0 or seconds > parent * SHARE_SLACK:
        return ""
    return f" ({100 * min(seconds, parent) / parent:5.1f}% of parent)"


def _row(head: str, st: StageStats, share: str) -> list[str]:
    """One stage row (wrapped when its extras run past MAX_LINE columns)."""
    if st.status == SKIPPED:
        return [f"{head}  skipped ({st.reason})"]
    line = f"{head}{fmt_seconds(st.wall_s):>10}{share}"
    lines = []
    indent = len(line) + 2
    for extra in _extras(st):
        if len(line) + 2 + len(extra) > MAX_LINE and line.strip():
            lines.append(line)
            line = " " * (indent - 2)
        line += "  " + extra
    lines.append(line)
    return lines


def _extras(st: StageStats) -> list[str]:
    """The notes after a row's time: failure, calls, origins, rate, GPU peak, late calls."""
    extras = []
    if st.status == FAILED:
        extras.append(f"FAILED ({st.error_type})")
    extras += _call_extras(st)
    if st.skips and st.calls:
        extras.append(f"{st.skips} skipped ({st.reason})")
    if st.side_by_side:
        extras += _origin_extras(st.per_origin)
    extras += _rate_extras(st)
    if st.peak_gpu_bytes is not None:
        extras.append(f"peak GPU {fmt_bytes(st.peak_gpu_bytes)}")
    if st.outlived:
        extras.append(f"{st.outlived:,} call{'s' * (st.outlived > 1)} outlived {st.parent}")
    return extras


def _call_extras(st: StageStats) -> list[str]:
    """``0.801s summed over 4 concurrent calls`` and ``x100 calls: median ..., p95 ...``."""
    if st.concurrent and st.total_s > st.wall_s * SHARE_SLACK:
        return [f"{fmt_seconds(st.wall_s)} wall, {fmt_seconds(st.total_s)} summed over "
                f"{st.calls:,} concurrent calls"]
    if st.calls > max(1, len(st.per_origin) if st.side_by_side else 1):
        if st.calls >= SPREAD_MIN_CALLS:
            return [f"x{st.calls:,} calls: median {fmt_seconds(st.median_s)}, "
                    f"p95 {fmt_seconds(st.p95_s)}"]
        return [f"x{st.calls:,} calls"]
    return []


def _rate_extras(st: StageStats) -> list[str]:
    """``1,234 lines/s`` for a stage declared with ``rate="lines"``."""
    count = st.metrics.get(st.rate) if st.rate else None
    if not count or st.wall_s <= 0:
        return []
    rate = count / st.wall_s
    unit = f"{st.rate_unit}/s"
    return [f"{rate:>6,.0f} {unit}" if rate >= 100 else f"{rate:>6.1f} {unit}"]


def _origin_extras(per_origin: dict[str, float]) -> list[str]:
    """Per-origin times of origins that ran side by side and, when one is slow, the straggler.

    Two origins show ``x2 ranks: 1290.1 / 1383.2s`` (min / max); three or more also show the
    median: ``x8 ranks: 1290.1 / 1301.7 / 1383.2s`` (min / median / max). The straggler is an
    origin more than 20% above the median.
    """
    if len(per_origin) < 2:
        return []
    low, high = min(per_origin.values()), max(per_origin.values())
    median = statistics.median(per_origin.values())
    digits = 3 if high < 1 else 1
    label = _origin_label(list(per_origin))
    spread = [low, high] if len(per_origin) == 2 else [low, median, high]
    times = " / ".join(f"{value:.{digits}f}" for value in spread)
    extras = [f"x{len(per_origin)} {label}: {times}s"]
    if median > 0 and high > STRAGGLER_RATIO * median:
        slowest = max(per_origin, key=per_origin.__getitem__)
        extras.append(f"straggler: {slowest} ({high / median:.2f}x median)")
    return extras


def _origin_label(origins: list[str]) -> str:
    """``ranks`` for rank0, rank1...; ``workers`` for worker1...; otherwise ``origins``."""
    stems = {origin.rstrip("0123456789") for origin in origins}
    stem = stems.pop() if len(stems) == 1 else ""
    if not stem or stem == "main":
        return "origins"
    return stem if stem.endswith("s") else stem + "s"


# The sections after the rows.


def _bottleneck_lines(stats: dict[str, StageStats], wall: float) -> list[str]:
    """``Bottlenecks:`` the three slowest top-level stages with their share of the wall time."""
    if wall <= 0:
        return []
    tree = _stage_tree(stats)
    shares = {
        name: 100 * min(stats[name].wall_s, wall) / wall
        for name, depth in tree
        if depth == 0 and stats[name].status != SKIPPED
    }
    ranked = sorted((n for n in shares if shares[n] >= 1), key=shares.__getitem__, reverse=True)
    parts = [f"{_shorten(name, BOTTLENECK_NAME)} ({shares[name]:.0f}%)" for name in ranked[:3]]
    if not parts:
        return []
    lines = ["Bottlenecks:"]
    for index, part in enumerate(parts):
        text = part + ("," if index < len(parts) - 1 else "")
        if len(lines[-1]) + 1 + len(text) > WIDTH:
            lines.append(" " * len("Bottlenecks:"))
        lines[-1] += " " + text
    return lines


def _failure_lines(stats: dict[str, StageStats]) -> list[str]:
    """``Failed stages:`` each with its error type and message (cut to the rule width)."""
    failed = [st for st in stats.values() if st.status == FAILED]
    if not failed:
        return []
    lines = ["Failed stages:"]
    for st in failed:
        line = f"  {st.name}: {st.error_type}: {st.error}"
        lines.append(_shorten(line, WIDTH))
    return lines


def _key_metric_lines(
    wall: float,
    baseline_seconds: float | None,
    key_metrics: Mapping[str, object] | None,
) -> list[str]:
    """``Key metrics:`` the caller's ``label: value`` lines, and the baseline speedup."""
    lines = [f"  {label}: {fmt_number(value)}" for label, value in (key_metrics or {}).items()]
    if baseline_seconds is not None:
        speedup = f"{baseline_seconds / wall:.1f}x" if wall > 0 else "n/a"
        lines.append(
            f"  Baseline {fmt_clock(baseline_seconds)} ({fmt_seconds(baseline_seconds)}) "
            f"-> speedup {speedup}"
        )
    return ["Key metrics:", *lines] if lines else []
