"""Every file name a run reads or writes, spelled in this one module.

``RunPaths`` is predict's layout; ``training.dataset_paths.DatasetPaths`` (make-dataset, train,
evaluate) spells its own folder's names. Both implement :class:`RunLayout`, the one layout the
run engine (``virnucpro.pipeline.engine.runs``) knows, and share :class:`RunFolder` (the run record,
checkpoints, stage records and lock of any run folder) and :class:`SplitFileNames`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

_FASTA_SUFFIXES = (".fasta", ".fas", ".fna", ".fa", ".ffn", ".faa", ".fsa")
STATE_DIR = ".virnucpro"  # a run's checkpoints, settings and stage records, in its output folder
LOCK_FILE = ".virnucpro.lock"  # present while a run uses its output folder (folder.run_lock)
RUN_RECORD_FILE = "run.json"  # the run record: input, settings, models (pipeline.engine.checkpoint)
CHECKPOINTS_DIR = "done"  # one checkpoint record per finished stage (pipeline.engine.checkpoint)
STAGE_RECORDS_FILE = "stage_records.json"  # the stage timings (virnucpro.stage_records)
TRAINING_CHECKPOINT_FILE = "training_checkpoint.pt"  # train's per-epoch checkpoint
PREDICTIONS_FILE = "prediction_results.txt"  # stage 8: a score per frame
CONSENSUS_FILE = "prediction_results_highestscore.csv"  # stage 9: a call per chunk
SUMMARY_FILE = "sequence_summary.tsv"  # stage 9: a call per input sequence
_SPLIT_NAME = re.compile(r"^output_(\d+)\.fa$")


def file_stem(path: Path, suffixes: tuple[str, ...]) -> str:
    """A file's name without ``.gz`` and the first of ``suffixes`` it ends with (any case)."""
    name = Path(path).name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    for suffix in suffixes:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def input_stem(input_path: Path) -> str:
    """The input's name without ``.gz`` and a FASTA suffix: ``reads.fa.gz`` -> ``reads``."""
    return file_stem(input_path, _FASTA_SUFFIXES)


class RunFolder:
    """The files every run folder holds besides its outputs; a layout provides ``output_dir``."""

    output_dir: Path

    @property
    def state_dir(self) -> Path:
        """The run record, checkpoint records and stage records (``pipeline.engine.checkpoint``)."""
        return self.output_dir / STATE_DIR

    @property
    def lock_file(self) -> Path:
        """Exists while a run uses the folder (see ``virnucpro.pipeline.folder.run_lock``)."""
        return self.output_dir / LOCK_FILE

    @property
    def run_record(self) -> Path:
        return self.state_dir / RUN_RECORD_FILE

    @property
    def checkpoints_dir(self) -> Path:
        return self.state_dir / CHECKPOINTS_DIR

    @property
    def stage_records(self) -> Path:
        return self.state_dir / STAGE_RECORDS_FILE


def run_record_path(run_dir: Path) -> Path:
    """``RUN_DIR/.virnucpro/run.json``, for readers that know only the folder (report)."""
    return Path(run_dir) / STATE_DIR / RUN_RECORD_FILE


class SplitFileNames:
    """The numbered split and feature files of stages 3-7, inside three folders a layout names.

    ``RunPaths`` (predict) and ``training.dataset_paths.DatasetPaths`` (train) both mix this in,
    so the feature stages read and write the same names in either pipeline. A subclass provides
    ``nucleotide_split_dir``, ``protein_split_dir`` and ``merged_dir``.
    """

    nucleotide_split_dir: Path
    protein_split_dir: Path
    merged_dir: Path

    def nucleotide_split(self, index: int) -> Path:
        return self.nucleotide_split_dir / f"output_{index}.fa"

    def protein_split(self, index: int) -> Path:
        return self.protein_split_dir / f"output_{index}.fa"

    def dnabert_features(self, index: int) -> Path:
        return self.nucleotide_split_dir / f"output_{index}_DNABERT_S.pt"

    def esm_features(self, index: int) -> Path:
        return self.protein_split_dir / f"output_{index}_ESM.pt"

    def merged_features(self, index: int) -> Path:
        return self.merged_dir / f"output_{index}_merged.pt"

    def split_indices(self) -> list[int]:
        """The numbers N of the nucleotide split files ``output_N.fa`` present, ascending."""
        if not self.nucleotide_split_dir.is_dir():
            return []
        found = (_SPLIT_NAME.match(p.name) for p in self.nucleotide_split_dir.iterdir())
        return sorted(int(m.group(1)) for m in found if m)


