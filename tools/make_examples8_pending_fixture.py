"""Run once with real Keras 3 (torch backend): the Model API around compile / fit /
evaluate, clone_model's input names and the metrics' dtypes (round 8).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples8_pending_fixture.py

The cases are in tests/fixtures/examples8_pending_cases.py; this writes
tests/fixtures/keras_examples8_pending.json, which
tests/compat/test_script_fidelity_examples8_pending.py compares with minikeras (it never
imports Keras).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import examples8_pending_cases as cases  # noqa: E402

if __name__ == "__main__":
    out = os.path.join(FIXTURES, "keras_examples8_pending.json")
    recorded = {name: run(keras) for name, run in cases.CASES.items()}
    with open(out, "w") as f:
        json.dump(recorded, f, indent=1, sort_keys=True)
    print("wrote", out)
