"""Run once with real Keras 3 (torch backend): the errors, warnings and printed text Keras
gives for the common mistakes of round 10 (tests/fixtures/examples10_errors_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples10_errors_fixture.py

Writes tests/fixtures/keras_examples10_errors.json, which
tests/compat/test_script_fidelity_examples10_errors.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead (to compare a run by hand).
"""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import examples10_errors_cases as cases  # noqa: E402


def recorded():
    out = {}
    for name, fn in cases.CASES.items():
        with tempfile.TemporaryDirectory() as folder:
            out[name] = fn(keras, folder)
    return out


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        FIXTURES, "keras_examples10_errors.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(recorded(), f, sort_keys=True, indent=0)
    print("wrote", path)
