"""``virnucpro classify``: stages 8-9 again on a kept run, without the embedders."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from demo_runs import run_classify, run_prediction

from virnucpro.config import PipelineConfig
from virnucpro.errors import ModelFileError, UsageError
from virnucpro.pipeline.definitions import PREDICT, RECLASSIFY
from virnucpro.pipeline.engine.checkpoint import Checkpoints
from virnucpro.results import SUMMARY_HEADER

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "example.fa"
RESULTS = ("prediction_results.txt", "prediction_results_highestscore.csv", "sequence_summary.tsv")
# Modules that load or run DNABERT-S and ESM-2; classify must import none of them.
EMBEDDER_MODULES = ("transformers", "esm", "virnucpro.embedding.dnabert_loading",
                    "virnucpro.embedding.esm_loading", "virnucpro.embedding.dnabert_embedder",
                    "virnucpro.embedding.esm_embedder")


@pytest.fixture(scope="module")
def kept_run(tmp_path_factory, model_cache_dir) -> Path:
    """A finished demo run of the example, made with -k (never modified: tests copy it)."""
    out = tmp_path_factory.mktemp("kept") / "run"
    config = PipelineConfig(output_dir=out, demo=True, cache_dir=model_cache_dir,
                            keep_intermediate=True, progress=False)
    run_prediction(EXAMPLE, config)
    return out


@pytest.fixture
def run_copy(kept_run, tmp_path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(kept_run, copy)
    return copy


def _bytes(run_dir: Path) -> dict[str, bytes]:
    return {name: (run_dir / name).read_bytes() for name in RESULTS}


def test_classify_reproduces_the_run_byte_for_byte_without_the_embedders(kept_run, run_copy):
    for name in RESULTS:
        (run_copy / name).unlink()
    code = (
        "import sys\n"
        "from virnucpro.cli import main\n"
        f"status = main(['classify', {str(run_copy)!r}, '--no-progress', '-q'])\n"
        f"print(status, [m for m in {EMBEDDER_MODULES!r} if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.stdout.strip().splitlines()[-1] == "0 []", result.stderr
    assert _bytes(run_copy) == _bytes(kept_run)


def test_a_higher_threshold_rewrites_only_the_sequence_summary(kept_run, run_copy):
    predictions = (run_copy / "prediction_results.txt").stat().st_mtime_ns
    run_classify(run_copy, min_score=0.51)
    assert (run_copy / "prediction_results.txt").stat().st_mtime_ns == predictions, \
        "stage 8 reused: only the threshold changed"
    before, after = _bytes(kept_run), _bytes(run_copy)
    assert after["prediction_results.txt"] == before["prediction_results.txt"]
    assert after["prediction_results_highestscore.csv"] == before[
        "prediction_results_highestscore.csv"]
    assert after["sequence_summary.tsv"] != before["sequence_summary.tsv"]
    header = after["sequence_summary.tsv"].decode().splitlines()[0].split("\t")
    assert header == list(SUMMARY_HEADER)
    assert json.loads((run_copy / ".virnucpro" / "run.json").read_text())["settings"][
        "min_score"] == 0.51


def test_the_checkpoints_describe_the_results_after_classify(kept_run, run_copy,
                                                             model_cache_dir):
    run_classify(run_copy, min_score=0.6)
    checkpoints = Checkpoints(run_copy / ".virnucpro" / "done")
    assert all(checkpoints.is_done(stage) for stage in PREDICT), "every stage is recorded"
    assert checkpoints.read(PREDICT[-1]).settings == {"min_score": 0.6}
    resume = PipelineConfig(output_dir=run_copy, demo=True, cache_dir=model_cache_dir,
                            keep_intermediate=True, progress=False, resume=True)
    run_prediction(EXAMPLE, resume)  # the default threshold again: stage 9 only is redone
    assert _bytes(run_copy) == _bytes(kept_run)


@pytest.mark.parametrize("content", [None, b"not a model"], ids=["missing", "not-a-model"])
def test_a_refused_classifier_changes_nothing_in_the_folder(run_copy, tmp_path, content):
    """The engine resolves (and checks) the model before it touches the folder."""
    refused = tmp_path / "refused.pth"
    if content is not None:
        refused.write_bytes(content)
    before = {path: path.read_bytes() for path in run_copy.rglob("*") if path.is_file()}
    with pytest.raises(ModelFileError, match="refused.pth"):
        run_classify(run_copy, model=str(refused))
    after = {path: path.read_bytes() for path in run_copy.rglob("*") if path.is_file()}
    assert after == before, "run.json and every checkpoint unchanged"
    checkpoints = Checkpoints(run_copy / ".virnucpro" / "done")
    assert all(checkpoints.is_done(stage) for stage in RECLASSIFY)


def test_another_classifier_file_is_used_and_recorded(kept_run, run_copy, tmp_path):
    other = tmp_path / "copy_of_the_classifier.pth"
    shutil.copyfile(json.loads((kept_run / ".virnucpro" / "run.json").read_text())["models"][
        "classifier"], other)
    run_classify(run_copy, model=str(other))
    assert _bytes(run_copy) == _bytes(kept_run)
    record = json.loads((run_copy / ".virnucpro" / "run.json").read_text())
    assert record["settings"]["model"] == record["models"]["classifier"] == str(other)
    kept = json.loads((kept_run / ".virnucpro" / "run.json").read_text())
    assert record["input"] == kept["input"] and record["demo"] is kept["demo"] is True


def test_without_kept_features_the_error_says_to_keep_them(run_copy):
    shutil.rmtree(run_copy / "example_merged")
    result = subprocess.run([sys.executable, "-m", "virnucpro", "classify", str(run_copy)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    message = result.stderr.strip().splitlines()
    assert len(message) == 1 and "-k (--keep-intermediate)" in message[0]
    assert "example_merged" in message[0]


def test_a_folder_that_is_not_a_run_is_refused(tmp_path):
    with pytest.raises(UsageError, match="not the output folder"):
        run_classify(tmp_path)


def test_every_predict_saves_its_stage_records(kept_run):
    from virnucpro.stage_records import load_records

    records, _ = load_records(kept_run)
    names = {record.name for record in records}
    assert {"Sequence Chunking", "DNABERT-S Feature Extraction", "Consensus Scoring"} <= names
    assert all(record.end >= record.start > 0 for record in records)
