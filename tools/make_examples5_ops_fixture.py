"""Run once with real Keras 3 (torch backend): what Keras computes for the custom layers and
keras.ops pieces of round 5.

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples5_ops_fixture.py

The pieces are in tests/fixtures/examples5_ops_cases.py; this writes
tests/fixtures/keras_examples5_ops.json and keras_examples5_ops_model.keras, which
tests/compat/test_script_fidelity_examples5_ops.py compares with minikeras (it never imports
Keras). For the other way round it saves the same model with minikeras (numpy only, from
this checkout) and records what Keras loads from that file.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

sys.path.insert(0, os.path.join(HERE, ".."))

import keras  # noqa: E402
import minikeras  # noqa: E402
import examples5_ops_cases as cases  # noqa: E402


def round_trips(folder):
    """Keras's predictions of the model, and what Keras loads from minikeras's file."""
    keras_model = cases.fixed_ops_model(keras)
    keras_model.save(os.path.join(FIXTURES, "keras_examples5_ops_model.keras"))
    mini_path = os.path.join(folder, "minikeras_ops_model.keras")
    cases.fixed_ops_model(minikeras).save(mini_path)
    return {"keras_predict": keras_model.predict(cases.ROUND_TRIP_INPUT, verbose=0)
            .astype("float64").tolist(),
            "keras_loads_minikeras_file": cases.loaded_model_report(keras, mini_path),
            "keras_loads_keras_file": cases.loaded_model_report(
                keras, os.path.join(FIXTURES, "keras_examples5_ops_model.keras"))}


if __name__ == "__main__":
    import tempfile
    out = os.path.join(FIXTURES, "keras_examples5_ops.json")
    recorded = {name: fn(keras) for name, fn in cases.CASES.items()}
    with tempfile.TemporaryDirectory() as folder:
        recorded["round_trips"] = round_trips(folder)
    with open(out, "w") as f:
        json.dump(recorded, f, indent=None, sort_keys=True)
    print("wrote", out)
