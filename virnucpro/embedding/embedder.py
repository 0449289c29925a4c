"""The batching, out-of-memory and ordering logic that both feature extractors share."""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from virnucpro.embedding.batching import split_batch, token_budget_batches
from virnucpro.errors import GpuOutOfMemoryError

logger = logging.getLogger(__name__)


@dataclass
class Embeddings:
    """The embeddings of a list of sequences, in input order.

    Attributes:
        data: ``[n, dim]`` float32 on the CPU.
        tokens: real (unpadded) tokens the model read, special tokens included.
    """

    data: torch.Tensor
    tokens: int


class BatchedEmbedder:
    """Embed sequences in length-sorted batches under a token budget.

    Subclasses turn sequences into token ids (:meth:`tokenize`) and a list of token-id lists
    into one embedding per list (:meth:`embed_tokens`). This class batches, restores the input
    order, and on a CUDA out-of-memory error halves the batch and retries it, so that no
    sequence is lost or embedded twice; later batches keep the smaller size.
    """

    #: Name used in log messages.
    name = "model"

    def __init__(self, device: torch.device, tokens_per_batch: int):
        self.device = torch.device(device)
        self.tokens_per_batch = tokens_per_batch
        self.max_batch_size: int | None = None  # set after an out-of-memory error

    @property
    def dim(self) -> int:
        """Width of one embedding."""
        raise NotImplementedError

    def tokenize(self, sequences: Sequence[str]) -> list[list[int]]:
        """Token ids of each sequence, special tokens included."""
        raise NotImplementedError

    def embed_tokens(self, token_ids: Sequence[Sequence[int]]) -> torch.Tensor:
        """``[len(token_ids), dim]`` float32 embeddings of one batch, left on the device."""
        raise NotImplementedError

    def to_device(self, tensor: torch.Tensor) -> torch.Tensor:
        """A CPU tensor on the model's device; to a GPU without blocking, from pinned memory."""
        if self.device.type != "cuda":
            return tensor
        return tensor.pin_memory().to(self.device, non_blocking=True)

    def embed(self, sequences: Sequence[str], progress=None) -> Embeddings:
        """Embeddings of ``sequences`` in their input order.

        Results stay on the device until every batch is queued, then come back in one copy,
        so the GPU is never left waiting for the host between batches.

        Args:
            sequences: the sequences to embed.
            progress: optional tqdm-like bar, advanced by the sequences of each batch queued.

        Raises:
            GpuOutOfMemoryError: the GPU runs out of memory for a single sequence.
        """
        return self.embed_token_ids(self.tokenize(sequences), progress)

    def embed_token_ids(self, token_ids: list[list[int]], progress=None) -> Embeddings:
        """Embeddings of already tokenized sequences, in their input order (see :meth:`embed`)."""
        lengths = [len(ids) for ids in token_ids]
        parts: list[tuple[list[int], torch.Tensor]] = []
        for batch in token_budget_batches(lengths, self.tokens_per_batch):
            parts += self._embed_batch(batch, token_ids)
            if progress is not None:
                progress.update(len(batch))
        data = torch.zeros(len(token_ids), self.dim, dtype=torch.float32)
        if parts:
            rows = torch.tensor([index for piece, _ in parts for index in piece])
            data[rows] = torch.cat([result for _, result in parts]).float().cpu()
        return Embeddings(data=data, tokens=sum(lengths))

    def _embed_batch(self, batch: list[int], token_ids: list[list[int]]):
        """``(indices, embeddings)`` pieces of ``batch``, halving pieces that run out of memory."""
        done = []
        pending = deque(split_batch(batch, self.max_batch_size or len(batch)))
        while pending:
            piece = pending.popleft()
            try:
                done.append((piece, self.embed_tokens([token_ids[i] for i in piece])))
                continue
            except torch.cuda.OutOfMemoryError:
                pass  # handled below, once the exception (and its frames' tensors) is released
            self._shrink_after_oom(piece, token_ids)
            half = self.max_batch_size
            pending.extendleft([piece[half:], piece[:half]])  # first half goes first
        return done

    def _shrink_after_oom(self, piece: list[int], token_ids: list[list[int]]) -> None:
        """Free the allocator cache and cap the batch size at half of ``piece`` (rounded up)."""
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        if len(piece) == 1:
            raise GpuOutOfMemoryError(
                f"{self.name}: the GPU ({self.device}) ran out of memory on a single sequence of "
                f"{len(token_ids[piece[0]])} tokens. Free the GPU, use --precision bf16 or "
                "fp16, or run on another device (--device cpu)."
            )
        self.max_batch_size = (len(piece) + 1) // 2
        logger.warning(
            "%s: CUDA out of memory on a batch of %d sequences; retrying in batches of %d",
            self.name, len(piece), self.max_batch_size,
        )


def pad_token_ids(
    token_ids: Sequence[Sequence[int]], pad_id: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ``[B, L]`` ids (``L`` the longest) and the ``[B, L]`` bool mask of real tokens.

    Built with one copy of all ids rather than one small tensor per row.
    """
    lengths = torch.tensor([len(ids) for ids in token_ids])
    positions = torch.arange(int(lengths.max()))
    mask = positions[None, :] < lengths[:, None]
    input_ids = torch.full(mask.shape, pad_id, dtype=torch.long)
    # Boolean indexing walks the mask row by row, the order of the concatenated ids.
    input_ids[mask] = torch.tensor(list(itertools.chain.from_iterable(token_ids)), dtype=torch.long)
    return input_ids, mask
