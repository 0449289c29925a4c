"""A two-second tour of virnucpro_telemetry: decorated stages, metrics, a skip, the summary.

Run: ``python examples/telemetry_demo.py``
"""

import logging
import time

from virnucpro_telemetry import add_metrics, log_summary, skip_stage, stage, timed_stage

logger = logging.getLogger(__name__)


@timed_stage("Sequence Chunking")
def chunk_sequences(count: int) -> list[str]:
    """Pretend to cut ``count`` sequences into 500 bp chunks."""
    time.sleep(0.15)
    add_metrics(sequences=count, files=1)
    return [f"seq{i}_chunk_1" for i in range(count)]


@timed_stage("Tokenization")
def tokenize(batch: list[str]) -> int:
    """Pretend to tokenize one batch (a nested stage, called once per batch)."""
    time.sleep(0.05)
    return 128 * len(batch)


@timed_stage("DNABERT-S Feature Extraction")
def extract_features(chunks: list[str], batch_size: int = 4) -> None:
    """Pretend to embed the chunks in batches."""
    for first in range(0, len(chunks), batch_size):
        tokens = tokenize(chunks[first : first + batch_size])
        with stage("Model Forward"):
            time.sleep(0.2)
        add_metrics(sequences=min(batch_size, len(chunks) - first), tokens=tokens)


@timed_stage("Consensus Scoring")
def score(chunks: list[str]) -> int:
    """Pretend to call viruses."""
    time.sleep(0.1)
    viral = len(chunks) // 3
    add_metrics(sequences=len(chunks), viral_sequences=viral)
    return viral


def main() -> None:
    """Run the fake pipeline and log its summary."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    chunks = chunk_sequences(12)
    extract_features(chunks)
    skip_stage("Feature Merging", "checkpoint")
    viral = score(chunks)
    logger.info("%d of %d sequences look viral", viral, len(chunks))
    log_summary(baseline_seconds=30, key_metrics={"Device": "cpu (demo)"})


if __name__ == "__main__":
    main()
