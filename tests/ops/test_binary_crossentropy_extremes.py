"""``ops.binary_crossentropy(from_logits=True)`` at infinite logits: -t·log σ(x) -
(1 - t)·log σ(-x), as Keras 3.15 on jax computes it (tests/fixtures/
keras_examples20_numerics.json, ``loss_binary_crossentropy_logits_*``): inf on the wrong
side, where the stable form max(x, 0) - x·t + log1p(exp(-|x|)) gives inf - inf = nan; on
the right side 0·inf = nan in both forms, as on both of Keras's backends."""
import math

import numpy as np
import pytest

import minikeras as keras
from minikeras.autodiff import primitives as P


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_an_infinite_logit_costs_its_limit(dtype):
    targets = np.array([0.0, 1.0, 1.0, 0.0, 0.5, 0.0], dtype)
    logits = np.array([np.inf, np.inf, -np.inf, -np.inf, np.inf, 2.0], dtype)
    loss = keras.ops.binary_crossentropy(targets, logits, from_logits=True).numpy()
    assert loss.dtype == np.dtype(dtype)
    # wrong side: inf; right side: 0·log σ(∓inf) = 0·-inf = nan; half a label: inf; a
    # finite logit keeps the stable form: log(1 + e^2)
    np.testing.assert_array_equal(loss[:5], [np.inf, np.nan, np.inf, np.nan, np.inf])
    assert float(loss[5]) == pytest.approx(math.log1p(math.exp(2.0)),
                                           rel=2e-3 if dtype == "float16" else 1e-6)


def test_the_primitive_broadcasts_labels_against_infinite_logits():
    loss = P.sigmoid_cross_entropy(np.array([[0.0], [1.0]]),
                                   np.array([[np.inf, -np.inf]] * 2)).numpy()
    np.testing.assert_array_equal(loss, [[np.inf, np.nan], [np.nan, np.inf]])
