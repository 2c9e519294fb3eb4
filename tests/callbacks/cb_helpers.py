"""Shared helpers for the callback tests: a tiny real model and a logs injector."""
import numpy as np
import minikeras as keras

X = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [1.0, 1.0, 0.0], [2.0, 0.0, 1.0]], "float32")
Y = np.array([[1.0], [0.0], [1.0], [0.0]], "float32")


class Inject(keras.callbacks.Callback):
    """Overwrites epoch-end logs keys with chosen sequences (put it first in `callbacks`)."""

    def __init__(self, **sequences):
        super().__init__()
        self.sequences = sequences

    def on_epoch_end(self, epoch, logs=None):
        for key, values in self.sequences.items():
            logs[key] = float(values[epoch])


class WeightRecorder(keras.callbacks.Callback):
    """Keeps a copy of the weights at every epoch end."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def tiny_model(learning_rate=0.1, metrics=None, zero=False):
    """Dense(1) on 3 inputs, SGD, mse. ``zero=True``: all weights 0, so predictions are 0."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mse",
                  metrics=metrics)
    if zero:
        model.set_weights([np.zeros((3, 1), "float32"), np.zeros((1,), "float32")])
    return model
