"""Make tests/fixtures/keras_shared_submodel.keras (+ _io.npz) with real Keras 3: a siamese
functional model that calls one functional encoder (Dense, Dropout) on two inputs, then
subtracts and scales the codes with keras.ops on KerasTensors (a number first: ``2.0 *``).

Keras writes the encoder's calls as node 0 and 1 in the calls' arguments but as 1 and 2 in
``output_layers`` (its own node counted first), and records ``training: false`` on the
Dropout call. Run once, outside the project's environment:
    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_shared_submodel_fixture.py
"""
import os

import keras
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures")
keras.utils.set_random_seed(0)
L = keras.layers

code_in = keras.Input((3,), name="code_in")
encoder = keras.Model(code_in, L.Dropout(0.5)(L.Dense(4, name="proj")(code_in)),
                      name="encoder")
left, right = keras.Input((3,), name="left"), keras.Input((3,), name="right")
code_left, code_right = encoder(left), encoder(right)
distance = 2.0 * keras.ops.abs(code_left - code_right)
model = keras.Model([left, right], [distance, code_left, code_right], name="siamese")
model.save(os.path.join(OUT, "keras_shared_submodel.keras"))

rng = np.random.default_rng(0)
a, b = rng.normal(size=(2, 3)).astype("float32"), rng.normal(size=(2, 3)).astype("float32")
outputs = model.predict([a, b], verbose=0)
np.savez(os.path.join(OUT, "keras_shared_submodel_io.npz"), left=a, right=b,
         distance=outputs[0], code_left=outputs[1], code_right=outputs[2])
