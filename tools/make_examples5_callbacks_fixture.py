"""Run once with real Keras 3 (torch backend): what Keras prints, records and writes for the
callback and training-loop scripts of round 5 (tests/fixtures/examples5_callbacks_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples5_callbacks_fixture.py

Writes tests/fixtures/keras_examples5_callbacks.json, which
tests/compat/test_script_fidelity_examples5_callbacks.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead (to compare a run by hand).
"""
from case_recording import recorded, write

import keras  # noqa: E402
import examples5_callbacks_cases as cases  # noqa: E402

if __name__ == "__main__":
    write("keras_examples5_callbacks.json", lambda names: recorded(cases, keras, names=names))
