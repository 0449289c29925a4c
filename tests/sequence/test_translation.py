"""Six-frame translation: the original's files, its quirks, and a simple per-codon twin."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from virnucpro.sequence import fasta
from virnucpro.sequence.chunking import chunk_sequence
from virnucpro.sequence.fasta import format_record, read_blocks, read_fasta
from virnucpro.sequence.parallel import ordered_map
from virnucpro.sequence.translation import STANDARD_CODE, Frame, six_frames, translate_block

# --- references built on six_frames, to check the block-wise fast path against -----------------


def translate_batch(chunks: list[tuple[str, str]]) -> list[Frame]:
    """The kept frames of ``(id, sequence)`` pairs, in input order."""
    return [frame for chunk_id, sequence in chunks for frame in six_frames(chunk_id, sequence)]


def format_frames(frames: list[Frame]) -> tuple[str, str]:
    """Nucleotide and protein FASTA text, one line per sequence, as the original writes them."""
    nucleotide = "".join(f">{frame.id}\n{frame.nucleotide}\n" for frame in frames)
    protein = "".join(f">{frame.id}\n{frame.protein}\n" for frame in frames)
    return nucleotide, protein


# --- a deliberately simple implementation, one codon at a time, as the original does ---------

SIMPLE_COMPLEMENT = {"A": "T", "C": "G", "G": "C", "T": "A"}


def simple_reverse_complement(sequence: str) -> str:
    return "".join(SIMPLE_COMPLEMENT.get(base, base) for base in reversed(sequence))


def simple_translate(sequence: str, offset: int) -> str:
    protein = ""
    for i in range(offset, len(sequence) - 2, 3):
        protein += STANDARD_CODE.get(sequence[i : i + 3], "")
    return protein


def simple_frames(chunk_id: str, chunk: str) -> list[tuple[str, str, str]]:
    chunk = chunk.upper()
    strands = [("F", chunk), ("R", simple_reverse_complement(chunk))]
    kept = []
    for letter, strand in strands:
        for offset in range(3):
            protein = simple_translate(strand, offset)
            if protein and "*" not in protein:
                nucleotide = strand[offset : offset + 3 * len(protein) + 1]
                kept.append((f"{chunk_id}{letter}{offset + 1}", nucleotide, protein))
    return kept


def simple_chunks(record_id: str, sequence: str, size: int) -> list[tuple[str, str]]:
    count = -(-len(sequence) // size)
    surplus = count * size - len(sequence)
    low = int(surplus / count)
    n_high = surplus - low * (count - 1)
    steps = [low + 1] * n_high + [low] * (count - 1 - n_high) + [0]
    chunks, back = [], 0
    for k, step in zip(range(count), steps, strict=False):  # steps may run longer
        start = k * size - back
        chunks.append((f"{record_id}_chunk_{k + 1}", sequence[start : start + size]))
        back += step
    return chunks


# --- against the original tool's files ---------------------------------------------------------


def test_reference_frames(original_dir, parsed, reference_stem):
    chunk_file = original_dir / f"{reference_stem}_chunked500.fa"
    chunks = [(record.id, record.sequence) for record in read_fasta(chunk_file)]
    frames = translate_batch(chunks)
    nucleotide_file = original_dir / f"{reference_stem}_identified_nucleotide.fa"
    if reference_stem == "test_sequences_small":  # no stop-free frame anywhere
        assert frames == []
        assert not nucleotide_file.exists()
        return
    protein_file = original_dir / f"{reference_stem}_identified_protein.faa"
    assert [(f.id, f.nucleotide) for f in frames] == parsed(nucleotide_file)
    assert [(f.id, f.protein) for f in frames] == parsed(protein_file)
    # One line per sequence, as the original writes them: identical bytes.
    nucleotide_text, protein_text = format_frames(frames)
    assert nucleotide_text == nucleotide_file.read_text()
    assert protein_text == protein_file.read_text()


# --- the original's rules, one example each ---------------------------------------------------


def test_frame_order_ids_and_the_extra_base():
    # ATG GCC AAA G: F1 = MAK, plus one base; F2/F3 too; R frames of CTTTGGCCAT.
    frames = six_frames("c", "ATGGCCAAAG")
    assert [f.id for f in frames] == ["cF1", "cF2", "cF3", "cR1", "cR2", "cR3"]
    assert frames[0] == Frame("cF1", "ATGGCCAAAG", "MAK")
    assert frames[3] == Frame("cR1", "CTTTGGCCAT", "LWP")


def test_lowercase_is_translated_and_written_uppercase():
    assert six_frames("c", "atggcc")[0] == Frame("cF1", "ATGGCC", "MA")


def test_codons_with_other_letters_are_dropped_and_the_kept_bases_do_not_follow():
    # F1 codons: ATG, NCC (dropped), AAA -> "MK"; kept bases are seq[0:7], not the codons read.
    frames = {f.id: f for f in six_frames("c", "ATGNCCAAA")}
    assert frames["cF1"] == Frame("cF1", "ATGNCCA", "MK")


def test_reverse_complement_changes_only_acgt():
    # The reverse complement of ANNRYTTT is AAAYRNNT: R and Y are reversed but not swapped
    # (an IUPAC-aware complement would give AAARYNNT).
    frames = {f.id: f for f in six_frames("c", "ANNRYTTT")}
    assert frames["cR1"] == Frame("cR1", "AAAY", "K")


def test_u_is_not_read_as_t():
    assert six_frames("c", "AUG") == []  # the only codon holds U: dropped, empty frame
    assert six_frames("c", "ATG")[0].protein == "M"


def test_a_stop_anywhere_drops_the_frame():
    ids = {f.id for f in six_frames("c", "ATGTAAGCC")}
    assert "cF1" not in ids


def test_letters_that_are_not_codes_are_refused():
    with pytest.raises(ValueError, match="b: the sequence holds letters"):
        translate_batch([("a", "ACGT"), ("b", "AC*T")])


def test_too_short_for_a_codon():
    assert six_frames("c", "AC") == []
    assert translate_batch([]) == []


# --- property: the fast path equals the simple one on random input -----------------------------

SENSE_CODONS = sorted(codon for codon, amino in STANDARD_CODE.items() if amino != "*")
LETTERS = "ACGTacgtNRYKMSWBDHVUn"


@st.composite
def seeded_sequences(draw) -> str:
    """Any length 1..5000: stretches of random letters and of stop-free codons, from a seed."""
    length = draw(st.integers(min_value=1, max_value=5000) | st.integers(1000, 5000))
    generator = random.Random(draw(st.integers(min_value=0, max_value=2**32)))
    coding = draw(st.floats(min_value=0.0, max_value=1.0))
    parts, total = [], 0
    while total < length:
        if generator.random() < coding:
            part = "".join(generator.choices(SENSE_CODONS, k=generator.randint(1, 300)))
            part = part.lower() if generator.random() < 0.2 else part
        else:
            part = "".join(generator.choices(LETTERS, k=generator.randint(1, 60)))
        parts.append(part)
        total += len(part)
    return "".join(parts)[:length]


# Hypothesis-built pieces (small, well shrunk) or seeded stretches (the whole length range).
pieces = st.one_of(
    st.text(alphabet=LETTERS, min_size=1, max_size=400),
    st.lists(st.sampled_from(SENSE_CODONS + ["NNN", "acg", "tTg"]), min_size=1, max_size=400).map(
        "".join
    ),
)
built_sequences = st.lists(pieces, min_size=1, max_size=12).map("".join)


def _check_against_simple(sequence: str, size: int) -> None:
    chunks = chunk_sequence("rec", sequence, size)
    assert chunks == simple_chunks("rec", sequence, size)
    expected = [frame for chunk_id, chunk in chunks for frame in simple_frames(chunk_id, chunk)]
    assert [tuple(frame) for frame in translate_batch(chunks)] == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequence=seeded_sequences(), size=st.sampled_from([300, 500]))
def test_matches_simple_implementation_any_length(sequence, size):
    _check_against_simple(sequence, size)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequence=built_sequences, size=st.sampled_from([300, 500]))
def test_matches_simple_implementation_built_pieces(sequence, size):
    _check_against_simple(sequence, size)


@settings(max_examples=100, deadline=None)
@given(chunk=st.text(alphabet=LETTERS, min_size=1, max_size=40))
def test_short_chunks_match_simple_implementation(chunk):
    assert [tuple(f) for f in six_frames("c", chunk)] == simple_frames("c", chunk)


# --- batching and worker processes -------------------------------------------------------------


def _random_chunks(count: int) -> list[tuple[str, str]]:
    generator = random.Random(7)
    chunks = []
    for index in range(count):
        if index % 2:
            body = "".join(generator.choices(SENSE_CODONS, k=generator.randint(1, 170)))
        else:
            body = "".join(generator.choices("ACGTN", k=generator.randint(1, 500)))
        chunks.append((f"c{index}", body[:500]))
    return chunks


def _blocks_of(chunks, tmp_path, read_size, monkeypatch):
    path = tmp_path / "chunks.fa"
    path.write_text("".join(format_record(chunk_id, chunk) for chunk_id, chunk in chunks))
    monkeypatch.setattr(fasta, "_READ_SIZE", read_size)
    return list(read_blocks(path))


@pytest.mark.parametrize("read_size", [1000, 1 << 20])
def test_blocks_give_the_same_text_as_batches(tmp_path, monkeypatch, read_size):
    chunks = _random_chunks(1000)
    blocks = _blocks_of(chunks, tmp_path, read_size, monkeypatch)
    assert (len(blocks) > 100) == (read_size == 1000)
    results = [translate_block(block) for block in blocks]
    nucleotide, protein = format_frames(translate_batch(chunks))
    assert b"".join(r.nucleotide for r in results) == nucleotide.encode()
    assert b"".join(r.protein for r in results) == protein.encode()
    assert sum(r.chunks for r in results) == 1000
    assert sum(r.frames for r in results) == nucleotide.count(">") > 300


def test_blocks_with_blanks_or_crlf_are_parsed_the_careful_way(tmp_path):
    """Bytes that are not codes send the block back to the careful parser: same frames."""
    chunks = _random_chunks(50)
    plain = tmp_path / "plain.fa"
    plain.write_text("".join(format_record(chunk_id, chunk) for chunk_id, chunk in chunks))
    messy = tmp_path / "messy.fa"
    messy.write_bytes(plain.read_bytes().replace(b"\n", b" \r\n"))
    expected = [translate_block(block) for block in read_blocks(plain)]
    assert [translate_block(block) for block in read_blocks(messy)] == expected
    assert sum(result.frames for result in expected) > 10


@pytest.mark.timeout(60)
def test_two_workers_give_the_same_bytes(tmp_path, monkeypatch):
    blocks = _blocks_of(_random_chunks(3000), tmp_path, 20_000, monkeypatch)
    single = list(ordered_map(translate_block, blocks, workers=1))
    assert list(ordered_map(translate_block, iter(blocks), workers=2)) == single
