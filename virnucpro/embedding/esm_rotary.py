"""Rotary position tables for ESM-2 computed in float32, for bf16 / fp16 runs.

fair-esm builds its rotary tables in the dtype of the model: once the model is cast to
bfloat16, the angles ``position x frequency`` are rounded to 8 significant bits (about
+-0.5 rad at position 150), so the sines and cosines of the fast-turning dimensions are
wrong. This module computes the angles and their sines and cosines in float32 and only then
casts them to the input's dtype, as a float32 run would see them.
"""

from __future__ import annotations

import torch
from esm.rotary_embedding import RotaryEmbedding, apply_rotary_pos_emb


class Float32RotaryEmbedding(torch.nn.Module):
    """Drop-in for fair-esm's ``RotaryEmbedding`` whose tables are computed in float32."""

    def __init__(self, head_dim: int):
        super().__init__()
        # A plain attribute, not a buffer: ``model.to(torch.bfloat16)`` must not round it.
        self.inv_freq = 1.0 / (10000 ** (torch.arange(0, head_dim, 2).float() / head_dim))
        self._key: tuple | None = None
        self._cos: torch.Tensor | None = None
        self._sin: torch.Tensor | None = None

    def tables(self, length: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``[1, length, head_dim]`` cosines and sines in the dtype and device of ``like``."""
        key = (length, like.device, like.dtype)
        if key != self._key:
            self.inv_freq = self.inv_freq.to(like.device)
            positions = torch.arange(length, device=like.device, dtype=torch.float32)
            angles = torch.outer(positions, self.inv_freq)
            angles = torch.cat((angles, angles), dim=-1)
            self._cos = angles.cos()[None].to(like.dtype)
            self._sin = angles.sin()[None].to(like.dtype)
            self._key = key
        return self._cos, self._sin

    def forward(self, q: torch.Tensor, k: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Rotate queries and keys by their positions (sequence on dimension -2)."""
        cos, sin = self.tables(k.shape[-2], k)
        return apply_rotary_pos_emb(q, cos, sin), apply_rotary_pos_emb(k, cos, sin)


def use_float32_rotary(model: torch.nn.Module) -> int:
    """Replace every fair-esm ``RotaryEmbedding`` of ``model`` in place; the number replaced."""
    replaced = 0
    for module in list(model.modules()):
        rotary = getattr(module, "rot_emb", None)
        if isinstance(rotary, RotaryEmbedding):
            module.rot_emb = Float32RotaryEmbedding(2 * rotary.inv_freq.numel())
            replaced += 1
    return replaced
