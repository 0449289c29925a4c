"""Batched embedding of nucleotide (DNABERT-S) and protein (ESM-2) sequences.

The public names are imported lazily: this package needs torch, which ``--help`` and the
pre-processing stages should not pay for.
"""

__all__ = [
    "BatchedEmbedder",
    "DNABertEmbedder",
    "ESMEmbedder",
    "Embeddings",
    "read_features",
    "read_split_fasta",
    "resolve_device",
    "resolve_dtype",
    "token_budget_batches",
    "write_features",
]

_HOMES = {
    "BatchedEmbedder": "embedder",
    "Embeddings": "embedder",
    "DNABertEmbedder": "dnabert",
    "ESMEmbedder": "esm",
    "read_features": "io",
    "write_features": "io",
    "read_split_fasta": "fasta",
    "resolve_device": "device",
    "resolve_dtype": "device",
    "token_budget_batches": "batching",
}


def __getattr__(name: str):
    """Import a public name from its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
