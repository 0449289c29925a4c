"""Every file make-dataset and train write, named in one place.

Layout of the output folder::

    frames/<stem>_identified_nucleotide.fa   the kept frames of each input (the original's format)
    frames/<stem>_identified_protein.faa
    dataset.tsv                              frame_id record_id source group label split
    model.pt, training_log.tsv, test_metrics.tsv   (train)
    work/                                    intermediates, removed unless kept
    .virnucpro/training_checkpoint.pt        the per-epoch training checkpoint
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DatasetPaths:
    """The layout of one make-dataset / train output folder."""

    output_dir: Path
    chunk_length: int

    @property
    def frames_dir(self) -> Path:
        return self.output_dir / "frames"

    def nucleotide_frames(self, stem: str) -> Path:
        return self.frames_dir / f"{stem}_identified_nucleotide.fa"

    def protein_frames(self, stem: str) -> Path:
        return self.frames_dir / f"{stem}_identified_protein.faa"

    @property
    def work_dir(self) -> Path:
        return self.output_dir / "work"

    def genomic_fasta(self, stem: str) -> Path:
        """The records' sequences, as FASTA (the RefSeq ``.fna`` twin of the GenBank file)."""
        return self.work_dir / f"{stem}_genomic.fna"

    def protein_table(self, stem: str) -> Path:
        """One line per record: its id, then its CDS translations, tab-separated."""
        return self.work_dir / f"{stem}_proteins.tsv"

    def chunked_fasta(self, stem: str) -> Path:
        return self.work_dir / f"{stem}_chunked{self.chunk_length}.fa"

    def chunk_manifest(self, stem: str) -> Path:
        return self.work_dir / f"{stem}_sequences.tsv"

    @property
    def dataset_table(self) -> Path:
        return self.output_dir / "dataset.tsv"

    @property
    def model_file(self) -> Path:
        return self.output_dir / "model.pt"

    @property
    def training_log(self) -> Path:
        return self.output_dir / "training_log.tsv"

    @property
    def test_metrics(self) -> Path:
        return self.output_dir / "test_metrics.tsv"

    @property
    def state_dir(self) -> Path:
        return self.output_dir / ".virnucpro"

    @property
    def training_checkpoint(self) -> Path:
        return self.state_dir / "training_checkpoint.pt"
