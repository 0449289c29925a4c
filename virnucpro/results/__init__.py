"""Stage 9 and the result tables: per-frame predictions, per-chunk consensus, per-sequence calls.

Torch-free (numpy and the standard library). The public names are re-exported here, so
``from virnucpro.results import read_predictions`` works without knowing the module.
"""

from virnucpro.results.consensus import (
    CONSENSUS_HEADER,
    chunk_virus_score,
    chunk_virus_scores,
    consensus_calls,
    is_viral,
    write_consensus,
)
from virnucpro.results.predictions import (
    LABELS,
    PREDICTION_HEADER,
    FramePrediction,
    format_score,
    read_predictions,
    write_prediction_header,
    write_prediction_rows,
)
from virnucpro.results.sequence_summary import (
    SUMMARY_HEADER,
    SequenceCall,
    read_manifest,
    sequence_of_chunk,
    summarise_sequences,
    write_sequence_summary,
)

__all__ = [
    "CONSENSUS_HEADER",
    "LABELS",
    "PREDICTION_HEADER",
    "SUMMARY_HEADER",
    "FramePrediction",
    "SequenceCall",
    "chunk_virus_score",
    "chunk_virus_scores",
    "consensus_calls",
    "format_score",
    "is_viral",
    "read_manifest",
    "read_predictions",
    "sequence_of_chunk",
    "summarise_sequences",
    "write_consensus",
    "write_prediction_header",
    "write_prediction_rows",
    "write_sequence_summary",
]
