"""Run once with real Keras 3 (torch backend): what Keras computes for the custom layers and
keras.ops pieces of round 5.

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples5_ops_fixture.py

The pieces are in tests/fixtures/examples5_ops_cases.py; this writes
tests/fixtures/keras_examples5_ops.json, which tests/compat/test_script_fidelity_examples5_ops.py
compares with minikeras (it never imports Keras).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import examples5_ops_cases as cases  # noqa: E402

if __name__ == "__main__":
    out = os.path.join(FIXTURES, "keras_examples5_ops.json")
    recorded = {name: fn(keras) for name, fn in cases.CASES.items()}
    with open(out, "w") as f:
        json.dump(recorded, f, indent=None, sort_keys=True)
    print("wrote", out)
