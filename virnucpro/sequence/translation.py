"""Six-frame translation of chunks, vectorised with numpy, with the original tool's rules.

The rules (all from the published tool, kept so that the classifiers see what they were trained
on): the chunk is uppercased; frames start at offsets 0, 1, 2 of the chunk (F1..F3) and of its
reverse complement (R1..R3), where only A, C, G and T are complemented (any other letter stays as
it is, in reversed position); a codon holding any letter other than A, C, G, T is dropped without
a trace; a frame is kept only when its translation is non-empty and has no stop; the kept
nucleotide is ``strand[f : f + 3 * len(protein) + 1]``, one base longer than the codons where
there is room (and, when codons were dropped, not the bases that were translated).

How it is fast: every base becomes a code 0-4 (A, C, G, T, anything else); every position of a
batch gets the number ``25*c[i] + 5*c[i+1] + c[i+2]`` of the codon starting there, so one table
look-up per position tells whether that codon is valid and whether it is a stop on either strand.
The reverse strand needs no second pass: the reverse-complement codon read at reverse position
``p`` is the forward codon at ``n - 3 - p`` looked up in a complemented table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple

import numpy as np

from virnucpro.sequence._fasta_problems import ALLOWED
from virnucpro.sequence.fasta import RecordBlock, parse_block

STANDARD_CODE = {
    "TTT": "F", "TTC": "F", "TTA": "L", "TTG": "L", "CTT": "L", "CTC": "L", "CTA": "L", "CTG": "L",
    "ATT": "I", "ATC": "I", "ATA": "I", "ATG": "M", "GTT": "V", "GTC": "V", "GTA": "V", "GTG": "V",
    "TCT": "S", "TCC": "S", "TCA": "S", "TCG": "S", "CCT": "P", "CCC": "P", "CCA": "P", "CCG": "P",
    "ACT": "T", "ACC": "T", "ACA": "T", "ACG": "T", "GCT": "A", "GCC": "A", "GCA": "A", "GCG": "A",
    "TAT": "Y", "TAC": "Y", "TAA": "*", "TAG": "*", "CAT": "H", "CAC": "H", "CAA": "Q", "CAG": "Q",
    "AAT": "N", "AAC": "N", "AAA": "K", "AAG": "K", "GAT": "D", "GAC": "D", "GAA": "E", "GAG": "E",
    "TGT": "C", "TGC": "C", "TGA": "*", "TGG": "W", "CGT": "R", "CGC": "R", "CGA": "R", "CGG": "R",
    "AGT": "S", "AGC": "S", "AGA": "R", "AGG": "R", "GGT": "G", "GGC": "G", "GGA": "G", "GGG": "G",
}  # fmt: skip

_BASES = "ACGT"
_INVALID_CODE = 4
_RADIX = 5  # codes 0-4, so a codon number is below 125 and fits in one byte
_VALID, _FORWARD_STOP, _REVERSE_STOP = 1, 2, 4
# Complement of A, C, G, T only (upper and lower case): the original leaves other letters alone.
COMPLEMENT = bytes.maketrans(b"ACGTacgt", b"TGCAtgca")


class Frame(NamedTuple):
    """One kept reading frame: ``<chunk id>F1``..``R3``, its nucleotide and its protein."""

    id: str
    nucleotide: str
    protein: str


def _codon_number(codon: str) -> int:
    """The number of a codon of A/C/G/T in the radix-5 scheme."""
    a, b, c = (_BASES.index(base) for base in codon)
    return (a * _RADIX + b) * _RADIX + c


def _build_tables() -> tuple[bytes, bytes, bytes, bytes]:
    """Translation tables (for ``bytes.translate``) from bytes to base codes, and from codon
    numbers to flags and to forward and reverse amino acids (NUL for a codon that is not valid)."""
    base_code = bytearray([_INVALID_CODE]) * 256
    for code, base in enumerate(_BASES):
        base_code[ord(base)] = base_code[ord(base.lower())] = code
    flags, forward, reverse = bytearray(256), bytearray(256), bytearray(256)
    complement = str.maketrans(_BASES, "TGCA")
    for codon, amino in STANDARD_CODE.items():
        number = _codon_number(codon)
        reverse_amino = STANDARD_CODE[codon[::-1].translate(complement)]
        forward[number] = ord(amino)
        reverse[number] = ord(reverse_amino)
        flags[number] = (
            _VALID
            | (_FORWARD_STOP if amino == "*" else 0)
            | (_REVERSE_STOP if reverse_amino == "*" else 0)
        )
    return bytes(base_code), bytes(flags), bytes(forward), bytes(reverse)


_BASE_CODE, _FLAGS, _FORWARD_AMINO, _REVERSE_AMINO = _build_tables()
# _BASE_CODE with every byte that is not a nucleotide code mapped to 5.
_NOT_A_CODE = b"\x05"
_CHECKED_CODE = bytes(
    code if byte in ALLOWED else _NOT_A_CODE[0] for byte, code in enumerate(_BASE_CODE)
)


def _codes_of(sequences: Sequence[bytes], width: int) -> np.ndarray | None:
    """Base codes of every sequence, padded with code 4 to ``width + 2`` columns; None when a
    byte is not a nucleotide code."""
    rows = b"".join([seq.ljust(width + 2, b"N") for seq in sequences]).translate(_CHECKED_CODE)
    if _NOT_A_CODE in rows:
        return None
    return np.frombuffer(rows, dtype=np.uint8).reshape(len(sequences), width + 2)


def _codon_numbers(codes: np.ndarray) -> np.ndarray:
    """Codon number at every position: ``(rows, width + 2)`` codes -> ``(rows, width)``."""
    numbers = codes[:, :-2] * np.uint8(_RADIX * _RADIX)
    numbers += codes[:, 1:-1] * np.uint8(_RADIX)
    numbers += codes[:, 2:]
    return numbers


def _or_by_class(flags: np.ndarray) -> np.ndarray:
    """OR of each row's flags at positions 0, 1, 2 (mod 3): ``(rows, width)`` -> ``(rows, 3)``.

    Folds the row in halves (a few contiguous passes), much faster than a strided reduce.
    """
    folded = flags.reshape(flags.shape[0], -1, 3)
    while folded.shape[1] > 1:
        half, odd = divmod(folded.shape[1], 2)
        leftover = folded[:, 2 * half :]
        folded = folded[:, :half] | folded[:, half : 2 * half]
        if odd:
            folded[:, :1] |= leftover
    return folded[:, 0]


def _kept_frames(numbers: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boolean ``(rows, 3)`` arrays: forward frames kept, reverse frames kept."""
    flags = np.frombuffer(numbers.tobytes().translate(_FLAGS), dtype=np.uint8)
    summary = _or_by_class(flags.reshape(numbers.shape))
    forward = (summary & (_VALID | _FORWARD_STOP)) == _VALID
    by_class = (summary & (_VALID | _REVERSE_STOP)) == _VALID
    # Reverse frame f reads the forward codons starting at n - 3 - f - 3k: class (n - f) mod 3.
    classes = (lengths[:, None] - np.arange(3)) % 3
    reverse = by_class[np.arange(len(lengths))[:, None], classes]
    return forward, reverse


