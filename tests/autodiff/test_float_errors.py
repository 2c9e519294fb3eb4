"""numpy's floating-point warnings off where minikeras computes (``autodiff/float_errors.py``):
Keras's backends compute inf and nan without a word, so a script run with warnings as
errors gets the same values here, eagerly, through gradients and in ``fit``; the caller's
own numpy error state is left as it was."""
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import ops
from minikeras.autodiff import float_errors
from minikeras.autodiff.tensor import Tensor, grad

needs_numpy_2 = pytest.mark.skipif(float_errors.STATE is None,
                                   reason="numpy 1: primitives called on their own still warn")


@pytest.fixture
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@needs_numpy_2
def test_eager_ops_compute_inf_and_nan_without_warnings(warnings_are_errors):
    zeros, ones = ops.zeros(2), ops.ones(2)
    assert np.all(np.asarray(ops.log(zeros)) == -np.inf)
    assert np.all(np.isnan(np.asarray(zeros / zeros)))
    assert np.all(np.asarray(ops.divide(ones, zeros)) == np.inf)
    assert np.all(np.isnan(np.asarray(ops.sqrt(-ones))))
    assert np.all(np.asarray(ops.exp(ops.full((2,), 1000.0))) == np.inf)
    assert np.isnan(float(ops.mean(ops.zeros((0,)))))  # numpy's "Mean of empty slice" too
    assert np.asarray(ops.mean(ops.zeros((0, 3)), axis=0)).shape == (3,)


@needs_numpy_2
def test_a_layer_and_its_gradient_overflow_without_warnings(warnings_are_errors):
    layer = keras.layers.Dense(2, kernel_initializer="ones")
    x = Tensor(np.full((1, 3), 3e38, np.float32))
    assert np.all(np.asarray(layer(x)) == np.inf)
    w = Tensor(np.zeros(2, np.float32), requires_grad=True)
    (g,) = grad(ops.sum(ops.log(w)), [w])      # d log(w) / dw = 1 / 0
    assert np.all(g == np.inf)


def test_fit_on_overflowing_data_reports_an_inf_loss_without_warnings(warnings_are_errors):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones")])
    model.compile("sgd", "mse")
    history = model.fit(np.full((4, 2), 3e38, np.float32), np.zeros((4, 1), np.float32),
                        epochs=1, verbose=0)
    assert history.history["loss"] == [np.inf]     # 3e38 + 3e38 overflows: (inf - 0)^2
    # d loss / d kernel = 2 (inf - 0) x / n = inf: the step writes 1 - 0.01 inf = -inf
    assert np.all(model.layers[0].kernel.numpy() == -np.inf)


@needs_numpy_2
def test_the_callers_numpy_error_state_is_kept():
    with np.errstate(divide="raise"):
        ops.log(ops.zeros(2))                          # silenced inside the primitive only
        assert np.geterr()["divide"] == "raise"
        with pytest.raises(FloatingPointError):
            np.log(np.zeros(2, np.float32))
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        np.log(np.zeros(2, np.float32))               # the default state is back, too
