"""Tests for to_categorical and normalize (KERAS_REFERENCE.md section 8)."""

import numpy as np
import pytest

from minikeras.utils import np_utils
from minikeras.utils.numerical import normalize, to_categorical

# ---------------------------------------------------------------- to_categorical


@pytest.mark.parametrize(
    "labels, num_classes, expected",
    [
        ([0, 2, 1], None, [[1, 0, 0], [0, 0, 1], [0, 1, 0]]),
        ([[1], [0], [2]], None, [[0, 1, 0], [1, 0, 0], [0, 0, 1]]),
        (
            [[1, 2], [0, 1]],
            None,
            [[[0, 1, 0], [0, 0, 1]], [[1, 0, 0], [0, 1, 0]]],
        ),
        ([1, 0], 4, [[0, 1, 0, 0], [1, 0, 0, 0]]),
        ([1, 0], 0, [[0, 1], [1, 0]]),  # 0 means "infer", as in Keras
        (2, 3, [0, 0, 1]),  # a scalar label gives one row
    ],
    ids=["vector", "column", "matrix", "num_classes", "zero-infers", "scalar"],
)
def test_to_categorical_keras_examples(labels, num_classes, expected):
    result = to_categorical(labels, num_classes=num_classes)
    assert result.dtype == np.float64
    assert result.shape == np.shape(expected)
    np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize(
    "dtype", [np.int8, np.uint8, np.int32, np.int64, np.float32, np.float64]
)
def test_to_categorical_matches_identity_rows(dtype):
    labels = np.random.default_rng(0).integers(0, 7, size=(4, 5)).astype(dtype)
    result = to_categorical(labels, 7)
    assert result.shape == (4, 5, 7) and result.dtype == np.float64
    np.testing.assert_array_equal(result, np.eye(7)[labels.astype(np.int64)])


def test_to_categorical_keeps_trailing_dim_when_not_one():
    assert to_categorical([[0, 1]], 2).shape == (1, 2, 2)


def test_to_categorical_empty_labels_with_num_classes():
    result = to_categorical(np.zeros((0,), np.int64), 3)
    assert result.shape == (0, 3) and result.dtype == np.float64


def test_to_categorical_accepts_numpy_integer_num_classes():
    np.testing.assert_array_equal(to_categorical([1], np.int64(2)), [[0, 1]])


@pytest.mark.parametrize(
    "labels, num_classes, match",
    [
        ([0, 3], 3, r"label 3.*\[0, 2\] for num_classes=3; pass a larger"),
        ([1, -1], None, r"label -1.*num_classes=2; start the labels at 0"),
        ([0, -2], 5, r"label -2.*\[0, 4\] for num_classes=5"),
        ([0.0, 1.5], None, "non-integer value 1.5"),
        ([0.0, np.nan], 2, "non-integer value nan"),
        ([], None, "cannot infer num_classes from empty labels"),
        ([0, 1], -1, "num_classes must be a positive integer.*got -1"),
    ],
    ids=["too-large", "negative", "negative-given-n", "fraction", "nan", "empty", "bad-n"],
)
def test_to_categorical_bad_values_raise_value_error(labels, num_classes, match):
    with pytest.raises(ValueError, match=match):
        to_categorical(labels, num_classes)


@pytest.mark.parametrize(
    "labels, num_classes, match",
    [
        (["a", "b"], None, "integer class labels, got an array of dtype <U1"),
        ([0, 1], 2.0, "num_classes must be an integer or None, got 2.0"),
    ],
    ids=["strings", "float-num-classes"],
)
def test_to_categorical_bad_types_raise_type_error(labels, num_classes, match):
    with pytest.raises(TypeError, match=match):
        to_categorical(labels, num_classes)


# ---------------------------------------------------------------- normalize


@pytest.mark.parametrize(
    "x, order, expected",
    [
        ([[3.0, 4.0], [0.0, 0.0]], 2, [[0.6, 0.8], [0.0, 0.0]]),
        ([[3.0, 4.0], [1.0, 1.0]], 1, [[0.428571, 0.571429], [0.5, 0.5]]),
        ([[3.0, -4.0]], np.inf, [[0.75, -1.0]]),
    ],
    ids=["l2-with-zero-row", "l1", "inf"],
)
def test_normalize_keras_examples(x, order, expected):
    np.testing.assert_allclose(normalize(np.array(x), order=order), expected, atol=1e-6)


def test_normalize_along_first_axis_matches_reference():
    x = np.random.default_rng(1).normal(size=(3, 5))
    reference = x / np.sqrt((x**2).sum(axis=0))
    np.testing.assert_allclose(normalize(x, axis=0), reference, rtol=1e-12)


def test_normalize_along_middle_axis_of_rank_3():
    x = np.random.default_rng(2).normal(size=(2, 3, 4))
    result = normalize(x, axis=1)
    assert result.shape == (2, 3, 4)
    np.testing.assert_allclose(np.linalg.norm(result, axis=1), np.ones((2, 4)))


def test_normalize_dtypes():
    assert normalize(np.array([[3, 4]])).dtype == np.float64
    assert normalize(np.array([[3, 4]], np.float32)).dtype == np.float32
    np.testing.assert_allclose(normalize([[3, 4]]), [[0.6, 0.8]])


def test_normalize_does_not_modify_input():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    normalize(x)
    np.testing.assert_array_equal(x, [[3.0, 4.0], [0.0, 0.0]])


# ---------------------------------------------------------------- Keras 2 spelling


def test_np_utils_reexports_the_same_functions():
    assert np_utils.to_categorical is to_categorical
    assert np_utils.normalize is normalize


def test_normalize_of_a_tensor_is_ops_normalize_and_carries_gradients():
    # keras.utils.normalize sends anything but a numpy array to ops.normalize (Keras 3.15
    # returns a tensor for a tensor or a list); keras-io's supervised contrastive loss
    # normalizes its features so and must train through it
    from minikeras.autodiff.tensor import Tensor, grad
    x = Tensor(np.array([[3.0, 4.0]], "float32"), requires_grad=True)
    out = normalize(x)
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(np.asarray(out), [[0.6, 0.8]], rtol=1e-6)
    (g,) = grad(out[0, 0], [x])  # d(x0/|x|)/dx = (1/|x|)(e0 - x0 x/|x|²) = [0.128, -0.096]
    np.testing.assert_allclose(g, [[0.128, -0.096]], rtol=1e-5)
