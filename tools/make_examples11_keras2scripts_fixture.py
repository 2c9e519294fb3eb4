"""Run once: each Keras 2 era script piece (tests/fixtures/examples11_keras2scripts_cases.py)
under Keras 3.15 (torch backend) and under tf_keras 2.21 (the Keras 2 API on TensorFlow 2.21).

    KERAS_BACKEND=torch /work/scratch-tf/bin/python tools/make_examples11_keras2scripts_fixture.py

(scratch-tf has both keras 3.15.1 and tf_keras 2.21.) tf_keras runs the cases with
``keras.optimizers`` as ``tf_keras.optimizers.legacy``: the optimizers of Keras 2.0-2.10, which
the scripts were written for (tf_keras's newer ones drop ``lr=`` with a logged warning and
train at the default rate, and raise on ``decay=``). Writes
tests/fixtures/keras_examples11_keras2scripts.json: {"keras3": {case: record}, "tf_keras2":
{case: record}}, which tests/compat/test_script_fidelity_examples11_keras2scripts.py compares
with minikeras (it never imports Keras). With a path argument the record goes there instead.
"""
import json
import os
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import tf_keras  # noqa: E402
import examples11_keras2scripts_cases as cases  # noqa: E402


def keras2_with_legacy_optimizers():
    """tf_keras as a module whose ``optimizers`` are Keras 2.0-2.10's (``.legacy``)."""
    module = types.ModuleType("tf_keras")
    module.__dict__.update({n: getattr(tf_keras, n) for n in dir(tf_keras)
                            if not n.startswith("__")})
    module.optimizers = tf_keras.optimizers.legacy
    return module


def recorded(library):
    out = {}
    for name, fn in cases.CASES.items():
        with tempfile.TemporaryDirectory() as folder:
            out[name] = fn(library, folder)
    return out


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        FIXTURES, "keras_examples11_keras2scripts.json")
    record = {"keras3": recorded(keras), "tf_keras2": recorded(keras2_with_legacy_optimizers())}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, sort_keys=True, indent=0)
    print("wrote", path)
