"""A reference oracle of the original tool's training-set rules, for the training tests.

The oracle re-states, as plainly as possible, what the published tool's make_train_dataset_300.py
/ make_train_dataset_500.py do with one GenBank file (read from ``units.py``: ``split_fasta_chunk``,
``create_refseq_pro_list``, ``translate_dna``, ``seq_in_reflist``, ``identify_seq`` with
``istraindata=True``, and the writer loop): per-codon translation with a codon dictionary and a
scan of every protein for every frame. It shares no code with ``virnucpro``; it is slow and
obviously faithful, which is its purpose.
"""

from __future__ import annotations

from pathlib import Path

from Bio import SeqIO

GENBANK_FILES = ("gbvrl1_start.seq", "NC_005816.gb", "NC_000932.gb")

_CODONS = {
    "TCA": "S", "TCC": "S", "TCG": "S", "TCT": "S", "TTC": "F", "TTT": "F", "TTA": "L", "TTG": "L",
    "TAC": "Y", "TAT": "Y", "TAA": "*", "TAG": "*", "TGC": "C", "TGT": "C", "TGA": "*", "TGG": "W",
    "CTA": "L", "CTC": "L", "CTG": "L", "CTT": "L", "CCA": "P", "CCC": "P", "CCG": "P", "CCT": "P",
    "CAC": "H", "CAT": "H", "CAA": "Q", "CAG": "Q", "CGA": "R", "CGC": "R", "CGG": "R", "CGT": "R",
    "ATA": "I", "ATC": "I", "ATT": "I", "ATG": "M", "ACA": "T", "ACC": "T", "ACG": "T", "ACT": "T",
    "AAC": "N", "AAT": "N", "AAA": "K", "AAG": "K", "AGC": "S", "AGT": "S", "AGA": "R", "AGG": "R",
    "GTA": "V", "GTC": "V", "GTG": "V", "GTT": "V", "GCA": "A", "GCC": "A", "GCG": "A", "GCT": "A",
    "GAC": "D", "GAT": "D", "GAA": "E", "GAG": "E", "GGA": "G", "GGC": "G", "GGG": "G", "GGT": "G",
}  # fmt: skip


def original_chunks(record_id: str, sequence: str, size: int) -> list[tuple[str, str]]:
    """``split_fasta_chunk``: overlaps spread by its own arithmetic, the start rule ``a > 1``."""
    length = len(sequence)
    count = -(-length // size)
    surplus = count * size - length
    lower = int(surplus / count)
    steps = [lower] * (count - 1)
    more = surplus - sum(steps)
    steps = [lower + 1] * more + [lower] * (count - 1 - more) + [0]
    chunks, moved = [], 0
    # zip stops at the shorter: the step list can be one longer (the original relies on it).
    for a, step in zip(range(0, length, size), steps, strict=False):
        start = a - moved if a > 1 else a
        chunks.append((f"{record_id}_chunk_{a // size + 1}", sequence[start : start + size]))
        moved += step
    return chunks


def _reverse_complement(sequence: str) -> str:
    return sequence.translate(str.maketrans("ACGTacgt", "TGCAtgca"))[::-1]


def _translate(sequence: str, frame: int) -> str:
    return "".join(_CODONS.get(sequence[i : i + 3], "") for i in range(frame, len(sequence) - 2, 3))


def original_identify(seqid: str, sequence: str, proteins: list[str]) -> list[tuple[str, str, str]]:
    """``identify_seq(..., istraindata=True)`` then the writer's ``protein != ''`` filter."""
    if any(base in sequence for base in "NRYMKSWHBVD"):
        return []
    reverse = _reverse_complement(sequence)
    translations = [_translate(sequence, f) for f in range(3)]
    translations += [_translate(reverse, f) for f in range(3)]
    kept = []
    for num, protein in enumerate(translations, start=1):
        if "*" in protein or not any(protein in reference for reference in proteins):
            continue
        codons_length = len(protein) * 3
        if num <= 3:
            kept.append((f"{seqid}F{num}", sequence[num - 1 : num + codons_length], protein))
        else:
            kept.append(
                (f"{seqid}R{num - 3}", reverse[num - 4 : num - 3 + codons_length], protein)
            )
    return [frame for frame in kept if frame[2] != ""]


def original_make_train_dataset(genbank: Path, size: int) -> tuple[str, str]:
    """The text of ``identified_nucleotide.fa`` and ``identified_protein.fa`` for one file."""
    with open(genbank) as handle:
        records = list(SeqIO.parse(handle, "genbank"))
    protein_lists = {
        record.id: [
            feature.qualifiers.get("translation", [""])[0]
            for feature in record.features
            if feature.type == "CDS"
        ]
        for record in records
    }
    nucleotide, protein = [], []
    for record in records:  # the .fna twin: the same sequences, same ids, same order
        for chunk_id, chunk in original_chunks(record.id, str(record.seq), size):
            key = chunk_id.split("_chunk_")[0]
            for frame_id, bases, aminos in original_identify(
                chunk_id, chunk.upper(), protein_lists.get(key, [])
            ):
                nucleotide.append(f">{frame_id}\n{bases}\n")
                protein.append(f">{frame_id}\n{aminos}\n")
    return "".join(nucleotide), "".join(protein)
