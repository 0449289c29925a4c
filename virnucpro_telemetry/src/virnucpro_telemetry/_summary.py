"""The end-of-run summary block: a pure function of a registry, and its logging."""

from __future__ import annotations

import logging
import statistics
from collections.abc import Mapping

from ._context import current_registry
from ._format import fmt_bytes, fmt_clock, fmt_number, fmt_seconds
from ._records import FAILED, SKIPPED, StageRecord, StageStats
from ._registry import StageRegistry

WIDTH = 80
RULE = "=" * WIDTH
MAX_LINE = 100  # stage rows carry extras past the rules, then wrap
NAME_FIELD_MIN = 33
NAME_FIELD_MAX = 45
UNATTRIBUTED_MIN = 0.01
# Epoch timestamps (floats) resolve about 0.2 us; below a millisecond, gaps are noise.
UNATTRIBUTED_FLOOR_S = 0.001
STRAGGLER_RATIO = 1.2
BOTTLENECK_NAME = 40  # longest stage name shown in the Bottlenecks line


def format_summary(
    registry: StageRegistry,
    baseline_seconds: float | None = None,
    title: str = "PIPELINE SUMMARY",
    *,
    key_metrics: Mapping[str, object] | None = None,
) -> str:
    """Return the summary block of ``registry``: wall time, one row per stage, key metrics.

    Top-level stages are numbered in order of first start, nested stages are indented under
    their parent and show their share of the parent, so the top-level percentages plus the
    ``(unattributed)`` line add up to 100%. A stage recorded under several origins (processes,
    ranks) shows the slowest origin's time, the min/max per origin, and a straggler when the
    slowest is 20% above the median. "Sequences processed" is the largest ``sequences`` count
    of any one stage, never a sum over stages (each stage sees the same sequences again).

    Args:
        registry: the registry to summarise.
        baseline_seconds: a reference run time; adds a speedup line.
        title: the heading.
        key_metrics: extra ``label: value`` lines for the Key metrics section.
    """
    records = registry.records
    stats = dict(registry.items())
    wall = _wall_seconds(records, registry.run_start, stats)
    lines = [RULE, title, RULE, f"Total wall time: {fmt_clock(wall)} ({fmt_seconds(wall)})"]
    lines += _compute_time_lines(records)
    lines += _stage_lines(records, stats, wall)
    lines += _bottleneck_lines(stats, wall)
    lines += _failure_lines(stats)
    lines += _key_metric_lines(stats, wall, baseline_seconds, key_metrics)
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

    ``registry`` defaults to the active one (``current_registry()``).
    """
    text = format_summary(
        registry if registry is not None else current_registry(),
        baseline_seconds,
        title,
        key_metrics=key_metrics,
    )
    log = logger if logger is not None else logging.getLogger("virnucpro.telemetry")
    for line in text.splitlines():
        log.info("%s", line)
    return text


# Time accounting.


def _wall_seconds(
    records: list[StageRecord], run_start: float | None, stats: dict[str, StageStats]
) -> float:
    """From the run start (or first stage start) to the last stage end, over all origins.

    Never shorter than the longest top-level stage, which is measured more precisely than
    the epoch timestamps (so a one-stage run shows 100.0%, not 100.5%).
    """
    if not records:
        return 0.0
    first = min(r.start for r in records)
    if run_start is not None:
        first = min(first, run_start)
    tops = [_row_seconds(stats[name]) for name, depth in _stage_tree(stats) if depth == 0]
    return max(max(r.end for r in records) - first, *tops)


def _covered_seconds(records: list[StageRecord]) -> float:
    """Length of the union of the records' active intervals."""
    spans = sorted((r.start, r.start + r.duration_s) for r in records if r.status != SKIPPED)
    covered = 0.0
    open_start = open_end = None
    for start, end in spans:
        if open_end is None or start > open_end:
            if open_end is not None:
                covered += open_end - open_start
            open_start, open_end = start, end
        else:
            open_end = max(open_end, end)
    if open_end is not None:
        covered += open_end - open_start
    return covered


def _top_records(records: list[StageRecord], names: set[str]) -> list[StageRecord]:
    """Records of calls that ran outside every other recorded stage."""
    return [r for r in records if r.parent is None or r.parent not in names]


