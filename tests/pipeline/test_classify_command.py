"""``virnucpro classify``: stages 8-9 again on a kept run, without the embedders."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from virnucpro.config import PipelineConfig
from virnucpro.errors import ModelFileError, UsageError
from virnucpro.pipeline.checkpoint import RunState
from virnucpro.pipeline.definitions import PREDICT, RECLASSIFY
from virnucpro.pipeline.reclassify import ReclassifyOptions, run_reclassify
from virnucpro.pipeline.runner import run_prediction
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
    run_reclassify(run_copy, ReclassifyOptions(min_score=0.51, progress=False))
    before, after = _bytes(kept_run), _bytes(run_copy)
    assert after["prediction_results.txt"] == before["prediction_results.txt"]
    assert after["prediction_results_highestscore.csv"] == before[
        "prediction_results_highestscore.csv"]
    assert after["sequence_summary.tsv"] != before["sequence_summary.tsv"]
    header = after["sequence_summary.tsv"].decode().splitlines()[0].split("\t")
    assert header == list(SUMMARY_HEADER)
    assert json.loads((run_copy / ".virnucpro" / "run.json").read_text())["settings"][
        "min_score"] == 0.51


def test_the_run_json_describes_the_results_after_classify(run_copy, model_cache_dir):
    run_reclassify(run_copy, ReclassifyOptions(min_score=0.6, progress=False))
    state = RunState(run_copy / ".virnucpro")
    assert all(state.is_done(stage) for stage in PREDICT), "every stage is marked done again"
    resume = PipelineConfig(output_dir=run_copy, demo=True, cache_dir=model_cache_dir,
                            keep_intermediate=True, progress=False, resume=True)
    with pytest.raises(UsageError, match="min_score was 0.6, now 0.5"):
        run_prediction(EXAMPLE, resume)  # the results are not those of the default threshold
    again = PipelineConfig(output_dir=run_copy, demo=True, cache_dir=model_cache_dir,
                           keep_intermediate=True, progress=False, resume=True, min_score=0.6)
    run_prediction(EXAMPLE, again)  # the settings the results were made with: resumes


def test_a_refused_classifier_changes_nothing_in_the_run(run_copy, tmp_path):
    broken = tmp_path / "broken.pth"
    broken.write_bytes(b"not a model")
    record = (run_copy / ".virnucpro" / "run.json").read_bytes()
    with pytest.raises(ModelFileError, match="broken.pth: not a readable PyTorch file"):
        run_reclassify(run_copy, ReclassifyOptions(model=str(broken), progress=False))
    state = RunState(run_copy / ".virnucpro")
    assert all(state.is_done(stage) for stage in (*RECLASSIFY, PREDICT[0]))
    assert (run_copy / ".virnucpro" / "run.json").read_bytes() == record


def test_another_classifier_file_is_used_and_recorded(kept_run, run_copy, tmp_path):
    other = tmp_path / "copy_of_the_classifier.pth"
    shutil.copyfile(json.loads((kept_run / ".virnucpro" / "run.json").read_text())["settings"][
        "model"], other)
    run_reclassify(run_copy, ReclassifyOptions(model=str(other), progress=False))
    assert _bytes(run_copy) == _bytes(kept_run)
    settings = json.loads((run_copy / ".virnucpro" / "run.json").read_text())["settings"]
    assert settings["model"] == str(other)


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
        run_reclassify(tmp_path, ReclassifyOptions(progress=False))


def test_every_predict_saves_its_stage_records(kept_run):
    from virnucpro.stage_records import load_records

    records, _ = load_records(kept_run)
    names = {record.name for record in records}
    assert {"Sequence Chunking", "DNABERT-S Feature Extraction", "Consensus Scoring"} <= names
    assert all(record.end >= record.start > 0 for record in records)