def _frames_of_row(
    sequence: bytes, numbers: bytes, forward: list[bool], reverse: list[bool]
) -> list[tuple[bytes, bytes, bytes]]:
    """``(frame suffix, nucleotide, protein)`` of the kept frames of one chunk, F1..F3, R1..R3.

    ``numbers`` are the row's codon numbers; invalid codons translate to NUL and are dropped.
    """
    upper = sequence.upper()
    frames = []
    for offset in (0, 1, 2):
        if forward[offset]:
            protein = numbers[offset::3].translate(_FORWARD_AMINO).replace(b"\0", b"")
            nucleotide = upper[offset : offset + 3 * len(protein) + 1]
            frames.append((_SUFFIXES[offset], nucleotide, protein))
    if reverse[0] or reverse[1] or reverse[2]:
        complement = upper.translate(COMPLEMENT)[::-1]
        for offset in (0, 1, 2):
            # Reverse frame f reads the forward codons starting at n-3-f, n-6-f, ..., 0 or 1
            # or 2: a kept frame has at least one codon, so n-3-f >= 0.
            if reverse[offset]:
                codons = numbers[len(sequence) - 3 - offset :: -3]
                protein = codons.translate(_REVERSE_AMINO).replace(b"\0", b"")
                nucleotide = complement[offset : offset + 3 * len(protein) + 1]
                frames.append((_SUFFIXES[3 + offset], nucleotide, protein))
    return frames


_SUFFIXES = (b"F1", b"F2", b"F3", b"R1", b"R2", b"R3")


