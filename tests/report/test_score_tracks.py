"""Drawing score tracks: valid PNG, SVG and PDF files, written atomically."""

from __future__ import annotations

import pytest

from virnucpro.errors import UsageError
from virnucpro.report.figures import save_figure
from virnucpro.report.run_results import load_run_results
from virnucpro.report.score_tracks import draw_score_tracks, plot_score_tracks, track_title
from virnucpro.report.tracks import ChunkBar, SequenceTrack, select_tracks

MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-", ".svg": b"<?xml"}


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_writes_a_valid_file_of_the_extensions_format(fake_run, suffix):
    output = fake_run / f"tracks{suffix}"
    assert plot_score_tracks(fake_run, output, sequence_ids=["phage_1", "mixed_1"]) == output
    data = output.read_bytes()
    assert data.startswith(MAGIC[suffix])
    assert len(data) > 10_000
    if suffix == ".svg":
        assert b"<svg" in data[:2000] and data.rstrip().endswith(b"</svg>")
    if suffix == ".pdf":
        assert data.rstrip().endswith(b"%%EOF")
    assert sorted(p.name for p in fake_run.iterdir() if p.name.startswith(".")) == [".virnucpro"]


def test_default_output_is_score_tracks_png_in_the_run(fake_run):
    path = plot_score_tracks(fake_run, top=2)
    assert path == fake_run / "score_tracks.png"
    assert path.read_bytes().startswith(MAGIC[".png"])


def test_unknown_extension_fails_before_writing(fake_run):
    with pytest.raises(UsageError, match=r"tracks.jpg: .*'\.jpg'.*\.png, \.svg or \.pdf"):
        plot_score_tracks(fake_run, fake_run / "tracks.jpg")
    assert not list(fake_run.glob("*tracks*"))


def test_one_panel_per_sequence_with_its_title(fake_run):
    results = load_run_results(fake_run)
    tracks = select_tracks(results, 500, ["phage_1", "no_orf", "mixed_1"])
    figure = draw_score_tracks(tracks, min_score=0.7)
    axes = figure.get_axes()
    assert len(axes) == 3
    assert [a.get_title(loc="left") for a in axes] == [track_title(t) for t in tracks]
    assert axes[0].get_title(loc="left").startswith("phage_1  \u00b7  1,950 bp  \u00b7  virus")
    assert "4 of 4 scored chunks viral" in axes[0].get_title(loc="left")
    assert "no chunk scored" in axes[1].get_title(loc="left")
    # the threshold line sits at min_score on every panel
    for panel in axes:
        assert [0.7, 0.7] in [list(line.get_ydata()) for line in panel.get_lines()]
    assert axes[0].get_xlim() == (0, 1950)


def test_ids_with_dollar_signs_are_drawn_as_written(tmp_path):
    bar = ChunkBar("a$^$b_chunk_1", 1, 0, 100, 0.7, True)
    track = SequenceTrack("a$^$b", 100, "virus", (bar,))
    figure = draw_score_tracks([track])
    assert figure.axes[0].get_title(loc="left").startswith("a$^$b")
    save_figure(figure, tmp_path / "dollar.png")  # mathtext would fail to parse "$^$"
    assert (tmp_path / "dollar.png").stat().st_size > 1000
