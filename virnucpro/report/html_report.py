"""``report.html``: one self-contained page showing a finished run.

Sections: the run's settings and models, counts, a histogram of sequence scores, the sortable
and filterable per-sequence table, the score tracks of the top sequences, the timing summary and
the stage timeline. Figures are inline PNGs; the page fetches nothing (see ``page``). Every
string that comes from the run (sequence ids above all) is escaped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from virnucpro.atomic import atomic_open
from virnucpro.config import DEFAULT_MIN_SCORE
from virnucpro.errors import InputError
from virnucpro.report import page
from virnucpro.report.figures import png_data_uri
from virnucpro.report.histogram import draw_score_histogram
from virnucpro.report.run_results import (
    RunResults,
    load_run_results,
    run_chunk_length,
    run_min_score,
)
from virnucpro.report.score_tracks import draw_score_tracks
from virnucpro.report.timeline import draw_timeline, timeline_bars
from virnucpro.report.tracks import DEFAULT_TOP, SequenceTrack, select_tracks
from virnucpro.results import is_viral
from virnucpro.stage_records import load_records, records_path, registry_from_records
from virnucpro_telemetry import StageRegistry, format_summary

logger = logging.getLogger(__name__)

REPORT_FILE = "report.html"
_SETTING_LABELS = {
    "chunk_length": "chunk length (bp)",
    "model": "classifier",
    "dnabert": "DNABERT-S",
    "esm": "ESM-2",
    "precision": "precision",
    "sequences_per_file": "sequences per split file",
    "min_score": "--min-score (P(virus) a chunk needs)",
}


@dataclass(frozen=True)
class ReportInputs:
    """Everything the page shows, gathered before any HTML is written."""

    results: RunResults
    tracks: list[SequenceTrack]
    registry: StageRegistry | None
    min_score: float


def write_report(
    run_dir: Path,
    output: Path | None = None,
    *,
    registry: StageRegistry | None = None,
    min_score: float | None = None,
    top: int = DEFAULT_TOP,
    chunk_length: int | None = None,
) -> Path:
    """Write the run's HTML report atomically and return its path.

    What ``virnucpro report RUN_DIR`` and ``predict --report`` call.

    Args:
        run_dir: the finished run's output folder.
        output: the page to write; default ``RUN_DIR/report.html``.
        registry: the run's stage timings (``predict --report`` passes its live registry);
            None reads the records saved in ``RUN_DIR/.virnucpro/stage_records.json``, and
            leaves the timing section out when there are none.
        min_score: the P(virus) a chunk needs to count as viral on the figures and counts;
            default: the run's ``--min-score`` (0.5, the original's rule, when not given).
        top: how many sequences get a score track.
        chunk_length: the run's chunk length, when ``run.json`` is missing.

    Raises:
        InputError: a result file is missing or malformed, or the chunk length is unknown.
    """
    run_dir = Path(run_dir)
    output = Path(output) if output is not None else run_dir / REPORT_FILE
    results = load_run_results(run_dir)
    threshold = run_min_score(results, min_score)
    tracks = select_tracks(results, run_chunk_length(results, chunk_length), top=top,
                           min_score=threshold)
    if registry is None:
        registry = _saved_registry(run_dir)
    html = render_report(ReportInputs(results, tracks, registry, threshold))
    with atomic_open(output) as handle:
        handle.write(html)
    return output


def _saved_registry(run_dir: Path) -> StageRegistry | None:
    """A registry of the saved records, or None (with a warning when they are unreadable)."""
    try:
        saved = load_records(run_dir)
    except InputError as error:
        logger.warning("%s; the report leaves the stage timings out", error)
        return None
    return None if saved is None else registry_from_records(*saved)


def render_report(inputs: ReportInputs) -> str:
    """The whole page as a string."""
    results = inputs.results
    sections = [
        f"<h1>VirNucPro report</h1>\n<p class=\"subtitle\">{page.text(results.run_dir)}</p>",
        _demo_warning(results),
        _run_section(results, inputs.min_score),
        _counts_section(results, inputs.min_score),
        _histogram_section(results, inputs.min_score),
        _table_section(results),
        _tracks_section(inputs.tracks, inputs.min_score),
        _timing_section(inputs.registry, results.run_dir, {
            "Sequences processed": len(results.sequences),
            "Frames scored": results.frames,
            "Viral sequences": sum(row.call == "virus" for row in results.sequences),
        }),
    ]
    return page.document(f"VirNucPro report: {results.run_dir.name}", "\n".join(sections))


def _demo_warning(results: RunResults) -> str:
    """A banner when the run used the demo models (its run record says so), else ''."""
    if not results.demo:
        return ""
    return ('<p class="warning"><strong>Demo models:</strong> this run used small random '
            "networks; its scores and calls are meaningless.</p>")


def _run_section(results: RunResults, min_score: float) -> str:
    settings = dict(results.settings)
    pairs = [(_SETTING_LABELS.get(name, name), settings.pop(name))
             for name in _SETTING_LABELS if name in settings]
    pairs += sorted(settings.items())
    if results.settings.get("min_score") != min_score:
        pairs.append(("threshold drawn and counted here", f"{min_score:g}"))
    pairs += [(f"{name} (resolved)", value) for name, value in sorted(results.models.items())
              if value]
    if results.input_sha256:
        pairs.append(("input SHA-256", results.input_sha256))
    if "virnucpro" in results.run_info:
        pairs.append(("virnucpro version", results.run_info["virnucpro"]))
    if not results.settings:
        note = '<p class="note">This run has no .virnucpro/run.json: settings unknown.</p>'
        return f"<h2>Run</h2>\n{note}\n{page.key_value_table(pairs)}"
    return f"<h2>Run</h2>\n{page.key_value_table(pairs)}"


def run_counts(
    results: RunResults, min_score: float = DEFAULT_MIN_SCORE
) -> list[tuple[str, int]]:
    """The headline numbers: sequences, chunks, frames and calls (chunks at ``min_score``)."""
    return [
        ("sequences", len(results.sequences)),
        ("chunks", sum(row.chunks for row in results.sequences)),
        ("chunks scored", len(results.chunk_scores)),
        ("frames scored", results.frames),
        ("viral chunks", sum(is_viral(s, min_score) for s in results.chunk_scores.values())),
        ("viral sequences", sum(row.call == "virus" for row in results.sequences)),
    ]


def _counts_section(results: RunResults, min_score: float) -> str:
    items = "".join(f"<li><b>{count:,}</b>{page.text(label)}</li>"
                    for label, count in run_counts(results, min_score))
    return f'<h2>Counts</h2>\n<ul class="counts">{items}</ul>'


def _histogram_section(results: RunResults, min_score: float) -> str:
    scores = list(results.sequence_scores().values())
    unscored = len(results.sequences) - len(scores)
    caption = (f"{len(scores):,} sequences with a scored frame; {unscored:,} without "
               "(no open reading frame), not shown.")
    figure = draw_score_histogram(scores, min_score)
    return ("<h2>Sequence scores</h2>\n"
            + page.image(png_data_uri(figure), "histogram of sequence scores", caption))


def _table_section(results: RunResults) -> str:
    columns = results.summary_columns
    head = "".join(f'<th scope="col">{page.text(name)}</th>' for name in columns)
    body = "\n".join(_table_row(row.fields, columns) for row in results.sequences)
    filter_box = ('<p id="filter" hidden><label>Filter rows: <input type="search" '
                  'placeholder="id or call"></label> <span id="shown"></span></p>')
    source = "Columns as in sequence_summary.tsv; click a header to sort."
    return (f"<h2>Sequences</h2>\n<p class=\"note\">{source}</p>\n{filter_box}\n"
            f'<div class="table-scroll"><table id="sequences"><thead><tr>{head}</tr></thead>\n'
            f"<tbody>\n{body}\n</tbody></table></div>")


def _table_row(fields: dict, columns: Sequence[str]) -> str:
    cells = []
    for name in columns:
        value = fields.get(name) or ""
        css = "call-virus" if name == "call" and value == "virus" else None
        cells.append(page.cell(value, css))
    return f"<tr>{''.join(cells)}</tr>"


def _tracks_section(tracks: Sequence[SequenceTrack], min_score: float) -> str:
    if not tracks:
        return '<h2>Score tracks</h2>\n<p class="note">No sequence with chunks.</p>'
    caption = (f"The {len(tracks)} sequence(s) with the most viral chunks. Each bar is a chunk "
               "over its span on the sequence, at its P(virus), coloured by its call at the "
               f"threshold {min_score:g} (dashed).")
    figure = draw_score_tracks(tracks, min_score)
    return ("<h2>Score tracks</h2>\n"
            + page.image(png_data_uri(figure, dpi=110), "score tracks", caption))


def _timing_section(registry: StageRegistry | None, run_dir: Path,
                    key_metrics: dict) -> str:
    if registry is None or not registry.records:
        note = (f"No stage timings were saved with this run ({records_path(run_dir)} is "
                "absent); run with --report to include them.")
        return f'<h2>Timing</h2>\n<p class="note">{page.text(note)}</p>'
    summary = f"<pre>{page.text(format_summary(registry, key_metrics=key_metrics))}</pre>"
    timeline = timeline_bars(registry.records)
    alt = "stage timeline: " + ", ".join(timeline.stages())
    caption = "One bar per stage call; one row per stage, or per rank when several ran."
    return ("<h2>Timing</h2>\n" + summary + "\n"
            + page.image(png_data_uri(draw_timeline(timeline)), alt, caption))
