"""The metrics equal scikit-learn's (a test-only dependency) on random data and edge cases."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from sklearn import metrics as sklearn_metrics  # test-only dependency (the test extras)

from virnucpro.training.metrics import classification_metrics


def _sklearn(labels, scores, predictions):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined-metric warnings: the values are what we test
        return {
            "accuracy": sklearn_metrics.accuracy_score(labels, predictions),
            "precision": sklearn_metrics.precision_score(labels, predictions, zero_division=0),
            "recall": sklearn_metrics.recall_score(labels, predictions, zero_division=0),
            "f1": sklearn_metrics.f1_score(labels, predictions, zero_division=0),
            "auroc": sklearn_metrics.roc_auc_score(labels, scores),
            "auprc": sklearn_metrics.average_precision_score(labels, scores),
            "mcc": sklearn_metrics.matthews_corrcoef(labels, predictions),
        }


def _assert_same(labels, scores, predictions):
    ours = classification_metrics(labels, scores, predictions).as_dict()
    for name, expected in _sklearn(labels, scores, predictions).items():
        if math.isnan(expected):
            assert math.isnan(ours[name]), name
        else:
            assert ours[name] == pytest.approx(expected, abs=1e-12), name
    tn, fp, fn, tp = sklearn_metrics.confusion_matrix(labels, predictions, labels=[0, 1]).ravel()
    assert (ours["true_positives"], ours["false_positives"]) == (tp, fp)
    assert (ours["true_negatives"], ours["false_negatives"]) == (tn, fn)


@pytest.mark.parametrize("seed", range(20))
def test_random_data_with_and_without_ties(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(2, 300))
    labels = rng.integers(0, 2, size)
    scores = rng.random(size)
    if seed % 2:
        scores = np.round(scores, 1)  # many ties
    predictions = (scores > 0.5).astype(int)
    _assert_same(labels, scores, predictions)


@pytest.mark.parametrize(
    "labels",
    [[0, 0, 0, 0], [1, 1, 1, 1], [0, 1, 0, 1]],
    ids=["no-positives", "all-positive", "mixed"],
)
@pytest.mark.parametrize(
    "predictions", [[0, 0, 0, 0], [1, 1, 1, 1], [1, 0, 0, 1]], ids=["none", "all", "some"]
)
def test_edge_cases(labels, predictions):
    _assert_same(np.array(labels), np.array([0.2, 0.7, 0.7, 0.9]), np.array(predictions))


def test_all_scores_tied():
    labels = np.array([0, 1, 1, 0, 1])
    _assert_same(labels, np.full(5, 0.5), np.zeros(5, dtype=int))


def test_empty_input_is_refused():
    with pytest.raises(ValueError, match="non-empty"):
        classification_metrics([], [], [])
