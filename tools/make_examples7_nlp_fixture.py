"""Run once with real Keras 3.15 (torch backend) and tensorflow beside it (TextVectorization
and StringLookup run on TensorFlow, outside the models):

    KERAS_BACKEND=torch /work/scratch-tf/bin/python tools/make_examples7_nlp_fixture.py

The scripts are in tests/fixtures/examples7_nlp_cases.py; this writes what Keras gives for
each (or the error it raised) to tests/fixtures/keras_examples7_nlp.json, and three of the
models, weights seeded, as Keras saves them (keras_examples7_<name>.keras: the translation
Transformer, the FNet classifier, the TabTransformer), which
tests/compat/test_script_fidelity_examples7_nlp.py loads and compares with minikeras (it
never imports Keras).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import examples7_nlp_cases as cases  # noqa: E402


def recorded():
    out = {}
    for name, run in cases.all_cases().items():
        try:
            out[name] = run(keras)
        except Exception as e:  # recorded: the test expects the same refusal
            out[name] = {"error": f"{type(e).__name__}: {e}"}
    return out


def save_models():
    for name in cases.SAVED_MODELS:
        keras.backend.clear_session()
        model = cases.saved_model(keras, name)
        model.save(os.path.join(FIXTURES, f"keras_examples7_{name}.keras"))


if __name__ == "__main__":
    os.environ["COLUMNS"] = "80"
    results = recorded()
    save_models()
    path = os.path.join(FIXTURES, "keras_examples7_nlp.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    print("wrote", path)
