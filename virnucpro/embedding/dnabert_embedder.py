"""DNABERT-S embeddings: the mean of the last hidden state over every token of a sequence."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from virnucpro.embedding.embedder import BatchedEmbedder, pad_token_ids


class DNABertEmbedder(BatchedEmbedder):
    """Embed nucleotide sequences with a :class:`~virnucpro.embedding.dnabert_s.DNABertS`.

    The embedding is the mean of the last hidden state over all tokens, ``[CLS]`` and ``[SEP]``
    included, which is what the original tool computes one sequence at a time; batches are
    padded and the mean skips the padding.

    Args:
        model: the encoder (moved to ``device`` and ``dtype`` here, set to eval mode).
        tokenizer: the model's tokenizer (adds ``[CLS]`` and ``[SEP]``).
        device: where to run.
        dtype: the model's floating-point type on that device.
        tokens_per_batch: padded tokens per batch.
    """

    name = "DNABERT-S"

    def __init__(self, model, tokenizer, device, dtype=torch.float32, tokens_per_batch=16384):
        super().__init__(device, tokens_per_batch)
        self.model = model.to(device=self.device, dtype=dtype).eval()
        self.tokenizer = tokenizer
        pad = tokenizer.pad_token_id
        self.pad_id = 0 if pad is None else pad

    @property
    def dim(self) -> int:
        """Hidden size of the encoder."""
        return self.model.hidden_size

    def tokenize(self, sequences: Sequence[str]) -> list[list[int]]:
        """Token ids with ``[CLS]`` and ``[SEP]``, never truncated (as the original)."""
        if not sequences:
            return []
        encoded = self.tokenizer(list(sequences), add_special_tokens=True, truncation=False)
        return [list(ids) for ids in encoded["input_ids"]]

    @torch.inference_mode()
    def embed_tokens(self, token_ids: Sequence[Sequence[int]]) -> torch.Tensor:
        """Masked mean of the last hidden state of one padded batch (float32, on the device)."""
        input_ids, mask = pad_token_ids(token_ids, self.pad_id)
        input_ids = self.to_device(input_ids)
        if bool(mask.all()):  # equal lengths: no padding bias to build, a plain mean
            return self.model(input_ids).float().mean(dim=1)
        mask = self.to_device(mask)
        hidden = self.model(input_ids, mask).float()
        weights = mask.unsqueeze(-1).float()
        return (hidden * weights).sum(dim=1) / weights.sum(dim=1)

