"""Float32 rotary tables keep ESM-2's position encoding exact when the model runs in bf16."""

from __future__ import annotations

import copy

import pytest
import torch
from esm.rotary_embedding import RotaryEmbedding

from virnucpro.embedding.esm_embedder import ESMEmbedder
from virnucpro.embedding.esm_rotary import Float32RotaryEmbedding, use_float32_rotary


def _fair_esm_tables(dtype, length=160, dim=64):
    rotary = RotaryEmbedding(dim).to(dtype)
    cos, sin = rotary._update_cos_sin_tables(torch.zeros(1, length, dim, dtype=dtype),
                                             seq_dimension=-2)
    return cos.float(), sin.float()


def test_tables_are_float32_accurate_in_bf16():
    reference_cos, reference_sin = _fair_esm_tables(torch.float32)
    cos, sin = Float32RotaryEmbedding(64).tables(160, torch.zeros(1, dtype=torch.bfloat16))
    assert cos.dtype == torch.bfloat16
    assert (cos.float() - reference_cos).abs().max() <= 2**-8
    assert (sin.float() - reference_sin).abs().max() <= 2**-8
    # What it fixes: fair-esm's own tables in bf16 are off by far more.
    rounded_cos, _ = _fair_esm_tables(torch.bfloat16)
    assert (rounded_cos - reference_cos).abs().max() > 0.1


def test_rotation_matches_fair_esm_in_float32():
    q, k = torch.randn(2, 3, 40, 16).unbind(0)
    expected = RotaryEmbedding(16)(q, k)
    for got, want in zip(Float32RotaryEmbedding(16)(q, k), expected, strict=True):
        torch.testing.assert_close(got, want)


def test_bf16_embedder_swaps_rotary_and_stays_close(esm_demo):
    model, alphabet = esm_demo
    proteins = ["MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQ" * 2]
    reference = ESMEmbedder(copy.deepcopy(model), alphabet, "cpu").embed(proteins).data
    bf16 = ESMEmbedder(copy.deepcopy(model), alphabet, "cpu", dtype=torch.bfloat16)
    assert all(isinstance(layer.self_attn.rot_emb, Float32RotaryEmbedding)
               for layer in bf16.model.layers)
    torch.testing.assert_close(bf16.embed(proteins).data, reference, atol=0.05, rtol=0.05)


def test_fp32_embedder_keeps_fair_esm_rotary(esm_demo):
    model, alphabet = esm_demo
    embedder = ESMEmbedder(copy.deepcopy(model), alphabet, "cpu")
    assert all(isinstance(layer.self_attn.rot_emb, RotaryEmbedding)
               for layer in embedder.model.layers)


def test_replacement_count(esm_demo):
    assert use_float32_rotary(copy.deepcopy(esm_demo[0])) == 2


@pytest.fixture(scope="module")
def esm_demo(demo_models):
    from virnucpro.embedding.esm_loading import load_esm2

    return load_esm2(demo_models.esm_checkpoint)
