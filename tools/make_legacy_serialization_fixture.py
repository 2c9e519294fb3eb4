"""Writes tests/fixtures/keras_legacy_serialization.json from real Keras 3.15 (run once,
outside the project's environment):

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_legacy_serialization_fixture.py

The cases are in tests/fixtures/legacy_serialization_cases.py; the tests run them with
minikeras.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
sys.path.insert(0, FIXTURES)

import keras  # noqa: E402
import legacy_serialization_cases as cases  # noqa: E402


def main():
    out = {"keras_version": keras.__version__, "serialize": cases.serialize_cases(keras),
           "deserialize": cases.deserialize_cases(keras)}
    with open(os.path.join(FIXTURES, "keras_legacy_serialization.json"), "w",
              encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
