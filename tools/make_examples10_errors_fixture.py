"""Run once with real Keras 3 (torch backend): the errors, warnings and printed text Keras
gives for the common mistakes of round 10 (tests/fixtures/examples10_errors_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples10_errors_fixture.py

Writes tests/fixtures/keras_examples10_errors.json, which
tests/compat/test_script_fidelity_examples10_errors.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead (to compare a run by hand).
"""
from case_recording import recorded, write

import keras  # noqa: E402
import examples10_errors_cases as cases  # noqa: E402

if __name__ == "__main__":
    write("keras_examples10_errors.json", lambda names: recorded(cases, keras, names=names))
