"""Score tracks: each sequence's chunks drawn along it at the height of their P(virus).

One panel per sequence. Each chunk is a translucent bar over its span (overlapping chunks show
as darker areas), topped by a line at its best frame's P(virus), coloured by its call; chunks
with no scored frame are a grey band at the bottom. A dashed line marks the calling threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from virnucpro.config import DEFAULT_MIN_SCORE
from virnucpro.report.figures import (
    OTHERS_COLOUR,
    THRESHOLD_COLOUR,
    UNSCORED_COLOUR,
    VIRUS_COLOUR,
    figure_format,
    new_figure,
    save_figure,
)
from virnucpro.report.run_results import load_run_results, run_chunk_length, run_min_score
from virnucpro.report.tracks import DEFAULT_TOP, ChunkBar, SequenceTrack, select_tracks

DEFAULT_OUTPUT = "score_tracks.png"
PANEL_HEIGHT_IN = 1.7
FIGURE_WIDTH_IN = 9.0
_UNSCORED_HEIGHT = 0.04


def chunk_colour(bar: ChunkBar) -> str:
    """Vermillion for viral chunks, blue for the others, grey when unscored."""
    if bar.is_virus is None:
        return UNSCORED_COLOUR
    return VIRUS_COLOUR if bar.is_virus else OTHERS_COLOUR


def track_title(track: SequenceTrack) -> str:
    """``id  ·  1,950 bp  ·  virus (2 of 3 scored chunks viral)``."""
    if track.scored_chunks:
        detail = f"{track.viral_chunks} of {track.scored_chunks} scored chunks viral"
    else:
        detail = "no chunk scored"
    return f"{track.sequence_id}  \u00b7  {track.length:,} bp  \u00b7  {track.call} ({detail})"


def draw_track(axes: Axes, track: SequenceTrack, min_score: float) -> None:
    """Draw one sequence's chunks on ``axes``."""
    for bar in track.chunks:
        colour = chunk_colour(bar)
        width = bar.end - bar.start
        height = _UNSCORED_HEIGHT if bar.virus_score is None else bar.virus_score
        axes.bar(bar.start, height, width=width, align="edge", color=to_rgba(colour, 0.25),
                 edgecolor=colour, linewidth=0.8, hatch="//" if bar.virus_score is None else None)
        if bar.virus_score is not None:
            axes.hlines(bar.virus_score, bar.start, bar.end, colors=colour, linewidth=2.2)
    axes.axhline(min_score, color=THRESHOLD_COLOUR, linestyle="--", linewidth=0.9)
    axes.set_xlim(0, max(track.length, 1))
    axes.set_ylim(0, 1.02)
    axes.set_yticks([0, 0.5, 1])
    axes.set_ylabel("P(virus)")
    axes.set_title(track_title(track), loc="left", fontsize=10, parse_math=False)  # ids: no TeX
    axes.xaxis.set_major_formatter("{x:,.0f}")
    axes.spines[["top", "right"]].set_visible(False)


def legend_handles(min_score: float) -> list:
    """Legend entries shared by all panels."""
    return [
        Patch(facecolor=VIRUS_COLOUR, alpha=0.6, label="chunk called virus"),
        Patch(facecolor=OTHERS_COLOUR, alpha=0.6, label="chunk called others"),
        Patch(facecolor=UNSCORED_COLOUR, alpha=0.4, hatch="//", label="no frame scored"),
        Line2D([], [], color=THRESHOLD_COLOUR, linestyle="--",
               label=f"threshold P(virus) = {min_score:g}"),
    ]


def draw_score_tracks(
    tracks: Sequence[SequenceTrack], min_score: float = DEFAULT_MIN_SCORE
) -> Figure:
    """A figure with one panel per track, in the order given, and a shared legend."""
    figure = new_figure(FIGURE_WIDTH_IN, 0.8 + PANEL_HEIGHT_IN * max(len(tracks), 1))
    if not tracks:
        figure.text(0.5, 0.5, "no sequence to draw", ha="center", va="center")
        return figure
    axes_list = figure.subplots(len(tracks), 1, squeeze=False)[:, 0]
    for axes, track in zip(axes_list, tracks, strict=True):
        draw_track(axes, track, min_score)
    axes_list[-1].set_xlabel("position on the sequence (bp)")
    figure.legend(handles=legend_handles(min_score), loc="outside upper center", ncols=4,
                  frameon=False)
    return figure


def plot_score_tracks(
    run_dir: Path,
    output: Path | None = None,
    sequence_ids: Sequence[str] | None = None,
    top: int = DEFAULT_TOP,
    min_score: float | None = None,
    chunk_length: int | None = None,
) -> Path:
    """Draw the score tracks of a finished run and write them to ``output``; return its path.

    What ``virnucpro plot RUN_DIR [--sequence ID ...] [--top N] [-o FILE]`` calls.

    Args:
        run_dir: the run's output folder (its three result files and ``.virnucpro/run.json``).
        output: the figure file, PNG, SVG or PDF by extension; default
            ``RUN_DIR/score_tracks.png``.
        sequence_ids: draw these sequences, in this order; default: the ``top`` sequences with
            the most viral chunks.
        top: how many sequences to draw when no ids are given.
        min_score: the P(virus) a chunk needs to count as viral (its colour, the dashed line);
            default: the run's ``--min-score`` (0.5, the original's rule, when not given).
        chunk_length: the run's chunk length, when ``run.json`` is missing.

    Raises:
        UsageError: unknown extension or sequence id, or ``top`` below 1.
        InputError: a result file is missing or malformed, or the chunk length is unknown.
    """
    run_dir = Path(run_dir)
    output = Path(output) if output is not None else run_dir / DEFAULT_OUTPUT
    figure_format(output)  # a bad extension fails before any work
    results = load_run_results(run_dir)
    threshold = run_min_score(results, min_score)
    tracks = select_tracks(results, run_chunk_length(results, chunk_length), sequence_ids, top,
                           threshold)
    return save_figure(draw_score_tracks(tracks, threshold), output)
