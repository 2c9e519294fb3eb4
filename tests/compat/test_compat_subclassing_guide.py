"""Keras guide "Making new layers and models via subclassing", run side by side with Keras
3.15 (torch backend); the behaviours below are what Keras printed for the guide's code."""
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops


class ActivityRegularizationLayer(layers.Layer):
    """The guide's layer: adds rate * mean(inputs) to the loss, has no weights."""

    def __init__(self, rate=1e-2):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ops.mean(inputs))
        return inputs


def test_fit_of_a_model_without_trainable_weights_warns_each_step_and_updates_nothing():
    # The guide fits keras.Model(inputs, ActivityRegularizationLayer()(inputs)); Keras 3.15
    # warns "The model does not have any trainable weights." on each training step, builds
    # the optimizer and leaves its iteration count at 0.
    inputs = keras.Input((3,))
    model = keras.Model(inputs, ActivityRegularizationLayer(rate=0.5)(inputs))
    model.compile(optimizer="adam", loss="mse")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(np.ones((4, 3)), np.zeros((4, 3)), batch_size=2, epochs=2,
                            verbose=0)
    messages = [str(w.message) for w in caught]
    assert messages == ["The model does not have any trainable weights."] * 4
    assert model.optimizer.built
    assert int(ops.convert_to_numpy(model.optimizer.iterations)) == 0
    # mse(1, 0) = 1 plus 0.5 * mean(ones) = 0.5, every step.
    assert history.history["loss"] == pytest.approx([1.5, 1.5])
