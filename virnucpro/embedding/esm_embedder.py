"""ESM-2 embeddings: the mean of the last layer over the residues of a protein."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from virnucpro.embedding.embedder import BatchedEmbedder, pad_token_ids

#: Residues averaged per protein, as in the original tool (longer proteins are still run
#: whole, as its batch converter does, but only their first 1,024 residues are averaged).
TRUNCATION_RESIDUES = 1024


class ESMEmbedder(BatchedEmbedder):
    """Embed protein sequences with a fair-esm ESM-2 model.

    Tokens are BOS, the residues and EOS, as fair-esm's batch converter builds them; the
    embedding is the mean of the last layer's representation over residue positions
    ``1..min(len, 1024)``, BOS and EOS excluded. In bf16 / fp16 the rotary position tables
    are computed in float32 (see :mod:`virnucpro.embedding.esm_rotary`).

    Args:
        model: an ``esm.model.esm2.ESM2`` (moved to ``device`` and ``dtype``, set to eval mode).
        alphabet: its ``esm.data.Alphabet``.
        device: where to run.
        dtype: the model's floating-point type on that device.
        tokens_per_batch: padded tokens per batch, BOS and EOS included.
    """

    name = "ESM-2"

    def __init__(self, model, alphabet, device, dtype=torch.float32, tokens_per_batch=4096):
        super().__init__(device, tokens_per_batch)
        if dtype != torch.float32:
            from virnucpro.embedding.esm_rotary import use_float32_rotary

            use_float32_rotary(model)  # rotary angles stay exact in bf16 / fp16
        self.model = model.to(device=self.device, dtype=dtype).eval()
        self.alphabet = alphabet
        self.layer = model.num_layers

    @property
    def dim(self) -> int:
        """Embedding width of the model."""
        return self.model.embed_dim

    def tokenize(self, sequences: Sequence[str]) -> list[list[int]]:
        """``[BOS] residues [EOS]`` ids of each protein, untruncated."""
        alphabet = self.alphabet
        return [[alphabet.cls_idx, *alphabet.encode(seq), alphabet.eos_idx] for seq in sequences]

    @torch.inference_mode()
    def embed_tokens(self, token_ids: Sequence[Sequence[int]]) -> torch.Tensor:
        """Mean over residues 1..min(len, 1024) of the last layer (float32, on the device)."""
        tokens, mask = pad_token_ids(token_ids, self.alphabet.padding_idx)
        residues = (mask.sum(dim=1, keepdim=True) - 2).clamp(max=TRUNCATION_RESIDUES)
        positions = torch.arange(tokens.shape[1])[None, :]
        weights = ((positions >= 1) & (positions <= residues)).float().unsqueeze(-1)
        output = self.model(self.to_device(tokens), repr_layers=[self.layer])
        hidden = output["representations"][self.layer].float()
        weights = self.to_device(weights)
        return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
