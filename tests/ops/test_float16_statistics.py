"""``ops.moments`` of float16 data: computed in float32, clipped to float16's finite range,
rounded back (Keras 3.15 on jax and torch; tests/fixtures/keras_examples20_numerics.json,
``ops_moments_rows_float16``)."""
import numpy as np

import minikeras as keras

F16_MAX = 65504.0


def moments(rows, axes):
    x = keras.ops.convert_to_tensor(np.asarray(rows, dtype="float16"))
    return [keras.ops.convert_to_numpy(t) for t in keras.ops.moments(x, axes=axes)]


def test_a_variance_beyond_float16_is_clipped_to_its_largest_value():
    # variance of [0, 1e4, -1e4, 1]: about 5e7, far beyond float16
    mean, variance = moments([[0.0, 1e4, -1e4, 1.0]], [-1])
    assert mean.dtype == variance.dtype == np.float16
    assert mean.tolist() == [0.25] and variance.tolist() == [F16_MAX]


def test_an_infinite_mean_becomes_the_largest_finite_value_and_nan_stays():
    mean, variance = moments([[-np.inf, 0.0, 1.0, 2.0], [np.nan, 0.0, 1.0, 2.0]], [-1])
    assert mean[0] == -F16_MAX and np.isnan(variance[0])
    assert np.isnan(mean[1]) and np.isnan(variance[1])


def test_the_statistics_of_large_float16_values_are_exact():
    # squares of 300 overflow float16 (max 65504); in float32 the variance is 60000
    mean, variance = moments([[300.0], [0.0], [-300.0]], [0])
    assert mean.tolist() == [0.0] and variance.tolist() == [60000.0]


def test_float32_statistics_keep_float32():
    x = keras.ops.convert_to_tensor(np.asarray([1e4 + 1, 1e4 - 1, 1e4 + 2, 1e4 - 2], "float32"))
    mean, variance = keras.ops.moments(x, axes=[0])
    assert keras.ops.convert_to_numpy(variance).dtype == np.float32
    assert float(keras.ops.convert_to_numpy(variance)) == 2.5
