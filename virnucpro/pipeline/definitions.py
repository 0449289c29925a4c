"""The pipelines, each an ordered tuple of stage functions: the one place that says what runs,
and what each stage reads (``STAGE_SETTINGS``), which is what its checkpoint is keyed on.

The run engine, the checkpoints, the torchrun planner and the summary's key metrics all read
these tuples; a stage's name is written once, in its ``@timed_stage`` decorator, and read back with
``virnucpro_telemetry.stage_name(stage)``. Every stage is called as
``stage(paths, config, models)`` (see ``ARCHITECTURE.md``). Importing this module loads no
torch: the stage modules import their heavy libraries when a stage runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from virnucpro.classification.stages import merge_features, predict_frames
from virnucpro.embedding.stages import extract_dnabert_features, extract_esm_features
from virnucpro.results.stages import score_consensus
from virnucpro.sequence.stages import (
    chunk_sequences,
    split_nucleotide_file,
    split_protein_file,
    translate_chunks,
)
from virnucpro.training.stages import (
    chunk_genbank_sequences,
    evaluate_classifier,
    evaluate_trained_model,
    label_evaluation_frames,
    read_genbank_files,
    select_training_frames,
    split_dataset,
    split_dataset_frames,
    train_model,
)

Stage = Callable[..., None]  # stage(paths, config, models), decorated with @timed_stage
Pipeline = tuple[Stage, ...]

# Stages 1-4: FASTA in, chunk, frame and split files out; no model (``virnucpro preprocess``).
PREPROCESS: Pipeline = (chunk_sequences, translate_chunks, split_nucleotide_file,
                        split_protein_file)
# Stages 5-6: a feature file per split file; under torchrun every rank shares them.
EMBED: Pipeline = (extract_dnabert_features, extract_esm_features)
# Stages 7-9: merged features, frame scores, chunk and sequence calls.
CLASSIFY: Pipeline = (merge_features, predict_frames, score_consensus)
# ``virnucpro predict``: all nine stages.
PREDICT: Pipeline = PREPROCESS + EMBED + CLASSIFY
# ``virnucpro classify``: stages 8-9 again, from the merged features a run kept with ``-k``.
RECLASSIFY: Pipeline = (predict_frames, score_consensus)

# ``virnucpro make-dataset``: GenBank files in, frames and dataset.tsv out; no torch.
MAKE_DATASET: Pipeline = (read_genbank_files, chunk_genbank_sequences, select_training_frames,
                          split_dataset)
# The dataset's frames through predict's own feature stages (5-7) into merged feature files.
DATASET_FEATURES: Pipeline = (split_dataset_frames, *EMBED, merge_features)
# ``virnucpro train``: make the dataset, embed it, train, evaluate on the test split.
TRAIN: Pipeline = MAKE_DATASET + DATASET_FEATURES + (train_model, evaluate_trained_model)
# ``virnucpro evaluate``: a classifier on a dataset folder's test split, or on labelled files.
EVALUATE_DATASET: Pipeline = DATASET_FEATURES + (evaluate_classifier,)
EVALUATE_FILES: Pipeline = MAKE_DATASET[:-1] + (label_evaluation_frames,) + EVALUATE_DATASET

# Every pipeline by the command that runs it (``classify`` runs RECLASSIFY on a predict run).
PIPELINES: dict[str, Pipeline] = {
    "predict": PREDICT, "preprocess": PREPROCESS, "classify": RECLASSIFY,
    "make-dataset": MAKE_DATASET, "train": TRAIN, "evaluate-dataset": EVALUATE_DATASET,
    "evaluate-files": EVALUATE_FILES,
}

# The settings each stage reads besides the outputs of the stages before it (names of
# ``engine.stage_settings``): its checkpoint is keyed on them and on those outputs,
# so on --resume a stage is redone exactly when one of them changed.
STAGE_SETTINGS: dict[Stage, tuple[str, ...]] = {
    chunk_sequences: ("input", "chunk_length"),
    translate_chunks: (),
    split_nucleotide_file: ("sequences_per_file",),
    split_protein_file: ("sequences_per_file",),
    extract_dnabert_features: ("dnabert", "precision"),
    extract_esm_features: ("esm", "precision"),
    merge_features: (),
    predict_frames: ("classifier", "classifier_sha256"),
    score_consensus: ("min_score",),
    read_genbank_files: ("inputs",),
    chunk_genbank_sequences: ("chunk_length",),
    select_training_frames: (),
    split_dataset: ("val_fraction", "test_fraction", "seed"),
    label_evaluation_frames: (),
    split_dataset_frames: ("dataset", "splits", "sequences_per_file"),
    train_model: ("training",),
    evaluate_trained_model: (),
    evaluate_classifier: ("classifier", "classifier_sha256"),
}
# Stages that --resume redoes when their settings changed; a changed setting of any other stage
# refuses the resume (saying what changed): it would redo the expensive stages.
REDONE_WHEN_CHANGED: tuple[Stage, ...] = (predict_frames, score_consensus, evaluate_classifier)



@dataclass(frozen=True)
class Segments:
    """A pipeline cut around the stages that ``torchrun`` ranks share.

    Attributes:
        before: what rank 0 runs first (it writes the split files ``shared`` reads).
        shared: the feature stages, every rank on its share of the split files.
        after: what rank 0 runs once every rank has finished ``shared``.
    """

    before: Pipeline
    shared: Pipeline
    after: Pipeline


def segments_around(pipeline: Pipeline, shared: Pipeline = EMBED) -> Segments:
    """``pipeline`` cut before and after ``shared``, which it must hold as one run of stages.

    Raises:
        ValueError: ``pipeline`` does not hold ``shared`` in that order, without a gap.
    """
    for start in range(len(pipeline) - len(shared) + 1):
        end = start + len(shared)
        if pipeline[start:end] == shared:
            return Segments(pipeline[:start], shared, pipeline[end:])
    raise ValueError("the pipeline does not run the shared stages in one piece")


# The summary's key metrics: label -> (stage, metric that the stage records).
KEY_METRICS: dict[str, tuple[Stage, str]] = {
    "Sequences processed": (chunk_sequences, "sequences"),
    "Frames scored": (predict_frames, "frames"),
    "Viral sequences": (score_consensus, "viral_sequences"),
    "GenBank records read": (read_genbank_files, "records"),
    "Frames selected": (select_training_frames, "frames"),
    "Dataset frames": (split_dataset, "selected"),
    "Evaluation frames": (label_evaluation_frames, "frames"),
    "Epochs": (train_model, "epochs"),
    "Best epoch": (train_model, "best_epoch"),
    "Test F1": (evaluate_trained_model, "f1"),
    "Test AUROC": (evaluate_trained_model, "auroc"),
    "F1": (evaluate_classifier, "f1"),
    "AUROC": (evaluate_classifier, "auroc"),
}
