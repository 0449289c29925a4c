"""Stage 9: call every chunk and every sequence from the frame predictions."""

from __future__ import annotations

import logging

from virnucpro.atomic import atomic_open
from virnucpro.config import PipelineConfig, ResolvedModels
from virnucpro.paths import RunPaths
from virnucpro.results.consensus import consensus_calls, write_consensus
from virnucpro.results.predictions import read_predictions
from virnucpro.results.sequence_summary import (
    read_manifest,
    summarise_sequences,
    write_sequence_summary,
)
from virnucpro_telemetry import add_metrics, timed_stage

logger = logging.getLogger(__name__)


@timed_stage("Consensus Scoring", rate="sequences", rate_unit="seq")
def score_consensus(
    paths: RunPaths, config: PipelineConfig, models: ResolvedModels | None = None
) -> None:
    """Write the per-chunk consensus and the per-sequence summary from the frame predictions.

    Args:
        paths: the run's files.
        config: the run's settings (``min_score``: the P(virus) a chunk needs to count as
            viral in the sequence summary; the consensus file keeps the original's rule).
        models: the resolved models (not read: the stages share one signature).
    """
    calls = consensus_calls(read_predictions(paths.prediction_results))
    with atomic_open(paths.consensus_results) as handle:
        write_consensus(handle, calls)
    summary = summarise_sequences(
        read_manifest(paths.sequence_manifest), read_predictions(paths.prediction_results),
        config.min_score,
    )
    with atomic_open(paths.sequence_summary) as handle:
        write_sequence_summary(handle, summary)
    viral = sum(entry.call == "virus" for entry in summary)
    add_metrics(sequences=len(summary), chunks=len(calls), viral_sequences=viral)
    logger.info("%d of %d sequences called viral", viral, len(summary))
