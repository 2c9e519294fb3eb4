"""Run once with real Keras 3 (torch backend): what Keras returns, prints and raises for the
small utilities of round 6.

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples6_utils_fixture.py

The cases are in tests/fixtures/examples6_utils_cases.py; this writes
tests/fixtures/keras_examples6_utils.json, which
tests/compat/test_script_fidelity_examples6_utils.py compares with minikeras (it never
imports Keras).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import examples6_utils_cases as cases  # noqa: E402

if __name__ == "__main__":
    out = os.path.join(FIXTURES, "keras_examples6_utils.json")
    recorded = {name: run(keras) for name, run in cases.CASES.items()}
    recorded["keras_version"] = keras.__version__
    with open(out, "w") as f:
        json.dump(recorded, f, indent=None, sort_keys=True)
    print("wrote", out)
