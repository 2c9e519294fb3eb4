"""Run once with real Keras 3 (torch backend): the errors, warnings and printed text Keras
gives for the common mistakes of round 15 (tests/fixtures/examples15_errors2_cases.py).

    KERAS_BACKEND=torch /work/scratch-tf/bin/python tools/make_examples15_errors2_fixture.py

(the Keras beside TensorFlow: StringLookup and TextVectorization need it; the backend is
still torch.)

Writes tests/fixtures/keras_examples15_errors2.json, which
tests/compat/test_script_fidelity_examples15_errors2.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead (to compare a run by hand).
"""
from case_recording import recorded, write

import keras  # noqa: E402
import examples15_errors2_cases as cases  # noqa: E402

if __name__ == "__main__":
    write("keras_examples15_errors2.json", lambda names: recorded(cases, keras, names=names))