def _compute_time_lines(records: list[StageRecord]) -> list[str]:
    """For several origins: the stage time summed over them, next to the wall time."""
    origins = sorted({r.origin for r in records})
    if len(origins) < 2:
        return []
    names = {r.name for r in records}
    top = _top_records(records, names)
    compute = sum(_covered_seconds([r for r in top if r.origin == o]) for o in origins)
    label = _origin_label(origins)
    return [f"Compute time: {fmt_clock(compute)} ({fmt_seconds(compute)}) "
            f"summed over {len(origins)} {label}"]


def _row_seconds(stats: StageStats) -> float:
    """A stage's time in the summary: its total, or the slowest origin's when there are several."""
    if len(stats.per_origin) > 1:
        return max(stats.per_origin.values())
    return stats.total_s


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


def _stage_lines(records: list[StageRecord], stats: dict[str, StageStats], wall: float):
    """``Stages:`` and one row per stage, then the ``(unattributed)`` row when it matters."""
    if not stats:
        return ["Stages: none recorded"]
    tree = _stage_tree(stats)
    tops = sum(1 for _, depth in tree if depth == 0)
    prefix_width = max(5, len(f"{tops}. ") + 1)
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
    unattributed = wall - _covered_seconds(_top_records(records, set(stats)))
    if unattributed >= max(UNATTRIBUTED_FLOOR_S, UNATTRIBUTED_MIN * wall):
        label = " " * prefix_width + _name_field("(unattributed)", width)
        lines.append(f"{label}{fmt_seconds(unattributed):>10} ({100 * unattributed / wall:5.1f}%)")
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
    """`` ( 24.5%)`` of the wall time at top level, `` ( 40.0% of parent)`` when nested."""
    seconds = _row_seconds(stats[name])
    if depth == 0:
        return f" ({100 * seconds / wall:5.1f}%)" if wall > 0 else ""
    parent = _row_seconds(stats[stats[name].parent])
    return f" ({100 * seconds / parent:5.1f}% of parent)" if parent > 0 else ""


def _row(head: str, st: StageStats, share: str) -> list[str]:
    """One stage row (wrapped when its extras run past MAX_LINE columns)."""
    if st.status == SKIPPED:
        return [f"{head}  skipped ({st.reason})"]
    line = f"{head}{fmt_seconds(_row_seconds(st)):>10}{share}"
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
    """The notes after a row's time: failure, call count, origins, throughput, GPU peak."""
    extras = []
    if st.status == FAILED:
        extras.append(f"FAILED ({st.error_type})")
    if st.calls > max(1, len(st.per_origin)):
        extras.append(f"x{st.calls:,} calls")
    if st.skips and st.calls:
        extras.append(f"{st.skips} skipped ({st.reason})")
    extras += _origin_extras(st.per_origin)
    seconds = _row_seconds(st)
    sequences = st.metrics.get("sequences")
    if sequences and seconds > 0:
        rate = sequences / seconds
        extras.append(f"{rate:>6,.0f} seq/s" if rate >= 100 else f"{rate:>6.1f} seq/s")
    if st.peak_gpu_bytes is not None:
        extras.append(f"peak GPU {fmt_bytes(st.peak_gpu_bytes)}")
    return extras


def _origin_extras(per_origin: dict[str, float]) -> list[str]:
    """Per-origin times and, when one is 20% over the median, the straggler.

    Two origins show ``x2 ranks: 1290.1 / 1383.2s`` (min / max); three or more also show the
    median: ``x8 ranks: 1290.1 / 1301.7 / 1383.2s`` (min / median / max).
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
        name: 100 * _row_seconds(stats[name]) / wall
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
    stats: dict[str, StageStats],
    wall: float,
    baseline_seconds: float | None,
    key_metrics: Mapping[str, object] | None,
) -> list[str]:
    """``Key metrics:`` sequences processed, caller-supplied lines, and the baseline speedup."""
    lines = []
    extra = dict(key_metrics or {})
    counts = [st.metrics["sequences"] for st in stats.values() if "sequences" in st.metrics]
    if counts and "Sequences processed" not in extra:
        lines.append(f"  Sequences processed: {fmt_number(max(counts))}")
    lines += [f"  {label}: {fmt_number(value)}" for label, value in extra.items()]
    if baseline_seconds is not None:
        speedup = f"{baseline_seconds / wall:.1f}x" if wall > 0 else "n/a"
        lines.append(
            f"  Baseline {fmt_clock(baseline_seconds)} ({fmt_seconds(baseline_seconds)}) "
            f"-> speedup {speedup}"
        )
    return ["Key metrics:", *lines] if lines else []
