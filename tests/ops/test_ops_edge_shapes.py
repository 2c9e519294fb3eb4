"""``keras.ops`` on rank-0 tensors and on zero-size arrays, as Keras 3.15 answers (round 20's
edge-shape sweep, tests/compat/test_script_fidelity_examples20_edgeshapes.py): an axis of a
scalar does not exist (Keras on jax and its symbolic shapes refuse it, as numpy does); a
reduction over no elements gives its identity (0 for a sum, 1 for a product, -inf for a
logsumexp), and one over a non-empty axis of an empty array the empty result."""
import numpy as np
import pytest

import minikeras as keras

ops = keras.ops
SCALAR = np.float32(3.5)
EMPTY_ROWS = np.zeros((0, 3), "float32")   # 0 rows of 3
EMPTY_COLS = np.zeros((2, 0), "float32")   # 2 rows of 0


@pytest.mark.parametrize("reduce", [
    ops.sum, ops.mean, ops.max, ops.min, ops.amax, ops.argmax, ops.argmin, ops.std, ops.var,
    ops.prod, ops.logsumexp, ops.any, ops.all, ops.count_nonzero, ops.median, ops.average])
@pytest.mark.parametrize("axis", [0, -1, (0,)])
def test_a_reduction_over_an_axis_of_a_scalar_is_refused(reduce, axis):
    if axis == (0,) and reduce in (ops.argmax, ops.argmin, ops.count_nonzero):
        axis = 0  # no tuple of axes there
    with pytest.raises(ValueError, match="out of bounds for an array with dimension 0"):
        reduce(SCALAR, axis=axis)


@pytest.mark.parametrize("reduce", [ops.sum, ops.mean, ops.max, ops.prod, ops.median])
def test_a_reduction_of_a_scalar_over_all_axes_is_the_scalar(reduce):
    assert float(reduce(SCALAR)) == 3.5


@pytest.mark.parametrize("op", [
    lambda x: ops.softmax(x), lambda x: ops.log_softmax(x), lambda x: ops.softmax(x, axis=0),
    lambda x: ops.cumsum(x, axis=-1), lambda x: ops.squeeze(x, axis=-1),
    lambda x: ops.take(x, np.zeros((0,), "int32"), axis=0), lambda x: ops.top_k(x, 1),
    lambda x: ops.diagonal(x), lambda x: ops.tril(x), lambda x: ops.triu(x),
    lambda x: ops.diff(x), lambda x: ops.roll(x, 1, axis=0),
    lambda x: ops.slice(x, [0, 0], [0, 2])])
def test_an_op_along_an_axis_of_a_scalar_is_refused(op):
    with pytest.raises(ValueError):
        op(SCALAR)


def test_split_of_a_scalar_is_an_index_error_as_in_keras():
    with pytest.raises(IndexError, match="rank-0"):
        ops.split(SCALAR, 1)


def test_ops_without_an_axis_take_a_scalar():
    assert np.asarray(ops.cumsum(SCALAR)).tolist() == [3.5]          # flattened first
    assert np.asarray(ops.take(SCALAR, np.array([0], "int32"))).tolist() == [3.5]
    assert np.asarray(ops.hstack([SCALAR, np.float32(1.0)])).tolist() == [3.5, 1.0]


@pytest.mark.parametrize("x, axis", [(EMPTY_COLS, -1), (EMPTY_ROWS, 0), (EMPTY_ROWS, -1)])
def test_softmax_of_an_empty_tensor_is_empty(x, axis):
    for fn in (ops.softmax, ops.log_softmax):
        out = fn(x, axis=axis)
        assert out.shape == x.shape and out.dtype == "float32"


def test_logsumexp_over_no_elements_is_minus_infinity():
    assert float(ops.logsumexp(EMPTY_ROWS)) == -np.inf
    assert np.asarray(ops.logsumexp(EMPTY_ROWS, axis=0)).tolist() == [-np.inf] * 3
    assert ops.logsumexp(EMPTY_ROWS, axis=1).shape == (0,)
    assert ops.logsumexp(EMPTY_COLS, axis=-1, keepdims=True).shape == (2, 1)


def test_prod_over_no_elements_is_one_and_over_an_empty_lead_is_empty():
    assert np.asarray(ops.prod(EMPTY_ROWS, axis=0)).tolist() == [1.0, 1.0, 1.0]
    assert ops.prod(EMPTY_ROWS, axis=1).shape == (0,)
    assert ops.prod(EMPTY_COLS, axis=0).shape == (0,)
    assert ops.prod(EMPTY_ROWS, axis=-1, keepdims=True).shape == (0, 1)


def test_median_of_an_empty_array():
    assert ops.median(EMPTY_ROWS, axis=1).shape == (0,)       # no rows: nothing to take
    assert ops.median(EMPTY_ROWS, axis=-1, keepdims=True).shape == (0, 1)
    with pytest.raises(ValueError, match="empty slice"):      # 3 columns of no elements
        ops.median(EMPTY_ROWS, axis=0)


def test_nonzero_gives_one_int32_index_vector_per_axis():
    rows, cols = ops.nonzero(np.array([[0.0, 1.0], [2.0, 0.0]], "float32"))
    assert np.asarray(rows).tolist() == [0, 1] and np.asarray(cols).tolist() == [1, 0]
    assert rows.dtype == cols.dtype == "int32"
    empty = ops.nonzero(EMPTY_ROWS)
    assert [e.shape for e in empty] == [(0,), (0,)]
