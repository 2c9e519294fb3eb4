"""Run once with real Keras 3 (torch backend): random layers' seed-generator state (where
it is listed, how it counts, what files and the state tree hold) and which layers Keras
builds in ``__init__`` (tests/fixtures/examples14_seedstate_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples14_seedstate_fixture.py

Writes tests/fixtures/keras_examples14_seedstate.json, which
tests/compat/test_script_fidelity_examples14_seedstate.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead (to compare a run by
hand), and further arguments name the cases to run.
"""
from case_recording import recorded, write

import keras  # noqa: E402
import examples14_seedstate_cases as cases  # noqa: E402

if __name__ == "__main__":
    write("keras_examples14_seedstate.json",
          lambda names: recorded(cases, keras, names=names))
