"""A run killed with SIGKILL at a point it signals (the test hook), then resumed, gives
byte-identical outputs; damaged or missing outputs are redone by --resume, damaged records are
one line with exit status 2.

The killed run's lock stays behind; the resumed run takes it over (its pid no longer runs).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess

import pytest
from demo_runs import PausePoint, output_files, predict_command

KILL_POINTS = {
    "after chunking": "Six-Frame Translation",
    "inside DNABERT-S extraction": "output_1_DNABERT_S.pt",
    "after ESM-2 extraction": "Feature Merging",
}


def resume(out, cache) -> subprocess.CompletedProcess:
    return subprocess.run(predict_command(out, cache, "--resume"), capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_killed_then_resumed_run_matches_an_uninterrupted_one(
    point, tmp_path, model_cache_dir, uninterrupted
):
    out = tmp_path / "out"
    pause = PausePoint(tmp_path, KILL_POINTS[point])
    process = subprocess.Popen(predict_command(out, model_cache_dir), env=pause.env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL)
    pause.wait()
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=60) == -signal.SIGKILL
    assert (out / ".virnucpro.lock").exists(), "kill -9 leaves the run's lock behind"

    resumed = resume(out, model_cache_dir)

    assert resumed.returncode == 0, resumed.stderr
    assert "skipped (checkpoint)" in resumed.stderr
    assert "taking over the lock of a run that no longer runs" in resumed.stderr
    assert not (out / ".virnucpro.lock").exists(), "released at the end"
    assert output_files(out) == uninterrupted


@pytest.fixture
def finished(tmp_path, model_cache_dir, uninterrupted):
    out = tmp_path / "out"
    subprocess.run(predict_command(out, model_cache_dir), check=True, capture_output=True,
                   stdin=subprocess.DEVNULL)
    return out


@pytest.mark.slow
def test_a_truncated_feature_file_and_a_deleted_summary_are_redone(
    finished, model_cache_dir, uninterrupted
):
    feature = next(finished.glob("*_protein/output_2_ESM.pt"))
    feature.write_bytes(feature.read_bytes()[:100])
    (finished / "sequence_summary.tsv").unlink()

    resumed = resume(finished, model_cache_dir)

    assert resumed.returncode == 0, resumed.stderr
    assert f"{feature.name}: 100 bytes" in resumed.stderr, "the file and the reason are named"
    assert "sequence_summary.tsv: missing" in resumed.stderr
    assert "DNABERT-S Feature Extraction skipped (checkpoint)" in resumed.stderr
    assert "Feature Merging skipped (checkpoint)" in resumed.stderr, "same features: reused"
    assert output_files(finished) == uninterrupted


@pytest.mark.slow
@pytest.mark.parametrize("record", ["run.json", "done/esm-2-feature-extraction"])
def test_a_damaged_record_is_one_line_and_exit_2(finished, model_cache_dir, record):
    (finished / ".virnucpro" / record).write_bytes(b"\x00\xff garbage")

    resumed = resume(finished, model_cache_dir)

    assert resumed.returncode == 2, resumed.stderr
    errors = [line for line in resumed.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and record in errors[0] and "damaged" in errors[0], resumed.stderr
    assert "Traceback" not in resumed.stderr and "please report" not in resumed.stderr


@pytest.mark.slow
def test_a_corrected_classifier_reuses_every_embedding(finished, model_cache_dir, tmp_path):
    record = json.loads((finished / ".virnucpro" / "run.json").read_text())
    other = tmp_path / "same_weights_elsewhere.pth"
    shutil.copyfile(record["models"]["classifier"], other)
    before = {path: path.stat().st_mtime_ns for path in finished.glob("*_protein/*_ESM.pt")}

    resumed = subprocess.run(predict_command(finished, model_cache_dir, "--resume", "-m",
                                             str(other)),
                             capture_output=True, text=True, stdin=subprocess.DEVNULL)

    assert resumed.returncode == 0, resumed.stderr
    assert "Feature Merging skipped (checkpoint)" in resumed.stderr
    assert "Model Prediction skipped" not in resumed.stderr
    assert {path: path.stat().st_mtime_ns for path in before} == before


@pytest.mark.slow
def test_after_a_failure_at_stage_8_the_corrected_classifier_resumes_with_the_embeddings(
    tmp_path, model_cache_dir, uninterrupted
):
    """A classifier that passed the checks before stage 1 but fails at stage 8 (here: replaced
    by one for other features while the run embedded); the corrected -m then resumes."""
    import torch

    from virnucpro.classification.classifier import MLPClassifier
    from virnucpro.pipeline.models.demo import CLASSIFIER_FILE
    from virnucpro.pipeline.models.model_resolution import demo_models_dir

    out = tmp_path / "out"
    fixed = tmp_path / "fixed.pth"
    shutil.copyfile(demo_models_dir(model_cache_dir) / CLASSIFIER_FILE, fixed)
    changing = tmp_path / "model.pth"
    shutil.copyfile(fixed, changing)
    pause = PausePoint(tmp_path, "Model Prediction")
    first = subprocess.Popen(predict_command(out, model_cache_dir, "-m", str(changing)),
                             env=pause.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, stdin=subprocess.DEVNULL)
    pause.wait()
    torch.save(MLPClassifier(7).state_dict(), changing)  # other features: refused at stage 8
    pause.release()
    _, stderr = first.communicate(timeout=300)
    assert first.returncode == 4 and "Model Prediction FAILED" in stderr, stderr

    resumed = subprocess.run(predict_command(out, model_cache_dir, "--resume", "-m", str(fixed)),
                             capture_output=True, text=True, stdin=subprocess.DEVNULL)

    assert resumed.returncode == 0, resumed.stderr
    assert "ESM-2 Feature Extraction skipped (checkpoint)" in resumed.stderr
    assert output_files(out) == uninterrupted
