"""Writes tests/fixtures/keras_training_probe.json from real Keras 3.15 (run once, outside
the project's environment):

    COLUMNS=80 KERAS_BACKEND=torch /work/scratch-keras/bin/python \
        tools/make_training_probe_fixture.py

The scripts are in tests/fixtures/training_probe_cases.py; the tests run them with minikeras.
"""
import json
import os
import sys

os.environ["COLUMNS"] = "80"
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))

import keras  # noqa: E402
import training_probe_cases as cases  # noqa: E402


def main():
    out = {"keras_version": keras.__version__,
           "summaries": {name: case(keras) for name, case in cases.SUMMARY_CASES.items()},
           "dict_output_training": cases.dict_output_training(keras)}
    path = os.path.join(HERE, "..", "tests", "fixtures", "keras_training_probe.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
