"""The stages of make-dataset, train and evaluate, each ``stage(paths, config, models)``.

``paths`` is a :class:`DatasetPaths`, ``config`` a :class:`TrainingConfig` (a ``PipelineConfig``
plus the dataset and training settings), ``models`` the run's ``ResolvedModels`` (None for
make-dataset). The pipelines (``virnucpro.pipeline.definitions``) put predict's own feature
extraction and merging stages between Frame Splitting and Model Training.

make-dataset: ``GenBank Reading`` -> ``work/<stem>_genomic.fna`` + ``work/<stem>_proteins.tsv`` per
input (the sequences and protein lists the original read from the ``.fna`` twin and the
``.gbff``); ``GenBank Chunking`` -> ``work/<stem>_chunked<L>.fa`` (predict's chunking rule);
``Training Frame Selection`` -> ``frames/<stem>_identified_nucleotide.fa`` and ``..._protein.faa``;
``Dataset Split`` -> ``dataset.tsv``. Torch-free. With ``threads > 1`` each of the first three
stages handles input files in that many worker processes; every file's outputs depend on that file
alone, so they are the same, byte for byte.

train and evaluate: ``Frame Splitting`` -> ``work/nucleotide|protein/output_N.fa``; (predict's
stages 5-7); ``Model Training`` -> ``training_log.tsv`` and ``work/best_weights.pt``; ``Model
Evaluation`` -> ``model.pt`` and ``test_metrics.tsv``. evaluate on labelled files uses
``Evaluation Set`` (every selected frame, in the test split) instead of ``Dataset Split``, and
``Classifier Evaluation`` -> ``evaluation_metrics.tsv``. torch is imported inside the stages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from virnucpro.config import ResolvedModels
from virnucpro.progress import progress_bar
from virnucpro.sequence.parallel import ordered_map
from virnucpro.training import dataset_files
from virnucpro.training.dataset import (
    balance,
    check_both_classes,
    read_dataset_table,
    split_by_record,
    write_dataset_table,
)
from virnucpro.training.dataset_paths import DatasetPaths
from virnucpro.training.feature_inputs import write_split_files
from virnucpro.training.settings import (
    OTHER_LABEL,
    VIRAL_LABEL,
    DatasetSettings,
    TrainingConfig,
)
from virnucpro_telemetry import add_metrics, timed_stage

logger = logging.getLogger(__name__)


@timed_stage("GenBank Reading", rate="sequences", rate_unit="seq")
def read_genbank_files(
    paths: DatasetPaths, config: TrainingConfig, models: ResolvedModels | None = None
) -> None:
    """Read every GenBank input; write its sequences (FASTA) and proteins (one line per record).

    Raises:
        InputError: a file is not GenBank, or a record has no sequence or odd letters.
    """
    paths.work_dir.mkdir(parents=True, exist_ok=True)
    _run_per_file(dataset_files.read_one_file, paths, config, "Reading GenBank")


@timed_stage("GenBank Chunking", rate="sequences", rate_unit="seq")
def chunk_genbank_sequences(
    paths: DatasetPaths, config: TrainingConfig, models: ResolvedModels | None = None
) -> None:
    """Cut every record's sequence into chunks by predict's rule (``<id>_chunk_<k>``)."""
    _run_per_file(dataset_files.chunk_one_file, paths, config, "Chunking")


@timed_stage("Training Frame Selection", rate="sequences", rate_unit="seq")
def select_training_frames(
    paths: DatasetPaths, config: TrainingConfig, models: ResolvedModels | None = None
) -> None:
    """Keep the frames of each chunk that match its record's proteins; write them per input."""
    paths.frames_dir.mkdir(parents=True, exist_ok=True)
    _run_per_file(dataset_files.select_one_file, paths, config, "Selecting frames")


@timed_stage("Dataset Split", rate="sequences", rate_unit="seq")
def split_dataset(
    paths: DatasetPaths, config: TrainingConfig, models: ResolvedModels | None = None
) -> None:
    """Balance the classes, split by record, write ``dataset.tsv``.

    Raises:
        InputError: no viral or no other frame is left, or a split would be empty.
    """
    settings = config.dataset
    rows = _frame_rows(paths, settings)
    selected = balance(rows, settings.seed)
    splits = split_by_record(selected, settings.val_fraction, settings.test_fraction, settings.seed)
    count = write_dataset_table(selected, splits, paths.dataset_table)
    by_split = {name: 0 for name in ("train", "val", "test")}
    for row in selected:
        by_split[splits[row.record_id]] += 1
    add_metrics(
        frames=len(rows), selected=count, records=len(splits),
        **{f"{name}_frames": value for name, value in by_split.items()},
    )


