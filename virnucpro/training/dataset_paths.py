"""Every file make-dataset, train and evaluate write, named in one place.

Layout of the output folder::

    frames/<stem>_identified_nucleotide.fa   the kept frames of each input (the original's format)
    frames/<stem>_identified_protein.faa
    dataset.tsv                              frame_id record_id source group label split
    model.pt, training_log.tsv, test_metrics.tsv   (train)
    evaluation_metrics.tsv                   (evaluate)
    work/                                    intermediates, removed unless kept:
        <stem>_genomic.fna, <stem>_proteins.tsv, <stem>_chunked<L>.fa   per input
        nucleotide/output_N.fa (+ output_N_DNABERT_S.pt)   the frames to embed, split as
        protein/output_N.fa (+ output_N_ESM.pt)            predict's stages 5-6 read them
        merged/output_N_merged.pt, best_weights.pt
    .virnucpro/                              checkpoints (and the per-epoch training checkpoint)

:class:`DatasetPaths` implements ``virnucpro.paths.RunLayout`` as ``RunPaths`` does: the
run-folder files (``RunFolder``) and the split-file names (``SplitFileNames``), so predict's
feature extraction and merging stages run on a dataset unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from virnucpro.paths import TRAINING_CHECKPOINT_FILE, RunFolder, SplitFileNames


@dataclass(frozen=True)
class DatasetPaths(RunFolder, SplitFileNames):
    """The layout of one make-dataset / train / evaluate output folder.

    Attributes:
        output_dir: the folder the run writes.
        chunk_length: 300 or 500.
        dataset_dir: where ``frames/`` and ``dataset.tsv`` are read when they come from an
            earlier make-dataset or train run (``evaluate --dataset``); None: ``output_dir``.
    """

    output_dir: Path
    chunk_length: int
    dataset_dir: Path | None = None

    @property
    def source_dir(self) -> Path:
        """The folder holding ``frames/`` and ``dataset.tsv``."""
        return self.dataset_dir if self.dataset_dir is not None else self.output_dir

    @property
    def frames_dir(self) -> Path:
        return self.source_dir / "frames"

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
        return self.source_dir / "dataset.tsv"

    # The folders of the split files to embed (their file names: SplitFileNames, as predict).

    @property
    def nucleotide_split_dir(self) -> Path:
        return self.work_dir / "nucleotide"

    @property
    def protein_split_dir(self) -> Path:
        return self.work_dir / "protein"

    @property
    def merged_dir(self) -> Path:
        return self.work_dir / "merged"

    @property
    def best_weights(self) -> Path:
        """The best validation epoch's weights, between Model Training and Model Evaluation."""
        return self.work_dir / "best_weights.pt"

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
    def evaluation_metrics(self) -> Path:
        """``evaluate``'s metrics table."""
        return self.output_dir / "evaluation_metrics.tsv"

    @property
    def training_checkpoint(self) -> Path:
        return self.state_dir / TRAINING_CHECKPOINT_FILE

    def intermediates(self) -> list[Path]:
        """Removed at the end of a successful run unless ``--keep-intermediate``."""
        return [self.work_dir, self.training_checkpoint]

    def results(self) -> list[Path]:
        """What a run leaves in ``output_dir`` (the dataset only when it was made here)."""
        made_here = [self.frames_dir, self.dataset_table] if self.dataset_dir is None else []
        return [*made_here, self.model_file, self.training_log, self.test_metrics,
                self.evaluation_metrics]
