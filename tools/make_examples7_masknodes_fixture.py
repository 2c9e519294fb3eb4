"""Run once with real Keras 3 (torch backend): what Keras makes of masked functional models
(the ops of compute_mask as graph nodes) for the scripts of round 7.

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples7_masknodes_fixture.py

The cases are in tests/fixtures/examples7_masknodes_cases.py; this writes
tests/fixtures/keras_examples7_masknodes.json and the .keras file of the cases' file_model
(keras_examples7_masknodes.keras), which
tests/compat/test_script_fidelity_examples7_masknodes.py compares with minikeras (it never
imports Keras).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import examples7_masknodes_cases as cases  # noqa: E402

if __name__ == "__main__":
    out = os.path.join(FIXTURES, "keras_examples7_masknodes.json")
    recorded = {name: run(keras) for name, run in cases.CASES.items()}
    recorded["keras_version"] = keras.__version__
    with open(out, "w") as f:
        json.dump(recorded, f, indent=None, sort_keys=True)
    keras.backend.clear_session()
    model = cases.file_model(keras)
    cases.seed_weights(model)
    model.save(os.path.join(FIXTURES, cases.KERAS_FILE))
    print("wrote", out, "and", cases.KERAS_FILE)
