"""Accuracy functions and classes: shapes, ties, thresholds, top-k and bad input."""
import numpy as np
import pytest

from minikeras import metrics


def test_binary_accuracy_threshold_is_strict():
    # 0.5 is not > 0.5, so it predicts 0: labels [1, 0] -> [miss, hit]
    np.testing.assert_array_equal(
        metrics.binary_accuracy([[1.0], [0.0]], [[0.5], [0.5]]), [[0.0], [1.0]])
    np.testing.assert_array_equal(
        metrics.binary_accuracy([[1.0], [0.0]], [[0.5], [0.5]], threshold=0.4), [[1.0], [0.0]])


def test_binary_accuracy_rank_fix_never_broadcasts_n_by_n():
    # labels (n,) against predictions (n, 1): one value per sample, 2 of 3 right
    # (Keras 3.15 returns shape (3, 1), as checked with its torch backend)
    out = metrics.binary_accuracy(np.array([1.0, 0.0, 1.0]), np.array([[0.9], [0.2], [0.1]]))
    np.testing.assert_array_equal(out, [[1.0], [1.0], [0.0]])


@pytest.mark.parametrize("labels, metric, values", [
    # Keras 3.15.1 (torch) on predictions of shape (1, 3, 3) whose argmax is [1, 0, 2]
    ([[1], [0], [1]], 1 / 3, [[1, 0, 0], [0, 1, 0], [1, 0, 0]]),  # (3, 1) x (1, 3)
    ([1, 0, 1], 2 / 3, [[1, 1, 0]]),
    ([[1, 0, 1]], 2 / 3, [[1, 1, 0]])])
def test_sparse_categorical_accuracy_follows_keras_shape_rules(labels, metric, values):
    scores = np.array([[[0.1, 0.9, 0.0], [0.8, 0.1, 0.1], [0.2, 0.3, 0.5]]], np.float32)
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(labels, scores), values)
    m = metrics.SparseCategoricalAccuracy()
    m.update_state(labels, scores)
    assert float(m.result()) == pytest.approx(metric, rel=1e-6)


def test_binary_accuracy_is_element_wise_and_the_metric_averages_per_sample():
    # row 0: [1,0] vs preds [1,1] -> [1, 0]; row 1: [0,0] vs [0,0] -> [1, 1] (Keras 3.15)
    out = metrics.binary_accuracy([[1.0, 0.0], [0.0, 0.0]], [[0.9, 0.8], [0.1, 0.3]])
    np.testing.assert_array_equal(out, [[1.0, 0.0], [1.0, 1.0]])
    m = metrics.BinaryAccuracy()
    m.update_state([[1.0, 0.0], [0.0, 0.0]], [[0.9, 0.8], [0.1, 0.3]])
    assert float(m.result()) == 0.75


# Keras 3.15.1 (torch backend) results for per-element and broadcast sample weights,
# y = [[1, 0], [0, 1]], scores [[0.9, 0.2], [0.8, 0.7]] (right: [[1, 1], [0, 1]]).
# Hand check of the first: weighted values per sample mean([1*1, 1*0]) = 0.5,
# mean([0*2, 1*3]) = 1.5; weights per sample 0.5, 2.5; (0.5 + 1.5) / 3 = 2/3.
@pytest.mark.parametrize("weight, expected", [([[1, 0], [2, 3]], 2 / 3),
                                              ([[1, 2]], 0.8333333134651184),
                                              ([3, 1], 0.875)])
def test_binary_accuracy_takes_per_element_sample_weights_as_keras(weight, expected):
    m = metrics.BinaryAccuracy()
    m.update_state([[1, 0], [0, 1]], [[0.9, 0.2], [0.8, 0.7]],
                   sample_weight=np.array(weight, np.float32))
    assert float(m.result()) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("weight, expected", [([[1, 0.5], [1, 1]], 0.7142857313156128),
                                              ([[0, 1]], 0.5), ([1, 2], 0.6666666865348816)])
def test_accuracy_takes_per_element_sample_weights_as_keras(weight, expected):
    # Keras 3.15.1: y [[1, 2], [3, 4]] vs [[1, 2], [3, 3]]
    m = metrics.Accuracy()
    m.update_state([[1, 2], [3, 4]], [[1, 2], [3, 3]], sample_weight=np.array(weight, np.float32))
    assert float(m.result()) == pytest.approx(expected, rel=1e-6)


def test_rank_one_inputs_are_one_value_per_sample_and_take_sample_weights():
    # (Keras 3 would average a rank-1 batch into one scalar and then fail on the weights.)
    m = metrics.BinaryAccuracy()
    m.update_state([1, 1, 0, 0], [0.98, 1, 0, 0.6], sample_weight=[1, 0, 0, 1])
    assert float(m.result()) == 0.5


def test_accuracy_is_exact_equality():
    np.testing.assert_array_equal(metrics.accuracy_metrics.accuracy([[1.0], [2.0]],
                                                                    [[1.0], [2.000001]]),
                                  [[1.0], [0.0]])


def test_argmax_ties_go_to_the_first_maximum():
    # prediction [0.4, 0.4, 0.2]: argmax is class 0 (first maximum)
    np.testing.assert_array_equal(
        metrics.categorical_accuracy([[1, 0, 0], [0, 1, 0]], [[0.4, 0.4, 0.2]] * 2), [1.0, 0.0])
    np.testing.assert_array_equal(
        metrics.sparse_categorical_accuracy([0, 1], [[0.4, 0.4, 0.2]] * 2), [1.0, 0.0])


