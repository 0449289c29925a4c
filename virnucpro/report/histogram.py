"""The histogram of sequence scores: each sequence's best chunk P(virus)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from virnucpro.report.figures import OTHERS_COLOUR, THRESHOLD_COLOUR, VIRUS_COLOUR, new_figure

BINS = 20


def score_bins(scores: Sequence[float], bins: int = BINS) -> tuple[np.ndarray, np.ndarray]:
    """Counts and edges of ``bins`` equal bins over [0, 1] (1.0 falls in the last)."""
    return np.histogram(np.asarray(scores, dtype=float), bins=bins, range=(0.0, 1.0))


def draw_score_histogram(scores: Sequence[float], min_score: float) -> Figure:
    """Bars of the score bins, coloured by the side of ``min_score`` they lie on."""
    figure = new_figure(7.0, 2.8)
    axes = figure.subplots()
    counts, edges = score_bins(scores)
    lefts = edges[:-1]
    colours = [VIRUS_COLOUR if left >= min_score else OTHERS_COLOUR for left in lefts]
    axes.bar(lefts, counts, width=np.diff(edges), align="edge", color=colours,
             edgecolor="white", linewidth=0.6)
    axes.axvline(min_score, color=THRESHOLD_COLOUR, linestyle="--", linewidth=0.9,
                 label=f"threshold {min_score:g}")
    axes.set_xlim(0, 1)
    axes.set_xlabel("virus_score: the sequence's highest chunk P(virus)")
    axes.set_ylabel("sequences")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(frameon=False, loc="upper left")
    return figure
