"""The stage timeline: one bar per stage call on a time axis, one row per origin (rank).

:func:`timeline_bars` turns :class:`~virnucpro_telemetry.StageRecord` s into plain bars (pure,
tested on its own); :func:`draw_timeline` draws them. With a single origin every stage gets its
own row, nested stages indented under their parent; with several origins (a ``torchrun`` run)
each origin is one row, so a straggler or an idle rank shows at a glance, and nested stages are
drawn as thinner bars inside their parent's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from virnucpro.report.figures import new_figure
from virnucpro_telemetry import StageRecord

SKIPPED = "skipped"
FAILED = "failed"
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
            "#000000", "#999999")
_NEST_SHRINK = 0.55  # each level of nesting draws a bar this fraction as tall as its parent
_ROW_HEIGHT_IN = 0.32


@dataclass(frozen=True)
class TimelineBar:
    """One stage call placed on the timeline.

    Attributes:
        stage: the stage's name.
        origin: the process or rank that ran it.
        row: the row it is drawn in (0 at the top).
        start_s: seconds from the earliest start of all records.
        end_s: likewise; equal to ``start_s`` for a skipped stage.
        depth: 0 for a top-level stage, 1 for a stage nested in it, ...
        status: ``ok``, ``failed`` or ``skipped``.
    """

    stage: str
    origin: str
    row: int
    start_s: float
    end_s: float
    depth: int
    status: str


@dataclass(frozen=True)
class Timeline:
    """The bars and the label of each row, top to bottom."""

    bars: tuple[TimelineBar, ...]
    row_labels: tuple[str, ...]
    per_origin: bool

    @property
    def span_s(self) -> float:
        return max((bar.end_s for bar in self.bars), default=0.0)

    def stages(self) -> list[str]:
        """Stage names in order of first start."""
        return list(dict.fromkeys(bar.stage for bar in self.bars))


def _depths(records: Sequence[StageRecord]) -> list[int]:
    """Nesting depth of each record: its parent's depth + 1 (records sorted by start)."""
    open_depth: dict[tuple[str, str], int] = {}
    depths = []
    for record in records:
        parent_depth = open_depth.get((record.origin, record.parent or ""), -1)
        depth = 0 if record.parent is None else parent_depth + 1
        open_depth[(record.origin, record.name)] = depth
        depths.append(depth)
    return depths


def _row_keys(records: Sequence[StageRecord], depths: list[int]) -> tuple[list, list[str], bool]:
    """The row key of each record, the row labels, and whether rows are origins."""
    origins = list(dict.fromkeys(record.origin for record in records))
    if len(origins) > 1:
        return [record.origin for record in records], origins, True
    keys = [record.name for record in records]
    labels = {}
    for record, depth in zip(records, depths, strict=True):
        labels.setdefault(record.name, "    " * depth + record.name)
    return keys, list(labels.values()), False


def timeline_bars(records: Sequence[StageRecord]) -> Timeline:
    """Place every record on the timeline (times relative to the earliest start)."""
    ordered = sorted(records, key=lambda record: record.start)
    if not ordered:
        return Timeline((), (), False)
    origin_time = ordered[0].start
    depths = _depths(ordered)
    keys, labels, per_origin = _row_keys(ordered, depths)
    row_of = {key: row for row, key in enumerate(dict.fromkeys(keys))}
    bars = tuple(
        TimelineBar(
            stage=record.name,
            origin=record.origin,
            row=row_of[key],
            start_s=record.start - origin_time,
            end_s=max(record.end, record.start) - origin_time,
            depth=depth,
            status=record.status,
        )
        for record, key, depth in zip(ordered, keys, depths, strict=True)
    )
    return Timeline(bars, tuple(labels), per_origin)


def stage_colours(timeline: Timeline) -> dict[str, str]:
    """A colour per stage name, in order of first start (the palette repeats after nine)."""
    return {name: _PALETTE[i % len(_PALETTE)] for i, name in enumerate(timeline.stages())}


def _draw_bar(axes, bar: TimelineBar, colour: str, min_width: float, per_origin: bool) -> None:
    height = 0.7 * (_NEST_SHRINK ** bar.depth if per_origin else 1.0)
    width = max(bar.end_s - bar.start_s, min_width)
    if bar.status == SKIPPED:  # no duration: a hollow diamond where it would have run
        axes.plot(bar.start_s, bar.row, marker="D", markersize=7, markerfacecolor="white",
                  markeredgecolor=colour, markeredgewidth=1.5, linestyle="none")
        return
    edge = "#B00000" if bar.status == FAILED else ("#333333" if bar.depth else colour)
    axes.barh(bar.row, width, left=bar.start_s, height=height, color=to_rgba(colour, 0.9),
              edgecolor=edge, linewidth=1.6 if bar.status == FAILED else 0.6)


def _legend(timeline: Timeline, colours: dict[str, str]) -> list:
    handles = []
    if timeline.per_origin:
        handles = [Patch(facecolor=colour, label=name) for name, colour in colours.items()]
    statuses = {bar.status for bar in timeline.bars}
    if SKIPPED in statuses:
        handles.append(Line2D([], [], marker="D", markerfacecolor="white", linestyle="none",
                              markeredgecolor="#555555", label="skipped (already done)"))
    if FAILED in statuses:
        handles.append(Patch(facecolor="white", edgecolor="#B00000", linewidth=1.6,
                             label="failed"))
    return handles


def draw_timeline(timeline: Timeline) -> Figure:
    """A Gantt-style figure of the timeline (seconds from the run's first stage start)."""
    rows = max(len(timeline.row_labels), 1)
    figure = new_figure(9.0, 1.3 + _ROW_HEIGHT_IN * rows)
    axes = figure.subplots()
    if not timeline.bars:
        axes.set_axis_off()
        axes.text(0.5, 0.5, "no stage was recorded", ha="center", va="center")
        return figure
    colours = stage_colours(timeline)
    min_width = max(timeline.span_s, 1e-3) * 0.003  # keep very short stages visible
    for bar in timeline.bars:
        _draw_bar(axes, bar, colours[bar.stage], min_width, timeline.per_origin)
    axes.set_yticks(range(len(timeline.row_labels)), labels=timeline.row_labels)
    axes.set_ylim(len(timeline.row_labels) - 0.5, -0.5)
    axes.set_xlim(0, max(timeline.span_s, 1e-3) * 1.01)
    axes.set_xlabel("seconds since the first stage started")
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    handles = _legend(timeline, colours)
    if handles:
        figure.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False,
                      fontsize=8)
    return figure