class RunLayout(Protocol):
    """What the run engine needs of an output folder's layout (``RunPaths``, ``DatasetPaths``).

    The split-file names are those of :class:`SplitFileNames`, which the feature stages (5-7)
    read in either pipeline.
    """

    @property
    def output_dir(self) -> Path: ...
    @property
    def state_dir(self) -> Path: ...
    @property
    def lock_file(self) -> Path: ...
    @property
    def run_record(self) -> Path: ...
    @property
    def checkpoints_dir(self) -> Path: ...
    @property
    def stage_records(self) -> Path: ...
    @property
    def nucleotide_split_dir(self) -> Path: ...
    @property
    def protein_split_dir(self) -> Path: ...
    @property
    def merged_dir(self) -> Path: ...
    def split_indices(self) -> list[int]: ...
    def nucleotide_split(self, index: int) -> Path: ...
    def protein_split(self, index: int) -> Path: ...
    def dnabert_features(self, index: int) -> Path: ...
    def esm_features(self, index: int) -> Path: ...
    def merged_features(self, index: int) -> Path: ...
    def intermediates(self) -> list[Path]:
        """What a successful run removes unless ``--keep-intermediate``."""
    def results(self) -> list[Path]:
        """What a run leaves in its folder."""


@dataclass(frozen=True)
class RunPaths(RunFolder, SplitFileNames):
    """The layout of one run's output directory (same names as the original tool).

    Stages 1-4 write ``<stem>_chunked<L>.fa``, ``<stem>_identified_nucleotide.fa``,
    ``<stem>_identified_protein.faa`` and the split folders; stages 5-6 write their feature files
    beside the split files; stage 7 writes ``<stem>_merged/``; stages 8-9 write the result tables.
    """

    input_fasta: Path
    output_dir: Path
    chunk_length: int

    @property
    def stem(self) -> str:
        return input_stem(self.input_fasta)

    @property
    def chunked_fasta(self) -> Path:
        return self.output_dir / f"{self.stem}_chunked{self.chunk_length}.fa"

    @property
    def sequence_manifest(self) -> Path:
        """Tab-separated ``id, length, chunks`` of every input record (written by stage 1)."""
        return self.output_dir / f"{self.stem}_sequences.tsv"

    @property
    def identified_nucleotide(self) -> Path:
        return self.output_dir / f"{self.stem}_identified_nucleotide.fa"

    @property
    def identified_protein(self) -> Path:
        return self.output_dir / f"{self.stem}_identified_protein.faa"

    @property
    def nucleotide_split_dir(self) -> Path:
        return self.output_dir / f"{self.stem}_nucleotide"

    @property
    def protein_split_dir(self) -> Path:
        return self.output_dir / f"{self.stem}_protein"

    @property
    def merged_dir(self) -> Path:
        return self.output_dir / f"{self.stem}_merged"

    @property
    def prediction_results(self) -> Path:
        return self.output_dir / PREDICTIONS_FILE

    @property
    def consensus_results(self) -> Path:
        return self.output_dir / CONSENSUS_FILE

    @property
    def sequence_summary(self) -> Path:
        return self.output_dir / SUMMARY_FILE

    def results(self) -> list[Path]:
        """The result tables a run leaves behind (see the README's "Output files")."""
        return [self.prediction_results, self.consensus_results, self.sequence_summary]

    def intermediates(self) -> list[Path]:
        """Files and folders removed at the end of a run unless ``--keep-intermediate``."""
        return [
            self.chunked_fasta,
            self.sequence_manifest,
            self.identified_nucleotide,
            self.identified_protein,
            self.nucleotide_split_dir,
            self.protein_split_dir,
            self.merged_dir,
        ]
