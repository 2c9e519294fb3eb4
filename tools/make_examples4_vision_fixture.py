"""Run once with real Keras 3 (torch backend): what Keras prints and computes for the
keras-io vision examples and guides of round 4 (tests/fixtures/examples4_vision_cases.py).

    KERAS_BACKEND=torch PYTHONPATH=<a tensorflow-cpu install> \\
        /work/scratch-keras/bin/python tools/make_examples4_vision_fixture.py

Keras's image_dataset_from_directory builds a tf.data pipeline, so TensorFlow must be
importable (``pip install --no-deps --target DIR tensorflow-cpu`` and its few pure-Python
dependencies, then PYTHONPATH=DIR). Writes tests/fixtures/keras_examples4_vision.json,
keras_transfer_learning.keras and keras_private_layers.keras, which
tests/compat/test_script_fidelity_examples4_vision.py compares with minikeras (it never
imports Keras).
"""
import inspect
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import examples4_vision_cases as cases  # noqa: E402


def run_case(fn):
    """fn(keras), or fn(keras, folder) in a fresh temporary folder."""
    if "folder" in inspect.signature(fn).parameters:
        with tempfile.TemporaryDirectory() as folder:
            return fn(keras, folder)
    return fn(keras)


def recorded():
    out = {name: run_case(fn) for name, fn in cases.CASES.items()}
    model = cases.transfer_learning_model(keras)
    model.save(os.path.join(FIXTURES, "keras_transfer_learning.keras"))
    out["transfer_learning_file_predictions"] = cases.floats(model.predict(
        cases.TRANSFER_FILE_INPUT, verbose=0))
    model = cases.private_layers_model(keras)
    model.save(os.path.join(FIXTURES, "keras_private_layers.keras"))
    out["private_layers_predictions"] = cases.floats(model.predict(
        cases.PRIVATE_LAYERS_INPUT, verbose=0))
    return out


if __name__ == "__main__":
    path = os.path.join(FIXTURES, "keras_examples4_vision.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(recorded(), f, sort_keys=True, separators=(",", ":"))
    print("wrote", path)
