"""The GPU check scripts: CPU dry runs of their whole path, and a clean stop without CUDA."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gpu_check_embed.py"


@pytest.fixture(scope="module")
def script():
    return runpy.run_path(str(SCRIPT), run_name="gpu_check_embed")


def test_cpu_dry_run_measures_both_models(script, capsys):
    status = script["main"](["--device", "cpu", "--small", "--sequences", "24",
                             "--dnabert-budgets", "2048", "--esm-budgets", "1024,4096"])
    out = capsys.readouterr().out
    assert status == 0
    assert "DNABERT-S" in out and "ESM-2 small" in out
    assert out.count("tokens/batch") == 3


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on machines without CUDA")
def test_without_cuda_exits_cleanly(script, capsys):
    assert script["main"]([]) == 0
    assert "No CUDA device" in capsys.readouterr().err


def test_flops_count_linear_layers_only(script):
    from virnucpro.embedding.dnabert_s import DNABertS

    model = DNABertS(script["DNABERT_FULL"])
    params = script["matmul_parameters"](model)
    # 12 layers x (Wqkv 3H^2 + dense H^2 + gated 2HI + wo IH), H=768, I=3072
    assert params == 12 * (4 * 768**2 + 3 * 768 * 3072)


@pytest.mark.slow
def test_all_gpu_checks_dry_run_passes_every_step(tmp_path):
    """scripts/gpu_checks.sh runs rarely (on a lent GPU), so its CPU dry run is kept working."""
    root = SCRIPT.parents[1]
    logs = tmp_path / "logs"
    env = {**os.environ, "PYTHON": sys.executable, "TMPDIR": str(tmp_path)}
    done = subprocess.run(["bash", "scripts/gpu_checks.sh", "--dry-run", str(logs)], cwd=root,
                          env=env, capture_output=True, text=True, timeout=110)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "0 step(s) failed" in done.stdout
    assert "scores within 1e-5" in (logs / "same-results.log").read_text()
    assert sorted(p.name for p in logs.iterdir()) == [
        "bench-embed-cpu.log", "embed.log", "predict-plain.log", "predict-torchrun.log",
        "same-results.log", "telemetry.log"]
