"""Stages 1-4: FASTA reading, chunking, six-frame translation and file splitting.

Torch-free (the standard library and numpy). ``fasta`` is the one FASTA reader of the project;
``chunking`` and ``translation`` hold the original tool's rules (``chunk_sequence`` and
``six_frames`` for one sequence, block-wise fast paths for the stages); ``stages`` holds the
stage functions.
"""