def test_sparse_labels_may_be_n_or_n_by_1_ints_or_floats():
    y_pred = [[0.1, 0.6, 0.3], [0.05, 0.95, 0.0], [0.7, 0.2, 0.1]]
    for labels in ([1, 2, 0], [[1], [2], [0]], np.array([1.0, 2.0, 0.0], "float32")):
        out = metrics.sparse_categorical_accuracy(labels, y_pred)
        np.testing.assert_array_equal(out, [1.0, 0.0, 1.0])


def test_categorical_accuracy_on_sequences_is_per_timestep():
    y_true = np.eye(3)[[[0, 1], [2, 2]]]                       # (2, 2, 3)
    y_pred = np.eye(3)[[[0, 2], [2, 2]]] * 0.8 + 0.05          # argmax [[0,2],[2,2]]
    np.testing.assert_array_equal(metrics.categorical_accuracy(y_true, y_pred),
                                  [[1.0, 0.0], [1.0, 1.0]])
    m = metrics.CategoricalAccuracy()
    m.update_state(y_true, y_pred)
    assert float(m.result()) == 0.75


def test_top_k_counts_ties_at_the_boundary_as_hits():
    # scores [0.5, 0.5, 0.0], k=1: class 1 ties the largest score -> a hit (as Keras's in_top_k)
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy([1], [[0.5, 0.5, 0.0]], k=1), [1.0])
    np.testing.assert_array_equal(
        metrics.top_k_categorical_accuracy([[0, 1, 0]], [[0.5, 0.5, 0.0]], k=1), [1.0])


def test_top_k_values():
    y_pred = [[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]]
    # label 1 ranks 3rd in row 0, 2nd in row 1
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy([1, 1], y_pred, k=2), [0.0, 1.0])
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy([1, 1], y_pred, k=3), [1.0, 1.0])
    np.testing.assert_array_equal(
        metrics.top_k_categorical_accuracy([[0, 1, 0, 0]] * 2, y_pred, k=2), [0.0, 1.0])
    # (n, 1) labels keep their shape; the Mean reduces it
    out = metrics.sparse_top_k_categorical_accuracy([[1], [1]], y_pred, k=2)
    assert out.shape == (2, 1)


def test_sparse_top_k_from_sorted_ids():
    # y_pred holds ids sorted by score: label 3 is first in row 0, third in row 1
    ids = [[3, 0, 1], [0, 1, 3]]
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy([3, 3], ids, k=2, from_sorted_ids=True),
        [1.0, 0.0])
    m = metrics.SparseTopKCategoricalAccuracy(k=3, from_sorted_ids=True)
    m.update_state([3, 3], ids)
    assert float(m.result()) == 1.0
    assert m.get_config()["from_sorted_ids"] is True


def test_k_beyond_the_number_of_classes_takes_every_class_as_keras_does():
    # Keras (jax, probed): `metrics=["sparse_top_k_categorical_accuracy"]` (k=5) on a
    # 2- or 3-class model counts every sample as a hit, where a smaller k does not
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy([0, 0, 1], [[0.1, 0.9], [0.8, 0.2],
                                                              [0.5, 0.5]], k=1), [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy([0, 0, 1], [[0.1, 0.9], [0.8, 0.2],
                                                              [0.5, 0.5]], k=5), [1.0, 1.0, 1.0])
    m = metrics.TopKCategoricalAccuracy()
    m.update_state([[1, 0, 0], [0, 1, 0]], [[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    assert float(m.result()) == 1.0
    with pytest.raises(ValueError, match="positive integer"):
        metrics.TopKCategoricalAccuracy(k=0)


def test_labels_out_of_range_are_misses_as_keras_counts_them():
    # Keras (jax, probed; TensorFlow's in_top_k likewise): label 3 or -1 of 3 classes
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy([3, -1, 1], [[0.2, 0.5, 0.3]] * 3, k=1),
        [0.0, 0.0, 1.0])


@pytest.mark.parametrize("fn, y_true, y_pred, hint", [
    (metrics.binary_accuracy, [1.0, 0.0, 1.0, 1.0], [0.9, 0.2, 0.8], r"\(4,\).*\(3,\)"),
    (metrics.categorical_accuracy, [0, 2], [[0.2, 0.8, 0.0], [0.1, 0.1, 0.8]],
     r"\(2,\).*\(2, 3\).*sparse_categorical_accuracy"),
    (metrics.sparse_categorical_accuracy, [[0, 1, 0], [0, 0, 1]],
     [[0.2, 0.8, 0.0], [0.1, 0.1, 0.8]], r"y_true.shape=\(2, 3\).*categorical_accuracy"),
    (metrics.top_k_categorical_accuracy, [1, 2], [[0.2, 0.8, 0.0], [0.1, 0.1, 0.8]],
     r"\(2,\).*\(2, 3\)"),
    (metrics.sparse_top_k_categorical_accuracy, [1, 2, 0], [[0.2, 0.8, 0.0], [0.1, 0.1, 0.8]],
     r"\(3,\).*\(2, 3\)"),
])
def test_shape_mismatch_names_both_shapes(fn, y_true, y_pred, hint):
    with pytest.raises(ValueError, match=hint):
        fn(y_true, y_pred)


def test_binary_accuracy_threshold_must_be_a_number():
    for bad in (None, "0.5", [0.5]):
        with pytest.raises(ValueError, match="threshold.*real number"):
            metrics.BinaryAccuracy(threshold=bad)
    m = metrics.BinaryAccuracy(threshold=0.7)
    assert metrics.BinaryAccuracy.from_config(m.get_config()).threshold == 0.7
