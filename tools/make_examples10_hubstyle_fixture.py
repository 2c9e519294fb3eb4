"""Run once with real Keras 3 (torch backend): what Keras prints, computes, trains, generates
and saves for the keras-hub-style architectures of round 10
(tests/fixtures/examples10_hubstyle_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples10_hubstyle_fixture.py

Writes tests/fixtures/keras_examples10_hubstyle.json, which
tests/compat/test_script_fidelity_examples10_hubstyle.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead (to compare a run by
hand), and further arguments name the cases to run.
"""
import json
import os
import sys
import tempfile

os.environ["COLUMNS"] = "80"  # the summaries' width, as the test sets it
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import examples10_hubstyle_cases as cases  # noqa: E402


def recorded(names=None):
    out = {}
    for name, fn in cases.CASES.items():
        if names and name not in names:
            continue
        with tempfile.TemporaryDirectory() as folder:
            out[name] = fn(keras, folder)
    return out


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        FIXTURES, "keras_examples10_hubstyle.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(recorded(sys.argv[2:]), f, sort_keys=True, indent=0)
    print("wrote", path)
