"""Binary classification metrics with scikit-learn's definitions, in numpy (no scikit-learn).

Label 1 (viral) is the positive class. ``scores`` are P(viral); ``predictions`` the predicted
labels (the arg-max of the logits, as the original took). Edge cases follow scikit-learn: a
precision, recall or F1 whose denominator is 0 is 0.0; MCC is 0.0 when a marginal is constant;
average precision (AUPRC) is 0.0 without positives; AUROC is undefined (NaN) with one class.
Ties in scores are handled as scikit-learn does (average ranks for AUROC; one threshold per
distinct score for average precision).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

METRIC_NAMES = ("accuracy", "precision", "recall", "f1", "auroc", "auprc", "mcc")
CONFUSION_NAMES = ("true_positives", "false_positives", "true_negatives", "false_negatives")


@dataclass(frozen=True)
class ConfusionCounts:
    """The confusion matrix of a binary classifier (positive = viral)."""

    true_positives: int
    false_positives: int
    true_negatives: int
    false_negatives: int


@dataclass(frozen=True)
class ClassificationMetrics:
    """The metrics of ``training_log.tsv`` and ``test_metrics.tsv``."""

    accuracy: float
    precision: float
    recall: float
    f1: float
    auroc: float
    auprc: float
    mcc: float
    confusion: ConfusionCounts

    def as_dict(self) -> dict[str, float | int]:
        """The metrics then the confusion counts, as one flat plain-data dict."""
        values = {name: getattr(self, name) for name in METRIC_NAMES}
        return {**values, **asdict(self.confusion)}


def classification_metrics(labels, scores, predictions) -> ClassificationMetrics:
    """All metrics of one evaluation.

    Args:
        labels: true labels, 0 or 1.
        scores: the predicted probability of class 1.
        predictions: the predicted labels, 0 or 1.

    Raises:
        ValueError: the inputs are empty or of different lengths.
    """
    labels = np.asarray(labels).astype(bool)
    scores = np.asarray(scores, dtype=np.float64)
    predictions = np.asarray(predictions).astype(bool)
    if not len(labels) or not len(labels) == len(scores) == len(predictions):
        raise ValueError("metrics need equally long, non-empty labels, scores and predictions")
    counts = confusion_counts(labels, predictions)
    tp, fp, fn = counts.true_positives, counts.false_positives, counts.false_negatives
    return ClassificationMetrics(
        accuracy=float(np.mean(labels == predictions)),
        precision=_ratio(tp, tp + fp),
        recall=_ratio(tp, tp + fn),
        f1=_ratio(2 * tp, 2 * tp + fp + fn),
        auroc=auroc(labels, scores),
        auprc=average_precision(labels, scores),
        mcc=matthews_correlation(counts),
        confusion=counts,
    )


def confusion_counts(labels: np.ndarray, predictions: np.ndarray) -> ConfusionCounts:
    """True/false positives/negatives of boolean ``labels`` and ``predictions``."""
    return ConfusionCounts(
        true_positives=int(np.sum(labels & predictions)),
        false_positives=int(np.sum(~labels & predictions)),
        true_negatives=int(np.sum(~labels & ~predictions)),
        false_negatives=int(np.sum(labels & ~predictions)),
    )


def auroc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (the Mann-Whitney statistic with average ranks for ties, which
    equals scikit-learn's trapezoidal area); NaN when only one class is present."""
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if not positives or not negatives:
        return math.nan
    ranks = _average_ranks(scores)
    rank_sum = float(ranks[labels].sum())
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def average_precision(labels: np.ndarray, scores: np.ndarray) -> float:
    """scikit-learn's average precision: sum over distinct score thresholds (highest first) of
    (recall gain) x precision; 0.0 without positives."""
    positives = int(labels.sum())
    if not positives:
        return 0.0
    order = np.argsort(-scores, kind="mergesort")
    ordered_scores, ordered_labels = scores[order], labels[order]
    last_of_tie = np.r_[ordered_scores[1:] != ordered_scores[:-1], True]
    true_positives = np.cumsum(ordered_labels)[last_of_tie]
    predicted = np.flatnonzero(last_of_tie) + 1
    precision = true_positives / predicted
    recall_gain = np.diff(np.r_[0, true_positives]) / positives
    return float(np.sum(recall_gain * precision))


def matthews_correlation(counts: ConfusionCounts) -> float:
    """MCC from the confusion counts; 0.0 when either marginal is constant (as scikit-learn)."""
    tp, fp = counts.true_positives, counts.false_positives
    tn, fn = counts.true_negatives, counts.false_negatives
    denominator = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    if not denominator:
        return 0.0
    return (tp * tn - fp * fn) / math.sqrt(denominator)


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``values``, tied values sharing the average of their ranks."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts_tie = np.r_[True, ordered[1:] != ordered[:-1]]
    tie_group = np.cumsum(starts_tie) - 1
    starts = np.flatnonzero(starts_tie)
    ends = np.r_[starts[1:], len(values)]
    ranks = np.empty(len(values))
    ranks[order] = ((starts + 1 + ends) / 2)[tie_group]
    return ranks
