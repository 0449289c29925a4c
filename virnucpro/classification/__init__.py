"""Stages 7-8: merge each frame's DNABERT-S and ESM-2 features by id and score it.

The classifier MLP and its safe loading (``classifier``), the published classifier files
(``published``), feature merging (``feature_merge``), frame scoring (``scoring``) and the stage
functions (``stages``).
"""
