"""Write tests/functional/fixtures/shared_submodel.keras (+ _expected.npz) with real Keras.

A functional model calling one nested functional model twice, with a subtraction of the two
calls and the second call also an output: the file's node indices inside call arguments and
at the model's edge differ by Keras's count of the nested model's own node.

Run once, outside the project's tests:
    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_shared_submodel_fixture.py
"""
import pathlib

import keras
import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "functional" / "fixtures"


def build():
    x = keras.Input((3,), name="tower_in")
    tower = keras.Model(x, keras.layers.Dense(2, name="proj")(x), name="tower")
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    ta, tb = tower(a), tower(b)
    diff = keras.layers.Subtract(name="diff")([ta, tb])
    return keras.Model([a, b], [diff, tb], name="shared")


if __name__ == "__main__":
    keras.utils.set_random_seed(3)
    model = build()
    model.save(OUT / "shared_submodel.keras")
    xa = np.arange(6, dtype="float32").reshape(2, 3) / 5.0
    xb = np.ones((2, 3), "float32")
    diff, tb = model.predict([xa, xb], verbose=0)
    np.savez(OUT / "shared_submodel_expected.npz", xa=xa, xb=xb, diff=diff, tb=tb)
