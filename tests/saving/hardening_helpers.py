"""Shared pieces of the hardening tests: model snapshots and the documented load errors."""
import numpy as np

import minikeras as keras
from minikeras import layers

# What a load of a malformed file may raise (UnreadableFileError, UnsafeFileError and
# MissingFileError are ValueErrors; TypeError is a class that cannot be found or built).
DOCUMENTED = (ValueError, TypeError)


def small_model(compiled=True, seed=0):
    """Input(3) Dense(4) BatchNormalization Dense(2), its weights drawn from ``seed``."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="relu"),
                              layers.BatchNormalization(), layers.Dense(2)], name="small")
    if compiled:
        model.compile(keras.optimizers.Adam(0.01), "mse")
        x = np.random.default_rng(seed).random((8, 3), dtype=np.float32)
        model.fit(x, x[:, :2], epochs=1, verbose=0)
    return model


def state(model):
    """Every weight and optimizer variable of ``model`` as (dtype, shape, bytes), in order."""
    variables = list(model.weights)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        variables += list(optimizer.variables)
    return [(v.numpy().dtype.str, v.numpy().shape, v.numpy().tobytes()) for v in variables]


def weight_values(model):
    return [v.numpy().copy() for v in model.weights]
