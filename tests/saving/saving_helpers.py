"""Shared pieces of the saving tests: the reference models, data and an HDF5 lister."""
import h5py
import numpy as np

import minikeras as keras
from minikeras import layers

RNG = np.random.default_rng(0)
X = RNG.random((16, 3), dtype=np.float32)
Y = np.eye(2, dtype=np.float32)[np.arange(16) % 2]


def reference_model(compiled=True, trained=True, dropout=0.5):
    """KERAS_REFERENCE 9.2's model: Input(3) Dense(4, relu) BN Dropout Dense(2, softmax), "seq".

    Layer and optimizer names are given explicitly, as a fresh Keras session would name them.
    """
    model = keras.Sequential([
        keras.Input((3,)), layers.Dense(4, activation="relu", name="dense"),
        layers.BatchNormalization(name="batch_normalization"),
        layers.Dropout(dropout, name="dropout"),
        layers.Dense(2, activation="softmax", name="dense_1")], name="seq")
    if compiled:
        model.compile(keras.optimizers.Adam(0.01, name="adam"), "categorical_crossentropy",
                      metrics=["accuracy"])
        if trained:
            model.fit(X, Y, epochs=1, verbose=0, shuffle=False)
    return model


def dense_model(name="net", names=("a", "b"), compiled=False):
    """Input(3) -> Dense(4, relu) -> Dense(2) with the given layer names."""
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="relu", name=names[0]),
                              layers.Dense(2, name=names[1])], name=name)
    if compiled:
        model.compile(keras.optimizers.Adam(0.01), "mse")
    return model


def listing(source):
    """{"/path": (kind, detail)} for every group and dataset, plus "ROOT" attributes.

    Groups give ("group", {attr: value}); datasets give ("dataset", shape, dtype name).
    String attributes are decoded to str; arrays of strings to lists of str.
    """
    out = {}
    with h5py.File(source, "r") as f:
        out["ROOT"] = ("group", {k: _attr(v) for k, v in f.attrs.items()})

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out["/" + name] = ("dataset", obj.shape, obj.dtype.name)
            else:
                out["/" + name] = ("group", {k: _attr(v) for k, v in obj.attrs.items()})
        f.visititems(visit)
    return out


def _attr(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return [v.decode() if isinstance(v, bytes) else v for v in value.tolist()]
    return value


def weights_of(model):
    return [w.copy() for w in model.get_weights()]
