"""``virnucpro plot``, ``virnucpro report`` and ``predict --report`` as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "example.fa"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "virnucpro", *args], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=300)


class _Rows(HTMLParser):
    """Counts the body rows of the page's sequence table (``<table id="sequences">``)."""

    def __init__(self) -> None:
        super().__init__()
        self.table = self.body = False
        self.rows = 0

    def handle_starttag(self, tag, attrs):
        self.table = self.table or (tag == "table" and ("id", "sequences") in attrs)
        self.body = self.body or (self.table and tag == "tbody")
        self.rows += self.body and tag == "tr"

    def handle_endtag(self, tag):
        if tag == "table":
            self.table = self.body = False


def test_predict_report_writes_the_page_with_the_run_timeline(tmp_path, model_cache_dir):
    out = tmp_path / "run"
    result = run_cli("predict", str(EXAMPLE), "-o", str(out), "--demo", "--cache-dir",
                     str(model_cache_dir), "--no-progress", "--report")
    assert result.returncode == 0, result.stderr
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "stage timeline: " in html and "DNABERT-S Feature Extraction" in html
    assert "Demo models:" in html, "a demo run's report says its calls are meaningless"
    assert "http://" not in html and "https://" not in html
    rows = _Rows()
    rows.feed(html)
    assert rows.rows == sum(1 for line in EXAMPLE.read_text().splitlines() if line[:1] == ">")
    assert (out / ".virnucpro" / "stage_records.json").is_file()
    assert not (out / "score_tracks.png").exists(), "nothing else is written unless asked"

    plot = run_cli("plot", str(out), "--top", "2", "-o", str(tmp_path / "tracks.svg"))
    assert plot.returncode == 0, plot.stderr
    assert (tmp_path / "tracks.svg").read_bytes().lstrip().startswith(b"<?xml")
    report = run_cli("report", str(out), "-o", str(tmp_path / "again.html"), "--min-score", "0.7")
    assert report.returncode == 0, report.stderr
    again = (tmp_path / "again.html").read_text(encoding="utf-8")
    assert "0.7" in again and "DNABERT-S Feature Extraction" in again


def test_plot_of_an_unknown_sequence_exits_2_with_one_line(tmp_path, make_fake_run):
    make_fake_run(tmp_path / "run")
    result = run_cli("plot", str(tmp_path / "run"), "--sequence", "nope")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "nope" in result.stderr


def test_report_of_a_folder_without_results_exits_3(tmp_path):
    result = run_cli("report", str(tmp_path))
    assert result.returncode == 3
    assert "sequence_summary.tsv" in result.stderr
