"""Stages 5-6: DNABERT-S and ESM-2 embeddings of the split files, and everything they need.

Model code (``dnabert_s``, ``esm_rotary``), loaders (``dnabert_loading``, ``esm_loading``),
device and precision (``device``), token-budget batching (``batching``, ``embedder``), the two
embedders (``dnabert_embedder``, ``esm_embedder``), the feature-file format (``feature_files``)
and the stage functions (``stages``). Most modules import torch; ``stages`` and
``feature_files`` import it only when called.
"""
