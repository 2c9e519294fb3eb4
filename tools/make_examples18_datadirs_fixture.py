"""Run once with real Keras 3 on TensorFlow's Python (its data utilities build tf.data
pipelines): what Keras's directory datasets, timeseries windows, split_dataset and a
PyDataset in fit give for the cases of tests/fixtures/examples18_datadirs_cases.py.

    KERAS_BACKEND=torch /work/scratch-tf/bin/python tools/make_examples18_datadirs_fixture.py

Writes tests/fixtures/keras_examples18_datadirs.json, which
tests/compat/test_script_fidelity_examples18_datadirs.py compares with minikeras (it never
imports Keras). With a path argument the record goes there instead, and further arguments
name the cases to run.
"""
from case_recording import recorded, write

import keras  # noqa: E402
import examples18_datadirs_cases as cases  # noqa: E402

if __name__ == "__main__":
    write("keras_examples18_datadirs.json", lambda names: recorded(cases, keras, names=names))
