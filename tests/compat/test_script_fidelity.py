"""Differences found by running keras-io guides and examples side by side with Keras 3.15.

Each expected string or number below was read off the same lines run under Keras 3.15
(torch and jax backends gave the same output).
"""
import numpy as np

import minikeras as keras


def test_scalar_variable_repr_shows_a_python_number():
    # Keras: <Variable path=a, shape=(), dtype=float32, value=0.0010000000474974513>
    assert repr(keras.Variable(np.float32(0.001), name="a")) == (
        "<Variable path=a, shape=(), dtype=float32, value=0.0010000000474974513>")
    assert repr(keras.Variable(np.array([0.001, 0.1], "float32"), name="c")) == (
        "<Variable path=c, shape=(2,), dtype=float32, value=[0.001 0.1  ]>")


def test_settable_learning_rate_prints_as_its_variable():
    # The "Writing your own callbacks" guide prints model.optimizer.learning_rate.
    optimizer = keras.optimizers.SGD(0.1, name="sgd")
    expected = "<Variable path=sgd/learning_rate, shape=(), dtype=float32, value=0.10000000149011612>"
    assert str(optimizer.learning_rate) == f"{optimizer.learning_rate}" == expected
    assert repr(optimizer.learning_rate) == expected
    optimizer.learning_rate = 0.5
    assert str(optimizer.learning_rate) == (
        "<Variable path=sgd/learning_rate, shape=(), dtype=float32, value=0.5>")
    # It stays a number for arithmetic and float().
    assert float(optimizer.learning_rate) == 0.5
    assert optimizer.learning_rate * 2 == 1.0
