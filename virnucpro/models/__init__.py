"""Model code: the DNABERT-S encoder, ESM-2 loading, the classifier and the demo models."""