@timed_stage("Evaluation Set", rate="sequences", rate_unit="seq")
def label_evaluation_frames(
    paths: DatasetPaths, config: TrainingConfig, models: ResolvedModels | None = None
) -> None:
    """``dataset.tsv`` of every selected frame of the labelled inputs, all in the test split
    (evaluate on ``--viral`` / ``--other`` files: no balancing, no training).

    Raises:
        InputError: no viral or no other frame was selected.
    """
    rows = _frame_rows(paths, config.dataset)
    check_both_classes(sum(row.label == VIRAL_LABEL for row in rows),
                       sum(row.label == OTHER_LABEL for row in rows))
    count = write_dataset_table(rows, {row.record_id: "test" for row in rows},
                                paths.dataset_table)
    add_metrics(frames=count, test_frames=count,
                records=len({row.record_id for row in rows}))


@timed_stage("Frame Splitting", rate="sequences", rate_unit="seq")
def split_dataset_frames(
    paths: DatasetPaths, config: TrainingConfig, models: ResolvedModels | None = None
) -> None:
    """Write the frames of ``config.splits`` as predict's numbered split files, the input of
    its feature stages (``sequences_per_file`` frames each)."""
    pairs = read_dataset_table(paths.dataset_table)
    counts = write_split_files(paths, pairs, config.splits, config.sequences_per_file)
    add_metrics(frames=counts.frames, files=counts.files)


@timed_stage("Model Training", rate="sequences", rate_unit="seq")
def train_model(paths: DatasetPaths, config: TrainingConfig, models: ResolvedModels) -> None:
    """Train the classifier on the merged features (each epoch a nested ``Training Epoch``
    stage, checkpointed); write ``training_log.tsv`` and the best epoch's weights."""
    from virnucpro.training import learning

    result = learning.train_on_dataset(paths, config, models)
    add_metrics(epochs=len(result.log_rows), best_epoch=result.best_epoch)


@timed_stage("Model Evaluation", rate="sequences", rate_unit="seq")
def evaluate_trained_model(
    paths: DatasetPaths, config: TrainingConfig, models: ResolvedModels
) -> None:
    """Score the best epoch's weights on the test split; write ``test_metrics.tsv`` and
    ``model.pt`` (weights plus metadata, the test metrics among them)."""
    from virnucpro.training import learning

    metrics = learning.evaluate_best_weights(paths, config, models)
    add_metrics(**learning.metric_values(metrics))


@timed_stage("Classifier Evaluation", rate="sequences", rate_unit="seq")
def evaluate_classifier(
    paths: DatasetPaths, config: TrainingConfig, models: ResolvedModels
) -> None:
    """Score ``models.classifier`` (trained, published or demo) on the test split's frames;
    write and log ``evaluation_metrics.tsv``."""
    from virnucpro.training import learning

    metrics = learning.evaluate_classifier_file(paths, models)
    add_metrics(**learning.metric_values(metrics))


def _frame_rows(paths: DatasetPaths, settings: DatasetSettings) -> list:
    """The :class:`FrameRow` of every frame of every input's frame file, in input order."""
    rows = []
    for item in settings.inputs:
        rows += dataset_files.frame_rows(item, paths.nucleotide_frames(item.stem))
    return rows


def _run_per_file(
    work: Callable[[dataset_files.Job], dataset_files.FileReport],
    paths: DatasetPaths,
    config: TrainingConfig,
    desc: str,
) -> None:
    """Run ``work`` on every input (in worker processes with ``threads > 1``); log what the
    workers logged, in input order; add up their counts as the stage's metrics."""
    jobs = [(item, paths, config) for item in config.dataset.inputs]
    totals: dict[str, int] = {}
    with progress_bar(total=len(jobs), desc=desc, unit="file", enabled=config.progress) as bar:
        for report in ordered_map(work, jobs, workers=min(config.threads, len(jobs))):
            _relay(report.warnings)
            for name, value in report.counts.items():
                totals[name] = totals.get(name, 0) + value
            bar.update(1)
    add_metrics(files=len(jobs), **totals)


def _relay(messages: Iterable[str]) -> None:
    for message in messages:
        logger.warning("%s", message)
