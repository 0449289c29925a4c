"""Results people can look at: score tracks, the stage timeline and a self-contained report.

Everything works from a finished run's folder: its three result tables and
``.virnucpro/run.json`` (plus ``.virnucpro/stage_records.json`` for the timings, when saved)::

    from virnucpro.report import plot_score_tracks, save_records, write_report

    plot_score_tracks(run_dir, sequence_ids=["contig_7"])   # RUN_DIR/score_tracks.png
    save_records(run_dir, registry)                          # after a run, for a later report
    write_report(run_dir)                                    # RUN_DIR/report.html

Importing this package imports matplotlib (headless, no ``pyplot``): import it only in the
commands that draw.
"""

from virnucpro.report.html_report import REPORT_FILE, write_report
from virnucpro.report.run_results import RunResults, load_run_results, run_chunk_length
from virnucpro.report.score_tracks import (
    DEFAULT_OUTPUT,
    draw_score_tracks,
    plot_score_tracks,
)
from virnucpro.report.timeline import Timeline, TimelineBar, draw_timeline, timeline_bars
from virnucpro.report.tracks import DEFAULT_TOP, ChunkBar, SequenceTrack, select_tracks
from virnucpro.stage_records import (
    load_records,
    records_from_json,
    records_path,
    records_to_json,
    registry_from_records,
    save_records,
)

__all__ = [
    "DEFAULT_OUTPUT",
    "DEFAULT_TOP",
    "REPORT_FILE",
    "ChunkBar",
    "RunResults",
    "SequenceTrack",
    "Timeline",
    "TimelineBar",
    "draw_score_tracks",
    "draw_timeline",
    "load_records",
    "load_run_results",
    "plot_score_tracks",
    "records_from_json",
    "records_path",
    "records_to_json",
    "registry_from_records",
    "run_chunk_length",
    "save_records",
    "select_tracks",
    "timeline_bars",
    "write_report",
]
