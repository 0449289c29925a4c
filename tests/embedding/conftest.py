"""Shared fixtures of the feature tests: the demo models loaded once, random sequences."""

from __future__ import annotations

import random

import pytest


@pytest.fixture(scope="session")
def dnabert(demo_models):
    from virnucpro.embedding.dnabert_loading import load_dnabert_s

    return load_dnabert_s(demo_models.dnabert_dir)


@pytest.fixture(scope="session")
def esm2(demo_models):
    from virnucpro.embedding.esm_loading import load_esm2

    return load_esm2(demo_models.esm_checkpoint)


@pytest.fixture(scope="session")
def dna_sequences():
    rng = random.Random(5)
    return ["".join(rng.choice("ACGT") for _ in range(rng.randint(20, 500))) for _ in range(40)]


@pytest.fixture(scope="session")
def protein_sequences():
    rng = random.Random(6)
    residues = "ACDEFGHIKLMNPQRSTVWY"
    return ["".join(rng.choice(residues) for _ in range(rng.randint(5, 166))) for _ in range(40)]
