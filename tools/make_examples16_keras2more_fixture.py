"""Run once: each Keras 2 era script piece (tests/fixtures/examples16_keras2more_cases.py)
under Keras 3.15 (torch backend) and under tf_keras 2.21 with Keras 2.0-2.10's optimizers,
as tools/make_examples11_keras2scripts_fixture.py records its pieces.

    KERAS_BACKEND=torch /work/scratch-tf/bin/python tools/make_examples16_keras2more_fixture.py

Writes tests/fixtures/keras_examples16_keras2more.json: {"keras3": {case: record},
"tf_keras2": {case: record}}, which tests/compat/test_script_fidelity_examples16_keras2more.py
compares with minikeras (command line: tools/case_recording.py's).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from case_recording import recorded, write  # noqa: E402
import keras  # noqa: E402
import examples16_keras2more_cases as cases  # noqa: E402
from make_examples11_keras2scripts_fixture import keras2_with_legacy_optimizers  # noqa: E402


def record(names):
    return {"keras3": recorded(cases, keras, names=names),
            "tf_keras2": recorded(cases, keras2_with_legacy_optimizers(), names=names)}


if __name__ == "__main__":
    write("keras_examples16_keras2more.json", record)
