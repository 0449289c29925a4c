"""report.html: parses, loads nothing, one table row per sequence, escaped ids, the timeline."""

from __future__ import annotations

import base64
import json
from html.parser import HTMLParser

import pytest

from virnucpro.errors import InputError
from virnucpro.report.html_report import run_counts, write_report
from virnucpro.report.run_results import load_run_results
from virnucpro.stage_records import records_path, registry_from_records, save_records

STAGES = ("Sequence Chunking", "DNABERT-S Feature Extraction", "Model loading", "Feature Merging")


class PageParser(HTMLParser):
    """Collects the tags, the sequence table's rows, image sources and the page's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.rows: list[list[str]] = []
        self.headers: list[str] = []
        self.images: list[dict] = []
        self.text: list[str] = []
        self._in_table = self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "table" and attributes.get("id") == "sequences":
            self._in_table = True
        elif self._in_table and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_table and tag in ("td", "th"):
            self._cell = []
        elif tag == "img":
            self.images.append(attributes)

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = self._in_body = False
        elif tag in ("td", "th") and self._cell is not None:
            value = "".join(self._cell)
            (self.rows[-1] if self._in_body else self.headers).append(value)
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, make_fake_run, stage_records):
    """A fake run with saved stage records, and its report (rendered once for the module)."""
    run_dir = tmp_path_factory.mktemp("report") / "run"
    sequences = make_fake_run(run_dir)
    save_records(run_dir, registry_from_records(stage_records))
    path = write_report(run_dir)
    assert path == run_dir / "report.html"
    return run_dir, sequences, path.read_text(encoding="utf-8")


def test_the_page_parses_and_loads_nothing(rendered):
    _, _, html = rendered
    page = parse(html)
    assert html.startswith("<!DOCTYPE html>")
    assert "http://" not in html and "https://" not in html
    assert all(attrs["src"].startswith("data:") for _, attrs in page.tags if "src" in attrs)
    for tag, attrs in page.tags:
        assert tag != "link"
        assert tag != "script" or "src" not in attrs
    assert len(page.images) == 3  # histogram, score tracks, timeline
    for image in page.images:
        header, data = image["src"].split(",", 1)
        assert header == "data:image/png;base64"
        assert base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n")
    policy = [attrs["content"] for _, attrs in page.tags
              if attrs.get("http-equiv") == "Content-Security-Policy"]
    assert policy and policy[0].startswith("default-src 'none'")


def test_one_table_row_per_input_sequence(rendered, odd_id):
    run_dir, sequences, html = rendered
    page = parse(html)
    assert page.headers == load_run_results(run_dir).summary_columns
    assert [row[0] for row in page.rows] == [s.sequence_id for s in sequences]
    assert odd_id in [row[0] for row in page.rows]  # the parser unescapes it back
    assert all(len(row) == len(page.headers) for row in page.rows)
    # readable with JavaScript off: no row hidden, only the filter box waits for the script
    assert [a.get("id") for t, a in page.tags if "hidden" in a] == ["filter"]


def test_user_strings_are_escaped(rendered, odd_id):
    _, _, html = rendered
    assert odd_id not in html
    assert "odd<b>" not in html
    assert "odd&lt;b&gt;&amp;&quot;id&#x27;" in html


def test_the_timing_summary_and_timeline_show_every_stage(rendered):
    _, _, html = rendered
    page = parse(html)
    timeline = [i for i in page.images if i["alt"].startswith("stage timeline")]
    assert len(timeline) == 1
    text = "".join(page.text)
    for name in STAGES:
        assert name in timeline[0]["alt"]
        assert name in text


def test_settings_and_counts_are_shown(rendered):
    run_dir, _, html = rendered
    text = " ".join(parse(html).text)
    assert "esm2_t36_3B_UR50D" in text and "zhihan1996/DNABERT-S" in text
    counts = dict(run_counts(load_run_results(run_dir)))
    assert counts == {"sequences": 6, "chunks": 14, "chunks scored": 11, "frames scored": 14,
                      "viral chunks": 6, "viral sequences": 2}
    assert "chunks scored" in text


def test_without_saved_records_the_timing_section_says_so(fake_run):
    html = write_report(fake_run, fake_run / "page.html").read_text(encoding="utf-8")
    assert "No stage timings were saved" in html
    assert len(parse(html).images) == 2
    assert not (fake_run / "report.html").exists()


def test_a_broken_records_file_leaves_the_timings_out(fake_run, caplog):
    records_path(fake_run).write_text("not json", encoding="utf-8")
    html = write_report(fake_run).read_text(encoding="utf-8")
    assert "No stage timings were saved" in html
    assert "cannot read the stage records" in caplog.text


def test_a_live_registry_is_used_as_given(fake_run, make_record):
    registry = registry_from_records([make_record("Only stage", 5.0, 6.0)])
    html = write_report(fake_run, registry=registry).read_text(encoding="utf-8")
    assert "Only stage" in html


def test_missing_results_fail_and_write_nothing(fake_run):
    (fake_run / "sequence_summary.tsv").unlink()
    with pytest.raises(InputError, match="sequence_summary.tsv: not found"):
        write_report(fake_run)
    assert not list(fake_run.glob("*report*")) and not list(fake_run.glob(".*.tmp"))


def test_a_run_without_sequences_still_gets_a_page(fake_run):
    for name in ("prediction_results.txt", "prediction_results_highestscore.csv",
                 "sequence_summary.tsv"):
        path = fake_run / name
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", "utf-8")
    page = parse(write_report(fake_run).read_text(encoding="utf-8"))
    assert page.rows == []
    assert "No sequence with chunks." in "".join(page.text)
    assert len(page.images) == 1  # the (empty) histogram; no tracks, no saved timings


def test_a_demo_run_is_flagged_and_a_real_one_is_not(fake_run):
    assert "Demo models" not in write_report(fake_run).read_text(encoding="utf-8")
    run_json = fake_run / ".virnucpro" / "run.json"
    info = json.loads(run_json.read_text(encoding="utf-8"))
    info["given"] = {"input": "x.fa", "model": "500", "demo": True}
    run_json.write_text(json.dumps(info), encoding="utf-8")
    html = write_report(fake_run).read_text(encoding="utf-8")
    assert "Demo models:" in html and "meaningless" in html


def test_the_run_record_of_this_version_is_read(fake_run):
    run_json = fake_run / ".virnucpro" / "run.json"
    record = {"format": 2, "virnucpro": "9.9", "command": "predict",
              "input": {"path": "x.fa", "sha256": "cd" * 32},
              "settings": {"chunk_length": 500, "model": "500", "min_score": 0.5},
              "models": {"dnabert": "/m/dnabert", "esm": "/m/esm.pt",
                         "classifier": "/m/classifier.pth"}, "demo": True}
    run_json.write_text(json.dumps(record), encoding="utf-8")
    results = load_run_results(fake_run)
    assert results.demo and results.input_sha256 == "cd" * 32
    assert results.models["classifier"] == "/m/classifier.pth"
    html = write_report(fake_run).read_text(encoding="utf-8")
    assert "Demo models:" in html and "/m/classifier.pth" in html and "cd" * 32 in html
