"""Run once with real Keras 3 (torch backend): what Keras prints, records and computes for
keras-io's graph examples and the keras_rs recommender examples written with plain Keras
layers (tests/fixtures/examples11_graphrec_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples11_graphrec_fixture.py

Writes tests/fixtures/keras_examples11_graphrec.json, which
tests/compat/test_script_fidelity_examples11_graphrec.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead (to compare a run by
hand), and further arguments name the cases to run.
"""
from case_recording import recorded, write

import keras  # noqa: E402
import examples11_graphrec_cases as cases  # noqa: E402

if __name__ == "__main__":
    write("keras_examples11_graphrec.json", lambda names: recorded(cases, keras, names=names, folder=False))
