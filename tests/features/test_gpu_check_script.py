"""The GPU check script: a CPU dry run of its whole path, and a clean stop without CUDA."""

from __future__ import annotations

import runpy
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
    from virnucpro.models.dnabert_s import DNABertS

    model = DNABertS(script["DNABERT_FULL"])
    params = script["matmul_parameters"](model)
    # 12 layers x (Wqkv 3H^2 + dense H^2 + gated 2HI + wo IH), H=768, I=3072
    assert params == 12 * (4 * 768**2 + 3 * 768 * 3072)
