"""Run once with real Keras 3 (torch backend): what Keras prints, computes, trains, generates
and saves for the keras-hub-style architectures of round 10
(tests/fixtures/examples10_hubstyle_cases.py).

    KERAS_BACKEND=torch /work/scratch-keras/bin/python tools/make_examples10_hubstyle_fixture.py

Writes tests/fixtures/keras_examples10_hubstyle.json, which
tests/compat/test_script_fidelity_examples10_hubstyle.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead (to compare a run by
hand), and further arguments name the cases to run.
"""
import os

from case_recording import recorded, write

os.environ["COLUMNS"] = "80"  # the summaries' width, as the test sets it
import keras  # noqa: E402
import examples10_hubstyle_cases as cases  # noqa: E402

if __name__ == "__main__":
    write("keras_examples10_hubstyle.json", lambda names: recorded(cases, keras, names=names))
