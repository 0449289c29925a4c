"""Device and precision choice (this test machine may have no GPU)."""

from __future__ import annotations

import pytest
import torch

from virnucpro.embedding.device import resolve_device, resolve_dtype
from virnucpro.errors import UsageError

HAS_CUDA = torch.cuda.is_available()


def test_auto_picks_gpu_when_present():
    expected = "cuda:0" if HAS_CUDA else "cpu"
    assert resolve_device("auto") == torch.device(expected)


@pytest.mark.parametrize("spec", ["cpu", "CPU", " cpu "])
def test_cpu(spec):
    assert resolve_device(spec) == torch.device("cpu")


@pytest.mark.parametrize("spec", ["gpu", "cuda:x", "cpu:0", "auto:1", "mps", ""])
def test_malformed_devices(spec):
    with pytest.raises(UsageError, match="--device must be"):
        resolve_device(spec)


@pytest.mark.skipif(HAS_CUDA, reason="checks the message shown on machines without CUDA")
@pytest.mark.parametrize("spec", ["cuda", "cuda:1"])
def test_cuda_without_gpu_says_so(spec):
    with pytest.raises(UsageError, match="CUDA is not available"):
        resolve_device(spec)


@pytest.mark.parametrize("precision", ["auto", "fp32", "fp16", "bf16"])
def test_cpu_always_runs_fp32(precision):
    assert resolve_dtype(precision, torch.device("cpu")) == torch.float32


def test_unknown_precision():
    with pytest.raises(UsageError, match="--precision"):
        resolve_dtype("int8", torch.device("cpu"))


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA device")
def test_gpu_precisions():
    device = torch.device("cuda:0")
    assert resolve_dtype("fp16", device) == torch.float16
    assert resolve_dtype("fp32", device) == torch.float32
    expected = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
    assert resolve_dtype("auto", device) == expected
