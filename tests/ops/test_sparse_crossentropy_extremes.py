"""``ops.sparse_categorical_crossentropy`` reads only the label's log-probability, as Keras
3.15 on torch (tests/fixtures/keras_examples20_numerics.json,
``ops_sparse_categorical_crossentropy_logits_*``): a -inf or hugely negative logit of another
class costs nothing, where a one-hot product gives 0 · -inf = nan (Keras on jax)."""
import math

import numpy as np
import pytest

import minikeras as keras
from minikeras.autodiff import Tensor, grad


def sparse_ce(labels, rows, dtype="float32", **options):
    return keras.ops.sparse_categorical_crossentropy(
        np.asarray(labels), np.asarray(rows, dtype=dtype), **options)


def test_a_minus_infinite_logit_of_another_class_costs_nothing():
    # -log_softmax([-inf, 0, 1])[2] = log(1 + e) - 1 = log1p(exp(-1))
    loss = sparse_ce([2], [[-np.inf, 0.0, 1.0]], from_logits=True)
    assert float(loss.numpy()[0]) == pytest.approx(math.log1p(math.exp(-1.0)), rel=1e-6)


def test_logits_spread_past_float32_give_the_label_probability_one():
    # [3e38, -3e38, 0]: shifted by the max, the other logits are -inf and -3e38
    assert sparse_ce([0], [[3e38, -3e38, 0.0]], from_logits=True).numpy().tolist() == [0.0]


def test_float16_stays_float16():
    loss = sparse_ce([2], [[-np.inf, 0.0, 1.0]], dtype="float16", from_logits=True)
    assert loss.numpy().dtype == np.float16
    assert float(loss.numpy()[0]) == pytest.approx(math.log1p(math.exp(-1.0)), rel=2e-3)


def test_finite_values_equal_the_categorical_crossentropy_of_one_hot_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 5)).astype("float32")
    labels = rng.integers(0, 5, 6)
    hot = np.eye(5, dtype="float32")[labels]
    probabilities = keras.ops.softmax(logits).numpy()
    for rows, from_logits in ((logits, True), (probabilities, False)):
        np.testing.assert_allclose(
            sparse_ce(labels, rows, from_logits=from_logits).numpy(),
            keras.ops.categorical_crossentropy(hot, rows, from_logits=from_logits).numpy(),
            rtol=1e-6)


def test_a_label_outside_the_classes_costs_zero():
    assert sparse_ce([3, -1], [[1.0, 2.0, 3.0]] * 2, from_logits=True).numpy().tolist() == [0, 0]


def test_the_gradient_is_softmax_minus_the_one_hot_label():
    logits = Tensor(np.array([[-np.inf, 0.0, 1.0], [1.0, 2.0, 3.0]], "float32"),
                    requires_grad=True)
    loss = keras.ops.sum(keras.ops.sparse_categorical_crossentropy(
        np.array([2, 0]), logits, from_logits=True))
    (gradient,) = grad(loss, [logits])
    e = math.exp(1.0)
    expected = [[0.0, 1 / (1 + e), e / (1 + e) - 1],
                [v - (i == 0) for i, v in enumerate(np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum())]]
    np.testing.assert_allclose(gradient, expected, rtol=1e-6, atol=1e-7)


def test_the_sparse_primitive_passes_gradcheck_in_float64():
    """``P.softmax_cross_entropy(..., sparse=True)`` (class indices, the labelled entries
    read alone): its logits' gradient against central differences."""
    from minikeras.autodiff import primitives as P
    from minikeras.autodiff.gradcheck import gradcheck
    labels = np.array([0, 3, 1])
    logits = np.random.default_rng(1).normal(size=(3, 4))
    assert gradcheck(lambda x: P.softmax_cross_entropy(Tensor(labels), x, -1, sparse=True),
                     logits)


def test_the_sparse_primitive_equals_its_one_hot_form_and_checks_labels_when_asked():
    from minikeras.autodiff import primitives as P
    from minikeras.autodiff.tensor import grad
    logits = Tensor(np.random.default_rng(2).normal(size=(2, 4, 3)).astype(np.float32),
                    requires_grad=True)
    labels = np.array([[0, 2, 1], [3, 3, 7]])  # class indices along axis 1; 7 is outside
    hot = (np.arange(4)[:, None] == labels[:, None, :]).astype(np.float32)  # (2, 4, 3)
    sparse = P.softmax_cross_entropy(labels, logits, 1, sparse=True)
    dense = P.softmax_cross_entropy(hot, logits, 1)
    np.testing.assert_array_equal(sparse.data, dense.data)  # 7: an all-zero row, loss 0
    assert sparse.data[1, 2] == 0
    np.testing.assert_array_equal(grad(P.sum(sparse), [logits])[0],
                                  grad(P.sum(dense), [logits])[0])
    with pytest.raises(ValueError, match=r"my_loss: label 7 is outside the valid range "
                                         r"\[0, 4\) for a y_pred with 4 classes"):
        P.softmax_cross_entropy(labels, logits, 1, sparse=True, checked="my_loss")
