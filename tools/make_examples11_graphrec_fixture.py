"""Run once with real Keras 3 (torch backend): what Keras prints, records and computes for
keras-io's graph examples and the keras_rs recommender examples written with plain Keras
layers (tests/fixtures/examples11_graphrec_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples11_graphrec_fixture.py

Writes tests/fixtures/keras_examples11_graphrec.json, which
tests/compat/test_script_fidelity_examples11_graphrec.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead (to compare a run by
hand), and further arguments name the cases to run.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import examples11_graphrec_cases as cases  # noqa: E402


def recorded(names=None):
    return {name: fn(keras) for name, fn in cases.CASES.items()
            if not names or name in names}


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        FIXTURES, "keras_examples11_graphrec.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(recorded(sys.argv[2:]), f, sort_keys=True, indent=0)
    print("wrote", path)
