"""Run once with real Keras 3.15 (torch backend): what Keras prints and computes for the
keras-io vision and audio examples of round 7 (tests/fixtures/examples7_vision_cases.py).

    KERAS_BACKEND=torch /work/scratch-tf/bin/python tools/make_examples7_vision_fixture.py

The OCR and speech cases use StringLookup, which needs TensorFlow beside Keras. Writes
tests/fixtures/keras_examples7_vision.json and two model files (keras_examples7_convmixer
.keras, keras_examples7_pointnet.keras) with the inputs and predictions to check them by;
tests/compat/test_script_fidelity_examples7_vision.py compares minikeras with them (it never
imports Keras).
"""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import examples7_vision_cases as cases  # noqa: E402


def saved_models():
    """Two trained models saved as .keras files, with what they predict."""
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        model, _ = cases.convmixer_trained(keras, folder)
    model.save(os.path.join(FIXTURES, "keras_examples7_convmixer.keras"))
    out["convmixer_file_predict"] = cases.floats(model.predict(cases.CONVMIXER_INPUT,
                                                               verbose=0))
    model = cases.pointnet_trained(keras)
    model.save(os.path.join(FIXTURES, "keras_examples7_pointnet.keras"))
    out["pointnet_file_predict"] = cases.floats(model.predict(cases.POINTS[:3], verbose=0))
    return out


def recorded(names):
    out = {}
    for name in names:
        print("case", name, flush=True)
        out[name] = cases.CASES[name](keras)
    return out


if __name__ == "__main__":
    path = os.path.join(FIXTURES, "keras_examples7_vision.json")
    names = sys.argv[1:] or list(cases.CASES)
    result = recorded(names)
    if not sys.argv[1:]:
        result.update(saved_models())
        with open(path, "w", encoding="utf-8") as f:
            json.dump(result, f, sort_keys=True, separators=(",", ":"))
        print("wrote", path)
    else:
        print(json.dumps(result, indent=1)[:20000])
