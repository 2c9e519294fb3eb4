"""Keras guide "Training & evaluation with the built-in methods", the parts beyond plain fit.

``self.add_loss(value)`` inside ``call`` adds the value to the loss of that forward pass
(training and evaluation, and to the logged ``loss``); penalties from earlier calls are
dropped. The numbers below are derived by hand.
"""
import os

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops
from tests.optional_extras import require_module


class ActivityRegularizationLayer(layers.Layer):
    """The guide's pass-through layer: adds 0.1 * sum(inputs) to the loss."""

    def call(self, inputs):
        self.add_loss(ops.sum(inputs) * 0.1)
        return inputs


def zero_model():
    model = keras.Sequential([keras.Input((2,)), ActivityRegularizationLayer(),
                              layers.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    return model


def test_add_loss_is_added_per_forward_pass_to_fit_and_evaluate():
    model = zero_model()
    x, y = np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")
    # Prediction 0 = target, so mse is 0; each batch of 2 rows adds 0.1 * 4 = 0.4.
    history = model.fit(x, y, batch_size=2, epochs=2, verbose=0)
    assert history.history["loss"] == pytest.approx([0.4, 0.4], rel=1e-6)
    # One batch of 4 rows: 0.1 * 8 = 0.8.
    assert model.evaluate(x, y, batch_size=4, verbose=0) == pytest.approx(0.8, rel=1e-6)
    assert model.train_on_batch(x, y) == pytest.approx(0.8, rel=1e-6)


def test_model_losses_hold_only_the_latest_call():
    model = zero_model()
    model(np.ones((1, 2), "float32"))
    model(np.full((1, 2), 2.0, "float32"))
    assert [float(np.asarray(l)) for l in model.losses] == pytest.approx([0.4])


class PenalizedScale(layers.Layer):
    """Passes its input through and penalizes its weight s by sum(s**2)."""

    def build(self, input_shape):
        self.s = self.add_weight(shape=(1,), initializer="ones", name="s")

    def call(self, inputs):
        self.add_loss(ops.sum(ops.square(self.s)))
        return inputs


def test_add_loss_gradient_reaches_the_weights():
    model = keras.Sequential([keras.Input((2,)), PenalizedScale(),
                              layers.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.fit(np.ones((2, 2), "float32"), np.zeros((2, 1), "float32"), batch_size=2, verbose=0)
    # d(s^2)/ds = 2s = 2, so s = 1 - 0.1 * 2 = 0.8
    assert model.layers[0].get_weights()[0] == pytest.approx([0.8])


def test_tensorboard_callback_writes_keras_folder_layout(tmp_path):
    require_module("tensorboard", "tensorboard")
    model = zero_model()
    board = keras.callbacks.TensorBoard(log_dir=str(tmp_path / "logs"), histogram_freq=0,
                                        embeddings_freq=0, update_freq="epoch")
    model.fit(np.ones((2, 2), "float32"), np.zeros((2, 1), "float32"), verbose=0,
              validation_data=(np.ones((2, 2), "float32"), np.zeros((2, 1), "float32")),
              callbacks=[board])
    for run in ("train", "validation"):
        files = os.listdir(tmp_path / "logs" / run)
        assert len(files) == 1 and files[0].startswith("events.out.tfevents.")


def test_custom_metric_subclass_with_add_variable_accumulates_over_the_epoch():
    class CountPositives(keras.metrics.Metric):
        def __init__(self, name="count_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.count = self.add_variable(shape=(), initializer="zeros", name="count")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.count.assign_add(ops.sum(ops.cast(y_true > 0.5, "float32")))

        def result(self):
            return self.count.value

    model = zero_model()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse",
                  metrics=[CountPositives()])
    y = np.array([[1.0], [0.0], [1.0], [1.0], [0.0]], "float32")
    history = model.fit(np.zeros((5, 2), "float32"), y, batch_size=2, epochs=2, verbose=0)
    assert history.history["count_positives"] == [3.0, 3.0]  # reset at each epoch start
