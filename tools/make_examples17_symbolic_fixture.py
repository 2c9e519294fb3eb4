"""Run once with real Keras 3 (torch backend): keras.ops on KerasTensors (output shapes,
dtypes and errors) and what model.summary() prints, for the cases of
tests/fixtures/examples17_symbolic_cases.py.

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples17_symbolic_fixture.py

Writes tests/fixtures/keras_examples17_symbolic.json, which
tests/compat/test_script_fidelity_examples17_symbolic.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead (to compare a run by
hand, e.g. under KERAS_BACKEND=jax), and further arguments name the cases to run.
"""
from case_recording import recorded, write

import keras  # noqa: E402
import examples17_symbolic_cases as cases  # noqa: E402

if __name__ == "__main__":
    write("keras_examples17_symbolic.json",
          lambda names: recorded(cases, keras, names=names, folder=False))
