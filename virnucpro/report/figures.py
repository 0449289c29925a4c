"""Shared figure plumbing: headless matplotlib figures, colours, and saving them safely.

Figures are made with :class:`matplotlib.figure.Figure` directly (no ``pyplot``), so nothing
touches a global figure list or an interactive backend; rendering uses the ``Agg`` canvas.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

from matplotlib import rc_context
from matplotlib.figure import Figure

from virnucpro.atomic import atomic_open
from virnucpro.errors import UsageError

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
VIRUS_COLOUR = "#D55E00"
OTHERS_COLOUR = "#0072B2"
UNSCORED_COLOUR = "#999999"
THRESHOLD_COLOUR = "#333333"

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
# No creation dates, and fixed SVG ids: the same data gives the same file.
_METADATA = {"png": {}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}
_STYLE = {"svg.hashsalt": "virnucpro", "savefig.dpi": 120}


def figure_format(path: Path) -> str:
    """``png``, ``svg`` or ``pdf`` from the file name's extension.

    Raises:
        UsageError: any other extension.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(
            f"{path}: cannot tell the figure format from {suffix or 'no extension'!r}; "
            "end the file name with .png, .svg or .pdf"
        )
    return FORMATS[suffix]


def new_figure(width_in: float, height_in: float) -> Figure:
    """A blank figure of the given size in inches, laid out by matplotlib's constrained layout."""
    return Figure(figsize=(width_in, height_in), layout="constrained")


def save_figure(figure: Figure, path: Path) -> Path:
    """Write ``figure`` to ``path`` atomically, in the format its extension names.

    Raises:
        UsageError: the extension is not .png, .svg or .pdf.
    """
    path = Path(path)
    fmt = figure_format(path)
    with rc_context(_STYLE), atomic_open(path, "wb") as handle:
        figure.savefig(handle, format=fmt, metadata=_METADATA[fmt])
    return path


def png_data_uri(figure: Figure, dpi: int = 100) -> str:
    """The figure as a ``data:image/png;base64,...`` URI, for an ``<img>`` in a page."""
    buffer = io.BytesIO()
    with rc_context(_STYLE):
        figure.savefig(buffer, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
