"""The DNABERT-S encoder written natively in torch, so that no model-hub code ever runs.

DNABERT-S is a MosaicBERT-style BERT: no position embeddings (an ALiBi bias on the attention
scores instead), one fused ``Wqkv`` projection, a gated-GELU feed-forward block and
post-LayerNorm residuals. Parameter names follow the published checkpoints, so their state
dicts load unchanged (with or without the ``bert.`` prefix of a masked-LM checkpoint).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch
from torch import nn
from torch.nn import functional as F

# Key prefixes of published checkpoints that the encoder does not use.
_IGNORED_PREFIXES = ("pooler.", "cls.")
# Non-persistent buffers that some exports still carry.
_IGNORED_KEYS = ("embeddings.token_type_ids", "embeddings.position_ids")

_ACTIVATIONS = {
    "gelu": lambda: nn.GELU(approximate="none"),
    "gelu_new": lambda: nn.GELU(approximate="tanh"),
    "gelu_pytorch_tanh": lambda: nn.GELU(approximate="tanh"),
    "relu": nn.ReLU,
}

DEFAULTS = {
    "vocab_size": 4096,
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "alibi_starting_size": 512,
    "layer_norm_eps": 1e-12,
    "hidden_act": "gelu",
    "pad_token_id": 0,
    "type_vocab_size": 2,
}


def alibi_slopes(num_heads: int) -> list[float]:
    """ALiBi head slopes; head counts that are not a power of two borrow every other slope
    of the next power of two."""

    def power_of_two_slopes(n: int) -> list[float]:
        start = 2.0 ** (-(2.0 ** -(math.log2(n) - 3)))
        return [start ** (i + 1) for i in range(n)]

    if math.log2(num_heads).is_integer():
        return power_of_two_slopes(num_heads)
    closest = 2 ** math.floor(math.log2(num_heads))
    extra = alibi_slopes(2 * closest)[0::2][: num_heads - closest]
    return power_of_two_slopes(closest) + extra


def alibi_bias(slopes: torch.Tensor, size: int) -> torch.Tensor:
    """The ``[1, heads, size, size]`` symmetric ALiBi bias ``-slope * |i - j|``, on the
    device and in the dtype of the ``[heads]`` tensor ``slopes``."""
    positions = torch.arange(size, device=slopes.device)
    distance = (positions[None, :] - positions[:, None]).abs().to(slopes.dtype)
    return (-slopes[:, None, None] * distance[None, :, :]).unsqueeze(0)


class DNABertEmbeddings(nn.Module):
    """Word plus token-type (always type 0) embeddings, then LayerNorm."""

    def __init__(self, config: Mapping):
        super().__init__()
        hidden = config["hidden_size"]
        self.word_embeddings = nn.Embedding(
            config["vocab_size"], hidden, padding_idx=config["pad_token_id"]
        )
        self.token_type_embeddings = nn.Embedding(config["type_vocab_size"], hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=config["layer_norm_eps"])

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """``[B, L]`` token ids to ``[B, L, H]`` embeddings."""
        token_type = self.token_type_embeddings.weight[0]
        return self.LayerNorm(self.word_embeddings(input_ids) + token_type)


class DNABertSelfAttention(nn.Module):
    """Multi-head attention from one fused query/key/value projection."""

    def __init__(self, config: Mapping):
        super().__init__()
        self.num_heads = config["num_attention_heads"]
        self.head_dim = config["hidden_size"] // self.num_heads
        self.Wqkv = nn.Linear(config["hidden_size"], 3 * config["hidden_size"])

    def forward(self, hidden: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        """Attend with an additive float ``bias`` broadcastable to ``[B, heads, L, L]``."""
        batch, length, width = hidden.shape
        qkv = self.Wqkv(hidden).view(batch, length, 3, self.num_heads, self.head_dim)
        query, key, value = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        context = F.scaled_dot_product_attention(query, key, value, attn_mask=bias)
        return context.transpose(1, 2).reshape(batch, length, width)


class DNABertAttention(nn.Module):
    """Self-attention, output projection and post-LayerNorm residual."""

    def __init__(self, config: Mapping):
        super().__init__()
        self.self = DNABertSelfAttention(config)
        self.output = DNABertSelfOutput(config)

    def forward(self, hidden: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        """One attention block."""
        return self.output(self.self(hidden, bias), hidden)


class DNABertSelfOutput(nn.Module):
    """Dense projection of the attention output, added to the input and normalised."""

    def __init__(self, config: Mapping):
        super().__init__()
        self.dense = nn.Linear(config["hidden_size"], config["hidden_size"])
        self.LayerNorm = nn.LayerNorm(config["hidden_size"], eps=config["layer_norm_eps"])

    def forward(self, context: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        """``LayerNorm(dense(context) + residual)``."""
        return self.LayerNorm(self.dense(context) + residual)


class DNABertGatedMLP(nn.Module):
    """Gated feed-forward: ``wo(act(x W_gate) * (x W_lin))`` then post-LayerNorm residual.

    ``gated_layers`` holds both projections stacked (gate first), without bias.
    """

    def __init__(self, config: Mapping):
        super().__init__()
        hidden, inner = config["hidden_size"], config["intermediate_size"]
        self.intermediate_size = inner
        self.gated_layers = nn.Linear(hidden, 2 * inner, bias=False)
        self.act = _ACTIVATIONS[config["hidden_act"]]()
        self.wo = nn.Linear(inner, hidden)
        self.layernorm = nn.LayerNorm(hidden, eps=config["layer_norm_eps"])

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """One feed-forward block."""
        gated, linear = self.gated_layers(hidden).split(self.intermediate_size, dim=-1)
        return self.layernorm(self.wo(self.act(gated) * linear) + hidden)


class DNABertLayer(nn.Module):
    """One encoder layer: attention block then gated feed-forward block."""

    def __init__(self, config: Mapping):
        super().__init__()
        self.attention = DNABertAttention(config)
        self.mlp = DNABertGatedMLP(config)

    def forward(self, hidden: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        """Apply the layer."""
        return self.mlp(self.attention(hidden, bias))


class DNABertEncoder(nn.Module):
    """The stack of encoder layers and the attention bias they share.

    The ALiBi bias depends only on the distance between positions, so it is computed for each
    batch's length; ``alibi_starting_size`` (the published code's initial table size, grown
    on demand) therefore never changes a result.
    """

    def __init__(self, config: Mapping):
        super().__init__()
        self.num_heads = config["num_attention_heads"]
        self.layer = nn.ModuleList(
            DNABertLayer(config) for _ in range(config["num_hidden_layers"])
        )
        # float32 slopes per device: not a buffer, which model.to(bfloat16) would round.
        self._slopes: dict[torch.device, torch.Tensor] = {}

    def slopes(self, device: torch.device) -> torch.Tensor:
        """The head slopes as a float32 tensor on ``device`` (copied there once)."""
        if device not in self._slopes:
            values = alibi_slopes(self.num_heads)
            self._slopes[device] = torch.tensor(values, dtype=torch.float32, device=device)
        return self._slopes[device]

    def attention_bias(self, mask: torch.Tensor | None, length: int, device: torch.device,
                       dtype: torch.dtype) -> torch.Tensor:
        """ALiBi plus, where ``mask`` is 0, a bias that removes the key from the softmax.

        Returns ``[1, heads, L, L]`` without a mask, else ``[B, heads, L, L]``, in ``dtype``.
        """
        bias = alibi_bias(self.slopes(device), length).to(dtype)
        if mask is None:
            return bias
        # Half the dtype's minimum: far below any score, yet no overflow when ALiBi is added.
        blocked = torch.finfo(dtype).min / 2
        padding = torch.zeros(mask.shape, device=device, dtype=dtype)
        padding = padding.masked_fill(~mask.bool(), blocked)
        return bias + padding[:, None, None, :]

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """Run every layer with the combined ALiBi and padding bias."""
        bias = self.attention_bias(mask, hidden.shape[1], hidden.device, hidden.dtype)
        for layer in self.layer:
            hidden = layer(hidden, bias)
        return hidden


class DNABertS(nn.Module):
    """The DNABERT-S encoder.

    Args:
        config: the keys of :data:`DEFAULTS` (``vocab_size``, ``hidden_size``,
            ``num_hidden_layers``, ``num_attention_heads``, ``intermediate_size``,
            ``alibi_starting_size``, ``layer_norm_eps``, ``hidden_act``, ``pad_token_id``,
            ``type_vocab_size``); missing keys take the published DNABERT-S values.
    """

    def __init__(self, config: Mapping):
        super().__init__()
        self.config = {**DEFAULTS, **{k: config[k] for k in DEFAULTS if k in config}}
        if self.config["hidden_act"] not in _ACTIVATIONS:
            raise ValueError(f"unsupported hidden_act {self.config['hidden_act']!r}")
        if self.config["hidden_size"] % self.config["num_attention_heads"]:
            raise ValueError("hidden_size must be a multiple of num_attention_heads")
        self.embeddings = DNABertEmbeddings(self.config)
        self.encoder = DNABertEncoder(self.config)

    @property
    def hidden_size(self) -> int:
        """Width of the last hidden state (768 for the published model)."""
        return self.config["hidden_size"]

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The last hidden state ``[B, L, H]``, zero at padded positions.

        Args:
            input_ids: ``[B, L]`` token ids.
            attention_mask: ``[B, L]``, 1 for real tokens and 0 for padding; None means all real.
        """
        hidden = self.encoder(self.embeddings(input_ids), attention_mask)
        if attention_mask is None:
            return hidden
        return hidden * attention_mask[..., None].to(hidden.dtype)

    def load_state_dict(self, state_dict: Mapping, strict: bool = True, assign: bool = False):
        """Load published weights; a ``bert.`` prefix and pooler / MLM-head keys are accepted."""
        return super().load_state_dict(encoder_state_dict(state_dict), strict=strict, assign=assign)


def encoder_state_dict(state_dict: Mapping) -> dict:
    """The encoder's entries of a published state dict, ``bert.`` prefix removed."""
    kept = {}
    for name, value in state_dict.items():
        key = name.removeprefix("bert.")
        if key.startswith(_IGNORED_PREFIXES) or key in _IGNORED_KEYS:
            continue
        kept[key] = value
    return kept
