"""``virnucpro predict`` as a user runs it: exit statuses, messages, outputs, resume."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "example.fa"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``python -m virnucpro ARGS`` in a child process, with stdin closed."""
    return subprocess.run(
        [sys.executable, "-m", "virnucpro", *args],
        capture_output=True, text=True, cwd=cwd, stdin=subprocess.DEVNULL, timeout=300,
    )


@pytest.fixture
def demo_args(model_cache_dir):
    return ["--demo", "--cache-dir", str(model_cache_dir), "--no-progress"]


def test_version_and_help_do_not_import_torch():
    code = (
        "import sys\n"
        "from virnucpro.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('torch' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "False"
    version = run_cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("virnucpro ")


def test_demo_run_writes_every_result_and_a_summary(tmp_path, demo_args):
    out = tmp_path / "run"
    result = run_cli("predict", str(EXAMPLE), "-o", str(out), *demo_args)
    assert result.returncode == 0, result.stderr
    assert "MEANINGLESS" in result.stderr
    assert "PIPELINE SUMMARY" in result.stderr
    for stage in ("Sequence Chunking", "ESM-2 Feature Extraction", "Consensus Scoring"):
        assert stage in result.stderr
    header = (out / "prediction_results.txt").read_text().splitlines()[0]
    assert header == "Sequence_ID\tPrediction\tscore1\tscore2"
    summary = (out / "sequence_summary.tsv").read_text().splitlines()
    assert len(summary) == 1 + 8, "one row per input sequence, frames or not"
    assert sorted(p.name for p in out.iterdir()) == [
        ".virnucpro", "prediction_results.txt", "prediction_results_highestscore.csv",
        "sequence_summary.tsv",
    ], "intermediates are removed without -k"


def test_bad_fasta_exits_3_with_one_clear_line(tmp_path, demo_args):
    bad = tmp_path / "reads.fa"
    bad.write_text(">ok\nACGT\n>broken\nACGT1N\n")
    result = run_cli("predict", str(bad), "-o", str(tmp_path / "out"), *demo_args)
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    error = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "reads.fa" in error[0] and "line 4" in error[0]
    assert "broken" in error[0]
    assert not list((tmp_path / "out").glob("reads_*")), "nothing half-written"


def test_bad_fasta_with_verbose_shows_the_traceback(tmp_path, demo_args):
    bad = tmp_path / "reads.fa"
    bad.write_text("no header here\n")
    result = run_cli("predict", str(bad), "-o", str(tmp_path / "out"), "-v", *demo_args)
    assert result.returncode == 3 and "Traceback" in result.stderr


def test_missing_input_exits_3(tmp_path, demo_args):
    result = run_cli("predict", str(tmp_path / "absent.fa"), *demo_args, cwd=tmp_path)
    assert result.returncode == 3 and "absent.fa: input file not found" in result.stderr


def test_bad_model_file_exits_4(tmp_path, model_cache_dir):
    model = tmp_path / "classifier.pth"
    model.write_bytes(b"this is not a model")
    demo = model_cache_dir / "demo-models"
    result = run_cli(
        "predict", str(EXAMPLE), "-o", str(tmp_path / "out"), "-m", str(model),
        "--dnabert", str(demo / "dnabert-s"), "--esm", str(demo / "esm2_t2_64_demo.pt"),
        "--no-progress",
    )
    assert result.returncode == 4, result.stderr
    assert "classifier.pth: not a readable PyTorch file" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Sequence Chunking" not in result.stderr, "refused before stage 1"
    assert not (tmp_path / "out").exists()


def test_existing_output_dir_needs_resume_or_force(tmp_path, demo_args):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("x")
    result = run_cli("predict", str(EXAMPLE), "-o", str(out), *demo_args)
    assert result.returncode == 2
    assert "already exists and is not empty; use --resume" in result.stderr
    assert (out / "old.txt").exists()


def test_quiet_run_with_a_log_file(tmp_path, demo_args):
    log = tmp_path / "run.log"
    result = run_cli("predict", str(EXAMPLE), "-o", str(tmp_path / "out"), "-q",
                     "--log-file", str(log), *demo_args)
    assert result.returncode == 0
    assert "PIPELINE SUMMARY" not in result.stderr and "=== Stage" not in result.stderr
    logged = log.read_text()
    assert "PIPELINE SUMMARY" in logged and "INFO    virnucpro.telemetry: === Stage 9" in logged


def test_resume_after_a_complete_run_skips_every_stage(tmp_path, demo_args):
    out = tmp_path / "out"
    assert run_cli("predict", str(EXAMPLE), "-o", str(out), "-k", *demo_args).returncode == 0
    first = (out / "prediction_results.txt").read_bytes()
    again = run_cli("predict", str(EXAMPLE), "-o", str(out), "-k", "--resume", *demo_args)
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("skipped (checkpoint)") >= 9
    for metric in ("Sequences processed: 8", "Frames scored: 14", "Viral sequences: "):
        assert metric in again.stderr, "key metrics come from the checkpoints"
    assert "Viral sequences: -" not in again.stderr
    assert (out / "prediction_results.txt").read_bytes() == first


def test_resume_with_another_setting_is_refused(tmp_path, demo_args):
    out = tmp_path / "out"
    assert run_cli("predict", str(EXAMPLE), "-o", str(out), *demo_args).returncode == 0
    result = run_cli("predict", str(EXAMPLE), "-o", str(out), "-l", "300", "--resume", *demo_args)
    assert result.returncode == 2
    assert "chunk_length was 500, now 300" in result.stderr


def test_console_script_is_installed():
    bin_dir = Path(sys.executable).parent
    script = bin_dir / ("virnucpro.exe" if os.name == "nt" else "virnucpro")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "predict" in result.stdout
