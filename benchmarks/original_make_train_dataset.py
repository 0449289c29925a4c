"""A re-creation of the published VirNucPro's training-data step, for timing only.

NOT the published code: the algorithm of ``make_train_dataset_300.py`` / ``_500.py`` and the
``units.py`` functions they call (``create_refseq_pro_list``, ``split_fasta_chunk``,
``translate_dna``, ``seq_in_reflist``, ``identify_seq(..., istraindata=True)``), written again
plainly from a reading of them, with the same data flow: the GenBank file is parsed for each
record's CDS translations, the ``.fna`` twin is cut into chunks written to a chunk FASTA with
Biopython, the chunk file is read back, and each chunk is translated one codon at a time from a
dict; every stop-free frame is searched in every protein of its record.

    python benchmarks/original_make_train_dataset.py GENBANK FNA CHUNK_LENGTH OUT_DIR

Prints a JSON line: seconds and peak RSS (MiB). Writes ``identified_nucleotide.fa`` and
``identified_protein.fa`` to OUT_DIR.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from Bio import SeqIO

CODE = {
    "TTT": "F", "TTC": "F", "TTA": "L", "TTG": "L", "CTT": "L", "CTC": "L", "CTA": "L", "CTG": "L",
    "ATT": "I", "ATC": "I", "ATA": "I", "ATG": "M", "GTT": "V", "GTC": "V", "GTA": "V", "GTG": "V",
    "TCT": "S", "TCC": "S", "TCA": "S", "TCG": "S", "CCT": "P", "CCC": "P", "CCA": "P", "CCG": "P",
    "ACT": "T", "ACC": "T", "ACA": "T", "ACG": "T", "GCT": "A", "GCC": "A", "GCA": "A", "GCG": "A",
    "TAT": "Y", "TAC": "Y", "TAA": "*", "TAG": "*", "CAT": "H", "CAC": "H", "CAA": "Q", "CAG": "Q",
    "AAT": "N", "AAC": "N", "AAA": "K", "AAG": "K", "GAT": "D", "GAC": "D", "GAA": "E", "GAG": "E",
    "TGT": "C", "TGC": "C", "TGA": "*", "TGG": "W", "CGT": "R", "CGC": "R", "CGA": "R", "CGG": "R",
    "AGT": "S", "AGC": "S", "AGA": "R", "AGG": "R", "GGT": "G", "GGC": "G", "GGA": "G", "GGG": "G",
}  # fmt: skip
AMBIGUOUS = "NRYMKSWHBVD"


def protein_lists(genbank: Path) -> dict[str, list[str]]:
    """Record id -> every CDS's first translation ("" when none)."""
    lists = {}
    with open(genbank) as handle:
        for record in SeqIO.parse(handle, "genbank"):
            lists[record.id] = [
                feature.qualifiers.get("translation", [""])[0]
                for feature in record.features
                if feature.type == "CDS"
            ]
    return lists


def write_chunks(fna: Path, chunk_file: Path, size: int) -> None:
    """The original's chunk arithmetic, chunks cut by record slicing and written by Biopython."""
    with open(fna) as handle, open(chunk_file, "w") as out:
        for record in SeqIO.parse(handle, "fasta"):
            length = len(record.seq)
            count = -(-length // size)
            surplus = count * size - length
            lower = int(surplus / count)
            more = surplus - lower * (count - 1)
            steps = [lower + 1] * more + [lower] * (count - 1 - more) + [0]
            moved = 0
            for a, step in zip(range(0, length, size), steps, strict=False):
                start = a - moved if a > 1 else a
                chunk = record[start : start + size]
                chunk.id = f"{record.id}_chunk_{a // size + 1}"
                chunk.description = ""
                SeqIO.write(chunk, out, "fasta")
                moved += step


def reverse_complement(sequence: str) -> str:
    return sequence.translate(str.maketrans("ACGTacgt", "TGCAtgca"))[::-1]


def six_translations(sequence: str) -> list[str]:
    """Frames 1-3 of the sequence and of its reverse complement, one dict look-up per codon."""
    reverse = reverse_complement(sequence)
    return [
        "".join(CODE.get(strand[i : i + 3], "") for i in range(frame, len(strand) - 2, 3))
        for strand in (sequence, reverse)
        for frame in range(3)
    ]


def identify(seqid: str, sequence: str, proteins: list[str]) -> list[tuple[str, str, str]]:
    """Kept frames: no ambiguity code in the chunk, no stop, inside some protein (scan all)."""
    if any(base in sequence for base in AMBIGUOUS):
        return []
    kept = []
    reverse = reverse_complement(sequence)
    for number, protein in enumerate(six_translations(sequence), start=1):
        if "*" in protein or not any(protein in reference for reference in proteins):
            continue
        span = len(protein) * 3
        if number <= 3:
            kept.append((f"{seqid}F{number}", sequence[number - 1 : number + span], protein))
        else:
            offset = number - 4
            kept.append((f"{seqid}R{number - 3}", reverse[offset : offset + 1 + span], protein))
    return kept


def main(genbank: Path, fna: Path, size: int, out_dir: Path) -> None:
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    lists = protein_lists(genbank)
    chunk_file = out_dir / f"genomic.chunk{size}.fna"
    write_chunks(fna, chunk_file, size)
    with open(chunk_file) as handle:
        chunks = list(SeqIO.parse(handle, "fasta"))
    with (
        open(out_dir / "identified_nucleotide.fa", "w") as dna_out,
        open(out_dir / "identified_protein.fa", "w") as protein_out,
    ):
        for chunk in chunks:
            proteins = lists.get(chunk.id.split("_chunk_")[0], [])
            for frame_id, bases, aminos in identify(chunk.id, str(chunk.seq).upper(), proteins):
                if aminos:
                    dna_out.write(f">{frame_id}\n{bases}\n")
                    protein_out.write(f">{frame_id}\n{aminos}\n")
    chunk_file.unlink()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_rss_mib": peak}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
