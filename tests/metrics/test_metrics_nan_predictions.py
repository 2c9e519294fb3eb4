"""A nan prediction in the bucketed confusion counts (AUC's evenly spaced thresholds) lands
in the lowest bucket, as Keras 3.15 on jax casts its nan bucket index to 0
(tests/fixtures/keras_examples20_numerics.json, ``metric_auc_nan``: 1.0; Keras on torch's
INT_MIN index puts it in the top bucket, 0.5)."""
import numpy as np

import minikeras as keras


def auc(labels, predictions, **options):
    metric = keras.metrics.AUC(**options)
    metric.update_state(np.asarray(labels, "float32"), np.asarray(predictions, "float32"))
    return metric


def test_a_nan_prediction_ranks_below_every_positive():
    # positives 0.9 and 0.2 rank above the negatives nan and 0.1: a perfect ranking
    assert float(auc([1, 0, 1, 0], [0.9, np.nan, 0.2, 0.1]).result()) == 1.0


def test_a_nan_prediction_counts_as_a_prediction_of_zero():
    with_nan = auc([0, 1, 1, 0], [0.9, np.nan, 0.2, 0.1])
    with_zero = auc([0, 1, 1, 0], [0.9, 0.0, 0.2, 0.1])
    for name in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
        np.testing.assert_array_equal(getattr(with_nan, name).numpy(),
                                      getattr(with_zero, name).numpy())
