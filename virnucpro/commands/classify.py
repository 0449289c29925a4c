"""``virnucpro classify RUN_DIR``: stages 8-9 again from a kept run's merged features.

The run's own settings and models come from its run record (``.virnucpro/run.json``); the
options give the classifier and threshold. The run engine resolves and checks the classifier
before it changes anything in the folder, then redoes stages 8-9 where their checkpoints say
so (another classifier: both; another ``--min-score``: stage 9), and rewrites the run record.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from virnucpro.config import PipelineConfig
from virnucpro.errors import UsageError
from virnucpro.paths import RunPaths, run_record_path

logger = logging.getLogger(__name__)

_KEEP = "run `virnucpro predict` on it again with -k (--keep-intermediate) to keep them"


def run_request(run_dir: Path, **options):
    """The engine's ``RunRequest`` of stages 8-9 on the kept run in ``run_dir``; ``options``
    are the :class:`PipelineConfig` fields classify sets (``model`` None: the run's own).
    Reads the folder, changes nothing in it.

    Raises:
        UsageError: not a run of this version, or its features were not kept.
    """
    from virnucpro.pipeline.definitions import PREDICT, RECLASSIFY
    from virnucpro.pipeline.engine.runs import CLASSIFIER, RunRequest

    run_dir = Path(run_dir)
    record = read_kept_run(run_dir)
    config = classify_config(run_dir, record, options)
    layout = RunPaths(Path(record["input"]["path"]), run_dir, config.chunk_length)
    check_kept_features(layout)

    def lines(models, device: str) -> dict[str, object]:
        return {"Classifier": models.classifier if models else str(config.classifier),
                "Min score": config.min_score}

    return RunRequest("classify", RECLASSIFY, layout, config, models=CLASSIFIER,
                      title="CLASSIFY SUMMARY", summary_lines=lines,
                      kept=PREDICT[:PREDICT.index(RECLASSIFY[0])], kept_record=record)


def main(args: argparse.Namespace) -> None:
    """Re-classify ``args.run_dir`` with ``args.model`` and ``args.min_score``."""
    from virnucpro.pipeline.engine.runs import run_pipeline

    layout = run_pipeline(run_request(
        args.run_dir, model=args.model, min_score=args.min_score,
        classifier_batch_size=args.classifier_batch_size, device=args.device,
        cache_dir=args.cache_dir, progress=args.progress))
    logger.info("Results rewritten in %s:", layout.output_dir)
    for path in layout.results():
        logger.info("  %s", path.name)


def read_kept_run(run_dir: Path) -> dict:
    """The run record of the ``predict`` run in ``run_dir``.

    Raises:
        UsageError: the folder holds no run record of this version, or a damaged one.
    """
    from virnucpro.pipeline.engine.checkpoint import RUN_RECORD_FORMAT, read_json_record

    path = run_record_path(run_dir)
    record = read_json_record(path, "run record")
    if record is None:
        raise UsageError(f"{path}: not found; {run_dir} is not the output folder of a "
                         "`virnucpro predict` run")
    if record.get("format") != RUN_RECORD_FORMAT or not isinstance(record.get("input"), dict):
        raise UsageError(f"{path}: written by another version of virnucpro or by another "
                         f"command; {_KEEP}")
    return record


def classify_config(run_dir: Path, record: dict, options: dict) -> PipelineConfig:
    """The run's settings and models, with the classifier and run-time ``options`` (a
    ``model`` of None keeps the classifier the run used)."""
    recorded, models = record.get("settings") or {}, record.get("models") or {}
    if options.get("model") is None:
        options = {**options, "model": models.get("classifier") or recorded.get("model")}
    kept = {name: recorded[name] for name in ("chunk_length", "precision", "sequences_per_file")
            if name in recorded}
    kept.update({name: models[name] for name in ("dnabert", "esm") if models.get(name)})
    try:
        return PipelineConfig(**kept, **options, output_dir=run_dir, keep_intermediate=True,
                              resume=True)
    except (TypeError, ValueError) as error:
        raise UsageError(f"{run_record_path(run_dir)}: {error}; {_KEEP}") from None


def check_kept_features(layout: RunPaths) -> None:
    """Raise ``UsageError`` when the run's merged features and manifest were not kept."""
    missing = [path for path in (layout.merged_dir, layout.sequence_manifest,
                                 layout.nucleotide_split_dir) if not path.exists()]
    if missing or not any(layout.merged_dir.glob("output_*_merged.pt")):
        shown = (", ".join(path.name for path in missing)
                 or f"{layout.merged_dir.name}/output_*_merged.pt")
        raise UsageError(f"{layout.output_dir}: the run's merged features were not kept "
                         f"({shown} missing); {_KEEP}, then classify it")
