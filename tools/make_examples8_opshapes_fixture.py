"""Run once with real Keras 3 (torch backend): the shapes and dtypes of keras.ops on
KerasTensors with unknown axes and on plain Python lists and numbers.

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples8_opshapes_fixture.py

Writes tests/fixtures/keras_examples8_opshapes.json ({"symbolic": {id: outcome}, "eager":
{id: outcome}}) from the cases of tests/fixtures/examples8_opshapes_cases.py;
tests/ops/test_ops_symbolic_vs_keras.py compares minikeras with it.
"""
import json
import pathlib
import sys

import keras

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import examples8_opshapes_cases as cases  # noqa: E402

OUT = ROOT / "tests" / "fixtures" / "keras_examples8_opshapes.json"


def main():
    fixture = {
        "keras_version": keras.__version__,
        "symbolic": {case[0]: cases.run(keras, case, True) for case in cases.SYMBOLIC},
        "eager": {case[0]: cases.run(keras, case, False) for case in cases.EAGER},
    }
    OUT.write_text(json.dumps(fixture, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(fixture['symbolic'])} symbolic, {len(fixture['eager'])} eager")


if __name__ == "__main__":
    main()
