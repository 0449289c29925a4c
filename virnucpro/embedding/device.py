"""Which device and floating-point precision the feature extractors run on."""

from __future__ import annotations

import logging
import re

import torch

from virnucpro.errors import UsageError

logger = logging.getLogger(__name__)

_DEVICE = re.compile(r"^(auto|cpu|cuda)(?::(\d+))?$")
_PRECISIONS = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def resolve_device(spec: str) -> torch.device:
    """``auto`` (the first GPU if there is one, else the CPU), ``cpu``, ``cuda`` or ``cuda:N``.

    Raises:
        UsageError: the spec is malformed, or names a GPU that this machine does not have.
    """
    match = _DEVICE.match(spec.strip().lower())
    if match is None or (match.group(2) is not None and match.group(1) != "cuda"):
        raise UsageError(f"--device must be auto, cpu, cuda or cuda:N, not {spec!r}")
    kind, index = match.group(1), match.group(2)
    if kind == "auto":
        return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    if kind == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise UsageError(
            f"--device {spec} asks for a GPU but CUDA is not available; use --device cpu"
        )
    number = int(index or 0)
    if number >= torch.cuda.device_count():
        raise UsageError(
            f"--device {spec}: this machine has {torch.cuda.device_count()} GPU(s), "
            f"numbered from 0"
        )
    return torch.device("cuda", number)


def resolve_dtype(precision: str, device: torch.device) -> torch.dtype:
    """The dtype to run the models in: always fp32 on CPU; on a GPU ``auto`` means bf16 where
    the GPU supports it (else fp32), or the explicit ``fp32`` / ``fp16`` / ``bf16``.

    Raises:
        UsageError: an unknown precision, or bf16 on a GPU without bf16 support.
    """
    precision = precision.strip().lower()
    if precision != "auto" and precision not in _PRECISIONS:
        raise UsageError(f"--precision must be auto, fp32, fp16 or bf16, not {precision!r}")
    if device.type != "cuda":
        if precision not in ("auto", "fp32"):
            logger.info("precision %s applies to GPUs only; the CPU runs in fp32", precision)
        return torch.float32
    bf16 = torch.cuda.is_bf16_supported()
    if precision == "auto":
        return torch.bfloat16 if bf16 else torch.float32
    if precision == "bf16" and not bf16:
        raise UsageError(f"{torch.cuda.get_device_name(device)} does not support bf16; "
                         "use --precision fp16 or fp32")
    return _PRECISIONS[precision]
