"""Run once with real Keras 3 (torch backend): what Keras prints, records and writes for the
object detection and segmentation scripts of round 10
(tests/fixtures/examples10_detection_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples10_detection_fixture.py

Writes tests/fixtures/keras_examples10_detection.json, which
tests/compat/test_script_fidelity_examples10_detection.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead (to compare a run by hand).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import examples10_detection_cases as cases  # noqa: E402


def recorded():
    out = {}
    for name, fn in cases.CASES.items():
        out[name] = fn(keras)
    return out


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        FIXTURES, "keras_examples10_detection.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(recorded(), f, sort_keys=True, indent=0)
    print("wrote", path)
