"""Contractions and segment sums over zero-size axes give zeros of the output's shape, as
Keras 3.15 gives them (round 20, edge shapes): numpy cannot infer a -1 in a reshape of an
empty array, so the ops size their reshapes explicitly."""
import numpy as np

import minikeras as keras

ops = keras.ops


def test_tensordot_over_an_empty_axis_is_zeros():
    out = ops.tensordot(np.zeros((2, 0), "float32"), np.zeros((0, 4), "float32"), axes=1)
    assert out.shape == (2, 4) and not np.any(np.asarray(out))


def test_tensordot_with_an_empty_free_axis():
    out = ops.tensordot(np.zeros((0, 3), "float32"), np.ones((3, 2), "float32"), axes=1)
    assert out.shape == (0, 2)


def test_inner_of_empty_vectors_is_zero():
    out = ops.inner(np.zeros((0,), "float32"), np.zeros((0,), "float32"))
    assert out.shape == () and float(out) == 0.0


def test_segment_sum_of_no_rows_is_zeros_per_segment():
    out = ops.segment_sum(np.zeros((0,), "float32"), np.zeros((0,), "int32"), num_segments=2)
    assert np.asarray(out).tolist() == [0.0, 0.0]


def test_tensordot_still_contracts():
    out = ops.tensordot(np.arange(6.0).reshape(2, 3), np.ones((3, 2)), axes=1)
    assert np.asarray(out).tolist() == [[3.0, 3.0], [12.0, 12.0]]
