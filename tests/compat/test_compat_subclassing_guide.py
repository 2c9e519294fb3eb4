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


class SumPenalty(layers.Layer):
    def call(self, x):
        self.add_loss(ops.sum(x))
        return x


class PenalizedModel(keras.Model):
    """Adds 5.0 itself; its sublayer `a` adds sum(x); `d` adds nothing."""

    def __init__(self):
        super().__init__()
        self.a = SumPenalty()
        self.d = layers.Dense(1, kernel_initializer="ones")

    def call(self, x):
        self.add_loss(ops.mean(x) * 0.0 + 5.0)
        return self.d(self.a(x))


def _values(losses):
    return [float(ops.convert_to_numpy(loss)) for loss in losses]


def test_calling_a_sublayer_clears_only_that_sublayer_s_losses():
    # Keras 3.15 (the subclassing guide's "layer.losses is reset at the start of every
    # __call__ to the top-level layer"): a call from outside any layer clears the losses of
    # that layer and the layers inside it; the model's other layers keep the values of the
    # model's last call. minikeras dropped every layer's losses on any new outside call.
    model = PenalizedModel()
    ones = np.ones((4, 2), "float32")
    model.compile("sgd", "mse")
    model.fit(ones, np.zeros((4, 1)), batch_size=2, verbose=0)
    assert _values(model.losses) == [5.0, 4.0]  # the last batch: 2 rows of ones
    model.d(ones)
    assert _values(model.losses) == [5.0, 4.0]
    model.a(ones * 2)
    assert _values(model.losses) == [5.0, 16.0]
    model(ones * 3)
    assert _values(model.losses) == [5.0, 24.0]
    # a building (symbolic) call leaves the layer no losses
    model.a(keras.Input((2,)))
    assert _values(model.losses) == [5.0]