def _kept_by_row(
    codes: np.ndarray, lengths: np.ndarray, sequence_of: Callable[[int], bytes]
) -> Iterator[tuple[int, list]]:
    """``(row, frames)`` for each row with a kept frame (see :func:`_frames_of_row`)."""
    numbers = _codon_numbers(codes)
    forward, reverse = _kept_frames(numbers, lengths)
    hits = np.flatnonzero(forward.any(axis=1) | reverse.any(axis=1)).tolist()
    for row, row_numbers, row_forward, row_reverse in zip(
        hits, numbers[hits], forward[hits].tolist(), reverse[hits].tolist(), strict=True
    ):
        yield row, _frames_of_row(sequence_of(row), row_numbers.tobytes(), row_forward, row_reverse)


def _kept_in_sequences(sequences: Sequence[bytes]) -> Iterator[tuple[int, list]] | None:
    """:func:`_kept_by_row` of a list of sequences; None when a byte is not a nucleotide code."""
    if not sequences:
        return iter(())
    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    codes = _codes_of(sequences, 3 * -(-int(lengths.max()) // 3))
    if codes is None:
        return None
    return _kept_by_row(codes, lengths, sequences.__getitem__)


def six_frames(chunk_id: str, sequence: str) -> list[Frame]:
    """The kept frames of one chunk, in the order F1, F2, F3, R1, R2, R3.

    The same rules as :func:`translate_block` (which the pipeline runs on whole blocks), for one
    sequence given as text.

    Raises:
        ValueError: the sequence holds a character that is not a nucleotide code.
    """
    kept = _kept_in_sequences([sequence.encode("ascii")])
    if kept is None:
        raise ValueError(f"{chunk_id}: the sequence holds letters that are not nucleotide codes")
    return [
        Frame(chunk_id + suffix.decode(), nucleotide.decode(), protein.decode())
        for _, frames in kept
        for suffix, nucleotide, protein in frames
    ]


def translate_batch(chunks: Sequence[tuple[str, str]]) -> list[Frame]:
    """The kept frames of many ``(id, sequence)`` pairs, in input and frame order.

    The rules of :func:`six_frames`, with one numpy pass for the whole batch (training's frame
    selection translates every chunk of a record this way). Rows are padded to the longest, so
    batch sequences of similar length (chunks are).

    Raises:
        ValueError: a sequence holds a character that is not a nucleotide code (named by id).
    """
    sequences = [sequence.encode("ascii") for _, sequence in chunks]
    kept = _kept_in_sequences(sequences)
    if kept is None:
        bad = next(
            chunk_id
            for (chunk_id, _), codes in zip(chunks, sequences, strict=True)
            if codes.translate(None, ALLOWED)
        )
        raise ValueError(f"{bad}: the sequence holds letters that are not nucleotide codes")
    return [
        Frame(chunks[row][0] + suffix.decode(), nucleotide.decode(), protein.decode())
        for row, frames in kept
        for suffix, nucleotide, protein in frames
    ]


class TranslatedBlock(NamedTuple):
    """The kept frames of one block of chunks, as FASTA bytes (one line per sequence)."""

    nucleotide: bytes
    protein: bytes
    chunks: int
    frames: int


def translate_block(block: RecordBlock) -> TranslatedBlock:
    """Parse a block of the chunk file, translate its chunks and format the kept frames.

    Runs in worker processes with ``--threads``: it needs nothing but the block.
    """
    # Letters are checked once for the whole block (by _codes_of); only if one is not a code is
    # the block parsed again record by record, which strips blanks and CR or says what is wrong.
    records = list(parse_block(block, check_letters=False))
    kept = _kept_in_sequences([record[1] for record in records])
    if kept is None:
        records = list(parse_block(block))
        kept = _kept_in_sequences([record[1] for record in records])
    return _format_block(kept, [record[0] for record in records].__getitem__, len(records))


def _format_block(
    kept: Iterable[tuple[int, list]], id_of: Callable[[int], str], chunks: int
) -> TranslatedBlock:
    """The FASTA text (one line per sequence) of the kept frames of a block."""
    nucleotide: list[bytes] = []
    protein: list[bytes] = []
    frames_kept = 0
    for row, frames in kept:
        header = b">" + id_of(row).encode()
        frames_kept += len(frames)
        for suffix, bases, aminos in frames:
            nucleotide += (header, suffix, b"\n", bases, b"\n")
            protein += (header, suffix, b"\n", aminos, b"\n")
    return TranslatedBlock(b"".join(nucleotide), b"".join(protein), chunks, frames_kept)
