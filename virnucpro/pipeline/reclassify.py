"""``virnucpro classify``: stages 8-9 again on a finished run's kept features.

The run's own settings come from its ``.virnucpro/run.json``; the merged features and the
sequence manifest must have been kept with ``-k``. No embedder is loaded: only the classifier.

Checkpoints: ``run.json`` always describes the result files in the folder. Before the stages
run, their ``done`` marks are removed and ``run.json`` is rewritten with the new classifier and
threshold; each stage is marked done again once its output is written. So a ``predict
--resume`` afterwards resumes only with the settings the results were made with, and a
``classify`` killed halfway leaves stages 8-9 marked unfinished, never finished with old files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from virnucpro.config import DEFAULT_MIN_SCORE, PipelineConfig, result_settings
from virnucpro.errors import InputError, UsageError
from virnucpro.paths import STATE_DIR, RunPaths
from virnucpro.pipeline.checkpoint import RunState
from virnucpro.pipeline.definitions import RECLASSIFY
from virnucpro.pipeline.model_resolution import resolve_models
from virnucpro.pipeline.run_summary import stage_key_metrics
from virnucpro.pipeline.stage_runner import run_stages, stage_metric
from virnucpro.results.stages import score_consensus
from virnucpro_telemetry import StageRegistry, log_summary, use_registry

logger = logging.getLogger(__name__)

_KEEP = "run `virnucpro predict` on it again with -k (--keep-intermediate) to keep them"


@dataclass(frozen=True)
class ReclassifyOptions:
    """What ``virnucpro classify`` may change; None keeps the run's own value.

    Attributes:
        model: the classifier: ``300``, ``500`` or a path (default: the file the run used).
        min_score: the P(virus) a chunk needs to count as viral in ``sequence_summary.tsv``.
        classifier_batch_size: rows per classifier batch.
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
        cache_dir: the model cache (for ``-m 300`` / ``-m 500``).
        progress: show progress bars.
    """

    model: str | None = None
    min_score: float = DEFAULT_MIN_SCORE
    classifier_batch_size: int = 256
    device: str = "auto"
    cache_dir: Path | None = None
    progress: bool = True


def kept_run(run_dir: Path) -> tuple[RunPaths, RunState, dict]:
    """The paths, checkpoints and ``run.json`` of a finished run whose features were kept.

    Raises:
        UsageError: the folder is not a run, or its merged features were not kept.
    """
    run_dir = Path(run_dir)
    state = RunState(run_dir / STATE_DIR)
    fingerprint = state.read_fingerprint()
    if fingerprint is None:
        raise UsageError(f"{state.fingerprint_path}: not found or unreadable; {run_dir} is not "
                         "the output folder of a `virnucpro predict` run")
    paths = RunPaths(_input_path(run_dir, fingerprint), run_dir,
                     _chunk_length(state, fingerprint))
    missing = [p for p in (paths.merged_dir, paths.sequence_manifest, paths.nucleotide_split_dir)
               if not p.exists()]
    if missing or not any(paths.merged_dir.glob("output_*_merged.pt")):
        shown = ", ".join(p.name for p in missing) or f"{paths.merged_dir.name}/output_*_merged.pt"
        raise UsageError(f"{run_dir}: the run's merged features were not kept ({shown} missing); "
                         f"{_KEEP}, then classify it")
    return paths, state, fingerprint


def _input_path(run_dir: Path, fingerprint: dict) -> Path:
    """The run's input as given (its stem names the kept files)."""
    given = fingerprint.get("given", {}).get("input")
    if given:
        return Path(given)
    manifests = sorted(run_dir.glob("*_sequences.tsv"))  # a run of an earlier version
    if len(manifests) == 1:
        return Path(manifests[0].name.removesuffix("_sequences.tsv") + ".fa")
    raise UsageError(f"{run_dir}: cannot tell which input the run read (its run.json names none "
                     f"and it holds {len(manifests)} *_sequences.tsv files); {_KEEP}")


def _chunk_length(state: RunState, fingerprint: dict) -> int:
    value = fingerprint.get("settings", {}).get("chunk_length")
    if value not in (300, 500):
        raise InputError(f"{state.fingerprint_path}: no valid chunk_length ({value!r}); "
                         "run `virnucpro predict` again")
    return value


def reclassify_config(paths: RunPaths, fingerprint: dict,
                      options: ReclassifyOptions) -> PipelineConfig:
    """The run's settings, with the classifier, threshold and run-time options of ``options``."""
    settings = fingerprint.get("settings", {})
    kept = {name: settings[name] for name in ("dnabert", "esm", "precision", "sequences_per_file")
            if name in settings}
    try:
        return _config(paths, settings, kept, options)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _config(paths: RunPaths, settings: dict, kept: dict,
            options: ReclassifyOptions) -> PipelineConfig:
    return PipelineConfig(
        **kept,
        output_dir=paths.output_dir,
        chunk_length=paths.chunk_length,
        model=options.model if options.model is not None else settings.get("model", "500"),
        min_score=options.min_score,
        classifier_batch_size=options.classifier_batch_size,
        device=options.device,
        cache_dir=options.cache_dir,
        keep_intermediate=True,
        progress=options.progress,
    )


def run_reclassify(run_dir: Path, options: ReclassifyOptions,
                   registry: StageRegistry | None = None) -> RunPaths:
    """Re-run stages 8-9 (``definitions.RECLASSIFY``) in ``run_dir``; log their summary.

    Args:
        run_dir: a finished ``predict`` run made with ``-k``.
        options: the classifier and threshold to use.
        registry: where the stage timings go (default: a fresh registry).

    Raises:
        UsageError: not a run, or its features were not kept.
        ValueError: an option the configuration refuses (``PipelineConfig``).
    """
    paths, state, fingerprint = kept_run(run_dir)
    config = reclassify_config(paths, fingerprint, options)
    models = resolve_models(config, embedders=False)
    for stage in RECLASSIFY:
        state.clear(stage)
    state.write_fingerprint({
        **{k: v for k, v in fingerprint.items() if k != "virnucpro"},
        "settings": {**fingerprint.get("settings", {}), **result_settings(config, models)},
        "given": {**fingerprint.get("given", {}),
                  **({"model": options.model} if options.model is not None else {})},
    })
    registry = registry if registry is not None else StageRegistry()
    with use_registry(registry):
        try:
            run_stages(RECLASSIFY, paths, config, models, state)
        finally:
            log_summary(registry, title="CLASSIFY SUMMARY", key_metrics={
                "Sequences processed": stage_metric(registry, score_consensus, "sequences"),
                **stage_key_metrics(registry, RECLASSIFY),
                "Classifier": models.classifier,
                "Min score": config.min_score,
            })
    return paths
