"""Run once with real Keras 3 (torch backend): what Keras returns for the small calls in
tests/fixtures/docstring_divergences_cases.py (the divergences that
tools/docstring_examples_sweep.py found, on inputs written for the tests).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_docstring_divergences_fixture.py

Writes tests/fixtures/docstring_divergences.json, which
tests/compat/test_docstring_divergences.py compares with minikeras (it never imports Keras).
A call that raises in Keras is recorded as {"raises": <exception class name>}.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import docstring_divergences_cases as cases  # noqa: E402


def recorded():
    out = {}
    for name, fn in cases.CASES.items():
        try:
            out[name] = cases.describe(keras, fn(keras))
        except Exception as error:  # noqa: BLE001 - the outcome is the record
            out[name] = {"raises": type(error).__name__}
    return out


if __name__ == "__main__":
    path = os.path.join(FIXTURES, "docstring_divergences.json")
    with open(path, "w") as f:
        json.dump(recorded(), f, indent=1, sort_keys=True)
    print("wrote", path)
