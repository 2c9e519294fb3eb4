"""Run once with real Keras 3.15 (torch backend) and tensorflow beside it (Keras's
TextVectorization and timeseries_dataset_from_array run on tf.data):

    KERAS_BACKEND=torch python tools/make_examples4_seq_fixture.py

The scripts are in tests/fixtures/examples4_seq_cases.py; this writes what Keras gives for
each (or the error it raised) to tests/fixtures/keras_examples4_seq.json, and the
transformer case's model to keras_examples4_transformer.keras, which
tests/compat/test_script_fidelity_examples4_seq.py compares with minikeras (it never imports
Keras).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import examples4_seq_cases as cases  # noqa: E402


def recorded():
    out = {}
    for name, run in cases.all_cases().items():
        try:
            out[name] = run(keras)
        except Exception as e:  # recorded: the test expects the same refusal
            out[name] = {"error": f"{type(e).__name__}: {e}"}
    model = cases.transformer_model(keras)
    cases.seed_weights(model)
    model.save(os.path.join(FIXTURES, "keras_examples4_transformer.keras"))
    return out


if __name__ == "__main__":
    path = os.path.join(FIXTURES, "keras_examples4_seq.json")
    with open(path, "w") as f:
        json.dump(recorded(), f, indent=1, sort_keys=True)
    print("wrote", path)
