"""Batched embedding of nucleotide (DNABERT-S) and protein (ESM-2) sequences."""
