"""Make tests/fixtures/keras_examples18_fileinterchange.json with real Keras 3.15: for each
model of tests/fixtures/examples18_fileinterchange_cases.py (built in a fresh session and
trained two steps), the layouts of the ``.keras``, ``.weights.h5`` and legacy ``.h5`` files
Keras writes (``cases.compared_layout``), the legacy file's model and training configs
included. The two-way sweep that found what they pin down is
tools/examples18_fileinterchange_sweep.py.

Run once (Keras's Hashing and adapt need TensorFlow):
    KERAS_BACKEND=torch /work/scratch-tf/bin/python \
        tools/make_examples18_fileinterchange_fixture.py
"""
import os
import tempfile

import keras
from case_recording import write

import examples18_fileinterchange_cases as cases


def record(names):
    cases.custom_objects(keras)
    out = {}
    for name in names or cases.BUILDERS:
        keras.backend.clear_session()
        model, _, _ = cases.trained(keras, name)
        with tempfile.TemporaryDirectory() as scratch:
            out[name] = {}
            for ext in cases.EXTENSIONS:
                path = os.path.join(scratch, "model" + ext)
                try:
                    (model.save_weights if ext == ".weights.h5" else model.save)(path)
                except ValueError as exc:  # Keras cannot write it: not compared
                    out[name][ext] = {"keras error": str(exc).split("\n")[0]}
                    continue
                out[name][ext] = cases.compared_layout(path)
    return out


if __name__ == "__main__":
    write("keras_examples18_fileinterchange.json", record)
