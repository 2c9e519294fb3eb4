"""Make tests/fixtures/keras_ops_model.keras (+ _io.npz) with real Keras 3: a functional
model made of keras.ops calls on KerasTensors, with arguments given by position (the
``(-1, 2, 2)`` of reshape, the ``"float32"`` of cast), numbers first (``1.0 - x``),
comparisons (``x > 0.5``) and aliases (``abs``, recorded as ``Absolute``).

Run once, outside the project's environment:
    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_keras_ops_model_fixture.py
"""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures")


def ops_model(keras):
    """The model (the same code builds it in minikeras's test, after clear_session)."""
    ops = keras.ops
    x = keras.Input((4,), name="x")
    folded = ops.transpose(ops.reshape(x, (-1, 2, 2)), (0, 2, 1))
    mean = ops.mean(folded, 1)
    pair = ops.concatenate([ops.expand_dims(mean, 1), ops.expand_dims(mean, 1)], 1)
    clipped = ops.clip(ops.abs(1.0 - x), 0.2, 0.9)
    kept = ops.where(x > 0.5, x, 0.0)
    norm = ops.cast(ops.sum(x ** 2, axis=-1, keepdims=True), "float32")
    padded = ops.pad(ops.reshape(x, (-1, 2, 2)), ((0, 0), (1, 0), (0, 0)), constant_values=0.0)
    return keras.Model(x, [folded, mean, pair, clipped, kept, norm, padded,
                           ops.softmax(x, axis=-1)], name="ops_model")


if __name__ == "__main__":
    import keras

    model = ops_model(keras)
    model.save(os.path.join(OUT, "keras_ops_model.keras"))
    x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
    np.savez(os.path.join(OUT, "keras_ops_model_io.npz"), x=x,
             **{f"out{i}": out for i, out in enumerate(model.predict(x, verbose=0))})
