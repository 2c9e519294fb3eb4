"""Run once with real Keras 3.15 (torch backend) and TensorFlow beside it (the text
tutorial's TextVectorization runs on TensorFlow, outside the model): what Keras prints,
computes and writes for the beginner tutorials of round 8
(tests/fixtures/examples8_tutorials_cases.py).

    KERAS_BACKEND=torch /work/scratch-tf/bin/python tools/make_examples8_tutorials_fixture.py

Writes tests/fixtures/keras_examples8_tutorials.json, which
tests/compat/test_script_fidelity_examples8_tutorials.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead (to compare a run by
hand); with case names after it, only those cases run.
"""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import examples8_tutorials_cases as cases  # noqa: E402


def recorded(names):
    out = {}
    for name in names:
        with tempfile.TemporaryDirectory() as folder:
            out[name] = cases.CASES[name](keras, folder)
    return out


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        FIXTURES, "keras_examples8_tutorials.json")
    names = sys.argv[2:] or sorted(cases.CASES)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(recorded(names), f, sort_keys=True, indent=0)
    print("wrote", path)
