"""A model typo costs seconds, not the embeddings: ``predict --demo`` as a user runs it refuses a
bad or missing model with exit 4 before stage 1, leaving nothing in the output folder; a trained
``model.pt`` given without ``-l`` sets the run's chunk length."""

from __future__ import annotations

import subprocess

import pytest
import torch
from demo_runs import predict_command

from virnucpro.classification.classifier import MLPClassifier
from virnucpro.training.model_file import ModelMetadata, save_trained_model

STAGE_NAMES = ("Sequence Chunking", "Six-Frame Translation", "DNABERT-S Feature Extraction")


def run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def assert_refused_before_stage_1(result, out, *named: str) -> None:
    assert result.returncode == 4, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and all(text in errors[0] for text in named), result.stderr
    assert not any(stage in result.stderr for stage in STAGE_NAMES), "a stage ran"
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir()), "something was written"


def trained_model(path, chunk_length: int):
    """A tiny ``model.pt`` for the demo embedders, as ``virnucpro train --demo`` writes one."""
    torch.manual_seed(0)
    metadata = ModelMetadata(chunk_length=chunk_length, input_dim=128, dnabert="demo", esm="demo")
    save_trained_model(path, MLPClassifier(128).state_dict(), metadata)
    return path


@pytest.mark.parametrize(("option", "named"), [
    ("-m", "classifier file not found"),
    ("--esm", "ESM-2 checkpoint not found"),
    ("--dnabert", "neither a model directory nor a model-hub id"),
])
def test_a_missing_model_with_demo_exits_4_before_stage_1(option, named, tmp_path,
                                                          model_cache_dir):
    out = tmp_path / "out"
    typo = tmp_path / "runs" / "nope.pt"
    result = run(predict_command(out, model_cache_dir, option, str(typo)))
    assert_refused_before_stage_1(result, out, str(typo), named)
    assert f"--demo: {option} {typo} given, used instead of the demo model" in result.stderr


def test_a_missing_trained_model_with_demo_exits_4_before_stage_1(tmp_path, model_cache_dir):
    out = tmp_path / "out"
    model = tmp_path / "run" / "model.pt"
    result = run(predict_command(out, model_cache_dir, "-m", str(model)))
    assert_refused_before_stage_1(result, out, str(model), "classifier file not found")


def test_a_pickle_carrying_code_as_model_exits_4_without_running_it(tmp_path, model_cache_dir,
                                                                    code_probe):
    payload, marker = code_probe
    evil = tmp_path / "evil.pth"
    torch.save({"hidden_layer.weight": payload}, evil)
    out = tmp_path / "out"
    result = run(predict_command(out, model_cache_dir, "-m", str(evil)))
    assert_refused_before_stage_1(result, out, str(evil), "refused to load")
    assert not marker.exists(), "the pickled code ran"


def test_a_text_file_as_model_exits_4_before_stage_1(tmp_path, model_cache_dir):
    notes = tmp_path / "model.pt"
    notes.write_text("the model is on the cluster\n")
    out = tmp_path / "out"
    result = run(predict_command(out, model_cache_dir, "-m", str(notes)))
    assert_refused_before_stage_1(result, out, str(notes), "not a readable PyTorch file")


def test_a_trained_model_without_l_runs_at_its_chunk_length(tmp_path, model_cache_dir):
    model = trained_model(tmp_path / "trained_300.pt", 300)
    out = tmp_path / "out"
    result = run(predict_command(out, model_cache_dir, "-m", str(model)))
    assert result.returncode == 0, result.stderr
    assert f"-l not given: chunks of 300 bp, the chunk length {model} was trained with" in \
        result.stderr
    assert (out / "example_chunked300.fa").is_file()
    assert not (out / "example_chunked500.fa").exists()
    rows = (out / "prediction_results.txt").read_text().splitlines()[1:]
    assert rows and all("_chunk_" in row.split("\t")[0] for row in rows)


def test_a_trained_model_and_another_l_stays_a_usage_error(tmp_path, model_cache_dir):
    model = trained_model(tmp_path / "trained_300.pt", 300)
    out = tmp_path / "out"
    result = run(predict_command(out, model_cache_dir, "-m", str(model), "-l", "500"))
    assert result.returncode == 2, result.stderr
    assert "chunk length 300 (the run uses 500)" in result.stderr
    assert not out.exists()


def test_train_and_evaluate_check_their_models_before_stage_1(tmp_path, model_cache_dir,
                                                              reference_dir, capsys):
    from virnucpro.cli import main

    genbank = reference_dir / "genbank"
    inputs = ["--viral", str(genbank / "gbvrl1_start.seq"),
              "--other", str(genbank / "NC_005816.gb")]
    demo = ["--demo", "--cache-dir", str(model_cache_dir), "--no-progress"]
    typo = tmp_path / "esm2_typo.pt"
    out = tmp_path / "trained"
    assert main(["train", *inputs, *demo, "--esm", str(typo), "-o", str(out)]) == 4
    assert f"ESM-2 checkpoint not found: {typo}" in capsys.readouterr().err
    assert not out.exists()
    notes = tmp_path / "model.pt"
    notes.write_text("not a model\n")
    out = tmp_path / "evaluated"
    assert main(["evaluate", "-m", str(notes), *inputs, *demo, "-o", str(out)]) == 4
    assert "not a readable PyTorch file" in capsys.readouterr().err
    assert not out.exists()
