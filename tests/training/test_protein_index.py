"""The k-mer index answers ``any(peptide in protein for protein in proteins)`` exactly."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from virnucpro.training.protein_index import MIN_INDEXED_LENGTH, ProteinIndex

PROTEINS = ["MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ", "MSGNQYTEEVMEGVNWLKKHAEDEAFSF", "", "MA"]


def _scan(peptide, proteins):
    return any(peptide in protein for protein in proteins)


def test_peptides_at_protein_ends_and_inside_are_found():
    index = ProteinIndex(PROTEINS)
    for protein in PROTEINS[:2]:
        for size in (1, 5, MIN_INDEXED_LENGTH - 1, MIN_INDEXED_LENGTH, 20, len(protein)):
            assert index.contains(protein[:size]), protein[:size]
            assert index.contains(protein[-size:]), protein[-size:]
            assert index.contains(protein[3 : 3 + size]) == _scan(protein[3 : 3 + size], PROTEINS)


def test_no_false_positives_across_protein_boundaries_or_near_misses():
    index = ProteinIndex(PROTEINS)
    across = PROTEINS[0][-8:] + PROTEINS[1][:8]
    assert not index.contains(across)
    assert not index.contains(PROTEINS[0][:-1] + "W")
    assert not index.contains("W" + PROTEINS[1])
    assert not index.contains(PROTEINS[1] + "A")  # longer than the protein
    assert not index.contains("MKW")  # short: the fallback search


def test_empty_protein_lists_contain_nothing():
    assert not ProteinIndex([]).contains("MA")
    assert not ProteinIndex(["", ""]).contains("M" * 30)


@settings(max_examples=300, deadline=None)
@given(
    proteins=st.lists(st.text(alphabet="ACD", max_size=60), max_size=6),
    peptide=st.text(alphabet="ACD", min_size=1, max_size=40),
    start=st.integers(0, 60),
    size=st.integers(1, 40),
)
def test_agrees_with_scanning_every_protein(proteins, peptide, start, size):
    """A three-letter alphabet makes repeated k-mers (many candidates) and near misses common."""
    index = ProteinIndex(proteins)
    assert index.contains(peptide) == _scan(peptide, proteins)
    for protein in proteins:
        piece = protein[start : start + size]
        if piece:
            assert index.contains(piece)
