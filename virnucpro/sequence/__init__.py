"""Sequence handling: FASTA reading, chunking, six-frame translation and file splitting."""
